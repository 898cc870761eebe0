/* backend.h - the C backend: one static function per layer, literal sizes,
 * weights as static const arrays, activations and work buffers in one state
 * (the caller's for NAME_run_r, a static one for NAME_run).
 *
 * emit_c.c   the generated .c and .h
 */
#ifndef XN_BACKEND_H
#define XN_BACKEND_H

#include "../ir/ir.h"

typedef struct EmitOptions {
  const char *name;    /* identifier prefix: NAME_run, NAME_ARENA_BYTES... */
  const char *header;  /* file name of the header the .c includes, e.g. "net.h" */
  int with_main;       /* add a main() that reads/writes raw float32 files */
  int storage;         /* constant data (--weight-storage): WS_AUTO (0), WS_BYTES, WS_LISTS */
  int profile;         /* --profile: time every layer, print the table (emit_profile.c) */
} EmitOptions;

/* How constant arrays are written (docs/generated-code.md, "Weight storage"):
 * byte strings from 1 KiB on and initializer lists below (auto), byte
 * strings always, initializer lists always. */
enum { WS_AUTO, WS_BYTES, WS_LISTS };

/* Writes the C source into c and the header into h. The graph must be shape
 * inferred and folded. Output is a pure function of the graph (byte-identical
 * across runs and locales). Returns 0, or -1 after reporting to d. */
int emit_c(Graph *g, Diag *d, const EmitOptions *o, StrBuf *c, StrBuf *h);

#endif
