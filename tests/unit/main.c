/* Check runner for the util and IR unit tests. */
#include <check.h>
#include <stdlib.h>

Suite *util_suite(void);
Suite *topo_suite(void);
Suite *verify_suite(void);

int main(void) {
  SRunner *sr = srunner_create(util_suite());
  srunner_add_suite(sr, topo_suite());
  srunner_add_suite(sr, verify_suite());
  srunner_run_all(sr, CK_NORMAL);
  int failed = srunner_ntests_failed(sr);
  srunner_free(sr);
  return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
