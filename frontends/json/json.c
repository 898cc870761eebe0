/* STUB: replaced by the JSON frontend. */
#include "../frontend.h"
int json_load(Graph *g, const char *text, size_t len, const LoadOptions *o, Diag *d) {
  (void)g, (void)text, (void)len, (void)o;
  diag_error(d, "JSON frontend not implemented yet");
  return -1;
}
