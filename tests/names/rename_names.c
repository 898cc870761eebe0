/* rename_names.c - rewrites the names of an ONNX JSON model into hostile ones,
 * for tests/names/names.sh.
 *
 *   rename_names accept IN.json OUT.json    every tensor, node and the graph
 *       renamed from the ACCEPT tables below (names a compiler must take and
 *       still emit valid C for); tensors keep distinct names, node names may
 *       be empty
 *   rename_names reject K IN.json OUT.json  the first tensor renamed to
 *       REJECT[K] (bytes the JSON mapping does not allow in a name: invalid
 *       UTF-8, lone surrogates, NUL); prints nothing and exits 3 when K is
 *       past the end of the table
 *   rename_names npy2bin IN.npy OUT.bin     the raw little-endian float32
 *       payload of a version 1-3 .npy file ('<f4', C order)
 *
 * The model is parsed with cJSON; every name is replaced by a placeholder and
 * the printed JSON has each placeholder replaced by the exact JSON text of its
 * new name, so escapes (\u00ff, \ud83d\ude00) and raw bytes are written exactly
 * as the tables spell them.
 */
#define _POSIX_C_SOURCE 200809L
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* JSON string contents (between the quotes), as they appear in the file. */
static const char *const tensor_names[] = {
    "*/",                 /* ends a C comment */
    "/*",                 /* starts one */
    "a\\nb",              /* newline */
    "\\\\",               /* a lone backslash */
    "x\\\\",              /* trailing backslash: continues a // comment */
    "\\\"q\\\"",          /* quotes */
    "?\?/",                /* trigraph for backslash */
    "?\?=define X ?\?'",    /* more trigraphs */
    "int",                /* C keywords and reserved names */
    "return",
    "main",
    "NULL",
    "errno",
    "_Bool",
    "net_run",            /* the generated API's own names */
    "net_ARENA_FLOATS",
    "a.b",                /* collide once mangled */
    "a_b",
    "a-b",
    "a b",
    "a__b",
    "0start",
    "%s%n%d",             /* format directives */
    "#include <stdlib.h>",
    "\\t\\r\\f\\b",       /* control characters */
    "\\u0001\\u001f\\u007f",
    "\\u00ff\\u00fe",     /* Latin-1 code points, the bytes of invalid UTF-8 */
    "\\u0080\\u009f",     /* C1 controls */
    "\\u2028\\u2029",     /* line/paragraph separators */
    "\\ud83d\\ude00",     /* astral plane, as a surrogate pair */
    "\xc3\xa9t\xc3\xa9",  /* raw UTF-8 */
    "\\\\u0041",          /* a literal backslash-u */
    "\\/slash",
    " ",
    "@LONG@",             /* replaced by a 5000-byte name */
};
static const char *const node_names[] = {
    "", "*/ int x; /*", "/*", "\\n#define return", "return", "int", "a.b", "a_b",
    "?\?/", "\\\\", "\\\"", "\\u00e9", "", "@LONG@", "%n",
};
#define GRAPH_NAME "*/ int main(void) { return 1; } /* ?\?/\\n\\\\"

static const char *const reject_names[] = {
    "\xff",          /* invalid UTF-8 byte */
    "a\xc0\xaf",     /* overlong encoding */
    "\xed\xa0\x80",  /* UTF-8 encoded surrogate */
    "\\udc80",       /* lone low surrogate */
    "\\ud800x",      /* lone high surrogate */
    "a\\u0000b",     /* NUL */
    "",              /* empty tensor name */
};

#define N(a) (sizeof(a) / sizeof((a)[0]))

static void die(const char *msg, const char *arg) {
  fprintf(stderr, "rename_names: %s%s\n", msg, arg ? arg : "");
  exit(2);
}

static char *slurp(const char *path, size_t *len) {
  FILE *f = fopen(path, "rb");
  if (!f)
    die("cannot open ", path);
  size_t cap = 1 << 16, n = 0;
  char *s = malloc(cap + 1);
  for (;;) {
    if (!s)
      die("out of memory", NULL);
    n += fread(s + n, 1, cap - n, f);
    if (n < cap)
      break;
    cap *= 2;
    s = realloc(s, cap + 1);
  }
  fclose(f);
  s[n] = 0;
  *len = n;
  return s;
}

/* ---- renaming ---- */

static char **tnames; /* original tensor names, in order of first appearance */
static int ntnames, nnodes;

static int tensor_id(const char *name) {
  for (int i = 0; i < ntnames; i++)
    if (!strcmp(tnames[i], name))
      return i;
  tnames = realloc(tnames, sizeof *tnames * (size_t)(ntnames + 1));
  if (!tnames)
    die("out of memory", NULL);
  tnames[ntnames] = strdup(name);
  return ntnames++;
}

static void set_str(cJSON *v, const char *s) {
  cJSON_free(v->valuestring);
  v->valuestring = strdup(s);
}

/* Replaces the tensor name v (a string; "" = omitted input, kept). */
static void rename_tensor(cJSON *v) {
  if (!cJSON_IsString(v) || !v->valuestring[0])
    return;
  char ph[32];
  snprintf(ph, sizeof ph, "@@T%d@@", tensor_id(v->valuestring));
  set_str(v, ph);
}

static cJSON *field(cJSON *o, const char *camel, const char *snake) {
  cJSON *v = cJSON_GetObjectItemCaseSensitive(o, camel);
  return v ? v : cJSON_GetObjectItemCaseSensitive(o, snake);
}

static void rename_value_infos(cJSON *arr) {
  cJSON *v;
  cJSON_ArrayForEach(v, arr) rename_tensor(cJSON_GetObjectItemCaseSensitive(v, "name"));
}

static void rename_graph(cJSON *g) {
  cJSON *v, *s;
  rename_value_infos(field(g, "initializer", "initializer"));
  rename_value_infos(field(g, "input", "input"));
  cJSON_ArrayForEach(v, field(g, "node", "node")) {
    cJSON_ArrayForEach(s, cJSON_GetObjectItemCaseSensitive(v, "input")) rename_tensor(s);
    cJSON_ArrayForEach(s, cJSON_GetObjectItemCaseSensitive(v, "output")) rename_tensor(s);
    char ph[32];
    snprintf(ph, sizeof ph, "@@N%d@@", nnodes++);
    cJSON_DeleteItemFromObjectCaseSensitive(v, "name");
    cJSON_AddStringToObject(v, "name", ph);
  }
  rename_value_infos(field(g, "output", "output"));
  rename_value_infos(field(g, "valueInfo", "value_info"));
  cJSON_DeleteItemFromObjectCaseSensitive(g, "name");
  cJSON_AddStringToObject(g, "name", "@@G@@");
}

static void put_long_name(FILE *f) {
  for (int i = 0; i < 500; i++)
    fputs(i % 7 ? "long_name" : "*/\\\\n/*", f); /* 9 bytes each */
  fputs("end", f);
}

static void put_name(FILE *f, const char *s, int uniq) {
  if (!strcmp(s, "@LONG@"))
    put_long_name(f);
  else
    fputs(s, f);
  if (uniq >= 0)
    fprintf(f, "#%d", uniq);
}

/* Writes text with every placeholder replaced. reject >= 0: only tensor 0 is
 * renamed, to reject_names[reject]; the others get back their old names. */
static void write_out(const char *path, const char *text, int reject) {
  FILE *f = fopen(path, "wb");
  if (!f)
    die("cannot create ", path);
  for (const char *p = text; *p;) {
    int k;
    char kind;
    int used = 0;
    if (p[0] == '@' && p[1] == '@' && sscanf(p, "@@%c%d@@%n", &kind, &k, &used) >= 2 && used) {
      if (reject >= 0) {
        if (kind == 'T' && k == 0)
          fputs(reject_names[reject], f);
        else if (kind == 'T') {
          cJSON *str = cJSON_CreateString(tnames[k]);
          char *esc = cJSON_PrintUnformatted(str);
          fprintf(f, "%.*s", (int)strlen(esc) - 2, esc + 1);
          cJSON_free(esc);
          cJSON_Delete(str);
        } else
          fprintf(f, "n%d", k);
      } else if (kind == 'T') {
        /* Distinct names: a suffix once the table has been used up. */
        put_name(f, tensor_names[k % (int)N(tensor_names)], k < (int)N(tensor_names) ? -1 : k);
      } else {
        const char *s = node_names[k % (int)N(node_names)];
        put_name(f, s, k < (int)N(node_names) || !*s ? -1 : k);
      }
      p += used;
    } else if (!strncmp(p, "@@G@@", 5)) {
      fputs(reject >= 0 ? "g" : GRAPH_NAME, f);
      p += 5;
    } else {
      fputc(*p++, f);
    }
  }
  if (fclose(f))
    die("cannot write ", path);
}

static int cmd_rename(const char *in, const char *out, int reject) {
  size_t len;
  char *text = slurp(in, &len);
  cJSON *m = cJSON_Parse(text);
  if (!m)
    die("not JSON: ", in);
  cJSON *g = field(m, "graph", "graph");
  if (!g)
    die("no graph in ", in);
  rename_graph(g);
  char *printed = cJSON_Print(m);
  write_out(out, printed, reject);
  cJSON_free(printed);
  cJSON_Delete(m);
  free(text);
  for (int i = 0; i < ntnames; i++)
    free(tnames[i]);
  free(tnames);
  return 0;
}

/* ---- npy2bin ---- */

static int cmd_npy2bin(const char *in, const char *out) {
  size_t len;
  unsigned char *s = (unsigned char *)slurp(in, &len);
  if (len < 10 || memcmp(s, "\x93NUMPY", 6))
    die("not a .npy file: ", in);
  size_t hlen, off;
  if (s[6] == 1) {
    hlen = (size_t)s[8] | (size_t)s[9] << 8;
    off = 10;
  } else {
    hlen = (size_t)s[8] | (size_t)s[9] << 8 | (size_t)s[10] << 16 | (size_t)s[11] << 24;
    off = 12;
  }
  if (off + hlen > len)
    die("truncated header in ", in);
  char *hdr = strndup((char *)s + off, hlen);
  if (!strstr(hdr, "'<f4'") || strstr(hdr, "'fortran_order': True"))
    die("only little-endian float32 in C order: ", in);
  FILE *f = fopen(out, "wb");
  if (!f || fwrite(s + off + hlen, 1, len - off - hlen, f) != len - off - hlen || fclose(f))
    die("cannot write ", out);
  free(hdr);
  free(s);
  return 0;
}

int main(int argc, char **argv) {
  if (argc == 4 && !strcmp(argv[1], "accept"))
    return cmd_rename(argv[2], argv[3], -1);
  if (argc == 5 && !strcmp(argv[1], "reject")) {
    int k = atoi(argv[2]);
    if (k < 0 || k >= (int)N(reject_names))
      return 3;
    return cmd_rename(argv[3], argv[4], k);
  }
  if (argc == 4 && !strcmp(argv[1], "npy2bin"))
    return cmd_npy2bin(argv[2], argv[3]);
  fputs("usage: rename_names accept IN OUT | reject K IN OUT | npy2bin IN.npy OUT.bin\n", stderr);
  return 2;
}
