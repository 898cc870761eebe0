/* tensor.c - a TensorProto on the wire (initializers, Constant values, .pb
 * tensor files): its fields are read here, the typed values counted (packed
 * or not) and then handed one by one to om_tensor() (frontends/model), which
 * checks what they mean. External data is read from beside the model.
 *
 * TensorProto fields: 1 dims, 2 data_type, 3 segment, 4 float_data,
 * 5 int32_data, 6 string_data, 7 int64_data, 8 name, 9 raw_data,
 * 10 double_data, 11 uint64_data, 12 doc_string, 13 external_data,
 * 14 data_location.
 */
#include <limits.h>
#include <string.h>

#include "pb.h"

/* Field number, proto name and wire type of one value of each OmField. */
static const struct {
  uint32_t num;
  const char *name;
  int elem;
} value_fields[OM_NFIELDS] = {
    {9, "raw_data", PB_LEN},        {4, "float_data", PB_FIXED32},  {5, "int32_data", PB_VARINT},
    {7, "int64_data", PB_VARINT},   {10, "double_data", PB_FIXED64}, {6, "string_data", PB_LEN},
    {11, "uint64_data", PB_VARINT},
};

static const char *const location_names[2] = {"DEFAULT", "EXTERNAL"};

/* The reader's side of om_tensor(): typed values and external data. */
typedef struct PbValues {
  PCtx *c;
  int field;       /* the typed field the values come from */
  PbIter it;       /* over its values */
  PbExternal ext;  /* external data, when there is some */
  const char *where;
} PbValues;

static int64_t as_i64(uint64_t u) { return u <= (uint64_t)INT64_MAX ? (int64_t)u : -(int64_t)(~u) - 1; }

static int next_value(void *p, int64_t i, const char *path, double *f, int64_t *v) {
  PbValues *pv = p;
  uint64_t u = 0;
  (void)i, (void)path;
  pb_iter_next(&pv->it, &u);
  if (pv->field == OM_FLOAT_DATA) {
    uint32_t bits = (uint32_t)u;
    float x;
    memcpy(&x, &bits, 4);
    *f = x;
  } else if (pv->field == OM_DOUBLE_DATA) {
    memcpy(f, &u, 8);
  } else {
    *v = as_i64(u);
  }
  return 0;
}

static const unsigned char *fetch_external(void *p) {
  PbValues *pv = p;
  return pb_external_read(pv->c, &pv->ext, pv->where);
}

int pb_tensor(PCtx *c, PbMsg msg, const char *path, int *dtype) {
  OmCtx *m = &c->m;
  OmTensor t;
  memset(&t, 0, sizeof t);
  t.path = path;
  t.name = "";
  t.dtype = -1;
  if (dtype)
    *dtype = -1;
  t.dims_path = om_path(m, path, "dims");
  const char *fpath[OM_NFIELDS];
  for (int k = 0; k < OM_NFIELDS; k++)
    fpath[k] = om_path(m, path, value_fields[k].name);

  int64_t ndims = 0;
  int bad = 0, location = 0, segment = 0;
  PbList ext = {NULL, 0, 0};
  const char *ext_base = om_path(m, path, "external_data");
  PbField f;
  int r;
  PbMsg scan = msg;
  while ((r = pb_next(c, &scan, &f, path)) > 0) {
    int64_t k;
    switch (f.num) {
    case 1:
      if ((k = pb_count(c, &f, PB_VARINT, t.dims_path)) < 0)
        bad = 1;
      else
        ndims += k;
      break;
    case 2:
      t.dtype_path = om_path(m, path, "data_type");
      bad |= pb_enum(c, &f, t.dtype_path, "data type", om_dtype_names, OM_NDTYPES, &t.dtype) != 0;
      break;
    case 3:
      segment = 1;
      break;
    case 8:
      bad |= pb_string(c, &f, om_path(m, path, "name"), &t.name) != 0;
      break;
    case 13:
      bad |= pb_list_add(c, &ext, &f, ext_base) != 0;
      break;
    case 14:
      bad |= pb_enum(c, &f, om_path(m, path, "data_location"), "data location", location_names, 2, &location) != 0;
      break;
    default:
      for (int j = 0; j < OM_NFIELDS; j++) {
        if (f.num != value_fields[j].num)
          continue;
        if (j == OM_RAW) {
          /* raw_data is bytes: the last one counts. */
          if (pb_want(c, &f, fpath[j], PB_LEN)) {
            bad = 1;
          } else {
            t.raw = f.sub.p;
            t.count[OM_RAW] = f.sub.end - f.sub.p;
            t.key[OM_RAW] = value_fields[j].name;
          }
        } else if (j == OM_STRING_DATA) {
          /* Only counted: no supported type keeps its values here. */
          if (f.wire != PB_LEN)
            bad |= pb_want(c, &f, om_index(m, fpath[j], (int)t.count[j]), PB_LEN) != 0;
          else
            t.count[j]++;
        } else if ((k = pb_count(c, &f, value_fields[j].elem, fpath[j])) < 0) {
          bad = 1;
        } else {
          t.count[j] += k;
        }
      }
    }
  }
  if (r < 0 || bad)
    return -1;
  if (dtype)
    *dtype = t.dtype;
  const char *where = om_tensor_where(m, path, t.name);
  if (segment) {
    om_err(&c->m, where, "segmented tensors are not supported");
    return -1;
  }

  /* dims: read only when their number can be right (om_tensor reports it) */
  t.ndims = ndims > INT_MAX ? INT_MAX : (int)ndims;
  if (ndims <= XN_MAX_RANK) {
    uint64_t u[XN_MAX_RANK];
    int64_t *dims = arena_array(m->a, XN_MAX_RANK, sizeof *dims);
    pb_iter_all(msg, 1, PB_VARINT, ndims, u);
    for (int i = 0; i < ndims; i++)
      dims[i] = as_i64(u[i]);
    t.dims = dims;
  }

  PbValues pv;
  memset(&pv, 0, sizeof pv);
  pv.c = c;
  pv.where = where;
  for (int k = OM_RAW + 1; k < OM_NFIELDS; k++) {
    if (t.count[k])
      t.key[k] = value_fields[k].name;
    if (t.count[k] && !pv.field) {
      pv.field = k;
      pb_iter_init(&pv.it, msg, value_fields[k].num, value_fields[k].elem);
    }
  }

  if (location == 1) {
    if (t.key[OM_RAW]) {
      om_err(&c->m, where, "has values in both 'raw_data' and 'external_data'");
      return -1;
    }
    if (ext.n == 0) {
      om_err(&c->m, where, "data_location is EXTERNAL but external_data is empty");
      return -1;
    }
    if (pb_external_entries(c, &ext, ext_base, where, &pv.ext) || pb_external_check(c, &pv.ext, where))
      return -1;
    t.key[OM_RAW] = "external_data";
    t.count[OM_RAW] = pv.ext.length;
    t.fetch_raw = fetch_external;
  } else if (ext.n > 0) {
    om_err(&c->m, where, "has external_data but data_location is not EXTERNAL");
    return -1;
  }
  t.next = next_value;
  t.it = &pv;
  return om_tensor(m, &t);
}
