/* xnorcc runtime library: non-inline pieces. */
#include "xnorcc_rt.h"

const char *xnrt_version(void) { return XNRT_VERSION; }
