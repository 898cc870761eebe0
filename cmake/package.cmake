# package.cmake - what `cmake --install` puts beside the compiler and the
# runtime (their install() rules are in compiler/ and runtime/): the CMake
# package (find_package(xnorcc): xnorcc::xnorcc, xnorcc::runtime,
# xnorcc_add_model; xnorccConfig.cmake.in) and the pkg-config file xnorcc.pc.
# Both are relocatable, so `cmake --install build --prefix DIR` works for any
# DIR. tests/app/install.sh builds a consumer project both ways.
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

set(XN_CMAKE_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/xnorcc)
install(EXPORT xnorccTargets NAMESPACE xnorcc:: DESTINATION ${XN_CMAKE_DIR})
configure_package_config_file(${CMAKE_CURRENT_LIST_DIR}/xnorccConfig.cmake.in
  ${PROJECT_BINARY_DIR}/xnorccConfig.cmake INSTALL_DESTINATION ${XN_CMAKE_DIR})
write_basic_package_version_file(${PROJECT_BINARY_DIR}/xnorccConfigVersion.cmake
  VERSION ${PROJECT_VERSION} COMPATIBILITY SameMinorVersion)
install(FILES ${PROJECT_BINARY_DIR}/xnorccConfig.cmake ${PROJECT_BINARY_DIR}/xnorccConfigVersion.cmake
  DESTINATION ${XN_CMAKE_DIR})

# The prefix as seen from LIBDIR/pkgconfig ("../.." for lib/pkgconfig).
file(RELATIVE_PATH XN_PC_TO_PREFIX /prefix/${CMAKE_INSTALL_LIBDIR}/pkgconfig /prefix)
string(REGEX REPLACE "/$" "" XN_PC_TO_PREFIX "${XN_PC_TO_PREFIX}")
configure_file(${CMAKE_CURRENT_LIST_DIR}/xnorcc.pc.in ${PROJECT_BINARY_DIR}/xnorcc.pc @ONLY)
install(FILES ${PROJECT_BINARY_DIR}/xnorcc.pc DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)
