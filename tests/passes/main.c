/* Check runner for the pass tests. */
#include <stdlib.h>

#include "pass_test.h"

int main(void) {
  SRunner *sr = srunner_create(canon_suite());
  srunner_add_suite(sr, passman_suite());
  srunner_add_suite(sr, fold_suite());
  srunner_run_all(sr, CK_NORMAL);
  int failed = srunner_ntests_failed(sr);
  srunner_free(sr);
  return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
