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
 * count.  Between jobs a worker spins XNRT_PAR_SPIN pauses before it sleeps
 * (and the caller as long for the workers' chunks), since a wake-up costs
 * more than a small layer.  The pool is created once (on first use or by xnrt_set_threads) and
 * reused: no allocation per call (pthread_create allocates the workers'
 * stacks once).  It is one per translation unit (each generated net.c has its
 * own).  A parallel_for while another caller thread's parallel_for holds the
 * pool (two NAME_run_r on two states at once) runs on its own caller,
 * unsplit: same results, no waiting.  xnrt_set_threads waits for a running
 * parallel_for to finish.
 *
 * Kernels split only layers with at least XNRT_PAR_MIN_WORK units of work
 * (bit-ops/64 or multiply-adds/16, from their literal sizes; about 0.1 ms on
 * one core): a fork-join costs about 5 us of wake-up (measured on the 2-core
 * machine, back to back), more on a loaded machine. */
#ifndef XNORCC_RT_PAR_H
#define XNORCC_RT_PAR_H

#include "isa.h"

#ifndef XNRT_PAR_MAX
#define XNRT_PAR_MAX 64
#endif
#ifndef XNRT_THREADS_DEFAULT
#define XNRT_THREADS_DEFAULT 1
#endif
/* Pause instructions a worker spins for a new job, and the caller for its
 * workers' chunks, before sleeping on the condition variable (GNU C only;
 * 16384 is about 0.25 ms at 15 ns a pause): a sleeping thread's wake-up
 * costs tens of microseconds to a tenth of a millisecond on a virtual
 * machine, as much as a small layer's whole time, while the next split
 * layer usually comes sooner.  0: always sleep. */
#ifndef XNRT_PAR_SPIN
#define XNRT_PAR_SPIN 16384
#endif
#ifndef XNRT_PAR_MIN_WORK
#define XNRT_PAR_MIN_WORK 262144
#endif

/* A chunk of a parallel_for: the elements [lo, hi) of the range. */
typedef void (*xnrt_chunk_fn)(void *ctx, int lo, int hi);

#if defined(XNORCC_THREADS)
#include <pthread.h>
#include <sched.h>
#include <unistd.h>

typedef struct xnrt__pool_s {
    pthread_mutex_t busy;  /* held by the caller running a parallel_for */
    pthread_mutex_t mu;    /* guards the fields below */
    pthread_cond_t go;     /* a new job (gen changed) */
    pthread_cond_t done;   /* pending reached 0 */
    int want;              /* threads in effect, >= 1 */
    int started;           /* workers created: thread indices 1..started */
    unsigned long gen;     /* job number (also read without mu, atomically, by spinning workers) */
    int parts;             /* chunks of the current job */
    int pending;           /* worker chunks of the current job not yet done (likewise, the caller) */
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

/* A store the spinning threads read without mu (made under mu). */
#if defined(__GNUC__)
#define XNRT__STORE(v, x) __atomic_store_n(&(v), (x), __ATOMIC_RELEASE)
#else
#define XNRT__STORE(v, x) ((v) = (x))
#endif

/* One pause of a spin-wait: every 64th gives the core away (sched_yield), so
 * that a spinning worker does not hold up a caller it shares a core with. */
XNRT_INLINE void xnrt__pause(int i)
{
    if (i % 64 == 63)
        sched_yield();
#if defined(__GNUC__) && (defined(__x86_64__) || defined(__i386__))
    __builtin_ia32_pause();
#elif defined(__GNUC__) && defined(__aarch64__)
    __asm__ __volatile__("yield");
#endif
}

/* Spins (without mu) up to XNRT_PAR_SPIN pauses while *v == x; returns
 * nonzero when it changed.  Only a hint: the callers recheck under mu. */
XNRT_INLINE int xnrt__spin_ul(const unsigned long *v, unsigned long x)
{
#if defined(__GNUC__)
    int i;
    for (i = 0; i < XNRT_PAR_SPIN; i++) {
        if (__atomic_load_n(v, __ATOMIC_ACQUIRE) != x)
            return 1;
        xnrt__pause(i);
    }
#else
    (void)v, (void)x;
#endif
    return 0;
}

XNRT_INLINE int xnrt__spin_zero(const int *v)
{
#if defined(__GNUC__)
    int i;
    for (i = 0; i < XNRT_PAR_SPIN; i++) {
        if (__atomic_load_n(v, __ATOMIC_ACQUIRE) == 0)
            return 1;
        xnrt__pause(i);
    }
#else
    (void)v;
#endif
    return 0;
}

XNRT_INLINE void *xnrt__pool_worker(void *arg)
{
    xnrt__pool_t *p = xnrt__pool();
    const int t = (int)((const unsigned long *)arg - p->born) + 1;
    unsigned long seen;
    pthread_mutex_lock(&p->mu);
    seen = p->born[t - 1]; /* a job posted since then is this worker's too */
    for (;;) {
        if (p->gen == seen) { /* spin a while for the next job, then sleep */
            pthread_mutex_unlock(&p->mu);
            xnrt__spin_ul(&p->gen, seen);
            pthread_mutex_lock(&p->mu);
        }
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
            XNRT__STORE(p->pending, p->pending - 1);
            if (p->pending == 0)
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
    XNRT__STORE(p->pending, T - 1);
    XNRT__STORE(p->gen, p->gen + 1);
    pthread_cond_broadcast(&p->go);
    pthread_mutex_unlock(&p->mu);
    fn(ctx, 0, (int)((int64_t)n / T));
    xnrt__spin_zero(&p->pending); /* the workers' chunks usually end about now */
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
