/* cases.h - helpers for tests that walk the model cases of tests/models
 * (one folder per case: model.json, input_*.npy, output_*.npy, README). */
#ifndef XN_TEST_CASES_H
#define XN_TEST_CASES_H

#include "frontends/frontend.h"
#include "interp/interp.h"

/* Whether the file p exists. */
int case_file_exists(const char *p);

/* The --dim NAME=VALUE bindings that the case's README asks for (at most 8):
 * fills b[k] with names kept in names[k]; returns how many. */
int case_dims(const char *dir, DimBinding *b, char names[8][64]);

/* The ONNX element type of the .npy file path ('<f4' 1, '|u1' 2, '|i1' 3,
 * '<u2' 4, '<i2' 5, '<i4' 6, '<i8' 7, '|b1' 9), or 1 when it cannot tell
 * (tensor_read_typed then reports what is wrong). */
int case_npy_elem(const char *path);

/* Reads case file path (an .npy of any of those types) for tensor t, with
 * rank and dims given (numpy saves a 0-d result as shape (1,)), into the
 * storage of t's dtype (Tensor.data's: floats, or int64_t for integers and
 * bools), converting between floats and integers when the file's type is
 * the other kind (a float32 file of 0/1 for a bool output). NULL after
 * reporting to d. */
void *case_read(Arena *a, const char *path, const Tensor *t, int rank, const int64_t *dims, Diag *d);

/* x, tensor_numel(t) values in the storage of t's dtype, as floats. */
const float *case_floats(Arena *a, const Tensor *t, const void *x);

/* interp_run_with on inputs in each tensor's storage (case_read); the outputs
 * as floats (case_floats). NULL after reporting to d. */
float **case_interp(Graph *g, const void *const *in, Diag *d);

#endif
