/* npy.h - reading and writing float32 tensors as .npy, ONNX TensorProto (.pb)
 * or raw .bin files, for `xnorcc run` and the tests. The format is chosen by
 * the file extension. */
#ifndef XN_NPY_H
#define XN_NPY_H

#include "../util/util.h"

/* Reads path into a new arena array of exactly numel floats. A .npy file must
 * hold little-endian float32 ('<f4'), C order, and its shape must equal
 * dims[0..rank) (reported as both shapes otherwise); a .pb file must be a
 * TensorProto of data type FLOAT with those dims (its values in raw_data,
 * float_data or external data, as the .onnx frontend reads them); a .bin file
 * must be exactly numel*4 bytes. Returns NULL after reporting to d. */
float *tensor_read(Arena *a, const char *path, int rank, const int64_t *dims, int64_t numel, Diag *d);

/* Writes numel floats to path as .npy (with the given shape), .pb (a
 * TensorProto with the shape, data type FLOAT, the name when name is neither
 * NULL nor "", and raw_data) or raw .bin. Returns 0, or -1 after reporting to d. */
int tensor_write(const char *path, const char *name, int rank, const int64_t *dims, const float *x, int64_t numel,
                 Diag *d);

/* tensor_read and tensor_write for a tensor of ONNX element type elem (1
 * FLOAT, 2 UINT8, 3 INT8, 4 UINT16, 5 INT16, 6 INT32, 7 INT64, 9 BOOL:
 * Tensor.elem): the file holds that type ('<f4', '|u1', '|i1', '<u2', '<i2',
 * '<i4', '<i8', '|b1' in .npy; the TensorProto's data type in .pb; numel
 * little-endian elements of its size in .bin); the values in memory are
 * floats for FLOAT, else int64_t (bool 0 or 1), as Tensor.data holds them.
 * Written values are truncated to the type's width (two's complement). */
void *tensor_read_typed(Arena *a, const char *path, int rank, const int64_t *dims, int64_t numel, int elem,
                        Diag *d);
int tensor_write_typed(const char *path, const char *name, int rank, const int64_t *dims, const void *x,
                       int64_t numel, int elem, Diag *d);

#endif
