/* tensor.c - TensorProto (initializers, Constant values) -> constant tensor.
 *
 * Supported element types: FLOAT and DOUBLE (stored as float32; DOUBLE values
 * outside the float32 range are rejected); INT8, INT16, INT32, INT64, UINT8,
 * UINT16 and BOOL (stored as int64; BOOL as 0/1). Values come from rawData
 * (little-endian bytes, base64) or from the typed field of the element type
 * (floatData, doubleData, int32Data, int64Data). Their
 * count must equal the product of dims exactly; it is checked against the size
 * of the data actually present before anything is allocated, so a huge
 * declared shape with little data costs nothing.
 */
#include <float.h>
#include <math.h>
#include <string.h>

#include "jsonfe.h"

const char *const json_dtype_names[JSON_NDTYPES] = {
    "UNDEFINED", "FLOAT",  "UINT8",   "INT8",     "UINT16",    "INT16",
    "INT32",     "INT64",  "STRING",  "BOOL",     "FLOAT16",   "DOUBLE",
    "UINT32",    "UINT64", "COMPLEX64", "COMPLEX128", "BFLOAT16", "FLOAT8E4M3FN",
    "FLOAT8E4M3FNUZ", "FLOAT8E5M2", "FLOAT8E5M2FNUZ", "UINT4", "INT4", "FLOAT4E2M1"};

enum { DT_ONNX_FLOAT = 1, DT_ONNX_DOUBLE = 11 };

/* How each supported TensorProto.DataType is read: bytes per value in
 * rawData, the typed field that holds its values, and the range of an integer
 * type (all integer types are widened to int64). */
typedef struct DTypeInfo {
  int onnx;           /* TensorProto.DataType */
  int esize;          /* bytes per value in rawData */
  const char *field;  /* typed field */
  int64_t lo, hi;     /* integer range (lo == hi: a float type) */
} DTypeInfo;

static const DTypeInfo dtypes[] = {
    {1, 4, "floatData", 0, 0},
    {11, 8, "doubleData", 0, 0},
    {2, 1, "int32Data", 0, 255},
    {3, 1, "int32Data", -128, 127},
    {4, 2, "int32Data", 0, 65535},
    {5, 2, "int32Data", -32768, 32767},
    {6, 4, "int32Data", INT32_MIN, INT32_MAX},
    {7, 8, "int64Data", INT64_MIN, INT64_MAX},
    {9, 1, "int32Data", 0, 1},
};
enum { NDTYPES = sizeof dtypes / sizeof *dtypes };

/* The typed fields a TensorProto may carry its values in. */
static const char *const typed_fields[] = {"floatData", "int32Data", "int64Data", "doubleData",
                                           "stringData", "uint64Data"};
enum { NTYPED = 6 };

static const char *dims_phrase(JCtx *c, int rank, const int64_t *dims) {
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
static int64_t as_i64(uint64_t u) {
  return u <= (uint64_t)INT64_MAX ? (int64_t)u : -(int64_t)(~u) - 1;
}

static int narrow_double(JCtx *c, double x, const char *where, int64_t i, float *out) {
  if (isfinite(x) && fabs(x) > FLT_MAX) {
    jerr(c, where, "value %lld (%.15g) is out of the float32 range", (long long)i, x);
    return -1;
  }
  *out = (float)x;
  return 0;
}

int json_tensor(JCtx *c, const cJSON *obj, const char *path) {
  if (jget_object(c, obj, path))
    return -1;
  const cJSON *v;
  const char *key, *name = "";
  int bad = 0;
  if ((v = jfield(c, obj, path, "name", &key)) && jget_name(c, v, jpath(c, path, key), &name))
    bad = 1;
  const char *where = *name ? arena_printf(c->a, "%s ('%s')", path, jesc(c, name)) : path;

  if ((v = jfield(c, obj, path, "dataLocation", &key)) &&
      !(cJSON_IsString(v) && !strcmp(v->valuestring, "DEFAULT")) &&
      !(cJSON_IsNumber(v) && v->valuedouble == 0)) {
    jerr(c, where, "external data is not supported (save the model with its weights inside)");
    return -1;
  }
  if ((v = jfield(c, obj, path, "externalData", &key)) && !(cJSON_IsArray(v) && !cJSON_GetArraySize(v))) {
    jerr(c, where, "external data is not supported (save the model with its weights inside)");
    return -1;
  }
  if (jfield(c, obj, path, "segment", NULL)) {
    jerr(c, where, "segmented tensors are not supported");
    return -1;
  }

  /* dims */
  int rank = 0;
  int64_t dims[XN_MAX_RANK];
  if ((v = jfield(c, obj, path, "dims", &key))) {
    const char *dpath = jpath(c, path, key);
    int n = jget_array(c, v, dpath);
    if (n < 0)
      return -1;
    if (n > XN_MAX_RANK) {
      jerr(c, where, "has %d dims (at most %d are supported)", n, XN_MAX_RANK);
      return -1;
    }
    for (int i = 0; i < n; i++) {
      const char *ip = jpath_index(c, dpath, i);
      if (jget_int64(c, cJSON_GetArrayItem(v, i), ip, &dims[i])) {
        bad = 1;
      } else if (dims[i] < 0) {
        jerr(c, ip, "dimension %d is %lld (must be >= 0)", i, (long long)dims[i]);
        bad = 1;
      }
    }
    rank = n;
  }

  /* element type */
  int dt = 0;
  if (!(v = jfield(c, obj, path, "dataType", &key))) {
    jerr(c, where, "has no dataType");
    return -1;
  }
  if (jget_enum(c, v, jpath(c, path, key), "data type", json_dtype_names, JSON_NDTYPES, &dt))
    return -1;
  const DTypeInfo *di = NULL;
  for (int k = 0; k < NDTYPES; k++)
    if (dtypes[k].onnx == dt)
      di = &dtypes[k];
  if (!di) {
    jerr(c, jpath(c, path, key),
         "unsupported data type %s (%d) (supported: FLOAT, DOUBLE, INT8 to INT64, UINT8, UINT16, BOOL)",
         json_dtype_names[dt], dt);
    return -1;
  }
  int isint = di->lo != di->hi;
  if (bad)
    return -1;

  int64_t numel = 1;
  for (int i = 0; i < rank; i++)
    if (!xn_mul_ok(numel, dims[i], &numel)) {
      jerr(c, where, "the element count of %s overflows", dims_phrase(c, rank, dims));
      return -1;
    }
  int esize = di->esize;
  const char *own = di->field;

  /* where the values are */
  const cJSON *raw = jfield(c, obj, path, "rawData", &key);
  const char *raw_key = key, *src_key = raw ? raw_key : NULL;
  const cJSON *typed = NULL;
  for (int k = 0; k < NTYPED; k++) {
    const cJSON *f = jfield(c, obj, path, typed_fields[k], &key);
    if (!f || (cJSON_IsArray(f) && cJSON_GetArraySize(f) == 0))
      continue;
    if (src_key) {
      jerr(c, where, "has values in both '%s' and '%s'", src_key, key);
      return -1;
    }
    if (strcmp(typed_fields[k], own)) {
      jerr(c, where, "a tensor of type %s keeps its values in %s or rawData, not in '%s'",
           json_dtype_names[dt], own, key);
      return -1;
    }
    typed = f;
    src_key = key;
  }

  int64_t have = 0;
  const char *src_path = src_key ? jpath(c, path, src_key) : path;
  if (raw) {
    if (!cJSON_IsString(raw)) {
      jerr(c, src_path, "expected a base64 string, found %s", jtype_name(raw));
      return -1;
    }
    long long bytes = jbase64_len(c, raw->valuestring, src_path);
    if (bytes < 0)
      return -1;
    if (bytes % esize) {
      jerr(c, where, "rawData has %lld bytes, not a whole number of %d-byte %s values", bytes, esize,
           json_dtype_names[dt]);
      return -1;
    }
    have = bytes / esize;
  } else if (typed) {
    int n = jget_array(c, typed, src_path);
    if (n < 0)
      return -1;
    have = n;
  }
  if (have != numel) {
    jerr(c, where, "data has %lld value%s but %s need%s %lld", (long long)have, have == 1 ? "" : "s",
         dims_phrase(c, rank, dims), rank ? "" : "s", (long long)numel);
    return -1;
  }

  DType t_dt = isint ? DT_I64 : DT_F32;
  size_t cnt = numel ? (size_t)numel : 1;
  void *data = arena_array(c->a, cnt, dtype_size(t_dt));
  float *fd = data;
  int64_t *id = data;
  if (raw) {
    unsigned char *bytes = arena_array(c->a, cnt, (size_t)esize);
    jbase64_decode(raw->valuestring, bytes);
    for (int64_t i = 0; i < numel; i++) {
      const unsigned char *p = bytes + i * esize;
      if (dt == DT_ONNX_FLOAT) {
        uint32_t u = (uint32_t)load_le(p, 4);
        memcpy(&fd[i], &u, 4);
      } else if (dt == DT_ONNX_DOUBLE) {
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
        if (dt == 9)
          id[i] = id[i] != 0; /* BOOL: any nonzero byte is true */
      }
    }
  } else if (typed) {
    int i = 0;
    /* Element paths are built only for an error (the arrays may be long). */
    for (const cJSON *e = typed->child; e; e = e->next, i++) {
      if (!isint) {
        double x;
        if (jget_double(NULL, e, NULL, &x)) {
          jget_double(c, e, jpath_index(c, src_path, i), &x);
          return -1;
        }
        if (narrow_double(c, x, where, i, &fd[i]))
          return -1;
      } else {
        if (jget_int64(NULL, e, NULL, &id[i])) {
          jget_int64(c, e, jpath_index(c, src_path, i), &id[i]);
          return -1;
        }
        if (id[i] < di->lo || id[i] > di->hi) {
          jerr(c, jpath_index(c, src_path, i), "value %lld is out of the %s range", (long long)id[i],
               json_dtype_names[dt]);
          return -1;
        }
      }
    }
  }

  int ti = graph_add_tensor(c->g, name, path);
  Tensor *t = &c->g->t[ti];
  t->dtype = t_dt;
  tensor_set_shape(t, rank, dims);
  t->data = data;
  return ti;
}
