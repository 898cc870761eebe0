/* xir.h - inside the text IR frontend: the parse context shared by the
 * scanner (xir.l), the grammar (xir.y) and the builders (build.c).
 * Nothing outside frontends/text includes this; the API is xir_load() in
 * frontend.h.
 *
 * build.c   builders the grammar actions call, number and string decoding,
 *           error reports with the source line and a caret, xir_load()
 * xir.l     tokens (flex, reentrant); xir_scan_parse() runs scanner + parser
 * xir.y     grammar (bison, pure)
 */
#ifndef XN_XIR_H
#define XN_XIR_H

#include "../frontend.h"

/* Maximum number of errors reported for one file before giving up. */
#define XIR_MAX_ERRORS 20

/* A source position: line and byte column of the first character (1-based);
 * last_* is the position just after the token. Replaces bison's YYLTYPE. */
typedef struct XirLoc {
  int first_line, first_column; /* where the token or rule starts */
  int last_line, last_column;   /* just after its end */
} XirLoc;

/* A decoded string token (arena memory, NUL-terminated, may hold NULs). */
typedef struct XirStr {
  char *s;  /* bytes, NULL for an absent optional string */
  size_t n; /* length without the terminating NUL */
} XirStr;

/* One number of a list, as written. */
typedef struct XirNum {
  int is_float; /* written as a float (else an integer) */
  int64_t i;    /* the integer */
  float f;      /* the float */
} XirNum;

/* What an attribute value was written as. */
typedef enum XirValKind {
  XV_NONE,    /* nothing (kind other) */
  XV_INT,     /* an integer */
  XV_FLOAT,   /* a float */
  XV_STRING,  /* a string */
  XV_LIST,    /* [ numbers ] in XirCtx.nums */
  XV_OMITTED  /* '_' (a tensor attribute that refers to nothing) */
} XirValKind;

typedef struct XirCtx {
  Graph *g;          /* the graph being filled */
  Diag *d;           /* where errors go */
  const char *text;  /* the whole input, for source lines in messages */
  size_t len;        /* its length */
  StrMap names;      /* tensor name -> index */
  int *decl_line;    /* line where each tensor was declared */
  int cap_decl;      /* entries allocated in decl_line */
  int64_t shape[XN_MAX_RANK]; /* dims of the tensor statement being read */
  XirNum *nums;      /* numbers of the list being read */
  int nnums, capnums;
  int *refs;         /* tensor refs of the statement: index, -1 for '_', -2 undefined */
  int nrefs, caprefs;
  Attr *attrs;       /* attributes of the node being read */
  XirLoc *attr_at;   /* where each of them is written */
  int nattrs, capattrs;
  XirValKind vkind;  /* the attribute value just read */
  int64_t vi;        /* XV_INT */
  float vf;          /* XV_FLOAT */
  XirStr vs;         /* XV_STRING */
  XirLoc vloc;       /* where the value is */
  int nerrors;       /* errors reported */
  int stop;          /* too many errors: the scanner returns end of file */
  int line_cache, off_cache; /* a line start found before, to find lines fast */
} XirCtx;

/* ---- build.c ---- */

/* Reports "FILE:LINE:COL: error: MESSAGE", the source line and a caret. */
void xir_error(XirCtx *c, const XirLoc *l, const char *fmt, ...) XN_PRINTF(3, 4);

/* Token decoding for the scanner. Each returns 0, or -1 after reporting. */
int xl_int(XirCtx *c, const char *s, const XirLoc *l, int64_t *v);
int xl_float(XirCtx *c, const char *s, const XirLoc *l, float *v);
int xl_string(XirCtx *c, const char *s, size_t n, const XirLoc *l, XirStr *out);
char *xl_ident(XirCtx *c, const char *s, size_t n);

/* Builders, one per grammar rule that has an effect (see xir.y). */
void xb_reset(XirCtx *c);
void xb_graph(XirCtx *c, XirStr name, const XirLoc *l);
void xb_opset(XirCtx *c, const char *domain, int64_t version, const XirLoc *l);
int xb_dim(XirCtx *c, int rank, int64_t v, const XirLoc *l);
void xb_num_int(XirCtx *c, int64_t v);
void xb_num_float(XirCtx *c, float v);
void xb_elided(XirCtx *c, const XirLoc *l);
void xb_tensor(XirCtx *c, XirStr name, const XirLoc *nl, const char *dtype, const XirLoc *tl, int rank,
               int has_data, const XirLoc *dl, XirStr loc, const XirLoc *sl);
int xb_ref(XirCtx *c, int count, XirStr name, const XirLoc *l);
int xb_ref_omitted(XirCtx *c, int count);
void xb_inputs(XirCtx *c, int is_output, const XirLoc *l);
void xb_val(XirCtx *c, XirValKind k, const XirLoc *l);
void xb_val_int(XirCtx *c, int64_t v, const XirLoc *l);
void xb_val_float(XirCtx *c, float v, const XirLoc *l);
void xb_val_string(XirCtx *c, XirStr v, const XirLoc *l);
XirStr xb_str(XirCtx *c, const char *s);
void xb_attr(XirCtx *c, XirStr name, const XirLoc *nl, const char *kind, const XirLoc *kl, XirStr loc);
void xb_node(XirCtx *c, const char *op, const XirLoc *ol, XirStr name, const XirLoc *nl, int nin, int nout,
             XirStr loc, const XirLoc *sl);

/* ---- xir.l ---- */

/* Scans and parses c->text[0..c->len) (len <= INT_MAX - 2). */
void xir_scan_parse(XirCtx *c);

#endif
