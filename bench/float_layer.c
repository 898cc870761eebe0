/* A float layer written as xnorcc's generated code will call the runtime
 * (bench/float_layer.h): literal sizes, packed weights in static const
 * arrays (float_layer_weights.h, generated at build time by
 * gen_float_layer), a static scratch buffer, the epilogue as literal flags. */
#include "float_layer.h"

#include "float_layer_weights.h"
#include "xnorcc_rt.h"

static float scratch[FL_STEM_SCRATCH_FLOATS];

/* conv 7x7 s2 p3, BN (scale, shift), ReLU: one call. */
void float_stem(const float *x, float *y)
{
    static const xnrt_epi e = {fl_stem_scale, fl_stem_shift, 0, 0, 0.0f, 0.0f, 0.0f, 0, 0, 0};
    xnrt_conv2d(x, fl_stem_wp, y, scratch, 3, 224, 224, 64, 7, 7, 112, 112, 2, 2, 1, 1, 3, 3, 1,
                XNRT_EPI_SCALE | XNRT_EPI_BIAS | XNRT_EPI_RELU, &e);
}

