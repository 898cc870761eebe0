/* Cross-ISA check: the target ISA path (e.g. NEON under qemu) must give the
 * same conv and GEMM results as the portable path, which the Check tests
 * compare with a naive reference.  Run by cross_neon.sh. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xnorcc_rt.h"

void conv_p(const uint64_t *, const uint64_t *, int32_t *, uint64_t *, int, int, int, int, int,
            int, int, int, int, int, int);
void conv_n(const uint64_t *, const uint64_t *, int32_t *, uint64_t *, int, int, int, int, int,
            int, int, int, int, int, int);
void gemm_p(const uint64_t *, const uint64_t *, int, int, int, int32_t *);
void gemm_n(const uint64_t *, const uint64_t *, int, int, int, int32_t *);
const char *isa_p(void);
const char *isa_n(void);

static uint64_t st = 88172645463325252ULL;
static uint64_t r64(void)
{
    st ^= st << 13;
    st ^= st >> 7;
    st ^= st << 17;
    return st;
}

int main(void)
{
    /* C, H, W, M, K, stride, pad, pad_value, G */
    static const int cases[][9] = {{256, 14, 14, 16, 3, 1, 1, 0, 1}, {70, 7, 9, 9, 3, 2, 1, 0, 1},
                                   {3, 5, 5, 4, 5, 1, 2, -1, 1},    {130, 6, 6, 6, 3, 1, 1, 1, 2},
                                   {64, 5, 5, 8, 1, 1, 0, 0, 1},    {1, 4, 4, 3, 3, 1, 1, 0, 1},
                                   {40, 9, 7, 40, 3, 2, 1, 0, 40}};
    unsigned i;
    int fails = 0, j;
    printf("%s vs %s\n", isa_n(), isa_p());
    for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const int *c = cases[i];
        const int C = c[0], H = c[1], W = c[2], M = c[3], K = c[4], s = c[5], p = c[6];
        const int G = c[8], Cg = C / G, CW = XNRT_WORDS(Cg);
        const int OH = XNRT_CONV_OUT(H, K, s, 1, p, p), OW = XNRT_CONV_OUT(W, K, s, 1, p, p);
        const int nx = G * CW * H * W, nw = M * K * K * CW, ny = M * OH * OW;
        const uint64_t tm = Cg % 64 ? ((1ULL << (Cg % 64)) - 1) : ~0ULL;
        uint64_t *x = calloc((size_t)nx, 8), *w = calloc((size_t)nw, 8);
        uint64_t *sc = calloc(XNRT_BCONV_SCRATCH_WORDS(Cg, K, K, OH, OW), 8);
        int32_t *y1 = calloc((size_t)ny, 4), *y2 = calloc((size_t)ny, 4);
        for (j = 0; j < nx; j++) /* word planes: plane index = j / (H*W) */
            x[j] = r64() & ((j / (H * W)) % CW == CW - 1 ? tm : ~0ULL);
        for (j = 0; j < nw; j++)
            w[j] = r64() & (j % CW == CW - 1 ? tm : ~0ULL);
        conv_p(x, w, y1, sc, C, H, W, M, K, OH, OW, s, p, G, c[7]);
        conv_n(x, w, y2, sc, C, H, W, M, K, OH, OW, s, p, G, c[7]);
        if (memcmp(y1, y2, (size_t)ny * 4)) {
            printf("conv case %u: FAIL\n", i);
            fails++;
        }
        gemm_p(w, w + CW, 2, 3, Cg, y1);
        gemm_n(w, w + CW, 2, 3, Cg, y2);
        if (memcmp(y1, y2, 6 * 4)) {
            printf("gemm case %u: FAIL\n", i);
            fails++;
        }
        free(x);
        free(w);
        free(sc);
        free(y1);
        free(y2);
    }
    printf("%s\n", fails ? "FAIL" : "all match");
    return fails != 0;
}
