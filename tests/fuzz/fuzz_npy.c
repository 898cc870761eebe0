/* fuzz_npy.c - libFuzzer target for the tensor files of `xnorcc run`
 * (compiler/driver/npy.c: .npy versions 1-3 and raw .bin).
 *
 * The input is written to a temporary file and read back with
 * tensor_read_typed(), of an element type chosen by the input's size (float32,
 * the integer types, bool: size / 3 % 8).
 * The expected shape is the one the file's own header claims (found by a
 * deliberately naive scan), so valid files take the success path; inputs of
 * odd size expect one element more, to take the mismatch path; inputs whose
 * size is a multiple of 3 are read as .bin. Checks as in fuzz_compile.c: no
 * crash, no sanitizer report, no leak, and an error only with a message.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "driver/npy.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char path[2][64];

static void expected_shape(const uint8_t *data, size_t size, int *rank, int64_t *dims) {
  const char *sh = NULL;
  *rank = 0;
  for (size_t i = 0; i + 9 < size && i < 4096 && !sh; i++)
    if (!memcmp(data + i, "'shape': (", 10))
      sh = (const char *)data + i + 10;
  if (!sh)
    return;
  const char *end = (const char *)data + size;
  while (sh < end && *rank < 8) {
    int64_t v = 0;
    int digits = 0;
    while (sh < end && *sh >= '0' && *sh <= '9' && v < 100000)
      v = v * 10 + (*sh++ - '0'), digits++;
    if (!digits)
      break;
    dims[(*rank)++] = v;
    while (sh < end && (*sh == ',' || *sh == ' '))
      sh++;
  }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  int bin = size % 3 == 0;
  if (!path[0][0]) {
    snprintf(path[0], sizeof path[0], "/tmp/xnorcc-fuzz-npy-%ld.npy", (long)getpid());
    snprintf(path[1], sizeof path[1], "/tmp/xnorcc-fuzz-npy-%ld.bin", (long)getpid());
  }
  FILE *f = fopen(path[bin], "wb");
  if (!f)
    return 0;
  fwrite(data, 1, size, f);
  fclose(f);

  int rank;
  int64_t dims[8], numel = 1;
  static const int elems[8] = {1, 2, 3, 4, 5, 6, 7, 9}, esize[8] = {4, 1, 1, 2, 2, 4, 8, 1};
  int ek = (int)(size / 3 % 8);
  if (bin) {
    rank = 1;
    dims[0] = (int64_t)(size / (size_t)esize[ek]);
  } else {
    expected_shape(data, size, &rank, dims);
  }
  for (int i = 0; i < rank; i++)
    if (!xn_mul_ok(numel, dims[i], &numel) || numel > (1 << 24))
      rank = 0, numel = 1; /* an absurd claim: expect a scalar instead */
  if (size & 1)
    numel++, rank > 0 ? dims[rank - 1]++ : 0;

  long live = xn_alloc_live();
  Arena *a = arena_new();
  if (a) {
    jmp_buf oom;
    Diag d;
    diag_init(&d, "fuzz");
    if (!setjmp(oom)) {
      arena_set_oom(a, &oom);
      void *x = tensor_read_typed(a, path[bin], rank, dims, numel, elems[ek], &d);
      if (!x && d.nerrors == 0)
        xn_unreachable("tensor_read_typed failed without reporting an error");
      for (int64_t i = 0; x && i < numel; i++) /* every element is there */
        if (elems[ek] == 1)
          (void)*(volatile float *)((float *)x + i);
        else
          (void)*(volatile int64_t *)((int64_t *)x + i);
    }
    diag_free(&d);
    arena_free(a);
  }
  if (xn_alloc_live() != live)
    xn_unreachable("memory allocated through xn_malloc was not freed");
  remove(path[bin]);
  return 0;
}
