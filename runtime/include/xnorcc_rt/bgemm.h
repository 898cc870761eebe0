/* xnorcc runtime: binary GEMM (XNOR-popcount dot products of packed rows).
 *
 *   C[n*csn + m*csm] = F - 2 * popcount(A_n XOR B_m)      n < N, m < M
 *
 * A_n = A + n*lda, B_m = B + m*ldb, each XNRT_WORDS(F) words with bits past F
 * equal to 0 (as xnrt_pack_row writes them).  This is the +-1 dot product
 * sum_f a_nf * b_mf.  Fully connected layer: N = batch, A = packed inputs,
 * B = packed weight rows, C = [N][M] with csn = M, csm = 1. */
#ifndef XNORCC_RT_BGEMM_H
#define XNORCC_RT_BGEMM_H

#include "isa.h"
#include "par.h"

/* popcount(a XOR b) over nw words. */
XNRT_INLINE int64_t xnrt_popxor(const uint64_t *a, const uint64_t *b, int nw)
{
    int64_t s = 0;
    int i = 0;
#if defined(XNRT_ISA_AVX512)
    __m512i acc = _mm512_setzero_si512();
    for (; i + 8 <= nw; i += 8)
        acc = _mm512_add_epi64(acc, _mm512_popcnt_epi64(_mm512_xor_si512(
                  _mm512_loadu_si512((const void *)(a + i)),
                  _mm512_loadu_si512((const void *)(b + i)))));
    if (i < nw) {
        const __mmask8 k = (__mmask8)((1u << (nw - i)) - 1u);
        acc = _mm512_add_epi64(acc, _mm512_popcnt_epi64(_mm512_xor_si512(
                  _mm512_maskz_loadu_epi64(k, a + i), _mm512_maskz_loadu_epi64(k, b + i))));
        i = nw;
    }
    s = _mm512_reduce_add_epi64(acc);
#elif defined(XNRT_ISA_AVX2)
    __m256i acc = _mm256_setzero_si256();
    while (i + 4 <= nw) {
        __m256i b8 = _mm256_setzero_si256();
        int j;
        for (j = 0; j < 31 && i + 4 <= nw; j++, i += 4)
            b8 = _mm256_add_epi8(b8, xnrt__popcnt8_avx2(_mm256_xor_si256(
                     _mm256_loadu_si256((const __m256i *)(const void *)(a + i)),
                     _mm256_loadu_si256((const __m256i *)(const void *)(b + i)))));
        acc = _mm256_add_epi64(acc, _mm256_sad_epu8(b8, _mm256_setzero_si256()));
    }
    s = _mm256_extract_epi64(acc, 0) + _mm256_extract_epi64(acc, 1) +
        _mm256_extract_epi64(acc, 2) + _mm256_extract_epi64(acc, 3);
#endif
    for (; i < nw; i++)
        s += xnrt_popcount64(a[i] ^ b[i]);
    return s;
}

/* Columns [m0, m1) of the binary GEMM. */
XNRT_INLINE void xnrt__bgemm_cols(const uint64_t *A, int lda, const uint64_t *B, int ldb,
                                  int N, int m0, int m1, int F, int32_t *C, int csn, int csm)
{
    const int nw = XNRT_WORDS(F);
    int n, m = m0;
    for (n = 0; n < N; n++) {
        const uint64_t *a = A + (size_t)n * lda;
        m = m0;
#if defined(XNRT_ISA_AVX512)
        /* Four weight rows per pass so one activation load feeds four XORs. */
        for (; m + 4 <= m1; m += 4) {
            const uint64_t *b0 = B + (size_t)m * ldb, *b1 = b0 + ldb, *b2 = b1 + ldb,
                           *b3 = b2 + ldb;
            __m512i c0 = _mm512_setzero_si512(), c1 = c0, c2 = c0, c3 = c0;
            int i;
            for (i = 0; i < nw; i += 8) {
                const __mmask8 k = nw - i >= 8 ? (__mmask8)0xff
                                               : (__mmask8)((1u << (nw - i)) - 1u);
                const __m512i x = _mm512_maskz_loadu_epi64(k, a + i);
                c0 = _mm512_add_epi64(c0, _mm512_popcnt_epi64(
                         _mm512_xor_si512(x, _mm512_maskz_loadu_epi64(k, b0 + i))));
                c1 = _mm512_add_epi64(c1, _mm512_popcnt_epi64(
                         _mm512_xor_si512(x, _mm512_maskz_loadu_epi64(k, b1 + i))));
                c2 = _mm512_add_epi64(c2, _mm512_popcnt_epi64(
                         _mm512_xor_si512(x, _mm512_maskz_loadu_epi64(k, b2 + i))));
                c3 = _mm512_add_epi64(c3, _mm512_popcnt_epi64(
                         _mm512_xor_si512(x, _mm512_maskz_loadu_epi64(k, b3 + i))));
            }
            C[(size_t)n * csn + (size_t)(m + 0) * csm] = F - 2 * (int32_t)_mm512_reduce_add_epi64(c0);
            C[(size_t)n * csn + (size_t)(m + 1) * csm] = F - 2 * (int32_t)_mm512_reduce_add_epi64(c1);
            C[(size_t)n * csn + (size_t)(m + 2) * csm] = F - 2 * (int32_t)_mm512_reduce_add_epi64(c2);
            C[(size_t)n * csn + (size_t)(m + 3) * csm] = F - 2 * (int32_t)_mm512_reduce_add_epi64(c3);
        }
#endif
        for (; m < m1; m++)
            C[(size_t)n * csn + (size_t)m * csm] =
                F - 2 * (int32_t)xnrt_popxor(a, B + (size_t)m * ldb, nw);
    }
}

typedef struct xnrt__bgemm_job_s {
    const uint64_t *A, *B;
    int32_t *C;
    int lda, ldb, N, M, F, csn, csm;
} xnrt__bgemm_job;

XNRT_INLINE void xnrt__bgemm_chunk(void *ctx, int lo, int hi)
{
    const xnrt__bgemm_job *j = (const xnrt__bgemm_job *)ctx;
    xnrt__bgemm_cols(j->A, j->lda, j->B, j->ldb, j->N, lo * 4, hi * 4 < j->M ? hi * 4 : j->M,
                     j->F, j->C, j->csn, j->csm);
}

/* Binary GEMM, see the top of this file.  No scratch.  Threads (par.h):
 * with XNRT_PAR_SPLIT(N * M * words) the columns m are split across the
 * pool in chunks of 4. */
XNRT_INLINE void xnrt_bgemm(const uint64_t *A, int lda, const uint64_t *B, int ldb,
                            int N, int M, int F, int32_t *C, int csn, int csm)
{
    if (XNRT_PAR_SPLIT((int64_t)N * M * XNRT_WORDS(F))) {
        xnrt__bgemm_job j;
        j.A = A, j.B = B, j.C = C, j.lda = lda, j.ldb = ldb, j.N = N, j.M = M, j.F = F;
        j.csn = csn, j.csm = csm;
        xnrt_parallel_for(XNRT_CDIV(M, 4), xnrt__bgemm_chunk, &j);
        return;
    }
    xnrt__bgemm_cols(A, lda, B, ldb, N, 0, M, F, C, csn, csm);
}

#endif
