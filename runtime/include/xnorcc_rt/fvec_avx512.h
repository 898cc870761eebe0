/* xnorcc runtime: float vectors on AVX-512F (16 lanes).  See fvec.h. */
#ifndef XNORCC_RT_FVEC_AVX512_H
#define XNORCC_RT_FVEC_AVX512_H

#define XNRT_VL 16
typedef __m512 xv;

XNRT_INLINE __mmask16 xv__mask(int n) { return (__mmask16)((1u << n) - 1u); }
XNRT_INLINE xv xv_zero(void) { return _mm512_setzero_ps(); }
XNRT_INLINE xv xv_set1(float a) { return _mm512_set1_ps(a); }
XNRT_INLINE xv xv_load(const float *p) { return _mm512_loadu_ps(p); }
XNRT_INLINE void xv_store(float *p, xv v) { _mm512_storeu_ps(p, v); }
XNRT_INLINE xv xv_loadn(const float *p, int n) { return _mm512_maskz_loadu_ps(xv__mask(n), p); }
XNRT_INLINE void xv_storen(float *p, xv v, int n) { _mm512_mask_storeu_ps(p, xv__mask(n), v); }
XNRT_INLINE xv xv_loads2(const float *p)
{
    const __m512i even = _mm512_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
    return _mm512_permutex2var_ps(_mm512_loadu_ps(p), even, _mm512_loadu_ps(p + 16));
}
XNRT_INLINE xv xv_loads2n(const float *p, int n)
{
    const __m512i even = _mm512_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
    const int m = 2 * n - 1; /* floats read: p[0..2n-2] */
    return _mm512_permutex2var_ps(_mm512_maskz_loadu_ps(xv__mask(m < 16 ? m : 16), p), even,
                                  _mm512_maskz_loadu_ps(xv__mask(m > 16 ? m - 16 : 0), p + 16));
}
XNRT_INLINE xv xv_add(xv a, xv b) { return _mm512_add_ps(a, b); }
XNRT_INLINE xv xv_sub(xv a, xv b) { return _mm512_sub_ps(a, b); }
XNRT_INLINE xv xv_mul(xv a, xv b) { return _mm512_mul_ps(a, b); }
XNRT_INLINE xv xv_div(xv a, xv b) { return _mm512_div_ps(a, b); }
XNRT_INLINE xv xv_max(xv a, xv b) { return _mm512_max_ps(a, b); }
XNRT_INLINE xv xv_min(xv a, xv b) { return _mm512_min_ps(a, b); }
XNRT_INLINE xv xv_fma(xv a, xv b, xv c) { return _mm512_fmadd_ps(a, b, c); }
XNRT_INLINE xv xv_sel_neg(xv v, xv neg)
{
    return _mm512_mask_mov_ps(v, _mm512_cmp_ps_mask(v, _mm512_setzero_ps(), _CMP_LT_OQ), neg);
}
XNRT_INLINE unsigned xv_inside(xv v, xv lo, xv hi)
{
    const __mmask16 out = _mm512_cmp_ps_mask(v, lo, _CMP_LE_OQ) | _mm512_cmp_ps_mask(v, hi, _CMP_GE_OQ) |
                          _mm512_cmp_ps_mask(v, v, _CMP_UNORD_Q);
    return (unsigned)(__mmask16)~out;
}
XNRT_INLINE xv xv_maxnan(xv a, xv b)
{
    /* maxps gives b when they are equal or either is NaN; a where only a is NaN */
    return _mm512_mask_mov_ps(_mm512_max_ps(a, b),
                              _mm512_cmp_ps_mask(a, a, _CMP_UNORD_Q) & _mm512_cmp_ps_mask(b, b, _CMP_ORD_Q), a);
}
XNRT_INLINE float xv_hsum(xv v) { return _mm512_reduce_add_ps(v); }

#endif
