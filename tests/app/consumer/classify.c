/* classify.c - an application of the generated code (tests/app/install.sh):
 *
 *   ./classify in.bin out.bin
 *
 * reads net_IN0_SIZE raw float32 values, runs the network with net_run_r on a
 * state of its own and with net_run, which must agree bit for bit, and writes
 * the output as raw float32. Exit status 0, or 1 with a message.
 */
#include <stdalign.h>
#include <stdio.h>
#include <string.h>

#include "net.h"

#if net_NUM_INPUTS != 1 || net_NUM_OUTPUTS != 1
#error "classify.c wants a model with one input and one output"
#endif

static alignas(net_STATE_ALIGN) unsigned char state[net_STATE_BYTES];
static float in[net_IN0_SIZE], out[net_OUT0_SIZE], out_r[net_OUT0_SIZE];

int main(int argc, char **argv) {
  if (argc != 3) {
    fprintf(stderr, "usage: classify in.bin out.bin\n");
    return 1;
  }
  FILE *f = fopen(argv[1], "rb");
  if (!f || fread(in, sizeof in[0], net_IN0_SIZE, f) != net_IN0_SIZE) {
    fprintf(stderr, "classify: cannot read %d floats from '%s'\n", net_IN0_SIZE, argv[1]);
    return 1;
  }
  fclose(f);
  net_run_r(state, in, out_r);
  net_run(in, out);
  if (memcmp(out, out_r, sizeof out)) {
    fprintf(stderr, "classify: net_run_r and net_run differ\n");
    return 1;
  }
  f = fopen(argv[2], "wb");
  if (!f || fwrite(out, sizeof out[0], net_OUT0_SIZE, f) != net_OUT0_SIZE || fclose(f)) {
    fprintf(stderr, "classify: cannot write '%s'\n", argv[2]);
    return 1;
  }
  return 0;
}
