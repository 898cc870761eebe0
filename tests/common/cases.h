/* cases.h - helpers for tests that walk the model cases of tests/models
 * (one folder per case: model.json, input_*.npy, output_*.npy, README). */
#ifndef XN_TEST_CASES_H
#define XN_TEST_CASES_H

#include "frontends/frontend.h"

/* Whether the file p exists. */
int case_file_exists(const char *p);

/* The --dim NAME=VALUE bindings that the case's README asks for (at most 8):
 * fills b[k] with names kept in names[k]; returns how many. */
int case_dims(const char *dir, DimBinding *b, char names[8][64]);

#endif
