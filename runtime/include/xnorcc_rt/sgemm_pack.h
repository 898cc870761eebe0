/* xnorcc runtime: the packed weight layout of the float GEMM, defined once.
 *
 * The float GEMM computes C[m][n] = sum_k A[m][k] * B[k][n] with A the
 * weights (known when the model is compiled) and B the activations.  A is
 * stored in panels of XNRT_SGEMM_MR = 8 rows, each panel k-major:
 *
 *     packed[(m / 8) * K * 8 + k * 8 + m % 8] = A[m][k]
 *
 * rows past M (the last panel's tail) are 0.0f.  So a panel is K groups of 8
 * consecutive floats, one group per k, and a K block [k0, k0+kc) of a panel
 * is contiguous.  The layout does not depend on the ISA path: every
 * micro-kernel (sgemm_ukr_*.h) reads the 8 rows of a panel, in one pass or
 * in two halves, and the packing below is plain copying, so its output is
 * byte-identical whatever compiled it.  xnorcc calls these functions when it
 * compiles a model and emits the result as a static const float array.
 *
 * Binary weights for BWN layers (xnrt_bwn_pack) keep the same panels at one
 * bit per weight: byte packed1[(m / 8) * K + k], bit m % 8 set iff A[m][k] < 0
 * (so -0.0f and NaN are +1, as in pack.h); tail rows 0.  Run time expands a
 * K block of a panel into +-1.0f floats in the layout above. */
#ifndef XNORCC_RT_SGEMM_PACK_H
#define XNORCC_RT_SGEMM_PACK_H

#include "isa.h"

/* Rows per packed panel (the micro-kernels' register-block height). */
#define XNRT_SGEMM_MR 8
/* Floats of a packed M x K matrix. */
#define XNRT_SGEMM_PACKED_FLOATS(M, K) ((size_t)XNRT_CDIV((M), 8) * 8 * (size_t)(K))
/* Floats of packed conv weights: M filters in G groups, Cg = C/G input
 * channels per group, KHxKW; group g's M/G x (Cg*KH*KW) matrix at
 * g * XNRT_SGEMM_PACKED_FLOATS(M/G, Cg*KH*KW). */
#define XNRT_CONV_WEIGHT_FLOATS(M, Cg, KH, KW, G) \
    ((size_t)(G) * XNRT_SGEMM_PACKED_FLOATS((M) / (G), (size_t)(Cg) * (KH) * (KW)))
/* Bytes of a 1-bit packed M x K matrix (xnrt_bwn_pack). */
#define XNRT_BWN_PACKED_BYTES(M, K) ((size_t)XNRT_CDIV((M), 8) * (size_t)(K))
/* Bytes of 1-bit packed conv weights, groups as XNRT_CONV_WEIGHT_FLOATS. */
#define XNRT_BWN_CONV_WEIGHT_BYTES(M, Cg, KH, KW, G) \
    ((size_t)(G) * XNRT_BWN_PACKED_BYTES((M) / (G), (size_t)(Cg) * (KH) * (KW)))

/* Packs an M x K matrix, element (m, k) at a[m*rs + k*cs], into the panels
 * above: XNRT_SGEMM_PACKED_FLOATS(M, K) floats at out.  Gemm weights W[K][M]
 * (transB = 0): rs = 1, cs = M; W[M][K] (transB = 1): rs = K, cs = 1. */
static inline void xnrt_sgemm_pack(const float *a, int M, int K, ptrdiff_t rs, ptrdiff_t cs, float *out)
{
    int m, k, r;
    for (m = 0; m < M; m += 8)
        for (k = 0; k < K; k++)
            for (r = 0; r < 8; r++)
                *out++ = m + r < M ? a[(ptrdiff_t)(m + r) * rs + (ptrdiff_t)k * cs] : 0.0f;
}

/* Packs OIHW conv weights w[M][Cg][KH][KW] with G groups into
 * XNRT_CONV_WEIGHT_FLOATS(M, Cg, KH, KW, G) floats: per group the
 * M/G x (Cg*KH*KW) matrix, k = (c*KH + kh)*KW + kw. */
static inline void xnrt_conv_pack_weights(const float *w, int M, int Cg, int KH, int KW, int G, float *out)
{
    const int Mg = M / G, K = Cg * KH * KW;
    int g;
    for (g = 0; g < G; g++)
        xnrt_sgemm_pack(w + (size_t)g * Mg * K, Mg, K, K, 1, out + (size_t)g * XNRT_SGEMM_PACKED_FLOATS(Mg, K));
}

/* Packs the signs of an M x K matrix (element (m, k) at a[m*rs + k*cs]) into
 * XNRT_BWN_PACKED_BYTES(M, K) bytes, layout above. */
static inline void xnrt_bwn_pack(const float *a, int M, int K, ptrdiff_t rs, ptrdiff_t cs, uint8_t *out)
{
    int m, k, r;
    for (m = 0; m < M; m += 8)
        for (k = 0; k < K; k++) {
            unsigned byte = 0;
            for (r = 0; r < 8 && m + r < M; r++)
                byte |= (unsigned)(a[(ptrdiff_t)(m + r) * rs + (ptrdiff_t)k * cs] < 0.0f) << r;
            *out++ = (uint8_t)byte;
        }
}

/* Packs the signs of OIHW conv weights, groups as xnrt_conv_pack_weights,
 * into XNRT_BWN_CONV_WEIGHT_BYTES(M, Cg, KH, KW, G) bytes. */
static inline void xnrt_bwn_conv_pack_weights(const float *w, int M, int Cg, int KH, int KW, int G, uint8_t *out)
{
    const int Mg = M / G, K = Cg * KH * KW;
    int g;
    for (g = 0; g < G; g++)
        xnrt_bwn_pack(w + (size_t)g * Mg * K, Mg, K, K, 1, out + (size_t)g * XNRT_BWN_PACKED_BYTES(Mg, K));
}

#endif
