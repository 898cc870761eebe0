/* The weights of the paper layer's model (bench/gen_paper_model.c writes them
 * into paper_layer.xir, which xnorcc compiles at bench build time), so that
 * bench.c can give the same layer to oneDNN, OpenBLAS and the hand-written
 * runtime call: random +-1 from a fixed hash of the index (alpha = 1). */
#ifndef PAPER_MODEL_H
#define PAPER_MODEL_H

#include <stdint.h>

/* Weight i of the OIHW tensor [256][256][3][3]: +1 or -1. */
static inline float paper_weight(uint32_t i)
{
    uint32_t h = i * 2654435761u + 0x9E3779B9u;
    h ^= h >> 15;
    h *= 2246822519u;
    h ^= h >> 13;
    h *= 3266489917u;
    h ^= h >> 16;
    return (h & 1u) ? -1.0f : 1.0f;
}

#endif
