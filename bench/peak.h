/* Machine peaks for XNOR-popcount, measured in core cycles. */
#ifndef BENCH_PEAK_H
#define BENCH_PEAK_H

/* Core clock in GHz, from a chain of dependent integer adds (1 cycle each). */
double peak_core_ghz(void);

/* Register-blocked XOR+POPCNT+ADD throughput in bit-MACs per ns for the
 * given path: 0 scalar popcnt, 1 AVX2 vpshufb, 2 AVX-512 vpopcntq.
 * Returns 0 when the path was not compiled in. */
double peak_bitmacs_per_ns(int path);

#endif
