/* threads.c - NAME_run_r is reentrant: built with net.c (xnorcc --name net,
 * one input, one output) under ThreadSanitizer by threads.sh.
 *
 *   ./threads states   two threads, each on its own state, run every input
 *                      three times, in different orders, and must write the
 *                      same bytes as net_run in one thread; TSan must report
 *                      nothing;
 *   ./threads static   two threads call net_run (one static state) at once:
 *                      the control, TSan must report a race here, which shows
 *                      that it watches the generated code.
 *
 * The states are filled with different garbage (0xff: NaN floats, 0xa5)
 * before use, and a third one is checked on one thread first, so a run that
 * read state it did not write (the static state is zeroed) would differ.
 * Exit status 0 when every output matched, 1 otherwise.
 */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "net.h"

#if net_NUM_INPUTS != 1 || net_NUM_OUTPUTS != 1
#error "threads.c wants a model with one input and one output"
#endif

#define NIMG 4  /* distinct inputs */
#define ROUNDS 3 /* times each thread runs each input */

static float in[NIMG][net_IN0_SIZE];
static float ref[NIMG][net_OUT0_SIZE];

typedef struct Job {
  void *state;   /* NULL: call net_run */
  int first;     /* input this thread starts with */
  int mismatch;  /* outputs that differed from ref */
} Job;

static void *worker(void *arg) {
  Job *j = arg;
  static float out[2][net_OUT0_SIZE]; /* one row per thread (first is 0 or 1) */
  float *o = out[j->first];
  for (int r = 0; r < ROUNDS; r++)
    for (int k = 0; k < NIMG; k++) {
      int img = j->first ? NIMG - 1 - k : k;
      if (j->state)
        net_run_r(j->state, in[img], o);
      else
        net_run(in[img], o);
      if (memcmp(o, ref[img], sizeof ref[img]))
        j->mismatch++;
    }
  return NULL;
}

static void *new_state(int fill) {
  void *s = aligned_alloc(net_STATE_ALIGN, net_STATE_BYTES);
  if (!s) {
    fprintf(stderr, "threads: out of memory\n");
    exit(1);
  }
  memset(s, fill, net_STATE_BYTES);
  return s;
}

int main(int argc, char **argv) {
  int shared = argc == 2 && !strcmp(argv[1], "static");
  if (argc != 2 || (!shared && strcmp(argv[1], "states"))) {
    fprintf(stderr, "usage: threads states|static\n");
    return 2;
  }
  uint32_t x = 12345;
  for (int i = 0; i < NIMG; i++)
    for (int k = 0; k < net_IN0_SIZE; k++) {
      x = x * 1664525u + 1013904223u;
      in[i][k] = (float)((int32_t)(x >> 8) - (1 << 23)) / (float)(1 << 22); /* [-2, 2) */
    }
  for (int i = 0; i < NIMG; i++)
    net_run(in[i], ref[i]);

  int bad = 0;
  /* one thread, a fresh state of garbage: the same bytes */
  void *s0 = new_state(0x5a);
  float o[net_OUT0_SIZE];
  for (int i = NIMG - 1; i >= 0; i--) {
    net_run_r(s0, in[i], o);
    if (memcmp(o, ref[i], sizeof o)) {
      fprintf(stderr, "threads: input %d: net_run_r on a fresh state differs from net_run\n", i);
      bad = 1;
    }
  }
  free(s0);

  Job job[2] = {{NULL, 0, 0}, {NULL, 1, 0}};
  if (!shared) {
    job[0].state = new_state(0xff);
    job[1].state = new_state(0xa5);
  }
  pthread_t t[2];
  for (int k = 0; k < 2; k++)
    if (pthread_create(&t[k], NULL, worker, &job[k])) {
      fprintf(stderr, "threads: cannot create a thread\n");
      return 1;
    }
  for (int k = 0; k < 2; k++)
    pthread_join(t[k], NULL);
  for (int k = 0; k < 2; k++) {
    if (job[k].mismatch) {
      fprintf(stderr, "threads: thread %d: %d of %d outputs differ from one thread's\n", k, job[k].mismatch,
              ROUNDS * NIMG);
      bad = 1;
    }
    free(job[k].state);
  }
  if (!bad)
    printf("threads: %s: %d runs on 2 threads, same bytes as one thread\n", argv[1], 2 * ROUNDS * NIMG);
  return bad;
}
