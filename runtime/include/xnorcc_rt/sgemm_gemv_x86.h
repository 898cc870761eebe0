/* xnorcc runtime: float matrix-vector product of one packed panel on x86
 * (AVX2 + FMA; also the AVX-512 path, where a panel's 8 rows fill one ymm).
 * Bound by memory bandwidth, not by the vector width. */
#ifndef XNORCC_RT_SGEMM_GEMV_X86_H
#define XNORCC_RT_SGEMM_GEMV_X86_H

/* y[r] = sum_k ap[k*8 + r] * x[k*incx], r < 8 (one panel times a vector). */
XNRT_INLINE void xnrt__gemv_panel(int K, const float *ap, const float *x, ptrdiff_t incx, float *y)
{
    __m256 a0 = _mm256_setzero_ps(), a1 = a0, a2 = a0, a3 = a0;
    int k = 0;
    for (; k + 4 <= K; k += 4, ap += 32) {
        a0 = _mm256_fmadd_ps(_mm256_loadu_ps(ap), _mm256_set1_ps(x[k * incx]), a0);
        a1 = _mm256_fmadd_ps(_mm256_loadu_ps(ap + 8), _mm256_set1_ps(x[(k + 1) * incx]), a1);
        a2 = _mm256_fmadd_ps(_mm256_loadu_ps(ap + 16), _mm256_set1_ps(x[(k + 2) * incx]), a2);
        a3 = _mm256_fmadd_ps(_mm256_loadu_ps(ap + 24), _mm256_set1_ps(x[(k + 3) * incx]), a3);
    }
    for (; k < K; k++, ap += 8)
        a0 = _mm256_fmadd_ps(_mm256_loadu_ps(ap), _mm256_set1_ps(x[k * incx]), a0);
    _mm256_storeu_ps(y, _mm256_add_ps(_mm256_add_ps(a0, a1), _mm256_add_ps(a2, a3)));
}

#endif
