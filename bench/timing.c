/* Shared pieces of the benchmarks: timing and data (timing.h). */
#define _POSIX_C_SOURCE 200809L
#include "timing.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

double bench_min_seconds = 0.4;

double now_ns(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec * 1e9 + (double)t.tv_nsec;
}

static int cmp_double(const void *a, const void *b)
{
    const double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

Timing timing_of(double *t, int n)
{
    Timing r;
    qsort(t, (size_t)n, sizeof t[0], cmp_double);
    r.median = t[n / 2];
    r.min = t[0];
    r.cpu = 0.0;
    r.reps = n;
    return r;
}

#define MAXREPS 4000
Timing time_it(void (*fn)(void *), void *ctx)
{
    static double t[MAXREPS];
    double start;
    int n = 0, i;
    for (i = 0; i < 3; i++)
        fn(ctx);
    start = now_ns();
    while (n < MAXREPS && (n < 11 || now_ns() - start < bench_min_seconds * 1e9)) {
        double t0 = now_ns();
        fn(ctx);
        t[n++] = now_ns() - t0;
    }
    return timing_of(t, n);
}

static double cpu_ns(void)
{
    struct timespec t;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
    return (double)t.tv_sec * 1e9 + (double)t.tv_nsec;
}

void time_pair(void (*fa)(void *), void *ca, void (*fb)(void *), void *cb, Timing *ta, Timing *tb)
{
    static double t[2][MAXREPS], c[2][MAXREPS];
    double start;
    int n = 0, i, j;
    for (i = 0; i < 3; i++)
        fa(ca), fb(cb);
    start = now_ns();
    while (n < MAXREPS && (n < 11 || now_ns() - start < bench_min_seconds * 1e9)) {
        for (j = 0; j < 2; j++) {
            const double t0 = now_ns(), c0 = cpu_ns();
            if (j)
                fb(cb);
            else
                fa(ca);
            c[j][n] = cpu_ns() - c0;
            t[j][n] = now_ns() - t0;
        }
        n++;
    }
    for (j = 0; j < 2; j++) {
        Timing *r = j ? tb : ta;
        *r = timing_of(t[j], n);
        r->cpu = timing_of(c[j], n).median;
    }
}

static uint64_t rng_state = 0x2545F4914F6CDD1DULL;
float bench_rnd(void)
{
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return (float)((double)((rng_state * 2685821657736338717ULL) >> 11) / 9007199254740992.0 * 2.0 - 1.0);
}

void *xmalloc(size_t n)
{
    void *p = NULL;
    if (posix_memalign(&p, 64, n ? n : 1) != 0) {
        fprintf(stderr, "bench: out of memory (%zu bytes)\n", n);
        exit(1);
    }
    return p;
}

void bench_one_thread(char **argv)
{
    if (!getenv("OMP_NUM_THREADS") || strcmp(getenv("OMP_NUM_THREADS"), "1") != 0) {
        setenv("OMP_NUM_THREADS", "1", 1);
        execv("/proc/self/exe", argv);
        perror("bench: re-exec with OMP_NUM_THREADS=1");
        exit(1);
    }
}

