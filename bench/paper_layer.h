/* The paper's layer (XNOR-Net Sec. 4.1 / Fig. 4): c=256 input channels,
 * 14x14 input, 256 filters of 3x3, stride 1, pad 1 (pad value 0, exact).
 * paper_layer() is xnorcc's output: bench/gen_paper_model.c writes the layer
 * (BinActiv -> BinConv, weights from paper_model.h) as text IR and the built
 * xnorcc compiles it to paper_net.c at bench build time.  The other functions
 * are the same layer written by hand against the runtime (literal sizes,
 * static buffers), for comparison and for the packing/conv breakdown. */
#ifndef PAPER_LAYER_H
#define PAPER_LAYER_H

#include <stdint.h>

#define PL_C 256
#define PL_H 14
#define PL_W 14
#define PL_M 256
#define PL_K 3

/* The xnorcc-generated layer (paper_net_run): x float CHW [256][14][14] ->
 * y float [256][14][14] = alpha * (sign(x) (*) sign(W)), alpha = 1. */
void paper_layer(const float *x, float *y);

/* Packed weights of the hand-written layer: [256][3][3][4] words
 * (xnrt_pack_weights); the caller fills them. */
extern uint64_t paper_layer_weights[PL_M * PL_K * PL_K * 4];

/* Hand-written layer: pack x and convolve: y int32 [256][14][14]. */
void paper_layer_hand(const float *x, int32_t *y);

/* Packing of x alone into the layer's internal packed-input buffer. */
void paper_layer_pack(const float *x);

/* Convolution alone, from the already packed input. */
void paper_layer_conv(int32_t *y);

/* ISA path the layer was compiled for. */
const char *paper_layer_isa(void);

#endif
