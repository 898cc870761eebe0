/* tensor.c - TensorProto (initializers, Constant values) -> constant tensor.
 *
 * Supported element types: FLOAT and DOUBLE (stored as float32; DOUBLE values
 * outside the float32 range are rejected); INT8, INT16, INT32, INT64, UINT8,
 * UINT16 and BOOL (stored as int64_t; INT32 typed DT_I32, BOOL DT_BOOL as 0/1,
 * the others DT_I64). Values come from raw_data
 * (little-endian bytes) or from the typed field of the element type
 * (float_data, double_data, int32_data, int64_data). Their count must equal
 * the product of dims exactly; it is checked against the values actually
 * present before anything is allocated, so a huge declared shape with little
 * data costs nothing.
 */
#include <float.h>
#include <math.h>
#include <string.h>

#include "model.h"

const char *const om_dtype_names[OM_NDTYPES] = {
    "UNDEFINED", "FLOAT",  "UINT8",   "INT8",     "UINT16",    "INT16",
    "INT32",     "INT64",  "STRING",  "BOOL",     "FLOAT16",   "DOUBLE",
    "UINT32",    "UINT64", "COMPLEX64", "COMPLEX128", "BFLOAT16", "FLOAT8E4M3FN",
    "FLOAT8E4M3FNUZ", "FLOAT8E5M2", "FLOAT8E5M2FNUZ", "UINT4", "INT4", "FLOAT4E2M1"};

enum { DT_ONNX_FLOAT = 1, DT_ONNX_BOOL = 9, DT_ONNX_DOUBLE = 11 };

/* How each supported TensorProto.DataType is read: bytes per value in
 * raw_data, the typed field that holds its values, and the range of an
 * integer type (all integer types are widened to int64). */
typedef struct DTypeInfo {
  int onnx;       /* TensorProto.DataType */
  int esize;      /* bytes per value in raw_data */
  OmField field;  /* typed field */
  int64_t lo, hi; /* integer range (lo == hi: a float type) */
} DTypeInfo;

static const DTypeInfo dtypes[] = {
    {1, 4, OM_FLOAT_DATA, 0, 0},
    {11, 8, OM_DOUBLE_DATA, 0, 0},
    {2, 1, OM_INT32_DATA, 0, 255},
    {3, 1, OM_INT32_DATA, -128, 127},
    {4, 2, OM_INT32_DATA, 0, 65535},
    {5, 2, OM_INT32_DATA, -32768, 32767},
    {6, 4, OM_INT32_DATA, INT32_MIN, INT32_MAX},
    {7, 8, OM_INT64_DATA, INT64_MIN, INT64_MAX},
    {9, 1, OM_INT32_DATA, 0, 1},
};
enum { NDTYPES = sizeof dtypes / sizeof *dtypes };

/* The fields in lowerCamelCase, for messages. */
static const char *const field_names[OM_NFIELDS] = {"rawData",    "floatData",  "int32Data", "int64Data",
                                                    "doubleData", "stringData", "uint64Data"};

static const char *dims_phrase(OmCtx *c, int rank, const int64_t *dims) {
  if (rank == 0)
    return "a scalar (no dims)";
  StrBuf b;
  sb_init(&b, c->a);
  sb_puts(&b, "dims ");
  for (int i = 0; i < rank; i++)
    sb_printf(&b, i ? "x%lld" : "%lld", (long long)dims[i]);
  return b.s;
}

static uint64_t load_le(const unsigned char *p, int n) {
  uint64_t v = 0;
  for (int i = n - 1; i >= 0; i--)
    v = v << 8 | p[i];
  return v;
}

/* Two's complement bits -> value, without implementation-defined casts. */
static int64_t as_i64(uint64_t u) { return u <= (uint64_t)INT64_MAX ? (int64_t)u : -(int64_t)(~u) - 1; }

static int narrow_double(OmCtx *c, double x, const char *where, int64_t i, float *out) {
  if (isfinite(x) && fabs(x) > FLT_MAX) {
    om_err(c, where, "value %lld (%.15g) is out of the float32 range", (long long)i, x);
    return -1;
  }
  *out = (float)x;
  return 0;
}

int om_io_type(int onnx) { return (onnx >= 1 && onnx <= 7) || onnx == 9; }

DType om_ir_dtype(int onnx) {
  for (int k = 0; k < NDTYPES; k++)
    if (dtypes[k].onnx == onnx)
      return dtypes[k].lo == dtypes[k].hi ? DT_F32 : onnx == 6 ? DT_I32 : onnx == DT_ONNX_BOOL ? DT_BOOL : DT_I64;
  return DT__COUNT;
}

const char *om_tensor_where(OmCtx *c, const char *path, const char *name) {
  return *name ? arena_printf(c->a, "%s ('%s')", path, om_esc(c, name)) : path;
}

/* raw bytes -> values. */
static int convert_raw(OmCtx *c, const DTypeInfo *di, const unsigned char *bytes, int64_t numel, const char *where,
                       void *data) {
  float *fd = data;
  int64_t *id = data;
  int esize = di->esize;
  for (int64_t i = 0; i < numel; i++) {
    const unsigned char *p = bytes + i * esize;
    if (di->onnx == DT_ONNX_FLOAT) {
      uint32_t u = (uint32_t)load_le(p, 4);
      memcpy(&fd[i], &u, 4);
    } else if (di->onnx == DT_ONNX_DOUBLE) {
      uint64_t u = load_le(p, 8);
      double x;
      memcpy(&x, &u, 8);
      if (narrow_double(c, x, where, i, &fd[i]))
        return -1;
    } else {
      /* Sign-extend from esize bytes (two's complement). */
      uint64_t u = load_le(p, esize);
      if (di->lo < 0 && esize < 8 && (u >> (esize * 8 - 1)))
        u |= ~(uint64_t)0 << (esize * 8);
      id[i] = as_i64(u);
      if (di->onnx == DT_ONNX_BOOL)
        id[i] = id[i] != 0; /* BOOL: any nonzero byte is true */
    }
  }
  return 0;
}

/* Typed values, asked from the reader one by one. */
static int convert_typed(OmCtx *c, const OmTensor *t, const DTypeInfo *di, const char *src_path, int64_t numel,
                         const char *where, void *data) {
  float *fd = data;
  int64_t *id = data;
  int isint = di->lo != di->hi;
  for (int64_t i = 0; i < numel; i++) {
    double x = 0;
    int64_t v = 0;
    if (t->next(t->it, i, src_path, &x, &v))
      return -1;
    if (!isint) {
      if (narrow_double(c, x, where, i, &fd[i]))
        return -1;
    } else {
      if (v < di->lo || v > di->hi) {
        om_err(c, om_index(c, src_path, (int)i), "value %lld is out of the %s range", (long long)v,
               om_dtype_names[di->onnx]);
        return -1;
      }
      id[i] = v;
    }
  }
  return 0;
}

int om_tensor(OmCtx *c, const OmTensor *t) {
  const char *where = om_tensor_where(c, t->path, t->name);
  if (t->ndims > XN_MAX_RANK) {
    om_err(c, where, "has %d dims (at most %d are supported)", t->ndims, XN_MAX_RANK);
    return -1;
  }
  int bad = 0;
  for (int i = 0; i < t->ndims; i++)
    if (t->dims[i] < 0) {
      om_err(c, om_index(c, t->dims_path, i), "dimension %d is %lld (must be >= 0)", i, (long long)t->dims[i]);
      bad = 1;
    }

  /* element type */
  if (t->dtype < 0) {
    om_err(c, where, "has no %s", om_key(c, "dataType"));
    return -1;
  }
  const DTypeInfo *di = NULL;
  for (int k = 0; k < NDTYPES; k++)
    if (dtypes[k].onnx == t->dtype)
      di = &dtypes[k];
  if (!di) {
    om_err(c, t->dtype_path,
           "unsupported data type %s (%d) (supported: FLOAT, DOUBLE, INT8 to INT64, UINT8, UINT16, BOOL)",
           om_dtype_names[t->dtype], t->dtype);
    return -1;
  }
  if (bad)
    return -1;

  int64_t numel = 1;
  for (int i = 0; i < t->ndims; i++)
    if (!xn_mul_ok(numel, t->dims[i], &numel)) {
      om_err(c, where, "the element count of %s overflows", dims_phrase(c, t->ndims, t->dims));
      return -1;
    }

  /* where the values are: at most one field, the element type's own or raw */
  int src = -1;
  for (int k = 0; k < OM_NFIELDS; k++) {
    if (!t->key[k])
      continue;
    if (src >= 0) {
      om_err(c, where, "has values in both '%s' and '%s'", t->key[src], t->key[k]);
      return -1;
    }
    if (k != OM_RAW && k != (int)di->field) {
      om_err(c, where, "a tensor of type %s keeps its values in %s or %s, not in '%s'", om_dtype_names[t->dtype],
             om_key(c, field_names[di->field]), om_key(c, "rawData"), t->key[k]);
      return -1;
    }
    src = k;
  }

  int64_t have = 0;
  if (src == OM_RAW) {
    if (t->count[OM_RAW] % di->esize) {
      om_err(c, where, "%s has %lld bytes, not a whole number of %d-byte %s values", t->key[OM_RAW],
             (long long)t->count[OM_RAW], di->esize, om_dtype_names[t->dtype]);
      return -1;
    }
    have = t->count[OM_RAW] / di->esize;
  } else if (src >= 0) {
    have = t->count[src];
  }
  if (have != numel) {
    int rank = t->ndims;
    om_err(c, where, "data has %lld value%s but %s need%s %lld", (long long)have, have == 1 ? "" : "s",
           dims_phrase(c, rank, t->dims), rank ? "" : "s", (long long)numel);
    return -1;
  }

  DType t_dt = om_ir_dtype(di->onnx);
  void *data = arena_array(c->a, numel ? (size_t)numel : 1, dtype_size(t_dt));
  if (src == OM_RAW) {
    const unsigned char *raw = t->raw ? t->raw : t->fetch_raw(t->it);
    if (!raw || convert_raw(c, di, raw, numel, where, data))
      return -1;
    if (t->raw && c->done_bytes)
      c->done_bytes(raw, (size_t)t->count[OM_RAW]);
  }
  if (src > OM_RAW && convert_typed(c, t, di, om_path(c, t->path, t->key[src]), numel, where, data))
    return -1;

  int ti = graph_add_tensor(c->g, t->name, t->path);
  Tensor *nt = &c->g->t[ti];
  nt->dtype = t_dt;
  tensor_set_shape(nt, t->ndims, t->dims);
  nt->data = data;
  return ti;
}
