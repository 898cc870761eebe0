/* xnorcc runtime: ISA selection and popcount primitives.
 *
 * The path is chosen when the including translation unit is compiled, from the
 * compiler's target macros (so -march=native picks the best one):
 *   XNRT_ISA_AVX512  __AVX512F__ && __AVX512VPOPCNTDQ__  (vpopcntq on zmm)
 *   XNRT_ISA_AVX2    __AVX2__                             (vpshufb nibble popcount)
 *   XNRT_ISA_NEON    __ARM_NEON && __aarch64__            (vcntq_u8)
 *   XNRT_ISA_PORTABLE otherwise (__builtin_popcountll or a bit-trick popcount)
 * Define XNRT_FORCE_PORTABLE before including to force the portable path.
 * XNRT_ISA is a string literal naming the compiled path. */
#ifndef XNORCC_RT_ISA_H
#define XNORCC_RT_ISA_H

#include <stdint.h>
#include <stddef.h>

#if defined(XNRT_FORCE_PORTABLE)
#  define XNRT_ISA_PORTABLE 1
#  define XNRT_ISA "portable"
#elif defined(__AVX512F__) && defined(__AVX512VPOPCNTDQ__)
#  define XNRT_ISA_AVX512 1
#  define XNRT_ISA "avx512-vpopcntdq"
#  include <immintrin.h>
#elif defined(__AVX2__)
#  define XNRT_ISA_AVX2 1
#  define XNRT_ISA "avx2"
#  include <immintrin.h>
#elif defined(__ARM_NEON) && defined(__aarch64__)
#  define XNRT_ISA_NEON 1
#  define XNRT_ISA "neon"
#  include <arm_neon.h>
#else
#  define XNRT_ISA_PORTABLE 1
#  define XNRT_ISA "portable"
#endif

/* Float kernels (sgemm.h, conv.h, fvec.h and the rest) pick their own path,
 * since they need only the float instructions:
 *   XNRT_F_AVX512   __AVX512F__               (16 lanes, masked tails)
 *   XNRT_F_AVX2     __AVX2__ && __FMA__       (8 lanes, maskload tails)
 *   XNRT_F_NEON     __ARM_NEON && __aarch64__ (4 lanes)
 *   XNRT_F_PORTABLE otherwise, or XNRT_FORCE_PORTABLE (plain C, 4-lane structs)
 * XNRT_FISA names the compiled float path. */
#if defined(XNRT_FORCE_PORTABLE)
#  define XNRT_F_PORTABLE 1
#  define XNRT_FISA "portable"
#elif defined(__AVX512F__)
#  define XNRT_F_AVX512 1
#  define XNRT_FISA "avx512"
#  include <immintrin.h>
#elif defined(__AVX2__) && defined(__FMA__)
#  define XNRT_F_AVX2 1
#  define XNRT_FISA "avx2-fma"
#  include <immintrin.h>
#elif defined(__ARM_NEON) && defined(__aarch64__)
#  define XNRT_F_NEON 1
#  define XNRT_FISA "neon"
#  include <arm_neon.h>
#else
#  define XNRT_F_PORTABLE 1
#  define XNRT_FISA "portable"
#endif

#if defined(__GNUC__) || defined(__clang__)
#  define XNRT_INLINE static inline __attribute__((always_inline))
#else
#  define XNRT_INLINE static inline
#endif

/* Ceiling division and word counts, usable in constant expressions. */
#define XNRT_CDIV(a, b) (((a) + (b) - 1) / (b))
/* Words per packed pixel (or per packed row) holding c channels (bits). */
#define XNRT_WORDS(c) XNRT_CDIV((c), 64)

/* Name of the ISA path compiled into the calling translation unit. */
static inline const char *xnrt_isa(void) { return XNRT_ISA; }
/* Name of the float-kernel path compiled into the calling translation unit. */
static inline const char *xnrt_fisa(void) { return XNRT_FISA; }

/* Number of set bits of a 64-bit word. */
XNRT_INLINE int xnrt_popcount64(uint64_t v)
{
#if defined(__GNUC__) || defined(__clang__)
    return __builtin_popcountll(v);
#else
    v = v - ((v >> 1) & 0x5555555555555555ULL);
    v = (v & 0x3333333333333333ULL) + ((v >> 2) & 0x3333333333333333ULL);
    v = (v + (v >> 4)) & 0x0F0F0F0F0F0F0F0FULL;
    return (int)((v * 0x0101010101010101ULL) >> 56);
#endif
}

#if defined(__AVX2__)
#include <immintrin.h>
/* Per-byte popcount of a ymm (vpshufb on nibbles); AVX2 path and bench. */
XNRT_INLINE __m256i xnrt__popcnt8_avx2(__m256i v)
{
    const __m256i lut = _mm256_setr_epi8(0, 1, 1, 2, 1, 2, 2, 3, 1, 2, 2, 3, 2, 3, 3, 4,
                                         0, 1, 1, 2, 1, 2, 2, 3, 1, 2, 2, 3, 2, 3, 3, 4);
    const __m256i low = _mm256_set1_epi8(0x0f);
    __m256i lo = _mm256_and_si256(v, low);
    __m256i hi = _mm256_and_si256(_mm256_srli_epi16(v, 4), low);
    return _mm256_add_epi8(_mm256_shuffle_epi8(lut, lo), _mm256_shuffle_epi8(lut, hi));
}
#endif

#endif
