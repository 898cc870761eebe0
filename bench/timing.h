/* Shared pieces of the benchmarks: timing and data (no library needed). */
#ifndef BENCH_TIMING_H
#define BENCH_TIMING_H

#include <stddef.h>

typedef struct {
    double median, min; /* ns, wall clock */
    double cpu;         /* ns, median of the thread's CPU time (time_pair only; 0 otherwise) */
    int reps;
} Timing;

/* Seconds each time_it measurement lasts at least (default 0.4). */
extern double bench_min_seconds;

/* Run fn(ctx) 3 times to warm up, then at least 11 times and until
 * bench_min_seconds have passed; median and min. */
Timing time_it(void (*fn)(void *), void *ctx);
/* fa(ca) and fb(cb) timed alternately (3 warm-ups each, then at least 11
 * pairs and bench_min_seconds), so that a loaded machine slows both alike;
 * also the thread CPU time of each run, which time slices lost to other
 * processes do not inflate. */
void time_pair(void (*fa)(void *), void *ca, void (*fb)(void *), void *cb, Timing *ta, Timing *tb);
/* CLOCK_MONOTONIC in ns. */
double now_ns(void);
/* Median and min of n times t (sorts t). */
Timing timing_of(double *t, int n);
/* Uniform float in [-1, 1) from a fixed-seed generator. */
float bench_rnd(void);
/* malloc that exits on failure, 64-byte aligned. */
void *xmalloc(size_t n);
/* Re-executes the program with OMP_NUM_THREADS=1 unless it is set so
 * (oneDNN reads it when it loads).  Returns only when it is set. */
void bench_one_thread(char **argv);

#endif
