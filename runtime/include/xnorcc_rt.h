/* xnorcc runtime: XNOR-popcount kernels for binary neural networks, and the
 * float kernels (GEMM, conv, pooling, elementwise) around them.
 * Header-only kernels (static inline, specialized by literal sizes at the call
 * site) plus a small library (libxnorcc_rt) for the version string.
 * No allocation: work buffers are passed in; sizes from the *_WORDS macros.
 * API reference: docs/runtime.md. */
#ifndef XNORCC_RT_H
#define XNORCC_RT_H

#include "xnorcc_rt/isa.h"
#include "xnorcc_rt/pack.h"
#include "xnorcc_rt/bgemm.h"
#include "xnorcc_rt/bconv.h"
#include "xnorcc_rt/bwn.h"
#include "xnorcc_rt/threshold.h"
#include "xnorcc_rt/sgemm.h"
#include "xnorcc_rt/conv.h"
#include "xnorcc_rt/dwconv.h"
#include "xnorcc_rt/pool.h"
#include "xnorcc_rt/eltwise.h"

#define XNRT_VERSION "0.1.0"

#ifdef __cplusplus
extern "C" {
#endif

/* Version of the linked runtime library, e.g. "0.1.0".  Never NULL. */
const char *xnrt_version(void);

#ifdef __cplusplus
}
#endif

/* Output transform: y[m][p] = alpha[m] * acc[m][p] + (bias ? bias[m] : 0)
 * for M planes of P values (alpha: per-filter scale, e.g. mean |W|). */
XNRT_INLINE void xnrt_scale_bias(const int32_t *acc, int M, int P, const float *alpha,
                                 const float *bias, float *y)
{
    int m, p;
    for (m = 0; m < M; m++) {
        const float a = alpha[m], b = bias ? bias[m] : 0.0f;
        for (p = 0; p < P; p++)
            y[(size_t)m * P + p] = a * (float)acc[(size_t)m * P + p] + b;
    }
}

#endif
