/* jvalue.c - reading values of protobuf's JSON mapping, with errors that name
 * the JSON path and say what was expected and what was found.
 *
 * int64:  "3" or 3; a JSON number must be an integer of magnitude <= 2^53
 *         (beyond that a double cannot hold it exactly; protobuf writes int64
 *         as strings anyway). "-0" is 0.
 * float:  a number, or "NaN", "Infinity", "-Infinity", or a numeric string.
 * enum:   its name ("FLOAT") or number (1).
 * bytes:  base64, standard or URL-safe alphabet, padding optional.
 */
#include <errno.h>
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "jsonfe.h"

const char *jesc(OmCtx *c, const char *s) {
  if (!strchr(s, JSON_NUL_MARK))
    return om_esc(c, s);
  /* One \u0000 escape became 6 marks (see scan.c): make it one NUL again. */
  size_t n = 0;
  char *t = arena_alloc(c->a, strlen(s) + 1);
  for (; *s; s++) {
    t[n++] = *s == JSON_NUL_MARK ? 0 : *s;
    for (int k = 0; k < 5 && *s == JSON_NUL_MARK && s[1] == JSON_NUL_MARK; k++)
      s++;
  }
  return om_esc_bytes(c, t, n);
}

const char *jtype_name(const cJSON *v) {
  if (!v)
    return "nothing";
  if (cJSON_IsObject(v))
    return "an object";
  if (cJSON_IsArray(v))
    return "an array";
  if (cJSON_IsString(v))
    return "a string";
  if (cJSON_IsNumber(v))
    return "a number";
  if (cJSON_IsBool(v))
    return "a boolean";
  return "null";
}

static const cJSON *get_key(const cJSON *obj, const char *key) {
  const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
  return v && !cJSON_IsNull(v) ? v : NULL;
}

const cJSON *jfield(OmCtx *c, const cJSON *obj, const char *path, const char *camel,
                    const char **key) {
  char snake[64];
  om_snake_case(camel, snake, sizeof snake);
  const cJSON *v = get_key(obj, camel);
  const cJSON *w = strcmp(snake, camel) ? get_key(obj, snake) : NULL;
  if (v && w)
    om_err(c, path, "both '%s' and '%s' are given (they are the same field)", camel, snake);
  if (key)
    *key = v || !w ? camel : arena_strdup(c->a, snake);
  return v ? v : w;
}

/* Strict decimal integer: -?[0-9]+ within int64. Returns 1, 0 (not an
 * integer) or -1 (out of range). */
static int parse_i64(const char *s, int64_t *out) {
  int neg = *s == '-';
  const char *p = s + neg;
  if (!*p)
    return 0;
  uint64_t v = 0, lim = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
  int over = 0;
  for (; *p; p++) {
    if (*p < '0' || *p > '9')
      return 0;
    unsigned dgt = (unsigned)(*p - '0');
    if (v > (lim - dgt) / 10)
      over = 1;
    else
      v = v * 10 + dgt;
  }
  if (over)
    return -1;
  *out = neg ? (v == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(int64_t)v) : (int64_t)v;
  return 1;
}

int jget_int64(OmCtx *c, const cJSON *v, const char *path, int64_t *out) {
  if (cJSON_IsString(v)) {
    int r = parse_i64(v->valuestring, out);
    if (r == 1)
      return 0;
    if (!c)
      return -1;
    om_err(c, path, "expected an int64, found \"%s\"%s", jesc(c, v->valuestring),
         r < 0 ? " (out of range)" : "");
    return -1;
  }
  if (cJSON_IsNumber(v)) {
    double x = v->valuedouble;
    if (x != floor(x)) {
      if (c)
        om_err(c, path, "expected an integer, found %.15g", x);
      return -1;
    }
    if (fabs(x) > 9007199254740992.0) {
      if (c)
        om_err(c, path, "expected an integer of at most 2^53 (larger ones must be strings), found %.15g", x);
      return -1;
    }
    *out = (int64_t)x;
    return 0;
  }
  if (c)
    om_err(c, path, "expected an int64 (a number or a string), found %s", jtype_name(v));
  return -1;
}

static int to_float(OmCtx *c, double x, const char *path, float *out) {
  if (isfinite(x) && fabs(x) > FLT_MAX) {
    om_err(c, path, "value %.15g is out of the float32 range", x);
    return -1;
  }
  *out = (float)x;
  return 0;
}

int jget_double(OmCtx *c, const cJSON *v, const char *path, double *out) {
  if (cJSON_IsNumber(v)) {
    *out = v->valuedouble;
    return 0;
  }
  if (cJSON_IsString(v)) {
    const char *s = v->valuestring;
    if (!strcmp(s, "NaN")) {
      *out = NAN;
      return 0;
    }
    if (!strcmp(s, "Infinity") || !strcmp(s, "-Infinity")) {
      *out = *s == '-' ? -HUGE_VAL : HUGE_VAL;
      return 0;
    }
    /* A numeric string: plain JSON number syntax only (no hex, inf, spaces). */
    int ok = *s != 0;
    for (const char *p = s; *p; p++)
      if (!strchr("0123456789+-.eE", *p))
        ok = 0;
    if (ok) {
      char *end;
      errno = 0;
      double x = strtod(s, &end);
      if (!*end && errno != ERANGE) {
        *out = x;
        return 0;
      }
    }
    if (c)
      om_err(c, path, "expected a number, found \"%s\"", jesc(c, s));
    return -1;
  }
  if (c)
    om_err(c, path, "expected a number, found %s", jtype_name(v));
  return -1;
}

int jget_float(OmCtx *c, const cJSON *v, const char *path, float *out) {
  double x;
  return jget_double(c, v, path, &x) ? -1 : to_float(c, x, path, out);
}

int jget_name(OmCtx *c, const cJSON *v, const char *path, const char **out) {
  if (!cJSON_IsString(v)) {
    om_err(c, path, "expected a string, found %s", jtype_name(v));
    return -1;
  }
  if (strchr(v->valuestring, JSON_NUL_MARK)) {
    om_err(c, path, "'%s' contains a NUL character (\\u0000), which names cannot hold",
         jesc(c, v->valuestring));
    return -1;
  }
  *out = arena_strdup(c->a, v->valuestring);
  return 0;
}

int jget_enum(OmCtx *c, const cJSON *v, const char *path, const char *what,
              const char *const *names, int n, int *out) {
  if (cJSON_IsString(v)) {
    for (int k = 0; k < n; k++)
      if (names[k] && !strcmp(names[k], v->valuestring)) {
        *out = k;
        return 0;
      }
    om_err(c, path, "unknown %s '%s'", what, jesc(c, v->valuestring));
    return -1;
  }
  if (cJSON_IsNumber(v)) {
    double x = v->valuedouble;
    if (x == floor(x) && x >= 0 && x < n && names[(int)x]) {
      *out = (int)x;
      return 0;
    }
    om_err(c, path, "unknown %s %.15g", what, x);
    return -1;
  }
  om_err(c, path, "expected a %s (a name or a number), found %s", what, jtype_name(v));
  return -1;
}

int jget_array(OmCtx *c, const cJSON *v, const char *path) {
  if (!cJSON_IsArray(v)) {
    om_err(c, path, "expected an array, found %s", jtype_name(v));
    return -1;
  }
  return cJSON_GetArraySize(v);
}

int jget_object(OmCtx *c, const cJSON *v, const char *path) {
  if (!cJSON_IsObject(v)) {
    om_err(c, path, "expected an object, found %s", jtype_name(v));
    return -1;
  }
  return 0;
}

/* Value of each byte as a base64 digit in either alphabet (standard:
 * + /, URL-safe: - _), or -1. */
#define B64_ROW(c0) B64(c0), B64(c0 + 1), B64(c0 + 2), B64(c0 + 3), B64(c0 + 4), B64(c0 + 5), B64(c0 + 6), B64(c0 + 7)
#define B64(ch)                                                                                                  \
  (signed char)((ch) >= 'A' && (ch) <= 'Z'   ? (ch) - 'A'                                                    \
                : (ch) >= 'a' && (ch) <= 'z' ? (ch) - 'a' + 26                                               \
                : (ch) >= '0' && (ch) <= '9' ? (ch) - '0' + 52                                               \
                : (ch) == '+' || (ch) == '-' ? 62                                                            \
                : (ch) == '/' || (ch) == '_' ? 63                                                            \
                                             : -1)
static const signed char b64_value[256] = {
    B64_ROW(0),   B64_ROW(8),   B64_ROW(16),  B64_ROW(24),  B64_ROW(32),  B64_ROW(40),  B64_ROW(48),  B64_ROW(56),
    B64_ROW(64),  B64_ROW(72),  B64_ROW(80),  B64_ROW(88),  B64_ROW(96),  B64_ROW(104), B64_ROW(112), B64_ROW(120),
    B64_ROW(128), B64_ROW(136), B64_ROW(144), B64_ROW(152), B64_ROW(160), B64_ROW(168), B64_ROW(176), B64_ROW(184),
    B64_ROW(192), B64_ROW(200), B64_ROW(208), B64_ROW(216), B64_ROW(224), B64_ROW(232), B64_ROW(240), B64_ROW(248)};
#undef B64
#undef B64_ROW

long long jbase64_len(OmCtx *c, const char *s, const char *path) {
  const unsigned char *u = (const unsigned char *)s;
  size_t n = 0, digits, pad = 0;
  while (b64_value[u[n]] >= 0) /* the digits; NUL and '=' end them */
    n++;
  digits = n;
  for (; u[n]; n++) {
    unsigned char ch = u[n];
    if (ch == '=' && digits > 0) {
      pad++;
      continue;
    }
    if (pad)
      om_err(c, path, "invalid base64: '%c' after padding at offset %zu", ch >= 0x20 && ch < 0x7f ? ch : '?', n);
    else if (ch >= 0x20 && ch < 0x7f)
      om_err(c, path, "invalid base64 character '%c' at offset %zu", ch, n);
    else
      om_err(c, path, "invalid base64 byte 0x%02x at offset %zu", ch == (unsigned char)JSON_NUL_MARK ? 0 : ch, n);
    return -1;
  }
  /* Padding, when present, must complete the last group of four. */
  if (digits % 4 == 1 || (pad && (pad > 2 || (digits + pad) % 4))) {
    om_err(c, path, "invalid base64: %zu digits and %zu padding characters", digits, pad);
    return -1;
  }
  return (long long)(digits / 4 * 3 + (digits % 4 ? digits % 4 - 1 : 0));
}

void jbase64_decode(const char *s, unsigned char *out) {
  const unsigned char *u = (const unsigned char *)s;
  /* whole groups of four digits: three bytes each */
  for (; b64_value[u[0]] >= 0 && b64_value[u[1]] >= 0 && b64_value[u[2]] >= 0 && b64_value[u[3]] >= 0; u += 4) {
    uint32_t v = (uint32_t)b64_value[u[0]] << 18 | (uint32_t)b64_value[u[1]] << 12 |
                 (uint32_t)b64_value[u[2]] << 6 | (uint32_t)b64_value[u[3]];
    *out++ = (unsigned char)(v >> 16);
    *out++ = (unsigned char)(v >> 8);
    *out++ = (unsigned char)v;
  }
  /* the last 2 or 3 digits, if any */
  uint32_t acc = 0;
  int bits = 0;
  for (; b64_value[*u] >= 0; u++) {
    acc = (acc << 6) | (uint32_t)b64_value[*u];
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      *out++ = (unsigned char)(acc >> bits);
      acc &= (1u << bits) - 1;
    }
  }
}
