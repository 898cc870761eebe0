/* jsonfe.h - internals of the JSON frontend (ONNX ModelProto in protobuf's JSON
 * mapping). Not part of the frontend API (that is frontend.h: json_load).
 *
 * scan.c     pre-scan of the raw text (nesting, UTF-8, NUL escapes) and parsing
 * jvalue.c   reading protobuf-JSON values: both key spellings, int64, enums,
 *            floats, base64 bytes, names; error messages naming the JSON path
 * tensor.c   TensorProto fields (typed values, base64 rawData)
 * json.c     json_load: model, opset imports, graph inputs/outputs, nodes
 */
#ifndef XN_JSONFE_H
#define XN_JSONFE_H

#include <cjson/cJSON.h>

#include "../model/model.h"

/* Deepest nesting of arrays/objects accepted (cJSON recurses). */
#define JSON_MAX_DEPTH 64

/* Byte that stands for a "\u0000" escape in the parsed strings. The scan
 * rejects invalid UTF-8, in which 0xFF never occurs, so a string holds this
 * byte only where the file had a NUL escape. */
#define JSON_NUL_MARK '\xff'

/* ---- scan.c ---- */

/* Checks text[0..len) (nesting depth, UTF-8, raw control characters in
 * strings) and parses it with cJSON (allocating through xn_malloc). Returns the
 * tree (free with cJSON_Delete) or NULL after reporting the error to d.
 * Strings that had a \u0000 escape hold JSON_NUL_MARK bytes instead. */
cJSON *json_parse_text(const char *text, size_t len, Diag *d);

/* ---- jvalue.c ---- */

/* s with quotes, backslashes and control bytes escaped (for messages); the
 * marks of a \u0000 escape are shown as \x00. */
const char *jesc(OmCtx *c, const char *s);

/* Field of obj named camel (lowerCamelCase) or its snake_case spelling, NULL
 * when absent or null. Sets *key (if key) to the spelling found. Reports an
 * error when both spellings are present (the camelCase one is used). */
const cJSON *jfield(OmCtx *c, const cJSON *obj, const char *path, const char *camel,
                    const char **key);
/* "an object", "a number", ... for messages. */
const char *jtype_name(const cJSON *v);

/* Each reader takes the value v found at path and returns 0 on success or -1
 * after reporting what was expected and what was found. jget_int64 and
 * jget_double report nothing when c is NULL. */
int jget_int64(OmCtx *c, const cJSON *v, const char *path, int64_t *out);
int jget_float(OmCtx *c, const cJSON *v, const char *path, float *out);
/* A double (doubleData), kept as double. */
int jget_double(OmCtx *c, const cJSON *v, const char *path, double *out);
/* A string that may not hold NUL (names, op types, domains). */
int jget_name(OmCtx *c, const cJSON *v, const char *path, const char **out);
/* An enum given by name or number: names[k] is the name of value k (NULL for
 * gaps), n entries. */
int jget_enum(OmCtx *c, const cJSON *v, const char *path, const char *what,
              const char *const *names, int n, int *out);
/* Array at path (v must be an array); returns its size or -1. */
int jget_array(OmCtx *c, const cJSON *v, const char *path);
/* An object (v must be one); returns 0 or -1. */
int jget_object(OmCtx *c, const cJSON *v, const char *path);

/* Length of the bytes the base64 string s encodes, or -1 when s is not valid
 * base64 (reported against path). */
long long jbase64_len(OmCtx *c, const char *s, const char *path);
/* Decodes the valid base64 string s into out (jbase64_len(s) bytes). */
void jbase64_decode(const char *s, unsigned char *out);

/* ---- tensor.c ---- */

/* Reads the TensorProto obj at path into a new constant tensor (not entered
 * in the name map) and returns its index, or -1 after reporting errors. */
int json_tensor(OmCtx *c, const cJSON *obj, const char *path);

#endif
