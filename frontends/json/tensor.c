/* tensor.c - a TensorProto in the JSON mapping (initializers, Constant
 * values): the fields are read here, rawData decoded from base64, and the
 * typed fields' values read one by one for om_tensor() (frontends/model),
 * which checks what they mean. External data and segments are rejected.
 */
#include <string.h>

#include "jsonfe.h"

/* The typed fields in OmField order (after rawData). */
static const char *const typed_fields[OM_NFIELDS] = {NULL,         "floatData",  "int32Data", "int64Data",
                                                     "doubleData", "stringData", "uint64Data"};

/* Walks a typed field's array for om_tensor(). */
typedef struct JValues {
  OmCtx *c;
  const cJSON *e; /* the next element */
  int isint;      /* read int64 values (else doubles) */
} JValues;

static int next_value(void *it, int64_t i, const char *path, double *f, int64_t *v) {
  JValues *jv = it;
  const cJSON *e = jv->e;
  jv->e = e->next;
  /* Element paths are built only for an error (the arrays may be long). */
  if (jv->isint ? !jget_int64(NULL, e, NULL, v) : !jget_double(NULL, e, NULL, f))
    return 0;
  const char *ep = om_index(jv->c, path, (int)i);
  if (jv->isint)
    jget_int64(jv->c, e, ep, v);
  else
    jget_double(jv->c, e, ep, f);
  return -1;
}

int json_tensor(OmCtx *c, const cJSON *obj, const char *path) {
  if (jget_object(c, obj, path))
    return -1;
  OmTensor t;
  memset(&t, 0, sizeof t);
  t.path = path;
  t.name = "";
  t.dtype = -1;
  const cJSON *v;
  const char *key;
  int bad = 0;
  if ((v = jfield(c, obj, path, "name", &key)) && jget_name(c, v, om_path(c, path, key), &t.name))
    bad = 1;
  const char *where = om_tensor_where(c, path, t.name);

  if ((v = jfield(c, obj, path, "dataLocation", &key)) &&
      !(cJSON_IsString(v) && !strcmp(v->valuestring, "DEFAULT")) && !(cJSON_IsNumber(v) && v->valuedouble == 0)) {
    om_err(c, where, "external data is not supported (save the model with its weights inside)");
    return -1;
  }
  if ((v = jfield(c, obj, path, "externalData", &key)) && !(cJSON_IsArray(v) && !cJSON_GetArraySize(v))) {
    om_err(c, where, "external data is not supported (save the model with its weights inside)");
    return -1;
  }
  if (jfield(c, obj, path, "segment", NULL)) {
    om_err(c, where, "segmented tensors are not supported");
    return -1;
  }

  if ((v = jfield(c, obj, path, "dims", &key))) {
    t.dims_path = om_path(c, path, key);
    int n = jget_array(c, v, t.dims_path);
    if (n < 0)
      return -1;
    int64_t *dims = arena_array(c->a, (size_t)n + 1, sizeof *dims);
    int i = 0;
    for (const cJSON *e = v->child; e; e = e->next, i++)
      if (jget_int64(c, e, om_index(c, t.dims_path, i), &dims[i]))
        bad = 1;
    t.ndims = n;
    t.dims = dims;
  }
  if ((v = jfield(c, obj, path, "dataType", &key))) {
    t.dtype_path = om_path(c, path, key);
    if (jget_enum(c, v, t.dtype_path, "data type", om_dtype_names, OM_NDTYPES, &t.dtype))
      return -1;
  }

  /* where the values are */
  const cJSON *typed[OM_NFIELDS] = {NULL};
  const cJSON *raw = jfield(c, obj, path, "rawData", &key);
  unsigned char *b = NULL;
  if (raw) {
    const char *raw_path = om_path(c, path, key);
    t.key[OM_RAW] = key;
    if (!cJSON_IsString(raw)) {
      om_err(c, raw_path, "expected a base64 string, found %s", jtype_name(raw));
      return -1;
    }
    if (!raw->valuestring) { /* given back below; no reader visits a tensor twice */
      om_err(c, raw_path, "was read before");
      return -1;
    }
    long long bytes = jbase64_len(c, raw->valuestring, raw_path);
    if (bytes < 0)
      return -1;
    b = arena_alloc(c->a, (size_t)bytes + 1);
    jbase64_decode(raw->valuestring, b);
    /* The base64 text is not read again: a big one goes back now (the
     * tree is this loader's own; cJSON_Delete skips a NULL string). */
    if (bytes >= (1 << 16)) {
      cJSON *mine = (cJSON *)raw;
      cJSON_free(mine->valuestring);
      mine->valuestring = NULL;
    }
    t.raw = b;
    t.count[OM_RAW] = bytes;
  }
  for (int k = OM_RAW + 1; k < OM_NFIELDS; k++) {
    const cJSON *f = jfield(c, obj, path, typed_fields[k], &key);
    if (!f || (cJSON_IsArray(f) && cJSON_GetArraySize(f) == 0))
      continue;
    int n = jget_array(c, f, om_path(c, path, key));
    if (n < 0)
      return -1;
    t.key[k] = key;
    t.count[k] = n;
    typed[k] = f;
  }
  if (bad)
    return -1;

  /* om_tensor asks for the values of the one field it accepts. */
  JValues it = {c, NULL, 0};
  for (int k = OM_RAW + 1; k < OM_NFIELDS; k++)
    if (typed[k] && !it.e) {
      it.e = typed[k]->child;
      it.isint = k == OM_INT32_DATA || k == OM_INT64_DATA || k == OM_UINT64_DATA;
    }
  t.next = next_value;
  t.it = &it;
  int ti = om_tensor(c, &t);
  arena_release(c->a, b); /* om_tensor copied the values: a big buffer goes back now */
  return ti;
}
