/* pool.c - multi-threaded layers (issue 13): the runtime's worker pool
 * (xnorcc_rt/par.h) gives the same bytes at every thread count.  Built by
 * pool.sh as one translation unit with net.c (xnorcc --name net, one input,
 * one output): `#include "net.c"`, so it can read the pool's job counter.
 *
 *   ./pool print N     set_threads(N), run NIMG inputs, print the outputs'
 *                      bytes in hex (pool.sh compares them with a build
 *                      without -DXNORCC_THREADS);
 *   ./pool check       with -DXNORCC_THREADS: the outputs at 1 thread, then
 *                      at 2 and 3 threads must be the same bytes and the pool
 *                      must have run jobs on its workers; then two caller
 *                      threads on two states, with 2 threads set, must give
 *                      the same bytes too.  Exit status 0 when all matched.
 * pool.sh builds it with -DXNRT_PAR_MIN_WORK=1 so that every kernel that can
 * split does, however small the test model.
 */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "net.c"

#if net_NUM_INPUTS != 1 || net_NUM_OUTPUTS != 1
#error "pool.c wants a model with one input and one output"
#endif

#define NIMG 3
#define ROUNDS 3

static float in[NIMG][net_IN0_SIZE];
static float ref[NIMG][net_OUT0_SIZE];

static unsigned long jobs(void) {
#if defined(XNORCC_THREADS) && defined(XNORCC_RT_PAR_H)
  xnrt__pool_t *p = xnrt__pool();
  unsigned long g;
  pthread_mutex_lock(&p->mu);
  g = p->gen;
  pthread_mutex_unlock(&p->mu);
  return g;
#else
  return 0;
#endif
}

typedef struct Job {
  void *state;
  int first;
  int mismatch;
} Job;

static void *caller(void *arg) {
  Job *j = arg;
  float o[net_OUT0_SIZE];
  for (int r = 0; r < ROUNDS; r++)
    for (int k = 0; k < NIMG; k++) {
      int img = (k + j->first) % NIMG;
      net_run_r(j->state, in[img], o);
      if (memcmp(o, ref[img], sizeof o))
        j->mismatch++;
    }
  return NULL;
}

static void *new_state(int fill) {
  void *s = aligned_alloc(net_STATE_ALIGN, net_STATE_BYTES);
  if (!s) {
    fprintf(stderr, "pool: out of memory\n");
    exit(1);
  }
  memset(s, fill, net_STATE_BYTES);
  return s;
}

int main(int argc, char **argv) {
  int print = argc == 3 && !strcmp(argv[1], "print");
  if (!print && !(argc == 2 && !strcmp(argv[1], "check"))) {
    fprintf(stderr, "usage: pool print N | pool check\n");
    return 2;
  }
  uint32_t x = 2024;
  for (int i = 0; i < NIMG; i++)
    for (int k = 0; k < net_IN0_SIZE; k++) {
      x = x * 1664525u + 1013904223u;
      in[i][k] = (float)((int32_t)(x >> 8) - (1 << 23)) / (float)(1 << 22);
    }
  if (print) {
    int n = atoi(argv[2]);
    printf("threads %d\n", net_set_threads(n) == n);
    for (int i = 0; i < NIMG; i++) {
      float o[net_OUT0_SIZE];
      unsigned char b[sizeof o];
      net_run(in[i], o);
      memcpy(b, o, sizeof o);
      for (size_t k = 0; k < sizeof b; k++)
        printf("%02x%s", b[k], k % 32 == 31 || k + 1 == sizeof b ? "\n" : "");
    }
    return 0;
  }

  int bad = 0;
  if (net_set_threads(1) != 1) {
    fprintf(stderr, "pool: set_threads(1) did not give 1\n");
    bad = 1;
  }
  for (int i = 0; i < NIMG; i++)
    net_run(in[i], ref[i]);
  unsigned long j0 = jobs();
  if (j0 != 0) {
    fprintf(stderr, "pool: %lu jobs reached the workers at 1 thread\n", j0);
    bad = 1;
  }
  for (int n = 2; n <= 3; n++) {
    int got = net_set_threads(n);
    unsigned long before = jobs();
    if (got != n) {
      fprintf(stderr, "pool: set_threads(%d) gave %d\n", n, got);
      bad = 1;
    }
    for (int i = 0; i < NIMG; i++) {
      float o[net_OUT0_SIZE];
      net_run(in[i], o);
      if (memcmp(o, ref[i], sizeof o)) {
        fprintf(stderr, "pool: input %d at %d threads differs from 1 thread\n", i, n);
        bad = 1;
      }
    }
    if (jobs() == before) {
      fprintf(stderr, "pool: at %d threads no layer was split\n", n);
      bad = 1;
    }
    printf("pool: %d threads: %d runs, %lu split layers, same bytes as 1 thread\n", n, NIMG,
           jobs() - before);
  }
  if (net_set_threads(0) < 1) {
    fprintf(stderr, "pool: set_threads(0) gave less than 1\n");
    bad = 1;
  }
  net_set_threads(2);
  Job job[2] = {{NULL, 0, 0}, {NULL, 1, 0}};
  job[0].state = new_state(0xff);
  job[1].state = new_state(0xa5);
  pthread_t t[2];
  for (int k = 0; k < 2; k++)
    if (pthread_create(&t[k], NULL, caller, &job[k])) {
      fprintf(stderr, "pool: cannot create a thread\n");
      return 1;
    }
  for (int k = 0; k < 2; k++)
    pthread_join(t[k], NULL);
  for (int k = 0; k < 2; k++) {
    if (job[k].mismatch) {
      fprintf(stderr, "pool: caller %d: %d of %d outputs differ from one thread's\n", k, job[k].mismatch,
              ROUNDS * NIMG);
      bad = 1;
    }
    free(job[k].state);
  }
  if (!bad)
    printf("pool: 2 callers on 2 states at 2 threads: %d runs, same bytes\n", 2 * ROUNDS * NIMG);
  return bad;
}
