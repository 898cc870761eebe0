/* xnorcc runtime: float vectors in plain C (a struct of 4 lanes, each
 * operation a loop the C compiler may vectorize).  See fvec.h. */
#ifndef XNORCC_RT_FVEC_PORTABLE_H
#define XNORCC_RT_FVEC_PORTABLE_H

#define XNRT_VL 4
typedef struct {
    float l[4]; /* the lanes */
} xv;

#define XV__MAP(expr)                                                              \
    xv r;                                                                          \
    int i;                                                                         \
    for (i = 0; i < 4; i++)                                                        \
        r.l[i] = (expr);                                                           \
    return r;
XNRT_INLINE xv xv_zero(void) { XV__MAP(0.0f) }
XNRT_INLINE xv xv_set1(float a) { XV__MAP(a) }
XNRT_INLINE xv xv_load(const float *p) { XV__MAP(p[i]) }
XNRT_INLINE void xv_store(float *p, xv v)
{
    int i;
    for (i = 0; i < 4; i++)
        p[i] = v.l[i];
}
XNRT_INLINE xv xv_loadn(const float *p, int n) { XV__MAP(i < n ? p[i] : 0.0f) }
XNRT_INLINE void xv_storen(float *p, xv v, int n)
{
    int i;
    for (i = 0; i < n; i++)
        p[i] = v.l[i];
}
XNRT_INLINE xv xv_loads2(const float *p) { XV__MAP(p[2 * i]) }
XNRT_INLINE xv xv_loads2n(const float *p, int n) { XV__MAP(i < n ? p[2 * i] : 0.0f) }
XNRT_INLINE xv xv_add(xv a, xv b) { XV__MAP(a.l[i] + b.l[i]) }
XNRT_INLINE xv xv_sub(xv a, xv b) { XV__MAP(a.l[i] - b.l[i]) }
XNRT_INLINE xv xv_mul(xv a, xv b) { XV__MAP(a.l[i] * b.l[i]) }
XNRT_INLINE xv xv_div(xv a, xv b) { XV__MAP(a.l[i] / b.l[i]) }
/* max/min as the x86 instructions: the second operand when either is NaN */
XNRT_INLINE xv xv_max(xv a, xv b) { XV__MAP(a.l[i] > b.l[i] ? a.l[i] : b.l[i]) }
XNRT_INLINE xv xv_min(xv a, xv b) { XV__MAP(a.l[i] < b.l[i] ? a.l[i] : b.l[i]) }
XNRT_INLINE xv xv_fma(xv a, xv b, xv c) { XV__MAP(a.l[i] * b.l[i] + c.l[i]) }
XNRT_INLINE xv xv_sel_neg(xv v, xv neg) { XV__MAP(v.l[i] < 0.0f ? neg.l[i] : v.l[i]) }
XNRT_INLINE xv xv_maxnan(xv a, xv b) { XV__MAP(b.l[i] != b.l[i] ? b.l[i] : a.l[i] != a.l[i] || a.l[i] > b.l[i] ? a.l[i] : b.l[i]) }
#undef XV__MAP
XNRT_INLINE unsigned xv_inside(xv v, xv lo, xv hi)
{
    unsigned m = 0;
    int i;
    for (i = 0; i < 4; i++)
        m |= (unsigned)!(v.l[i] != v.l[i] || v.l[i] <= lo.l[i] || v.l[i] >= hi.l[i]) << i;
    return m;
}
XNRT_INLINE float xv_hsum(xv v) { return v.l[0] + v.l[1] + v.l[2] + v.l[3]; }

#endif
