/* Register-resident XNOR-popcount microbenchmarks: independent accumulator
 * chains of xor + popcount + add with operands in registers, so neither
 * loads nor dependencies limit them.  An empty asm with "+v"/"+r" operands
 * makes the operands opaque each iteration so nothing is hoisted.  Each
 * figure is the best of 25 short runs (a few ms each), so that time slices
 * lost to other processes on a shared machine do not lower it. */
#define _POSIX_C_SOURCE 200809L
#include "peak.h"

#include <stdint.h>
#include <time.h>

#include "xnorcc_rt.h"

static double now_ns(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec * 1e9 + (double)t.tv_nsec;
}

double peak_core_ghz(void)
{
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
    double best = 0.0;
    int rep;
    for (rep = 0; rep < 25; rep++) {
        uint64_t n = 2000000, s = 0;
        double t0 = now_ns(), dt;
        __asm__ volatile("1:\n\t"
                         "add $1, %0\n\tadd $1, %0\n\tadd $1, %0\n\tadd $1, %0\n\t"
                         "add $1, %0\n\tadd $1, %0\n\tadd $1, %0\n\tadd $1, %0\n\t"
                         "dec %1\n\tjnz 1b"
                         : "+r"(s), "+r"(n));
        dt = now_ns() - t0;
        if (2000000.0 * 8 / dt > best)
            best = 2000000.0 * 8 / dt;
    }
    return best;
#else
    return 0.0;
#endif
}

#define ITERS 200000L

static double peak_scalar(void)
{
#if defined(__GNUC__) || defined(__clang__)
    uint64_t a0 = 0, a1 = 0, a2 = 0, a3 = 0, x0 = 0x123456789abcdefULL, x1 = ~x0;
    uint64_t w0 = 0xf0f0f0f0f0f0f0f0ULL, w1 = 0x0ff00ff00ff00ff0ULL;
    double t0 = now_ns(), dt;
    long i;
    for (i = 0; i < ITERS; i++) {
        __asm__("" : "+r"(x0), "+r"(x1), "+r"(w0), "+r"(w1));
        a0 += (uint64_t)__builtin_popcountll(x0 ^ w0);
        a1 += (uint64_t)__builtin_popcountll(x1 ^ w0);
        a2 += (uint64_t)__builtin_popcountll(x0 ^ w1);
        a3 += (uint64_t)__builtin_popcountll(x1 ^ w1);
    }
    dt = now_ns() - t0;
    __asm__ volatile("" ::"r"(a0), "r"(a1), "r"(a2), "r"(a3));
    return (double)ITERS * 4 * 64 / dt;
#else
    return 0.0;
#endif
}

static double peak_avx2(void)
{
#if defined(__AVX2__) && (defined(__GNUC__) || defined(__clang__))
    /* 4 chains of byte counters, flushed with vpsadbw every 30 iterations. */
    __m256i x0 = _mm256_set1_epi64x(0x123456789abcdefLL), x1 = _mm256_set1_epi64x(77);
    __m256i w0 = _mm256_set1_epi64x(-3), w1 = _mm256_set1_epi64x(0x0ff00ff0LL);
    __m256i q = _mm256_setzero_si256();
    double t0 = now_ns(), dt;
    long i;
    int j;
    for (i = 0; i < ITERS / 30; i++) {
        __m256i b0 = _mm256_setzero_si256(), b1 = b0, b2 = b0, b3 = b0;
        for (j = 0; j < 30; j++) {
            __asm__("" : "+x"(x0), "+x"(x1), "+x"(w0), "+x"(w1));
            b0 = _mm256_add_epi8(b0, xnrt__popcnt8_avx2(_mm256_xor_si256(x0, w0)));
            b1 = _mm256_add_epi8(b1, xnrt__popcnt8_avx2(_mm256_xor_si256(x1, w0)));
            b2 = _mm256_add_epi8(b2, xnrt__popcnt8_avx2(_mm256_xor_si256(x0, w1)));
            b3 = _mm256_add_epi8(b3, xnrt__popcnt8_avx2(_mm256_xor_si256(x1, w1)));
        }
        q = _mm256_add_epi64(q, _mm256_sad_epu8(_mm256_add_epi8(_mm256_add_epi8(b0, b1),
                                                               _mm256_add_epi8(b2, b3)),
                                                _mm256_setzero_si256()));
    }
    dt = now_ns() - t0;
    __asm__ volatile("" ::"x"(q));
    return (double)(ITERS / 30) * 30 * 4 * 256 / dt;
#else
    return 0.0;
#endif
}

static double peak_avx512(void)
{
#if defined(__AVX512F__) && defined(__AVX512VPOPCNTDQ__) && (defined(__GNUC__) || defined(__clang__))
    /* 12 accumulators = 3 activations x 4 filters held in registers. */
    __m512i x0 = _mm512_set1_epi64(0x123456789abcdefLL), x1 = _mm512_set1_epi64(77),
            x2 = _mm512_set1_epi64(-5);
    __m512i w0 = _mm512_set1_epi64(-3), w1 = _mm512_set1_epi64(0x0ff00ff0LL),
            w2 = _mm512_set1_epi64(991), w3 = _mm512_set1_epi64(1LL << 40);
    __m512i a0 = _mm512_setzero_si512(), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0,
            a6 = a0, a7 = a0, a8 = a0, a9 = a0, a10 = a0, a11 = a0;
    double t0 = now_ns(), dt;
    long i;
#define PK(a, x, w) a = _mm512_add_epi64(a, _mm512_popcnt_epi64(_mm512_xor_si512(x, w)))
    for (i = 0; i < ITERS; i++) {
        __asm__("" : "+v"(x0), "+v"(x1), "+v"(x2), "+v"(w0), "+v"(w1), "+v"(w2), "+v"(w3));
        PK(a0, x0, w0); PK(a1, x1, w0); PK(a2, x2, w0);
        PK(a3, x0, w1); PK(a4, x1, w1); PK(a5, x2, w1);
        PK(a6, x0, w2); PK(a7, x1, w2); PK(a8, x2, w2);
        PK(a9, x0, w3); PK(a10, x1, w3); PK(a11, x2, w3);
    }
#undef PK
    dt = now_ns() - t0;
    __asm__ volatile("" ::"v"(a0), "v"(a1), "v"(a2), "v"(a3), "v"(a4), "v"(a5), "v"(a6),
                     "v"(a7), "v"(a8), "v"(a9), "v"(a10), "v"(a11));
    return (double)ITERS * 12 * 512 / dt;
#else
    return 0.0;
#endif
}

double peak_bitmacs_per_ns(int path)
{
    double best = 0.0, v;
    int rep;
    for (rep = 0; rep < 25; rep++) {
        v = path == 0 ? peak_scalar() : path == 1 ? peak_avx2() : peak_avx512();
        if (v > best)
            best = v;
    }
    return best;
}

/* 16 independent chains of a = a*b + c; b, c opaque so nothing folds. */
static double fma_once(void)
{
    const long iters = 100000;
    double t0, dt;
    long i;
#if defined(__AVX512F__) && (defined(__GNUC__) || defined(__clang__))
#define FMA_T __m512
#define FMA_LANES 16
#define FMA_SET(v) _mm512_set1_ps(v)
#define FMA(a) a = _mm512_fmadd_ps(a, b, c)
#define FMA_KEEP "v"
#elif defined(__AVX2__) && defined(__FMA__) && (defined(__GNUC__) || defined(__clang__))
#define FMA_T __m256
#define FMA_LANES 8
#define FMA_SET(v) _mm256_set1_ps(v)
#define FMA(a) a = _mm256_fmadd_ps(a, b, c)
#define FMA_KEEP "x"
#else
#define FMA_T float
#define FMA_LANES 1
#define FMA_SET(v) (v)
#define FMA(a) a = a * b + c
#define FMA_KEEP "r"
#endif
    /* distinct starting values: identical chains would be merged */
    FMA_T a0 = FMA_SET(1.0f), a1 = FMA_SET(1.01f), a2 = FMA_SET(1.02f), a3 = FMA_SET(1.03f), a4 = FMA_SET(1.04f),
          a5 = FMA_SET(1.05f), a6 = FMA_SET(1.06f), a7 = FMA_SET(1.07f), a8 = FMA_SET(1.08f), a9 = FMA_SET(1.09f),
          a10 = FMA_SET(1.1f), a11 = FMA_SET(1.11f), a12 = FMA_SET(1.12f), a13 = FMA_SET(1.13f),
          a14 = FMA_SET(1.14f), a15 = FMA_SET(1.15f);
    FMA_T b = FMA_SET(0.999f), c = FMA_SET(0.001f);
    t0 = now_ns();
    for (i = 0; i < iters; i++) {
#if defined(__GNUC__) || defined(__clang__)
        __asm__("" : "+" FMA_KEEP(b), "+" FMA_KEEP(c));
#endif
        FMA(a0); FMA(a1); FMA(a2); FMA(a3); FMA(a4); FMA(a5); FMA(a6); FMA(a7);
        FMA(a8); FMA(a9); FMA(a10); FMA(a11); FMA(a12); FMA(a13); FMA(a14); FMA(a15);
    }
    dt = now_ns() - t0;
#if defined(__GNUC__) || defined(__clang__)
    __asm__ volatile("" ::FMA_KEEP(a0), FMA_KEEP(a1), FMA_KEEP(a2), FMA_KEEP(a3), FMA_KEEP(a4), FMA_KEEP(a5),
                     FMA_KEEP(a6), FMA_KEEP(a7), FMA_KEEP(a8), FMA_KEEP(a9), FMA_KEEP(a10), FMA_KEEP(a11),
                     FMA_KEEP(a12), FMA_KEEP(a13), FMA_KEEP(a14), FMA_KEEP(a15));
#endif
    return (double)iters * 16 * FMA_LANES * 2 / dt;
}

double peak_fma_gflops(void)
{
    double best = 0.0, v;
    int rep;
    for (rep = 0; rep < 25; rep++)
        if ((v = fma_once()) > best)
            best = v;
    return best;
}
