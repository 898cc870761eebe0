/* The paper layer: xnorcc's generated code (paper_net.c, built from
 * gen_paper_model's output), and the same layer through the runtime written
 * by hand: literal sizes, static arena for the packed input and the scratch. */
#include "paper_layer.h"

#include "paper_net.h"
#include "xnorcc_rt.h"

void paper_layer(const float *x, float *y) { paper_net_run(x, y); }

#define PL_OH XNRT_CONV_OUT(PL_H, PL_K, 1, 1, 1, 1)
#define PL_OW XNRT_CONV_OUT(PL_W, PL_K, 1, 1, 1, 1)

uint64_t paper_layer_weights[PL_M * PL_K * PL_K * 4];

/* Static arena: packed input then conv scratch. */
static uint64_t arena_xp[PL_H * PL_W * XNRT_WORDS(PL_C)];
static uint64_t arena_scratch[XNRT_BCONV_SCRATCH_WORDS(PL_C, PL_K, PL_K, PL_OH, PL_OW)];

void paper_layer_pack(const float *x) { xnrt_pack_chw(x, PL_C, PL_H, PL_W, 1, arena_xp); }

void paper_layer_conv(int32_t *y)
{
    xnrt_bconv2d(arena_xp, paper_layer_weights, y, arena_scratch, PL_C, PL_H, PL_W, PL_M, PL_K,
                 PL_K, PL_OH, PL_OW, 1, 1, 1, 1, 1, 1, 1, 0);
}

void paper_layer_hand(const float *x, int32_t *y)
{
    paper_layer_pack(x);
    paper_layer_conv(y);
}

const char *paper_layer_isa(void) { return XNRT_ISA; }
