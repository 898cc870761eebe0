/* Check runner for the xnor domain tests. */
#include <stdlib.h>

#include "binary_test.h"

int main(void) {
  SRunner *sr = srunner_create(binary_interp_suite());
  srunner_add_suite(sr, binarize_suite());
  srunner_add_suite(sr, binary_models_suite());
  srunner_run_all(sr, CK_NORMAL);
  int failed = srunner_ntests_failed(sr);
  srunner_free(sr);
  return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
