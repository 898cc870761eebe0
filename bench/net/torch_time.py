#!/usr/bin/python3
"""Time PyTorch fp32 (eager, inference mode) on one benchmark model.

Usage: /usr/bin/python3 bench/net/torch_time.py NAME MODELDIR [--threads N]
       [--warmup N] [--runs N] [--min-time S]

Rebuilds NAME with gen_models.build (same seed, so the same weights and input
as MODELDIR/NAME.onnx), checks the output against MODELDIR/NAME.ref.bin and
prints the same `check ...` and `time ...` lines as harness.c.
torch.set_num_threads(N) (default 1), one inter-op thread; time.perf_counter
(CLOCK_MONOTONIC on Linux) around each call; cpu_median_ms from
time.process_time (the whole process).
"""
import argparse
import os
import statistics
import sys
import time

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import numpy as np  # noqa: E402
import torch  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("name")
    ap.add_argument("modeldir")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--warmup", type=int, default=3)
    ap.add_argument("--runs", type=int, default=11)
    ap.add_argument("--min-time", type=float, default=2.0)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    torch.set_num_interop_threads(1)
    import gen_models
    model, x = gen_models.build(a.name)
    ref = np.fromfile(os.path.join(a.modeldir, a.name + ".ref.bin"), dtype="<f4")
    with torch.inference_mode():
        out = model(x).numpy().ravel()
        d = np.abs(out.astype(np.float64) - ref)
        rmax = float(np.abs(ref).max())
        print("check n=%d max_abs=%.3g ref_max=%.4g rel=%.3g far=%d top1=%d top1_ref=%d"
              % (out.size, d.max(), rmax, d.max() / rmax, int((~(d <= 1e-3 * rmax)).sum()),
                 int(out.argmax()), int(ref.argmax())))
        for _ in range(a.warmup):
            model(x)
        times, cpu = [], []
        start = time.perf_counter()
        while len(times) < a.runs or time.perf_counter() - start < a.min_time:
            t0, c0 = time.perf_counter(), time.process_time()
            model(x)
            times.append((time.perf_counter() - t0) * 1e3)
            cpu.append((time.process_time() - c0) * 1e3)
    print("time warmup=%d runs=%d median_ms=%.4f min_ms=%.4f mean_ms=%.4f total_s=%.3f cpu_median_ms=%.4f "
          "threads=%d" % (a.warmup, len(times), statistics.median(times), min(times), statistics.mean(times),
                          sum(times) * 1e-3, statistics.median(cpu), a.threads))


if __name__ == "__main__":
    main()
