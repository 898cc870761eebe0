/* scan.c - check the raw JSON text, then parse it with cJSON.
 *
 * cJSON recurses once per nesting level and passes string bytes through
 * unchecked, so before parsing we scan the text once: nesting depth (at most
 * JSON_MAX_DEPTH), UTF-8 validity (RFC 8259 requires it), no raw control bytes
 * inside strings, and "\u0000" escapes (cJSON would cut the string there; we
 * mark them so that names holding NUL can be rejected by name).
 */
#include <string.h>

#include "jsonfe.h"

static int cj_oom; /* an allocation by cJSON failed during this parse */

static void *cj_malloc(size_t n) {
  void *p = xn_malloc(n);
  if (!p)
    cj_oom = 1;
  return p;
}

static void cj_free(void *p) { xn_free(p); }

/* Reports "invalid JSON at line L, column C (byte N): MESSAGE". */
static void bad_json(Diag *d, const char *text, size_t off, const char *msg) {
  size_t line = 1, col = 1;
  for (size_t i = 0; i < off; i++) {
    if (text[i] == '\n')
      line++, col = 1;
    else
      col++;
  }
  diag_error(d, "invalid JSON at line %zu, column %zu (byte %zu): %s", line, col, off, msg);
}

static int is_ws(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

static int is_nul_escape(const char *s, size_t n) {
  return n >= 6 && s[0] == '\\' && s[1] == 'u' && !memcmp(s + 2, "0000", 4);
}

/* The scan; returns the number of \u0000 escapes, or -1 after an error.
 * *open tells whether the text ends inside a string (2) or an unclosed array
 * or object (1). */
static long scan(const char *text, size_t len, Diag *d, int *open) {
  const unsigned char *s = (const unsigned char *)text;
  int depth = 0, in_str = 0;
  long nul = 0;
  for (size_t i = 0; i < len;) {
    unsigned c = s[i];
    if (c >= 0x80) {
      size_t k = om_utf8_seq(s + i, len - i);
      if (!k) {
        bad_json(d, text, i, "invalid UTF-8 (JSON text must be UTF-8)");
        return -1;
      }
      i += k;
      continue;
    }
    if (in_str) {
      if (c == '"')
        in_str = 0;
      else if (c < 0x20) {
        char msg[64];
        snprintf(msg, sizeof msg, "control character 0x%02x inside a string", c);
        bad_json(d, text, i, msg);
        return -1;
      } else if (c == '\\') {
        if (is_nul_escape(text + i, len - i))
          nul++;
        i += 2; /* the escaped character is never a quote that ends the string */
        continue;
      }
    } else if (c == '"') {
      in_str = 1;
    } else if (c == '{' || c == '[') {
      if (++depth > JSON_MAX_DEPTH) {
        char msg[64];
        snprintf(msg, sizeof msg, "nesting deeper than %d levels", JSON_MAX_DEPTH);
        bad_json(d, text, i, msg);
        return -1;
      }
    } else if ((c == '}' || c == ']') && depth > 0) {
      depth--;
    }
    i++;
  }
  *open = in_str ? 2 : depth > 0;
  return nul;
}

cJSON *json_parse_text(const char *text, size_t len, Diag *d) {
  int open = 0;
  long nul = scan(text, len, d, &open);
  if (nul < 0)
    return NULL;
  char *copy = NULL;
  if (nul > 0) {
    /* Same length, so cJSON's error offsets still point into the file. */
    copy = xn_malloc(len + 1);
    if (!copy) {
      diag_error(d, "out of memory");
      return NULL;
    }
    memcpy(copy, text, len);
    copy[len] = 0;
    int in_str = 0;
    for (size_t i = 0; i < len; i++) {
      if (!in_str) {
        in_str = copy[i] == '"';
      } else if (copy[i] == '"') {
        in_str = 0;
      } else if (copy[i] == '\\') {
        if (is_nul_escape(copy + i, len - i))
          memset(copy + i, JSON_NUL_MARK, 6), i += 5;
        else
          i++;
      }
    }
    text = copy;
  }
  cJSON_Hooks hooks = {cj_malloc, cj_free};
  cJSON_InitHooks(&hooks);
  cj_oom = 0;
  const char *end = NULL;
  cJSON *root = cJSON_ParseWithLengthOpts(text, len, &end, 0);
  if (!root) {
    if (cj_oom) {
      diag_error(d, "out of memory");
    } else {
      size_t off = end && end >= text ? (size_t)(end - text) : 0;
      size_t k = off;
      while (k < len && is_ws(text[k]))
        k++;
      char msg[64];
      /* cJSON reports an error at the end as one at the last byte. */
      if (open == 2 || (open && off + 1 >= len && !strchr("]}", text[len - 1])))
        k = off = len;
      if (k >= len)
        snprintf(msg, sizeof msg, open == 2 ? "unexpected end of input inside a string" : "unexpected end of input");
      else if (text[off] == '\\')
        snprintf(msg, sizeof msg, "invalid escape sequence in a string (e.g. a lone \\u surrogate)");
      else if (text[off] > 0x20 && text[off] < 0x7f)
        snprintf(msg, sizeof msg, "unexpected character '%c'", text[off]);
      else
        snprintf(msg, sizeof msg, "unexpected byte 0x%02x", (unsigned char)text[off]);
      bad_json(d, text, off, msg);
    }
    xn_free(copy);
    return NULL;
  }
  size_t off = end ? (size_t)(end - text) : len;
  while (off < len && is_ws(text[off]))
    off++;
  if (off < len) {
    bad_json(d, text, off, "unexpected text after the JSON value");
    cJSON_Delete(root);
    root = NULL;
  }
  xn_free(copy);
  return root;
}
