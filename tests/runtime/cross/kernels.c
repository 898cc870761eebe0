/* One translation unit of the cross-ISA check: built once with
 * -DXNRT_FORCE_PORTABLE -DSUF=p and once for the target ISA with -DSUF=n. */
#include "xnorcc_rt.h"

#define CAT2(a, b) a##b
#define CAT(a, b) CAT2(a, b)

void CAT(conv_, SUF)(const uint64_t *x, const uint64_t *w, int32_t *y, uint64_t *s, int C,
                     int H, int W, int M, int K, int OH, int OW, int st, int pad, int G, int pv);
void CAT(gemm_, SUF)(const uint64_t *a, const uint64_t *b, int N, int M, int F, int32_t *c);
const char *CAT(isa_, SUF)(void);

void CAT(conv_, SUF)(const uint64_t *x, const uint64_t *w, int32_t *y, uint64_t *s, int C,
                     int H, int W, int M, int K, int OH, int OW, int st, int pad, int G, int pv)
{
    xnrt_bconv2d(x, w, y, s, C, H, W, M, K, K, OH, OW, st, st, 1, 1, pad, pad, G, pv);
}

void CAT(gemm_, SUF)(const uint64_t *a, const uint64_t *b, int N, int M, int F, int32_t *c)
{
    xnrt_bgemm(a, XNRT_WORDS(F), b, XNRT_WORDS(F), N, M, F, c, M, 1);
}

const char *CAT(isa_, SUF)(void) { return XNRT_ISA; }
