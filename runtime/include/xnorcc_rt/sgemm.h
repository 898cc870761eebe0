/* xnorcc runtime: float GEMM on pre-packed weights, with a fused epilogue.
 *
 *   C[m*ldc + n] = epilogue(sum_{k<K} A[m][k] * B[k*ldb + n])   m < M, n < N
 *
 * A is packed once (sgemm_pack.h; xnorcc does it at compile time), B and C
 * are row-major floats.  Blocking: columns in blocks of XNRT_SGEMM_NCB, K in
 * near-equal blocks of at most XNRT_SGEMM_KC; within a block every 8-row
 * panel of A (kc x 8 floats, in L1) runs over the block's column tiles (B
 * from L2).  The register-blocked micro-kernel comes from the ISA file:
 *
 *   xnrt__ukr(kc, ap, b, off, c, ldc, mr, nr, acc):
 *     c[r*ldc + j] (= or, if acc, +=) sum_{k<kc} ap[k*8 + r] * b[off[k] + j]
 *     for r < mr <= 8, j < nr <= XNRT_SGEMM_NR; reads b[off[k] + j] for j < nr only.
 *
 * B's rows are addressed through the offset table off[], so the same kernel
 * runs on a row-major matrix (off[k] = k*ldb), on an NCHW image (1x1 convs),
 * on an im2col block and on the taps of a padded image (conv.h).  N = 1 is a
 * matrix-vector product (fully connected layers at batch 1).  No scratch.
 * BWN layers (xnrt_sgemm_bwn) keep A at one bit per weight and expand each
 * K block of a panel into +-1.0f just before its tiles run.
 * Summation order differs from a plain loop: see docs/runtime.md, "Float
 * accuracy". */
#ifndef XNORCC_RT_SGEMM_H
#define XNORCC_RT_SGEMM_H

#include "sgemm_pack.h"
#include "epilogue.h"
#include "par.h"

#if defined(XNRT_F_AVX512)
#  include "sgemm_ukr_avx512.h"
#elif defined(XNRT_F_AVX2)
#  include "sgemm_ukr_avx2.h"
#elif defined(XNRT_F_NEON)
#  include "sgemm_ukr_neon.h"
#else
#  include "sgemm_ukr_portable.h"
#endif

/* Largest K block, and columns per block (a multiple of every path's NR). */
#define XNRT_SGEMM_KC 256
#define XNRT_SGEMM_NCB 384

/* Near-equal K blocks of at most XNRT_SGEMM_KC: the block length. */
XNRT_INLINE int xnrt__kc(int K) { return XNRT_CDIV(K, XNRT_CDIV(K, XNRT_SGEMM_KC)); }

/* Expands kc bytes of a 1-bit panel (sgemm_pack.h) into kc x 8 floats +-1:
 * bit r of byte k shifted to the sign of 1.0f (2 bytes per zmm, 1 per ymm). */
XNRT_INLINE void xnrt__bwn_expand(const uint8_t *wb, int kc, float *out)
{
    int k = 0, r;
#if defined(XNRT_F_AVX512)
    const __m512i sh = _mm512_setr_epi32(31, 30, 29, 28, 27, 26, 25, 24, 23, 22, 21, 20, 19, 18, 17, 16);
    const __m512i sign = _mm512_set1_epi32((int)0x80000000u), one = _mm512_set1_epi32(0x3f800000);
    for (; k + 2 <= kc; k += 2) {
        const __m512i v = _mm512_sllv_epi32(_mm512_set1_epi32(wb[k] | wb[k + 1] << 8), sh);
        _mm512_storeu_ps(out + k * 8, _mm512_castsi512_ps(_mm512_or_si512(_mm512_and_si512(v, sign), one)));
    }
#elif defined(XNRT_F_AVX2)
    const __m256i sh = _mm256_setr_epi32(31, 30, 29, 28, 27, 26, 25, 24);
    const __m256i sign = _mm256_set1_epi32((int)0x80000000u), one = _mm256_set1_epi32(0x3f800000);
    for (; k < kc; k++) {
        const __m256i v = _mm256_sllv_epi32(_mm256_set1_epi32(wb[k]), sh);
        _mm256_storeu_ps(out + k * 8, _mm256_castsi256_ps(_mm256_or_si256(_mm256_and_si256(v, sign), one)));
    }
#endif
    for (; k < kc; k++)
        for (r = 0; r < 8; r++)
            out[k * 8 + r] = (wb[k] >> r) & 1 ? -1.0f : 1.0f;
}

/* One K block of kc over n columns: every panel of A times the block's
 * columns of B, into c (column p0 of the output); the epilogue (flags, 0 for
 * none) on each finished tile.  A is float panels (ap: the first panel at
 * this block's k, panels pstride floats apart) or, when wb is not NULL,
 * 1-bit panels (wb likewise, pstride bytes apart), each expanded into
 * wexp (kc*16 floats: two panels for the tail kernel) before its tiles run. */
static inline void xnrt__kblock(int M, int n, int kc, const float *ap, const uint8_t *wb, float *wexp,
                                size_t pstride, const float *b, const ptrdiff_t *off, float *c, size_t ldc,
                                int acc, int flags, const xnrt_epi *e, size_t p0)
{
    int mp, j, nfull = n;
#if defined(XNRT_SGEMM_TAIL_ROWS)
    /* the last, partial tile by xnrt__ukr_tail, 16 rows (two panels) at a time */
    const int tail = n % XNRT_SGEMM_NR;
    if (XNRT__USE_TAIL(tail)) {
        nfull = n - tail;
        for (mp = 0; mp < M; mp += XNRT_SGEMM_TAIL_ROWS) {
            const int mr = M - mp < XNRT_SGEMM_TAIL_ROWS ? M - mp : XNRT_SGEMM_TAIL_ROWS;
            const float *a0 = wexp, *a1 = wexp;
            float *cm = c + (size_t)mp * ldc + nfull;
            if (wb) {
                xnrt__bwn_expand(wb + (size_t)(mp / 8) * pstride, kc, wexp);
                if (mr > 8) {
                    a1 = wexp + (size_t)kc * 8;
                    xnrt__bwn_expand(wb + (size_t)(mp / 8 + 1) * pstride, kc, wexp + (size_t)kc * 8);
                }
            } else {
                a0 = ap + (size_t)(mp / 8) * pstride;
                a1 = mr > 8 ? a0 + pstride : a0;
            }
            xnrt__ukr_tail(kc, a0, a1, b + nfull, off, cm, ldc, mr, tail, acc);
            xnrt__epi_tile(cm, ldc, mp, mr < 8 ? mr : 8, p0 + nfull, tail, flags, e);
            if (mr > 8)
                xnrt__epi_tile(cm + 8 * ldc, ldc, mp + 8, mr - 8, p0 + nfull, tail, flags, e);
        }
    }
#endif
    for (mp = 0; mp < M; mp += 8) {
        const int mr = M - mp < 8 ? M - mp : 8;
        const float *a = wexp;
        float *cm = c + (size_t)mp * ldc;
        if (wb)
            xnrt__bwn_expand(wb + (size_t)(mp / 8) * pstride, kc, wexp);
        else
            a = ap + (size_t)(mp / 8) * pstride;
        for (j = 0; j < nfull; j += XNRT_SGEMM_NR) {
            const int nr = nfull - j < XNRT_SGEMM_NR ? nfull - j : XNRT_SGEMM_NR;
            xnrt__ukr(kc, a, b + j, off, cm + j, ldc, mr, nr, acc);
            xnrt__epi_tile(cm + j, ldc, mp, mr, p0 + j, nr, flags, e);
        }
    }
}

/* C[m*ldc] = epilogue(sum_k A[m][k] * x[k*incx]): packed A (float panels
 * ap, or 1-bit panels wb expanded block by block into wexp) times a vector. */
static inline void xnrt__sgemv(int M, int K, const float *ap, const uint8_t *wb, float *wexp, const float *x,
                               ptrdiff_t incx, float *c, size_t ldc, int flags, const xnrt_epi *e)
{
    const int kcb = xnrt__kc(K);
    int mp, r, k0;
    for (mp = 0; mp < M; mp += 8) {
        const int mr = M - mp < 8 ? M - mp : 8;
        float t[8], u[8];
        if (!wb)
            xnrt__gemv_panel(K, ap + (size_t)(mp / 8) * K * 8, x, incx, t);
        else
            for (k0 = 0; k0 < K; k0 += kcb) {
                const int kc = K - k0 < kcb ? K - k0 : kcb;
                xnrt__bwn_expand(wb + (size_t)(mp / 8) * K + k0, kc, wexp);
                xnrt__gemv_panel(kc, wexp, x + k0 * incx, incx, k0 ? u : t);
                if (k0)
                    for (r = 0; r < 8; r++)
                        t[r] += u[r];
            }
        for (r = 0; r < mr; r++)
            c[(size_t)(mp + r) * ldc] = t[r];
        xnrt__epi_tile(c + (size_t)mp * ldc, ldc, mp, mr, 0, 1, flags, e);
    }
}

/* The GEMM with float (ap) or 1-bit (wb, wexp) panels on one thread. */
static inline void xnrt__sgemm1(int M, int N, int K, const float *ap, const uint8_t *wb, float *wexp, const float *b,
                               size_t ldb, float *c, size_t ldc, int flags, const xnrt_epi *e)
{
    const int kcb = xnrt__kc(K);
    ptrdiff_t off[XNRT_SGEMM_KC];
    int n0, k0, kk;
    if (N == 1) {
        xnrt__sgemv(M, K, ap, wb, wexp, b, (ptrdiff_t)ldb, c, ldc, flags, e);
        return;
    }
    for (kk = 0; kk < kcb; kk++)
        off[kk] = (ptrdiff_t)kk * (ptrdiff_t)ldb;
    for (n0 = 0; n0 < N; n0 += XNRT_SGEMM_NCB) {
        const int n = N - n0 < XNRT_SGEMM_NCB ? N - n0 : XNRT_SGEMM_NCB;
        for (k0 = 0; k0 < K; k0 += kcb) {
            const int kc = K - k0 < kcb ? K - k0 : kcb;
            xnrt__kblock(M, n, kc, wb ? NULL : ap + (size_t)k0 * 8, wb ? wb + k0 : NULL, wexp,
                         wb ? (size_t)K : (size_t)K * 8, b + (size_t)k0 * ldb + n0, off, c + n0, ldc, k0 > 0,
                         k0 + kc == K ? flags : 0, e, (size_t)n0);
        }
    }
}

/* Floats of scratch xnrt_sgemm_bwn needs: one expanded K block of two panels. */
#define XNRT_SGEMM_BWN_SCRATCH_FLOATS ((size_t)XNRT_SGEMM_KC * 16)

/* Rows split across the pool (par.h), in chunks of 16 rows (64 with BITS),
 * each an xnrt__sgemm1 on its panels (float, or 1-bit expanded into a buffer
 * on the chunk's own stack), output rows and shifted epilogue operands, so
 * each output element is computed as on one thread. */
typedef struct xnrt__sgemm_job_s {
    const float *ap, *b;
    const uint8_t *wb;
    float *c;
    size_t ldb, ldc;
    const xnrt_epi *e;
    int M, N, K, flags, unit;
} xnrt__sgemm_job;

static inline void xnrt__sgemm_chunk(void *ctx, int lo, int hi)
{
    const xnrt__sgemm_job *j = (const xnrt__sgemm_job *)ctx;
    const int r0 = lo * j->unit, r1 = hi * j->unit < j->M ? hi * j->unit : j->M;
    float wexp[XNRT_SGEMM_BWN_SCRATCH_FLOATS];
    xnrt_epi es;
    xnrt__sgemm1(r1 - r0, j->N, j->K, j->ap ? j->ap + (size_t)(r0 / 8) * j->K * 8 : NULL,
                 j->wb ? j->wb + (size_t)(r0 / 8) * j->K : NULL, wexp, j->b, j->ldb, j->c + (size_t)r0 * j->ldc,
                 j->ldc, j->flags, xnrt__epi_shift(j->e, j->flags, r0, j->ldc, &es));
}

/* The GEMM with float (ap) or 1-bit (wb, wexp) panels; see xnrt_sgemm.
 * Split when the work reaches XNRT_PAR_MIN_WORK: M*N*K / 16 multiply-adds,
 * or M*K for N = 1 (a matrix-vector product streams every weight from
 * memory once: a multiply-add costs about what 16 do in the GEMM). */
static inline void xnrt__sgemm(int M, int N, int K, const float *ap, const uint8_t *wb, float *wexp, const float *b,
                               size_t ldb, float *c, size_t ldc, int flags, const xnrt_epi *e)
{
    if (XNRT_PAR_SPLIT(N == 1 ? (int64_t)M * K : (int64_t)M * N * K / 16)) {
        xnrt__sgemm_job j;
        j.ap = ap, j.wb = wb, j.b = b, j.c = c, j.ldb = ldb, j.ldc = ldc, j.e = e, j.M = M, j.N = N, j.K = K;
        j.flags = flags, j.unit = flags & XNRT_EPI_BITS ? 64 : 16;
        xnrt_parallel_for(XNRT_CDIV(M, j.unit), xnrt__sgemm_chunk, &j);
        return;
    }
    xnrt__sgemm1(M, N, K, ap, wb, wexp, b, ldb, c, ldc, flags, e);
}

/* C[m*ldc] = epilogue(sum_k A[m][k] * x[k*incx]): packed A times a vector. */
static inline void xnrt_sgemv(int M, int K, const float *ap, const float *x, ptrdiff_t incx, float *c,
                              size_t ldc, int flags, const xnrt_epi *e)
{
    xnrt__sgemm(M, 1, K, ap, NULL, NULL, x, (size_t)incx, c, ldc, flags, e);
}

/* The GEMM at the top of this file.  ap: XNRT_SGEMM_PACKED_FLOATS(M, K)
 * floats from xnrt_sgemm_pack; B: K rows of N floats, row stride ldb; C: M
 * rows, row stride ldc (and the epilogue's residual and bit planes with it).
 * Sizes >= 1.  Fully connected layer, batch 1: N = 1 with B = the input
 * (ldb: its element stride, 1), C = the output, ldc = 1. */
static inline void xnrt_sgemm(int M, int N, int K, const float *ap, const float *b, size_t ldb, float *c,
                              size_t ldc, int flags, const xnrt_epi *e)
{
    xnrt__sgemm(M, N, K, ap, NULL, NULL, b, ldb, c, ldc, flags, e);
}

/* BWN layer: xnrt_sgemm with A = +-1 kept at one bit per weight (wb:
 * XNRT_BWN_PACKED_BYTES(M, K) bytes from xnrt_bwn_pack), expanded into
 * scratch (XNRT_SGEMM_BWN_SCRATCH_FLOATS floats) one K block of one panel at
 * a time, then the same micro-kernel.  The per-filter scale alpha is the
 * epilogue's SCALE (so the sums are of +-x, as in bwn.h). */
static inline void xnrt_sgemm_bwn(int M, int N, int K, const uint8_t *wb, const float *b, size_t ldb, float *c,
                                  size_t ldc, float *scratch, int flags, const xnrt_epi *e)
{
    xnrt__sgemm(M, N, K, NULL, wb, scratch, b, ldb, c, ldc, flags, e);
}

#endif
