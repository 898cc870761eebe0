/* xnorcc runtime: float vectors for the float kernels, one file per ISA.
 *
 * Every path defines the same small set of operations on a vector type
 * xv of XNRT_VL float lanes (16 on AVX-512, 8 on AVX2+FMA, 4 on NEON and in
 * portable C, where xv is a struct of 4 floats and each operation a loop):
 *   xv_zero() xv_set1(a) xv_load(p) xv_store(p, v)
 *   xv_loadn(p, n) / xv_storen(p, v, n): lanes 0..n-1 only (0 < n < XNRT_VL;
 *       loadn reads no float past p[n-1] and zeroes the other lanes)
 *   xv_loads2(p): lanes p[0], p[2], ..., p[2*(VL-1)]; reads p[0..2*VL-1]
 *   xv_loads2n(p, n): lanes p[0], ..., p[2*(n-1)] (0 < n <= VL), reading nothing past p[2*(n-1)]
 *   xv_add xv_sub xv_mul xv_div xv_max xv_min, xv_fma(a, b, c) = a*b + c
 *   xv_maxnan(a, b): a > b ? a : b (so b when they are equal, +0 and -0 too), and
 *       NaN when either lane is NaN: b when b is NaN, else a (the bits as they are;
 *       pool.h's max-pool is then the interpreter's, bit for bit)
 *   (xv_max/xv_min alone: NaN and signed zeros unspecified)
 *   xv_sel_neg(v, neg): lanes where v < 0 take neg, the others v
 *   xv_inside(v, lo, hi): bit i set iff lane i is not NaN and lo < v < hi
 *       in the form !(v <= lo || v >= hi) (a NaN bound never matches; threshold.h)
 *   xv_hsum(v): sum of the lanes (in lane order on every path but AVX-512)
 * The kernels in pool.h, eltwise.h, dwconv.h, conv.h's copies and epilogue.h are written once
 * on these; only the GEMM micro-kernels (sgemm_ukr_*.h) are written per ISA,
 * since their register blocking differs. */
#ifndef XNORCC_RT_FVEC_H
#define XNORCC_RT_FVEC_H

#include "isa.h"

#if defined(XNRT_F_AVX512)
#  include "fvec_avx512.h"
#elif defined(XNRT_F_AVX2)
#  include "fvec_avx2.h"
#elif defined(XNRT_F_NEON)
#  include "fvec_neon.h"
#else
#  include "fvec_portable.h"
#endif

#endif
