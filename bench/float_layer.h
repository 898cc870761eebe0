/* The hand-written float layer of bench/float_layer.c: the ResNet-18 stem
 * (7x7 s2 conv 3->64 at 224x224, BN folded to scale + shift, ReLU), written
 * as generated code would call the runtime: literal sizes, weights packed when the program is
 * built (gen_float_layer, with the runtime's own packing) into static const
 * arrays, a static scratch buffer of the size the runtime computes. */
#ifndef BENCH_FLOAT_LAYER_H
#define BENCH_FLOAT_LAYER_H

#include <stdint.h>

#define FL_STEM_C 3
#define FL_STEM_H 224
#define FL_STEM_M 64
#define FL_STEM_K 7
#define FL_STEM_OH 112

/* The model's parameters, a pure function of their index (the generator and
 * the benchmark both call it): weights in [-0.5, 0.5), per kind. */
static inline float fl_param(uint32_t kind, uint32_t i)
{
    uint32_t h = (i + 1u) * 2654435761u ^ (kind + 1u) * 0x9E3779B9u;
    h ^= h >> 15;
    h *= 2246822519u;
    h ^= h >> 13;
    return (float)(h >> 8) / 16777216.0f - 0.5f;
}
#define FL_STEM_W 0u     /* OIHW stem weights */
#define FL_STEM_SCALE 1u /* BN scale, as 1 + param */
#define FL_STEM_SHIFT 2u

/* x [3][224][224] -> y [64][112][112] */
void float_stem(const float *x, float *y);

/* The generated array, for the benchmark's byte-identity check. */
extern const float fl_stem_wp[];
extern const unsigned long fl_stem_wp_n;

#endif
