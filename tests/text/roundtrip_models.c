/* roundtrip_models.c - for every DIR/CASE/model.json: lower it, print it as
 * text IR, parse that, print again and compare byte for byte; then lower the
 * text (the pipeline run on its own output) and compare once more; then the
 * first check after the binarize pass (BinActiv/BinConv/BinGemm nodes), and
 * with --relower-binarized also the second.
 * usage: text_roundtrip_models MODELS_DIR [--relower-binarized]. Exit 1 on
 * any mismatch or error, and when no model is found. */
#include <dirent.h>
#include <stdlib.h>
#include <string.h>

#include "driver/pipeline.h"
#include "passes/binary.h"

static int cmp(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

static char *dump(Graph *g) {
  StrBuf b;
  sb_init(&b, g->arena);
  ir_print(g, &b, 0);
  return b.s;
}

/* Prints where two texts first differ. */
static void show_diff(const char *what, const char *a, const char *b) {
  size_t i = 0, line = 1, start = 0;
  for (; a[i] && a[i] == b[i]; i++)
    if (a[i] == '\n')
      line++, start = i + 1;
  fprintf(stderr, "  %s differs at line %zu:\n  < %.200s\n  > %.200s\n", what, line, a + start, b + start);
}

static const DimBinding dims[] = {{"batch", 2}}; /* fmt_symbolic_batch */
static int relower_binarized;                        /* --relower-binarized */

/* The checks on the lowered graph g (what: "lowered" or "binarized");
 * relower: also lower the dump again. */
static int check_graph(const char *path, const char *what, Graph *g, Diag *d, int relower) {
  LoadOptions lo = {dims, 1};
  int ok = 0;
  Graph *g2 = graph_new("dump.xir"), *g3 = graph_new("dump.xir");
  if (!g2 || !g3) {
    fprintf(stderr, "FAIL %s: out of memory\n", path);
    goto done;
  }
  char *s1 = dump(g);
  if (xir_load(g2, s1, strlen(s1), NULL, d)) {
    fprintf(stderr, "FAIL %s (%s): its dump does not parse\n", path, what);
    goto done;
  }
  char *s2 = dump(g2);
  if (strcmp(s1, s2)) {
    fprintf(stderr, "FAIL %s (%s): print(parse(print(G))) != print(G)\n", path, what);
    show_diff("reprint", s1, s2);
    goto done;
  }
  if (!relower) {
    ok = 1;
    goto done;
  }
  if (pipeline_lower(g3, s1, strlen(s1), &lo, d)) {
    fprintf(stderr, "FAIL %s (%s): its dump does not lower\n", path, what);
    goto done;
  }
  char *s3 = dump(g3);
  if (strcmp(s1, s3)) {
    fprintf(stderr, "FAIL %s (%s): lowering the dump changes it\n", path, what);
    show_diff("relowered", s1, s3);
    goto done;
  }
  ok = 1;
done:
  graph_free(g2);
  graph_free(g3);
  return ok;
}

static int check(const char *path) {
  LoadOptions lo = {dims, 1};
  int ok = 0;
  Diag d;
  diag_init(&d, path);
  Graph *g = graph_new(path);
  if (!g || pipeline_lower(g, NULL, 0, &lo, &d)) {
    fprintf(stderr, "FAIL %s: does not lower\n", path);
  } else if (check_graph(path, "lowered", g, &d, 1)) {
    if (pass_binarize(g, &d))
      fprintf(stderr, "FAIL %s: does not binarize\n", path);
    else
      ok = check_graph(path, "binarized", g, &d, relower_binarized);
  }
  diag_print(&d, stderr);
  diag_free(&d);
  graph_free(g);
  return ok;
}

int main(int argc, char **argv) {
  relower_binarized = argc == 3 && !strcmp(argv[2], "--relower-binarized");
  if (argc != 2 && !relower_binarized) {
    fprintf(stderr, "usage: %s MODELS_DIR [--relower-binarized]\n", argv[0]);
    return 2;
  }
  DIR *dir = opendir(argv[1]);
  if (!dir) {
    fprintf(stderr, "FAIL: cannot open %s\n", argv[1]);
    return 1;
  }
  char **paths = NULL;
  size_t n = 0;
  for (struct dirent *e; (e = readdir(dir));) {
    if (e->d_name[0] == '.')
      continue;
    size_t len = strlen(argv[1]) + strlen(e->d_name) + 16;
    char *p = malloc(len);
    snprintf(p, len, "%s/%s/model.json", argv[1], e->d_name);
    FILE *f = fopen(p, "rb");
    if (!f) {
      free(p);
      continue;
    }
    fclose(f);
    paths = realloc(paths, (n + 1) * sizeof *paths);
    paths[n++] = p;
  }
  closedir(dir);
  if (n == 0) {
    fprintf(stderr, "FAIL: no model.json under %s\n", argv[1]);
    return 1;
  }
  qsort(paths, n, sizeof *paths, cmp);
  int failed = 0;
  for (size_t i = 0; i < n; i++) {
    failed += !check(paths[i]);
    free(paths[i]);
  }
  free(paths);
  printf("%zu models, %d failed\n", n, failed);
  return failed ? 1 : 0;
}
