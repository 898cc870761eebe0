/* Machine peaks for XNOR-popcount and fp32 FMA. */
#ifndef BENCH_PEAK_H
#define BENCH_PEAK_H

/* Core clock in GHz, from a chain of dependent integer adds (1 cycle each). */
double peak_core_ghz(void);

/* Register-blocked XOR+POPCNT+ADD throughput in bit-MACs per ns for the
 * given path: 0 scalar popcnt, 1 AVX2 vpshufb, 2 AVX-512 vpopcntq.
 * Returns 0 when the path was not compiled in. */
double peak_bitmacs_per_ns(int path);

/* Register-resident fp32 FMA throughput in GFLOP/s (2 flops per lane) on the
 * widest float path compiled in (zmm with AVX-512F, ymm with AVX2+FMA,
 * scalar otherwise): 16 independent accumulator chains, best of 25 runs. */
double peak_fma_gflops(void);

#endif
