/* fuzz_replay.c - runs a fuzz target on files, without libFuzzer, so that the
 * normal and sanitized builds replay the regression inputs too.
 *
 *   fuzz_replay_json FILE...      each FILE once; exit 0 when none crashed
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int main(int argc, char **argv) {
  for (int i = 1; i < argc; i++) {
    FILE *f = fopen(argv[i], "rb");
    if (!f) {
      fprintf(stderr, "fuzz_replay: cannot open %s\n", argv[i]);
      return 2;
    }
    size_t cap = 4096, n = 0;
    unsigned char *buf = malloc(cap);
    for (;;) {
      if (!buf) {
        fputs("fuzz_replay: out of memory\n", stderr);
        return 2;
      }
      n += fread(buf + n, 1, cap - n, f);
      if (n < cap)
        break;
      unsigned char *bigger = realloc(buf, cap * 2);
      if (!bigger)
        free(buf);
      buf = bigger;
      cap *= 2;
    }
    fclose(f);
    fprintf(stderr, "fuzz_replay: %s (%zu bytes)\n", argv[i], n);
    LLVMFuzzerTestOneInput(buf, n);
    free(buf);
  }
  return 0;
}
