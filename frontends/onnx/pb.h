/* pb.h - inside the .onnx frontend: a reader of protobuf's binary wire format
 * for the messages of onnx.proto that xnorcc uses. Nothing outside
 * frontends/onnx includes this; the API is onnx_load() and
 * onnx_load_tensor() in frontend.h.
 *
 * wire.c      the wire format: tags, varints, fixed-size values, length-
 *             delimited fields, packed and unpacked repeated scalars, strings;
 *             errors with the field's path and byte offset
 * onnx.c      ModelProto, OperatorSetIdProto, GraphProto, NodeProto,
 *             AttributeProto, ValueInfoProto -> the builders of frontends/model
 * tensor.c    TensorProto (also a whole .pb tensor file)
 * external.c  external tensor data: files beside the model, never outside
 *
 * Field numbers are those of onnx.proto (ONNX 1.12). Fields xnorcc does not
 * use are skipped whatever they hold; a singular field given more than once
 * takes its last value (embedded messages are not merged).
 */
#ifndef XN_PB_H
#define XN_PB_H

#include "../model/model.h"

/* Wire types. 3 and 4 (groups) are not used by ONNX and rejected. */
enum { PB_VARINT = 0, PB_FIXED64 = 1, PB_LEN = 2, PB_FIXED32 = 5 };

/* The bytes of a message (or of a packed field) still to be read. */
typedef struct PbMsg {
  const unsigned char *p;   /* next byte */
  const unsigned char *end; /* just after the last byte */
} PbMsg;

/* One field as read from the wire. */
typedef struct PbField {
  uint32_t num; /* field number */
  int wire;     /* wire type */
  uint64_t v;   /* PB_VARINT, PB_FIXED64, PB_FIXED32: the value */
  PbMsg sub;    /* PB_LEN: the bytes */
  size_t off;   /* byte offset of the tag in the file */
} PbField;

/* A list of the messages of one repeated field, in file order. */
typedef struct PbList {
  PbMsg *v;
  int n, cap;
} PbList;

/* Reader state, one per file. */
typedef struct PCtx {
  OmCtx m;                   /* the builders (and the graph) */
  const unsigned char *file; /* the whole file */
  size_t len;                /* its length */
  const char *dir;           /* the folder external data is read from */
} PCtx;

/* ---- wire.c ---- */

/* Byte offset of p in the file. */
size_t pb_off(const PCtx *c, const unsigned char *p);

/* The next field of m (the message at path) into f: 1, or 0 at the end of
 * m, or -1 after reporting a broken field (a truncated tag, varint or value,
 * a length past the end, an invalid wire type or field number); m is then
 * left at its end. Fields are only delimited, not interpreted. */
int pb_next(PCtx *c, PbMsg *m, PbField *f, const char *path);
/* Checks that f has wire type want: 0, or -1 after reporting (at path). */
int pb_want(PCtx *c, const PbField *f, const char *path, int want);
/* Appends the embedded message f to l, the repeated field at base; returns
 * 0, or -1 after reporting a wire type other than PB_LEN (at base[l->n]). */
int pb_list_add(PCtx *c, PbList *l, const PbField *f, const char *base);

/* Interpreting a field found at path (the path names the field itself).
 * Each returns 0, or -1 after reporting a wrong wire type or value. */
/* A varint as int64 (two's complement), e.g. dims, ints, version. */
int pb_int64(PCtx *c, const PbField *f, const char *path, int64_t *out);
/* A varint that must fit an int32 (int32 fields, enums). */
int pb_int32(PCtx *c, const PbField *f, const char *path, int *out);
/* An enum: a varint from 0 to n - 1 that names[] has a name for. what:
 * "data type" etc. for the message. */
int pb_enum(PCtx *c, const PbField *f, const char *path, const char *what, const char *const *names, int n,
            int *out);
/* A float (fixed32). */
int pb_float(PCtx *c, const PbField *f, const char *path, float *out);
/* A string (UTF-8 without NUL: names, op types, domains), copied into the arena. */
int pb_string(PCtx *c, const PbField *f, const char *path, const char **out);
/* Bytes of any value, copied into the arena with a NUL after them. */
int pb_bytes(PCtx *c, const PbField *f, const char *path, const char **out, size_t *len);
/* An embedded message. */
int pb_message(PCtx *c, const PbField *f, const char *path, PbMsg *out);

/* Repeated scalars, packed (one PB_LEN field) or not (one field per value),
 * mixed in any way. elem: the wire type of one value (PB_VARINT,
 * PB_FIXED32, PB_FIXED64). pb_count() checks one occurrence f and returns
 * how many values it holds, or -1 after reporting. */
int64_t pb_count(PCtx *c, const PbField *f, int elem, const char *path);

/* The values of field num of a message, once pb_count() has accepted every
 * occurrence of it: pb_iter_init, then pb_iter_next until it returns 0. */
typedef struct PbIter {
  PbMsg msg;    /* the rest of the message */
  PbMsg packed; /* the rest of the current packed run */
  uint32_t num; /* the field */
  int elem;     /* the wire type of one value */
} PbIter;
void pb_iter_init(PbIter *it, PbMsg msg, uint32_t num, int elem);
/* The next value (varint as read, fixed32/fixed64 as their bits): 1, or 0 at the end. */
int pb_iter_next(PbIter *it, uint64_t *v);
/* All n values of field num of msg into out[0..n) (n from pb_count()). */
void pb_iter_all(PbMsg msg, uint32_t num, int elem, int64_t n, uint64_t *out);

/* ---- tensor.c ---- */

/* Reads the TensorProto msg at path into a new constant tensor (not entered
 * in the name map); returns its index or -1 after reporting. *dtype (if
 * dtype) is set to its TensorProto.DataType. */
int pb_tensor(PCtx *c, PbMsg msg, const char *path, int *dtype);

/* ---- external.c ---- */

/* Where a tensor's external data is (TensorProto.external_data). */
typedef struct PbExternal {
  const char *location; /* relative to c->dir */
  const char *resolved; /* the file's real path, once checked */
  int64_t offset;       /* where the bytes start in the file */
  int64_t length;       /* how many, or -1: to the end of the file */
} PbExternal;

/* Reads the external_data entries (StringStringEntryProto) of list l, found
 * at base, into e. Returns 0 or -1 after reporting (where names the tensor). */
int pb_external_entries(PCtx *c, const PbList *l, const char *base, const char *where, PbExternal *e);
/* Checks that e's file stays inside c->dir (no absolute path, no '..', no
 * symbolic link out of the folder), is a regular file, and that offset and
 * length fit it; sets e->resolved and e->length (the byte count). Returns 0
 * or -1 after reporting. */
int pb_external_check(PCtx *c, PbExternal *e, const char *where);
/* Reads the bytes e names (after pb_external_check) into the arena; NULL
 * after reporting a read error. */
const unsigned char *pb_external_read(PCtx *c, const PbExternal *e, const char *where);

#endif
