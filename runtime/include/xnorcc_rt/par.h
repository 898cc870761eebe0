/* xnorcc runtime: the worker pool behind multi-threaded layers.
 *
 * Off unless the including translation unit is compiled with -DXNORCC_THREADS
 * (and -pthread): then a layer's kernel may split its outputs (filters, rows,
 * panels) into contiguous chunks, one per thread, through
 * xnrt_parallel_for.  Without XNORCC_THREADS nothing here includes
 * <pthread.h>; xnrt_parallel_for runs the whole range on the caller and
 * xnrt_set_threads returns 1.
 *
 *   xnrt_set_threads(n)   threads for later layers: n >= 1, or 0 = one per
 *                         online core (sysconf), at most XNRT_PAR_MAX;
 *                         creates the missing workers; returns the number in
 *                         effect (1 without XNORCC_THREADS).  Default
 *                         XNRT_THREADS_DEFAULT (1).
 *   xnrt_parallel_for(n, fn, ctx)
 *                         fork-join: fn(ctx, lo, hi) on the chunks
 *                         [n*t/T, n*(t+1)/T) for t < T = min(threads, n);
 *                         chunk 0 runs on the caller, the others on workers;
 *                         returns when all are done.
 *
 * Each output element is computed by one thread by the same code in the same
 * order as on one thread, so results are bit-identical for every thread
 * count.  The pool is created once (on first use or by xnrt_set_threads) and
 * reused: no allocation per call (pthread_create allocates the workers'
 * stacks once).  It is one per translation unit (each generated net.c has its
 * own).  A parallel_for while another caller thread's parallel_for holds the
 * pool (two NAME_run_r on two states at once) runs on its own caller,
 * unsplit: same results, no waiting.  xnrt_set_threads waits for a running
 * parallel_for to finish.
 *
 * Kernels split only layers with at least XNRT_PAR_MIN_WORK units of work
 * (bit-ops/64 or multiply-adds, from their literal sizes): a fork-join costs
 * a few microseconds of wake-up, more on a loaded machine. */
#ifndef XNORCC_RT_PAR_H
#define XNORCC_RT_PAR_H

#include "isa.h"

#ifndef XNRT_PAR_MAX
#define XNRT_PAR_MAX 64
#endif
#ifndef XNRT_THREADS_DEFAULT
#define XNRT_THREADS_DEFAULT 1
#endif
#ifndef XNRT_PAR_MIN_WORK
#define XNRT_PAR_MIN_WORK 524288
#endif

/* A chunk of a parallel_for: the elements [lo, hi) of the range. */
typedef void (*xnrt_chunk_fn)(void *ctx, int lo, int hi);

#if defined(XNORCC_THREADS)
#include <pthread.h>
#include <unistd.h>

typedef struct xnrt__pool_s {
    pthread_mutex_t busy;  /* held by the caller running a parallel_for */
    pthread_mutex_t mu;    /* guards the fields below */
    pthread_cond_t go;     /* a new job (gen changed) */
    pthread_cond_t done;   /* pending reached 0 */
    int want;              /* threads in effect, >= 1 */
    int started;           /* workers created: thread indices 1..started */
    unsigned long gen;     /* job number */
    int parts;             /* chunks of the current job */
    int pending;           /* worker chunks of the current job not yet done */
    int n;                 /* the current job's range */
    xnrt_chunk_fn fn;
    void *ctx;
    unsigned long born[XNRT_PAR_MAX]; /* gen when worker t + 1 was created */
    pthread_t th[XNRT_PAR_MAX];
} xnrt__pool_t;

XNRT_INLINE xnrt__pool_t *xnrt__pool(void)
{
    static xnrt__pool_t p = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_MUTEX_INITIALIZER,
                             PTHREAD_COND_INITIALIZER, PTHREAD_COND_INITIALIZER,
                             XNRT_THREADS_DEFAULT, 0, 0, 0, 0, 0, 0, 0, {0}, {0}};
    return &p;
}

XNRT_INLINE void *xnrt__pool_worker(void *arg)
{
    xnrt__pool_t *p = xnrt__pool();
    const int t = (int)((const unsigned long *)arg - p->born) + 1;
    unsigned long seen;
    pthread_mutex_lock(&p->mu);
    seen = p->born[t - 1]; /* a job posted since then is this worker's too */
    for (;;) {
        while (p->gen == seen)
            pthread_cond_wait(&p->go, &p->mu);
        seen = p->gen;
        if (t < p->parts) {
            const xnrt_chunk_fn fn = p->fn;
            void *const ctx = p->ctx;
            const int n = p->n, T = p->parts;
            pthread_mutex_unlock(&p->mu);
            fn(ctx, (int)((int64_t)n * t / T), (int)((int64_t)n * (t + 1) / T));
            pthread_mutex_lock(&p->mu);
            if (--p->pending == 0)
                pthread_cond_signal(&p->done);
        }
    }
    return NULL;
}

/* want is read without the lock by xnrt__par_on (a hint). */
XNRT_INLINE void xnrt__pool_set_want(xnrt__pool_t *p, int n)
{
#if defined(__GNUC__)
    __atomic_store_n(&p->want, n, __ATOMIC_RELAXED);
#else
    p->want = n;
#endif
}

/* Workers up to want - 1 (p->mu held); returns the threads available. */
XNRT_INLINE int xnrt__pool_grow(xnrt__pool_t *p)
{
    while (p->started < p->want - 1) {
        const int t = p->started + 1;
        p->born[t - 1] = p->gen;
        if (pthread_create(&p->th[t - 1], NULL, xnrt__pool_worker, &p->born[t - 1]) != 0) {
            xnrt__pool_set_want(p, p->started + 1);
            break;
        }
        p->started = t;
    }
    return p->want;
}

XNRT_INLINE int xnrt_set_threads(int n)
{
    xnrt__pool_t *p = xnrt__pool();
    int r;
    if (n == 0) {
        const long c = sysconf(_SC_NPROCESSORS_ONLN);
        n = c >= 1 ? (c > XNRT_PAR_MAX ? XNRT_PAR_MAX : (int)c) : 1;
    }
    pthread_mutex_lock(&p->busy);
    pthread_mutex_lock(&p->mu);
    if (n >= 1)
        xnrt__pool_set_want(p, n > XNRT_PAR_MAX ? XNRT_PAR_MAX : n);
    r = xnrt__pool_grow(p);
    pthread_mutex_unlock(&p->mu);
    pthread_mutex_unlock(&p->busy);
    return r;
}

XNRT_INLINE void xnrt_parallel_for(int n, xnrt_chunk_fn fn, void *ctx)
{
    xnrt__pool_t *p = xnrt__pool();
    int T;
    if (n <= 1 || pthread_mutex_trylock(&p->busy) != 0) {
        fn(ctx, 0, n);
        return;
    }
    pthread_mutex_lock(&p->mu);
    T = xnrt__pool_grow(p);
    if (T > n)
        T = n;
    if (T <= 1) {
        pthread_mutex_unlock(&p->mu);
        pthread_mutex_unlock(&p->busy);
        fn(ctx, 0, n);
        return;
    }
    p->fn = fn;
    p->ctx = ctx;
    p->n = n;
    p->parts = T;
    p->pending = T - 1;
    p->gen++;
    pthread_cond_broadcast(&p->go);
    pthread_mutex_unlock(&p->mu);
    fn(ctx, 0, (int)((int64_t)n / T));
    pthread_mutex_lock(&p->mu);
    while (p->pending > 0)
        pthread_cond_wait(&p->done, &p->mu);
    pthread_mutex_unlock(&p->mu);
    pthread_mutex_unlock(&p->busy);
}

/* Nonzero when a split could run on more than one thread (a hint read
 * without the lock; xnrt_parallel_for decides under it). */
XNRT_INLINE int xnrt__par_on(void)
{
#if defined(__GNUC__)
    return __atomic_load_n(&xnrt__pool()->want, __ATOMIC_RELAXED) > 1;
#else
    return 1;
#endif
}

#else /* !XNORCC_THREADS */

XNRT_INLINE int xnrt_set_threads(int n)
{
    (void)n;
    return 1;
}

XNRT_INLINE void xnrt_parallel_for(int n, xnrt_chunk_fn fn, void *ctx)
{
    fn(ctx, 0, n);
}

#define xnrt__par_on() 0

#endif

/* Split a layer of `work` units into chunks?  (Constant 0 without threads.) */
#define XNRT_PAR_SPLIT(work) (xnrt__par_on() && (int64_t)(work) >= XNRT_PAR_MIN_WORK)

#endif
