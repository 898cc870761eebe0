/* xnorcc runtime: float vectors on aarch64 NEON (4 lanes).  See fvec.h. */
#ifndef XNORCC_RT_FVEC_NEON_H
#define XNORCC_RT_FVEC_NEON_H

#define XNRT_VL 4
typedef float32x4_t xv;

XNRT_INLINE xv xv_zero(void) { return vdupq_n_f32(0.0f); }
XNRT_INLINE xv xv_set1(float a) { return vdupq_n_f32(a); }
XNRT_INLINE xv xv_load(const float *p) { return vld1q_f32(p); }
XNRT_INLINE void xv_store(float *p, xv v) { vst1q_f32(p, v); }
XNRT_INLINE xv xv_loadn(const float *p, int n)
{
    float t[4] = {0.0f, 0.0f, 0.0f, 0.0f};
    int i;
    for (i = 0; i < n; i++)
        t[i] = p[i];
    return vld1q_f32(t);
}
XNRT_INLINE void xv_storen(float *p, xv v, int n)
{
    float t[4];
    int i;
    vst1q_f32(t, v);
    for (i = 0; i < n; i++)
        p[i] = t[i];
}
XNRT_INLINE xv xv_loads2(const float *p) { return vld2q_f32(p).val[0]; }
XNRT_INLINE xv xv_loads2n(const float *p, int n)
{
    float t[4] = {0.0f, 0.0f, 0.0f, 0.0f};
    int i;
    for (i = 0; i < n; i++)
        t[i] = p[2 * i];
    return vld1q_f32(t);
}
XNRT_INLINE xv xv_add(xv a, xv b) { return vaddq_f32(a, b); }
XNRT_INLINE xv xv_sub(xv a, xv b) { return vsubq_f32(a, b); }
XNRT_INLINE xv xv_mul(xv a, xv b) { return vmulq_f32(a, b); }
XNRT_INLINE xv xv_div(xv a, xv b) { return vdivq_f32(a, b); }
XNRT_INLINE xv xv_max(xv a, xv b) { return vmaxq_f32(a, b); }
XNRT_INLINE xv xv_min(xv a, xv b) { return vminq_f32(a, b); }
XNRT_INLINE xv xv_fma(xv a, xv b, xv c) { return vfmaq_f32(c, a, b); }
XNRT_INLINE xv xv_sel_neg(xv v, xv neg) { return vbslq_f32(vcltq_f32(v, vdupq_n_f32(0.0f)), neg, v); }
XNRT_INLINE unsigned xv_inside(xv v, xv lo, xv hi)
{
    /* lo < v < hi as !(v <= lo || v >= hi); NaN compares false everywhere */
    const uint32x4_t out = vorrq_u32(vorrq_u32(vcleq_f32(v, lo), vcgeq_f32(v, hi)), vmvnq_u32(vceqq_f32(v, v)));
    const uint32x4_t w = {1u, 2u, 4u, 8u};
    return (unsigned)vaddvq_u32(vbicq_u32(w, out));
}
XNRT_INLINE xv xv_maxnan(xv a, xv b)
{
    /* a > b ? a : b (b when equal or either is NaN), then a where only a is NaN */
    const uint32x4_t a_nan = vmvnq_u32(vceqq_f32(a, a));
    return vbslq_f32(vandq_u32(a_nan, vceqq_f32(b, b)), a, vbslq_f32(vcgtq_f32(a, b), a, b));
}
XNRT_INLINE float xv_hsum(xv v)
{
    return vgetq_lane_f32(v, 0) + vgetq_lane_f32(v, 1) + vgetq_lane_f32(v, 2) + vgetq_lane_f32(v, 3);
}

#endif
