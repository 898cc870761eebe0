/* xnorcc runtime: float vectors on AVX2 + FMA (8 lanes).  See fvec.h. */
#ifndef XNORCC_RT_FVEC_AVX2_H
#define XNORCC_RT_FVEC_AVX2_H

#define XNRT_VL 8
typedef __m256 xv;

XNRT_INLINE __m256i xv__mask(int n)
{
    return _mm256_cmpgt_epi32(_mm256_set1_epi32(n), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
}
XNRT_INLINE xv xv_zero(void) { return _mm256_setzero_ps(); }
XNRT_INLINE xv xv_set1(float a) { return _mm256_set1_ps(a); }
XNRT_INLINE xv xv_load(const float *p) { return _mm256_loadu_ps(p); }
XNRT_INLINE void xv_store(float *p, xv v) { _mm256_storeu_ps(p, v); }
XNRT_INLINE xv xv_loadn(const float *p, int n) { return _mm256_maskload_ps(p, xv__mask(n)); }
XNRT_INLINE void xv_storen(float *p, xv v, int n) { _mm256_maskstore_ps(p, xv__mask(n), v); }
XNRT_INLINE xv xv_loads2(const float *p)
{
    /* a0 a2 b0 b2 | a4 a6 b4 b6, then 64-bit lanes reordered to a0 a2 a4 a6 b0 b2 b4 b6 */
    const __m256 s = _mm256_shuffle_ps(_mm256_loadu_ps(p), _mm256_loadu_ps(p + 8), 0x88);
    return _mm256_castpd_ps(_mm256_permute4x64_pd(_mm256_castps_pd(s), 0xd8));
}
XNRT_INLINE xv xv_loads2n(const float *p, int n)
{
    const int m = 2 * n - 1; /* floats read: p[0..2n-2] */
    const __m256 s = _mm256_shuffle_ps(xv_loadn(p, m < 8 ? m : 8), m > 8 ? xv_loadn(p + 8, m - 8) : _mm256_setzero_ps(), 0x88);
    return _mm256_castpd_ps(_mm256_permute4x64_pd(_mm256_castps_pd(s), 0xd8));
}
XNRT_INLINE xv xv_add(xv a, xv b) { return _mm256_add_ps(a, b); }
XNRT_INLINE xv xv_sub(xv a, xv b) { return _mm256_sub_ps(a, b); }
XNRT_INLINE xv xv_mul(xv a, xv b) { return _mm256_mul_ps(a, b); }
XNRT_INLINE xv xv_div(xv a, xv b) { return _mm256_div_ps(a, b); }
XNRT_INLINE xv xv_max(xv a, xv b) { return _mm256_max_ps(a, b); }
XNRT_INLINE xv xv_min(xv a, xv b) { return _mm256_min_ps(a, b); }
XNRT_INLINE xv xv_fma(xv a, xv b, xv c) { return _mm256_fmadd_ps(a, b, c); }
XNRT_INLINE xv xv_sel_neg(xv v, xv neg)
{
    return _mm256_blendv_ps(v, neg, _mm256_cmp_ps(v, _mm256_setzero_ps(), _CMP_LT_OQ));
}
XNRT_INLINE unsigned xv_inside(xv v, xv lo, xv hi)
{
    const __m256 out = _mm256_or_ps(_mm256_or_ps(_mm256_cmp_ps(v, lo, _CMP_LE_OQ), _mm256_cmp_ps(v, hi, _CMP_GE_OQ)),
                                    _mm256_cmp_ps(v, v, _CMP_UNORD_Q));
    return (unsigned)(~_mm256_movemask_ps(out)) & 0xffu;
}
XNRT_INLINE xv xv_maxnan(xv a, xv b)
{
    /* maxps gives b when they are equal or either is NaN; a where only a is NaN */
    return _mm256_blendv_ps(_mm256_max_ps(a, b), a,
                            _mm256_and_ps(_mm256_cmp_ps(a, a, _CMP_UNORD_Q), _mm256_cmp_ps(b, b, _CMP_ORD_Q)));
}
XNRT_INLINE float xv_hsum(xv v)
{
    float t[8];
    int i;
    float s = 0.0f;
    _mm256_storeu_ps(t, v);
    for (i = 0; i < 8; i++)
        s += t[i];
    return s;
}

#endif
