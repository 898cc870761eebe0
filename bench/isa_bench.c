/* The paper layer on one ISA path: the hand-written conv (input already
 * packed) and the whole xnorcc-generated layer (paper_net.c); built by
 * bench/CMakeLists.txt with paper_layer.c and paper_net.c for the AVX2 and
 * portable paths.  Prints the median and min of 500 runs in microseconds. */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "paper_layer.h"
#include "timing.h"

int main(void)
{
    enum { REPS = 500 };
    static float x[PL_C * PL_H * PL_W];
    static int32_t y[PL_M * PL_H * PL_W];
    static float yf[PL_M * PL_H * PL_W];
    static double t[REPS];
    Timing tm;
    uint64_t s = 0x9E3779B97F4A7C15ULL;
    int i;
    for (i = 0; i < PL_C * PL_H * PL_W; i++)
        x[i] = (float)(int)(i * 7919 % 201) - 100.0f;
    for (i = 0; i < (int)(sizeof paper_layer_weights / sizeof paper_layer_weights[0]); i++) {
        s ^= s << 13;
        s ^= s >> 7;
        s ^= s << 17;
        paper_layer_weights[i] = s;
    }
    paper_layer_pack(x);
    for (i = 0; i < 3; i++)
        paper_layer_conv(y);
    for (i = 0; i < REPS; i++) {
        const double t0 = now_ns();
        paper_layer_conv(y);
        t[i] = now_ns() - t0;
    }
    tm = timing_of(t, REPS);
    printf("  %-18s conv alone: median %8.1f us, min %8.1f us\n", paper_layer_isa(), tm.median / 1e3,
           tm.min / 1e3);
    for (i = 0; i < 3; i++)
        paper_layer(x, yf);
    for (i = 0; i < REPS; i++) {
        const double t0 = now_ns();
        paper_layer(x, yf);
        t[i] = now_ns() - t0;
    }
    tm = timing_of(t, REPS);
    printf("  %-18s xnorcc-generated layer: median %8.1f us, min %8.1f us\n", paper_layer_isa(), tm.median / 1e3,
           tm.min / 1e3);
    return 0;
}
