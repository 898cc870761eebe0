#!/usr/bin/python3
"""Whole-network benchmark (issue 9) and compile-time measurements (issue 10).

Run through bench/net/run.sh (or bench/net/compile_time.sh), which installs the
packages, builds xnorcc and ONNX Runtime's node package, then calls this with
--xnorcc and --ort. In one run, one thread each:

  1. gen_models.py writes the models (kept when the generator is unchanged);
  2. per binary model: xnorcc --report compiles it (wall time and peak RSS by
     /usr/bin/time -v), every compute layer's kind is checked against the
     intended one, gcc -O2 -march=native -std=c99 -Wall -Wextra -Werror
     -pedantic builds net.c (timed too; the object is reused while net.c and
     the flags are unchanged), the harness checks the output against PyTorch
     and times it;
  3. the float model of each architecture under ONNX Runtime and PyTorch;
  4. optionally a per-layer float/binary split from perf (see --split);
  5. tables on stdout, results.json and a bar chart (SVG) in the build folder.

--compile-only stops after step 2's compilation (issue 10's figures).

--threads 1,2 (issue 13's axis): net.c is built once with -DXNORCC_THREADS
-pthread, and every round times each program at each thread count (xnorcc's
through the harness's --threads, ONNX Runtime's intra-op threads, PyTorch's
set_num_threads); the main table is the first count's, a second table gives
each count's times, speed-up over the first count, scaling efficiency
(speed-up / threads) and ratios, and whether xnorcc's output has the bytes of
the first count's.
"""
import argparse
import datetime
import hashlib
import json
import os
import platform
import re
import resource
import shutil
import subprocess
import sys
import time

sys.dont_write_bytecode = True
HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)

BINARY = ["xnor_resnet18_k", "xnor_resnet18", "bwn_resnet18", "xnor_alexnet"]
# ORT/xnorcc targets of issue 9 (BWN: no slower than 1.25x ORT, i.e. ratio >= 0.8).
TARGET = {"xnor_resnet18_k": 4.0, "xnor_resnet18": 5.0, "xnor_alexnet": 5.0, "bwn_resnet18": 0.8}
CFLAGS = ["-O2", "-march=native", "-std=c99", "-Wall", "-Wextra", "-Werror", "-pedantic"]
# Keeps every generated layer function out of line (runtime kernels, declared
# inline, may still be inlined into them), so perf can attribute samples to layers.
SPLIT_FLAGS = ["-fno-inline-functions-called-once", "-fno-inline-small-functions",
               "-fno-inline-functions", "-fno-omit-frame-pointer"]
# The worker pool of the runtime (xnorcc_rt/par.h), when --threads asks for more than one.
THREAD_FLAGS = ["-DXNORCC_THREADS", "-pthread"]
BINARY_OPS = {"BinActiv", "BinThreshold", "BinConv", "BinGemm", "XnorBlock", "XnorDense"}
LAYER_OPS = {"Conv", "Gemm", "MatMul", "BinConv", "BinGemm", "XnorBlock", "XnorDense"}


def log(*a):
    print(*a, file=sys.stderr, flush=True)


def sha256(path, skip_first_line=False):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        if skip_first_line:
            f.readline()
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def run(cmd, **kw):
    return subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **kw)


def timed(cmd, timefile, timeout=None, mem_gb=None, cwd=None):
    """Run cmd under /usr/bin/time -v (and timeout, and an address-space limit).
    Returns (CompletedProcess, {'wall_s', 'rss_mb'}); rc 124 means timed out."""
    full = ["/usr/bin/time", "-v", "-o", timefile]
    if timeout:
        full += ["timeout", "--kill-after=10", str(timeout)]
    limit = None
    if mem_gb:
        limit = int(mem_gb * (1 << 30))

    def pre():
        if limit:
            resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    p = subprocess.run(full + cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                       preexec_fn=pre, cwd=cwd)
    stats = {}
    try:
        text = open(timefile).read()
        m = re.search(r"Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): (\S+)", text)
        if m:
            parts = [float(v) for v in m.group(1).split(":")]
            stats["wall_s"] = sum(v * 60 ** i for i, v in enumerate(reversed(parts)))
        cpu = re.findall(r"(?:User|System) time \(seconds\): ([\d.]+)", text)
        if cpu:
            stats["cpu_s"] = sum(float(v) for v in cpu)
        m = re.search(r"Maximum resident set size \(kbytes\): (\d+)", text)
        if m:
            stats["rss_mb"] = int(m.group(1)) / 1024
    except OSError:
        pass
    return p, stats


def parse_kv(text):
    """The `check ...` and `time ...` lines of harness.c / ort_time.js / torch_time.py."""
    out = {}
    for line in text.splitlines():
        w = line.split()
        if w and w[0] in ("check", "time"):
            d = out.setdefault(w[0], {})
            for kv in w[1:]:
                if "=" in kv:
                    k, v = kv.split("=", 1)
                    try:
                        d[k] = float(v)
                    except ValueError:
                        d[k] = v
    return out


def load_avg():
    try:
        return open("/proc/loadavg").read().split()[:3]
    except OSError:
        return ["?"] * 3


def mem_available_gb():
    try:
        for line in open("/proc/meminfo"):
            if line.startswith("MemAvailable:"):
                return int(line.split()[1]) / (1 << 20)
    except OSError:
        pass
    return None


def cpu_name():
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "?"


class Bench:
    def __init__(self, a):
        self.a = a
        # one net.o for every thread count: with the pool when any count is > 1
        self.cflags = CFLAGS + (THREAD_FLAGS if max(a.threads) > 1 else [])
        self.out = os.path.abspath(a.build)
        self.models = os.path.join(self.out, "models")
        self.direct_onnx = None   # does `xnorcc model.onnx` work? decided on first use
        self.notes = []
        self.res = {"date": datetime.datetime.now().strftime("%Y-%m-%d %H:%M"),
                    "cpu": cpu_name(), "cores": os.cpu_count(), "threads": a.threads,
                    "gcc": run(["gcc", "--version"]).stdout.splitlines()[0],
                    "load_before": load_avg(), "models": {}, "peers": {}, "notes": self.notes,
                    "xnorcc_version": run([a.xnorcc, "--version"]).stdout.strip(),
                    "commit": run(["git", "-C", ROOT, "describe", "--always", "--dirty"]).stdout.strip()}

    # --- models ----------------------------------------------------------------
    def ensure_models(self, names):
        import gen_models
        want = sha256(os.path.join(HERE, "gen_models.py"))
        missing = []
        for n in names:
            facts = os.path.join(self.models, n + ".json")
            try:
                ok = json.load(open(facts)).get("generator_sha256") == want and \
                    os.path.exists(os.path.join(self.models, n + ".onnx"))
            except (OSError, ValueError):
                ok = False
            if not ok:
                missing.append(n)
        if missing:
            log("netbench: generating " + " ".join(missing))
            p = subprocess.run(["/usr/bin/python3", os.path.join(HERE, "gen_models.py"), self.models] + missing)
            if p.returncode != 0:
                sys.exit("netbench: gen_models.py failed")
        return {n: json.load(open(os.path.join(self.models, n + ".json"))) for n in names}

    def model_input(self, name, work):
        """The file to give xnorcc: NAME.onnx when xnorcc reads it, else JSON via onnx2json."""
        onnx_path = os.path.join(self.models, name + ".onnx")
        if self.direct_onnx is None:
            p = run([self.a.xnorcc, onnx_path, "--report"])
            self.direct_onnx = p.returncode == 0
            if not self.direct_onnx:
                self.notes.append("xnorcc does not read .onnx yet (%s): models converted with tools/onnx2json.py"
                                  % (p.stderr.strip().splitlines() or ["?"])[-1][:120])
        if self.direct_onnx:
            return onnx_path
        js = os.path.join(self.models, name + ".model.json")
        if not os.path.exists(js) or os.path.getmtime(js) < os.path.getmtime(onnx_path):
            log("netbench: %s: onnx2json" % name)
            p = run(["/usr/bin/python3", os.path.join(ROOT, "tools", "onnx2json.py"), onnx_path, "-o", js])
            if p.returncode != 0:
                sys.exit("netbench: onnx2json failed on %s: %s" % (name, p.stderr))
        return js

    # --- compile -----------------------------------------------------------------
    def compile(self, name, facts):
        """xnorcc (timed) and gcc -c (timed, cached by content). Returns the entry."""
        a = self.a
        work = os.path.join(self.out, "work", name)
        os.makedirs(work, exist_ok=True)
        src = self.model_input(name, work)
        e = {"input_file": os.path.basename(src), "input_mb": os.path.getsize(src) / 1e6,
             "onnx_mb": facts["onnx_bytes"] / 1e6, "parameters": facts["parameters"],
             "intended": facts["intended"], "zero_weights": facts["zero_weights"],
             "sign_inputs": facts["sign_inputs"], "sign_zeros": facts["sign_zeros_fp32"],
             "sign_flips_fp64": facts["sign_flips_fp32_vs_fp64"]}
        netc = os.path.join(work, "net.c")
        log("netbench: %s: xnorcc" % name)
        p, st = timed([a.xnorcc, src, "--report", "--name", "net", "-o", netc] + (a.xnorcc_arg or []),
                      os.path.join(work, "xnorcc.time"))
        e["xnorcc"] = st
        if p.returncode != 0:
            e["error"] = "xnorcc failed: " + p.stderr.strip()[-300:]
            return e
        e["report"] = p.stdout
        e["kinds"], e["float_reasons"] = report_kinds(p.stdout)
        e["kinds_ok"] = e["kinds"] == facts["intended"]
        e["net_c_mb"] = os.path.getsize(netc) / 1e6
        m = re.search(r"weights: (\d+) bytes emitted, (\d+) bytes as float32", p.stdout)
        if m:
            e["weights_emitted_mb"], e["weights_float_mb"] = int(m.group(1)) / 1e6, int(m.group(2)) / 1e6
        cf = run([a.xnorcc, "config", "--cflags"]).stdout.split()
        e["gcc"] = self.gcc_object(name, work, netc, self.cflags + cf, "net.o", a.gcc_timeout)
        return e

    def gcc_object(self, name, work, netc, flags, obj, timeout):
        """gcc -c net.c -> obj under /usr/bin/time -v; reused (with its recorded figures)
        while net.c, the flags and gcc are unchanged. Returns the figures or an error."""
        a = self.a
        # net.c's first line is a comment naming the model file (.onnx or .json): not part of the key.
        key = hashlib.sha256(("%s\n%s\n%s" % (sha256(netc, skip_first_line=True), " ".join(flags),
                                                self.res["gcc"])).encode()).hexdigest()
        objp, keyp = os.path.join(work, obj), os.path.join(work, obj + ".key")
        if not a.rebuild and os.path.exists(objp) and os.path.exists(keyp):
            try:
                k = json.load(open(keyp))
                if k.get("key") == key:
                    k["stats"]["cached"] = k.get("date", True)
                    return k["stats"]
            except ValueError:
                pass
        size_mb = os.path.getsize(netc) / 1e6
        if a.gcc_skip_over_mb is not None and size_mb > a.gcc_skip_over_mb:
            return {"skipped": "net.c is %.0f MB > --gcc-skip-over-mb %g" % (size_mb, a.gcc_skip_over_mb)}
        avail = mem_available_gb()
        if a.gcc_mem_gb and avail is not None and avail < a.gcc_mem_gb * 0.5 and size_mb > 100:
            return {"skipped": "only %.1f GB of memory available" % avail}
        log("netbench: %s: gcc -c %s (%.0f MB of C)" % (name, obj, size_mb))
        tmp = objp + ".tmp.o"   # the old object stays until the new one is complete
        p, st = timed(["gcc"] + flags + ["-c", netc, "-o", tmp], os.path.join(work, obj + ".time"),
                      timeout=timeout, mem_gb=a.gcc_mem_gb)
        if p.returncode == 124 or p.returncode == 137:
            st["error"] = "timed out after %s s (--gcc-timeout)" % timeout
        elif p.returncode != 0:
            st["error"] = "gcc failed (rc %d): %s" % (p.returncode, p.stderr.strip()[-400:])
        else:
            os.replace(tmp, objp)
            json.dump({"key": key, "stats": st, "date": self.res["date"]}, open(keyp, "w"))
        if os.path.exists(tmp):
            os.remove(tmp)
        return st

    # --- run -----------------------------------------------------------------------
    def build_prog(self, name, e):
        """Links the harness with net.o. Returns the program's path, or None (e['error'])."""
        a = self.a
        work = os.path.join(self.out, "work", name)
        cf = run([a.xnorcc, "config", "--cflags"]).stdout.split()
        libs = run([a.xnorcc, "config", "--libs"]).stdout.split()
        prog = os.path.join(work, "prog")
        p = run(["gcc"] + self.cflags + cf + ["-I", work, os.path.join(HERE, "harness.c"),
                                              os.path.join(work, "net.o"), "-o", prog] + libs)
        if p.returncode != 0:
            e["error"] = "harness build failed: " + p.stderr[-400:]
            return None
        return prog

    def time_xnorcc(self, name, e, prog, threads):
        """One timing round of the xnorcc program on `threads` threads (the first
        one also checks the output; each writes out.T.bin, compared at the end)."""
        work = os.path.join(self.out, "work", name)
        m = os.path.join(self.models, name)
        log("netbench: %s: timing the xnorcc program, %d thread(s)" % (name, threads))
        p = run([prog, m + ".in.bin", m + ".ref.bin", os.path.join(work, "out.%d.bin" % threads),
                 "--threads", str(threads)] + self.timing_args())
        if p.returncode != 0:
            e["error"] = "harness failed: " + p.stderr[-400:]
            return
        kv = parse_kv(p.stdout)
        got = kv.get("time", {}).get("threads")
        if got is not None and int(got) != threads:
            e["error"] = "harness ran %d thread(s), not %d" % (int(got), threads)
            return
        add_round(e.setdefault("by_threads", {}).setdefault(str(threads), {}), kv)

    def same_bytes(self, name, e):
        """Does each thread count's output have the bytes of the first count's?"""
        work = os.path.join(self.out, "work", name)
        counts = self.a.threads
        try:
            first = open(os.path.join(work, "out.%d.bin" % counts[0]), "rb").read()
            for t in counts:
                e["by_threads"][str(t)]["same_bytes"] = \
                    open(os.path.join(work, "out.%d.bin" % t), "rb").read() == first
        except (OSError, KeyError):
            pass

    def split_of(self, name, e):
        """The float/binary time split of one model: xnorcc's per-layer profile when
        it has one (HOOK, below), else perf on a separate build (split())."""
        a = self.a
        prof = profile_split(a.xnorcc)
        if prof is not None:
            e["split"] = prof
            return
        work = os.path.join(self.out, "work", name)
        cf = run([a.xnorcc, "config", "--cflags"]).stdout.split()
        libs = run([a.xnorcc, "config", "--libs"]).stdout.split()
        e["split"] = self.split(name, e, work, cf, libs)

    def timing_args(self):
        a = self.a
        return ["--warmup", str(a.warmup), "--runs", str(a.runs), "--min-time", str(a.min_time)]

    def split(self, name, e, work, cf, libs):
        """Per-layer time from perf samples on a build whose layer functions stay out
        of line (SPLIT_FLAGS). Returns {'by_kind', 'layers', 'median_ms'} or {'skipped'}."""
        a = self.a
        if e.get("net_c_mb", 0) > a.split_max_mb:
            return {"skipped": "net.c is %.0f MB > --split-max-mb %g (a second gcc build)" % (e["net_c_mb"], a.split_max_mb)}
        if not shutil.which("perf"):
            return {"skipped": "perf not installed"}
        st = self.gcc_object(name, work, os.path.join(work, "net.c"), self.cflags + SPLIT_FLAGS + cf,
                             "net_split.o", a.gcc_timeout)
        if "error" in st or "skipped" in st:
            return {"skipped": "split build: " + st.get("error", st.get("skipped"))}
        prog = os.path.join(work, "prog_split")
        p = run(["gcc"] + self.cflags + SPLIT_FLAGS + cf + ["-I", work, os.path.join(HERE, "harness.c"),
                                                            os.path.join(work, "net_split.o"), "-o", prog] + libs)
        if p.returncode != 0:
            return {"skipped": "split harness build failed"}
        data = os.path.join(work, "perf.data")
        m = os.path.join(self.models, name)
        log("netbench: %s: perf record (split build)" % name)
        p = run(["perf", "record", "-q", "-F", "1999", "-g", "-o", data, "--", prog, m + ".in.bin", "-",
                 "--threads", str(a.threads[0]), "--warmup", "1", "--runs", "5", "--min-time", str(max(a.min_time, 2.0))])
        if p.returncode != 0:
            return {"skipped": "perf record failed: " + p.stderr.strip()[-200:]}
        median = parse_kv(p.stdout).get("time", {}).get("median_ms")
        q = run(["perf", "script", "-i", data, "-F", "ip,sym"])
        if q.returncode != 0:
            return {"skipped": "perf script failed: " + q.stderr.strip()[-200:]}
        layers = layer_table(os.path.join(work, "net.c"), e.get("report", ""))
        counts, total = attribute_samples(q.stdout)
        if total == 0:
            return {"skipped": "perf recorded no samples"}
        inside = sum(counts.values())
        by_kind, rows = {}, []
        for lid, n in counts.items():
            op, lname, kind = layers.get(lid, ("?", "?", "float"))
            by_kind[kind] = by_kind.get(kind, 0) + n
            rows.append({"fn": lid, "op": op, "name": lname, "kind": kind, "share": n / inside})
        rows.sort(key=lambda r: -r["share"])
        return {"median_ms": median, "samples": total, "in_layers": inside / total,
                "by_kind": {k: v / inside for k, v in by_kind.items()}, "layers": rows}

    def time_peers(self, peer, r, threads):
        """One timing round of ONNX Runtime and of PyTorch on the float model PEER."""
        a = self.a
        m = os.path.join(self.models, peer)
        r = r.setdefault("by_threads", {}).setdefault(str(threads), {})
        log("netbench: %s: ONNX Runtime, %d thread(s)" % (peer, threads))
        p = run(["node", os.path.join(HERE, "ort_time.js"), a.ort, m + ".onnx", m + ".in.bin", m + ".ref.bin",
                 "--threads", str(threads)] + self.timing_args())
        add_round(r.setdefault("ort", {}), parse_kv(p.stdout) if p.returncode == 0 else
                  {"error": p.stderr.strip()[-400:]})
        log("netbench: %s: PyTorch, %d thread(s)" % (peer, threads))
        p = run(["/usr/bin/python3", os.path.join(HERE, "torch_time.py"), peer, self.models,
                 "--threads", str(threads)] + self.timing_args())
        add_round(r.setdefault("torch", {}), parse_kv(p.stdout) if p.returncode == 0 else
                  {"error": p.stderr.strip()[-400:]})


def profile_split(xnorcc):
    """HOOK for issue 9's `--profile` (generated code that times every layer):
    it does not exist yet. When `xnorcc --help` lists it, build each model with it,
    run it, and return {'by_kind': {'float layer'|'float other'|'binary': share},
    'layers': [...], 'median_ms': ...} like split() does; until then None, and the
    split comes from perf samples."""
    if "--profile" in run([xnorcc, "--help"]).stdout:
        log("netbench: xnorcc has --profile now: wire it into profile_split() (bench/net/run.py)")
    return None


def add_round(d, kv):
    """Keeps every round's `time` line in d['rounds'] and the one with the lowest
    median as d['time'] (the round least disturbed by other load); the first
    `check` line; an error as d['error']."""
    if "error" in kv:
        d.setdefault("error", kv["error"])
        return
    if "check" in kv and "check" not in d:
        d["check"] = kv["check"]
    if "time" in kv:
        d.setdefault("rounds", []).append(kv["time"])
        d["time"] = min(d["rounds"], key=lambda t: t["median_ms"])


def report_kinds(text):
    """Counts of xnor/bwn/float over the compute layers of a --report (BinThreshold
    and BinActiv lines are not layers), and the reasons given for float layers."""
    kinds, reasons = {}, []
    for line in text.splitlines():
        m = re.match(r"^'(.*)' (\w+) (xnor|bwn|float)(?:: (.*))?$", line)
        if not m or m.group(2) not in LAYER_OPS:
            continue
        kinds[m.group(3)] = kinds.get(m.group(3), 0) + 1
        if m.group(4) and m.group(3) != "xnor":
            reasons.append("%s: %s" % (m.group(1), m.group(4)))
    return kinds, reasons


def layer_table(netc, report):
    """lN function name -> (op, node name, kind) from net.c's node comments and the report."""
    kind_of = {}
    for line in report.splitlines():
        m = re.match(r"^'(.*)' (\w+) (xnor|bwn|float)", line)
        if m:
            kind_of[m.group(1)] = m.group(3)
    out, pending = {}, None
    with open(netc, errors="replace") as f:
        for line in f:
            if line.startswith("/* node "):
                m = re.match(r"/\* node \d+: (\w+) '(.*)' at ", line)
                pending = (m.group(1), m.group(2)) if m else None
            elif line.startswith("static ") and pending and re.search(r"\bvoid l\d+_\w+\(", line):
                fn = re.search(r"\bvoid (l\d+_\w+)\(", line).group(1)
                op, name = pending
                kind = kind_of.get(name, "binary" if op in BINARY_OPS else "float")
                if op in BINARY_OPS and kind == "float":
                    kind = "binary"
                out[fn] = (op, name, "binary" if kind in ("xnor", "bwn", "binary") else
                           ("float layer" if op in LAYER_OPS else "float other"))
                pending = None
    return out


def attribute_samples(text):
    """perf script -F ip,sym with call chains: each sample goes to the innermost
    frame that is a layer function lN_*. Returns ({fn: samples}, total samples)."""
    counts, total = {}, 0
    for block in text.split("\n\n"):
        frames = [ln.split()[1] for ln in block.strip().splitlines() if len(ln.split()) >= 2]
        if not frames:
            continue
        total += 1
        for fn in frames:
            fn = fn.split(".")[0]   # gcc's clones: l0_conv.constprop.0
            if re.match(r"^l\d+_\w+$", fn):
                counts[fn] = counts.get(fn, 0) + 1
                break
    return counts, total


def cell(t):
    """'wall (cpu)' of a time entry."""
    if not t:
        return "-"
    return "%s (%s)" % (fmt(t.get("median_ms")), fmt(t.get("cpu_median_ms")))


def fmt(v, f="%.1f"):
    return f % v if isinstance(v, (int, float)) else "-"


def print_tables(res):
    out = []
    w = out.append
    w("Whole networks at 224x224, batch 1, %d thread(s) each%s"
      % (res["threads"][0], " (xnorcc's net.c built with %s)" % " ".join(THREAD_FLAGS)
         if max(res["threads"]) > 1 else ""))
    w("machine: %s, %s cores; %s; load average before %s, after %s; %s"
      % (res["cpu"], res["cores"], res["gcc"], " ".join(res["load_before"]), " ".join(res.get("load_after", [])),
         res["date"]))
    w("")
    hdr = "%-16s %-18s %15s %13s %13s %7s %7s %6s %4s  %-27s %s" % (
        "model", "layers", "xnorcc ms", "ORT ms", "PyTorch ms", "ORT/xn", "(cpu)", "target", "met",
        "check vs PyTorch", "float/binary")
    w(hdr)
    w("-" * len(hdr))
    for name, e in res["models"].items():
        peer = res["peers"].get(e.get("peer"), {})
        xn, ort, pt = e.get("time", {}), peer.get("ort", {}).get("time", {}), peer.get("torch", {}).get("time", {})
        ratio = ort["median_ms"] / xn["median_ms"] if xn and ort else None
        rcpu = ort["cpu_median_ms"] / xn["cpu_median_ms"] if xn.get("cpu_median_ms") and ort.get("cpu_median_ms") else None
        tgt = TARGET.get(name)
        met = "-" if ratio is None or tgt is None else ("yes" if ratio >= tgt else "no")
        kinds = " ".join("%s %d" % (k, v) for k, v in sorted(e.get("kinds", {}).items()))
        if e.get("kinds") and not e.get("kinds_ok"):
            kinds += " (!)"
        c = e.get("check")
        check = ("rel %.1e far %d top1 %s" % (c["rel"], c["far"], "=" if c["top1"] == c["top1_ref"] else "!=")
                 if c else e.get("error", "")[:27])
        sp = e.get("split", {})
        if "by_kind" in sp:
            k = sp["by_kind"]
            split = "%.0f%% / %.0f%%" % (100 * (k.get("float layer", 0) + k.get("float other", 0)), 100 * k.get("binary", 0))
        else:
            split = "n/a"
        w("%-16s %-18s %15s %13s %13s %7s %7s %6s %4s  %-27s %s" % (
            name, kinds, cell(xn), cell(ort), cell(pt), fmt(ratio, "%.2fx"), fmt(rcpu, "%.2fx"),
            ("%.2gx" % tgt) if tgt else "-", met, check, split))
    w("ms: wall-clock median (median of the process's CPU time per run); ORT/xn: ONNX Runtime's wall median")
    w("over xnorcc's, (cpu) the same on CPU time, steadier when other jobs load the machine; higher is better;")
    w("target: issue 9's (BWN: no slower than 1.25x ORT), met judged on wall time. Each program: >= %s runs"
      % res.get("runs"))
    w("and >= %s s per round, the round with the lowest median of %s interleaved rounds kept;"
      % (res.get("min_time"), res.get("rounds")))
    w("the peers run the float architecture. far: outputs off by > 1e-3 max|ref|; top1: same arg-max.")
    for name, e in res["models"].items():
        if e.get("error"):
            w("  %s: %s" % (name, e["error"]))
        for r in e.get("float_reasons", []):
            w("  %s stays float: %s" % (name, r))
        if e.get("zero_weights"):
            w("  %s: exactly-zero weights in binary layers: %s" % (name, e["zero_weights"]))
        c = e.get("check")
        if c:
            signs = ("; PyTorch fp32 vs fp64: %d sign flips of %d sign inputs, %d exact zeros"
                     % (e["sign_flips_fp64"], e["sign_inputs"], e["sign_zeros"])) if e["sign_inputs"] else ""
            w("  %s: output max |diff| %.3g (max |ref| %.3g)%s" % (name, c["max_abs"], c["ref_max"], signs))
    for peer, r in res["peers"].items():
        for tool in ("ort", "torch"):
            c = r.get(tool, {}).get("check")
            if c and (c["far"] or c["top1"] != c["top1_ref"]):
                w("  %s under %s disagrees with PyTorch: %s" % (peer, tool, c))
            if "error" in r.get(tool, {}):
                w("  %s under %s failed: %s" % (peer, tool, r[tool]["error"]))
    if len(res["threads"]) > 1:
        w("")
        w(threads_table(res))
    w("")
    w(compile_table(res))
    splits = [(n, e["split"]) for n, e in res["models"].items() if "split" in e]
    if splits:
        w("")
        w("Float/binary split (perf samples on a build with layer functions kept out of line:")
        w("%s; its median next to the normal build's)" % " ".join(SPLIT_FLAGS))
        for n, sp in splits:
            if "skipped" in sp:
                w("  %-17s n/a: %s" % (n, sp["skipped"]))
                continue
            k = sp["by_kind"]
            w("  %-17s split build %s ms vs %s ms; float layers %.1f%%, other float ops %.1f%%, binary %.1f%%; "
              "top: %s" % (n, fmt(sp["median_ms"]), fmt(res["models"][n].get("time", {}).get("median_ms")),
                           100 * k.get("float layer", 0), 100 * k.get("float other", 0), 100 * k.get("binary", 0),
                           ", ".join("%s %s %.0f%%" % (r["op"], r["name"], 100 * r["share"]) for r in sp["layers"][:4])))
    for note in res["notes"]:
        w("note: " + note)
    return "\n".join(out)


def threads_table(res):
    """Each thread count: times, speed-up over the first count (and scaling
    efficiency, speed-up / threads) of xnorcc, ONNX Runtime and PyTorch, and
    ONNX Runtime's and PyTorch's time over xnorcc's at the same count."""
    t0 = res["threads"][0]
    out = ["Threads: the same rounds at %s threads; speed-up over %d thread(s) (efficiency: speed-up x %d / threads)"
           % (",".join(str(t) for t in res["threads"]), t0, t0)]
    hdr = "%-16s %3s %15s %12s %7s %13s %12s %7s %13s %12s %6s %5s" % (
        "model", "thr", "xnorcc ms", "xn speed-up", "(min)", "ORT ms", "ORT speed-up", "ORT/xn", "PyTorch ms",
        "PT speed-up", "PT/xn", "bytes")
    out += [hdr, "-" * len(hdr)]

    def med(d):
        return d.get("time", {}).get("median_ms")

    def mn(d):
        return d.get("time", {}).get("min_ms")

    def up(base, v, t):
        if not base or not v:
            return "-"
        s = base / v
        return "%.2fx (%.0f%%)" % (s, 100 * s * t0 / t) if t != t0 else "%.2fx" % s

    for name, e in res["models"].items():
        bt = e.get("by_threads", {})
        peer = res["peers"].get(e.get("peer"), {}).get("by_threads", {})
        base = bt.get(str(t0), {})
        pbase = peer.get(str(t0), {})
        for t in res["threads"]:
            x, p = bt.get(str(t), {}), peer.get(str(t), {})
            o, q = p.get("ort", {}), p.get("torch", {})
            same = x.get("same_bytes")
            out.append("%-16s %3d %15s %12s %7s %13s %12s %7s %13s %12s %6s %5s" % (
                name, t, cell(x.get("time")), up(med(base), med(x), t),
                fmt(mn(base) / mn(x) if mn(base) and mn(x) else None, "%.2fx"), cell(o.get("time")),
                up(med(pbase.get("ort", {})), med(o), t), fmt(med(o) / med(x) if med(o) and med(x) else None, "%.2fx"),
                cell(q.get("time")), up(med(pbase.get("torch", {})), med(q), t),
                fmt(med(q) / med(x) if med(q) and med(x) else None, "%.2fx"),
                "-" if same is None else ("=" if same else "DIFF")))
    out.append("ms: wall median (CPU-time median of the process, all threads); (min): the same speed-up on the fastest")
    out.append("run of the kept round (the run least disturbed by other load); ORT/xn, PT/xn: the peer's wall median over")
    out.append("xnorcc's at the same count; bytes: xnorcc's output has the bytes of its %d-thread output (=)" % t0)
    return "\n".join(out)


def compile_table(res):
    out = ["Compile time and memory (/usr/bin/time -v; gcc %s -c net.c)" % " ".join(CFLAGS[:2])]
    hdr = "%-17s %9s %8s %12s %9s %9s %9s %14s %8s %-12s" % (
        "model", "input MB", "onnx MB", "xnorcc s", "xnorcc MB", "RSS/input", "net.c MB", "gcc s", "gcc MB", "weights")
    out += [hdr, "-" * len(hdr)]
    for name, e in res["models"].items():
        x = e.get("xnorcc", {})
        g = e.get("gcc", {})
        ratio = x["rss_mb"] * 1.048576 / e["input_mb"] if "rss_mb" in x and e.get("input_mb") else None
        wts = ("%.1f/%.1f MB" % (e["weights_emitted_mb"], e["weights_float_mb"])) if "weights_emitted_mb" in e else "-"
        gs = "%s (%s)" % (fmt(g.get("wall_s")), fmt(g.get("cpu_s")))
        if "cached" in g:
            gs += "*"
        if "error" in g or "skipped" in g:
            gs = "(%s)" % ("timeout" if "timed out" in g.get("error", "") else "skipped" if "skipped" in g else "failed")
        out.append("%-17s %9s %8s %12s %9s %9s %9s %14s %8s %-12s" % (
            name, fmt(e.get("input_mb")), fmt(e.get("onnx_mb")),
            "%s (%s)" % (fmt(x.get("wall_s"), "%.2f"), fmt(x.get("cpu_s"), "%.2f")),
            fmt(x.get("rss_mb"), "%.0f"), fmt(ratio, "%.2fx"), fmt(e.get("net_c_mb")), gs,
            fmt(g.get("rss_mb"), "%.0f"), wts))
    out.append("s: wall (user+sys CPU) seconds; MB: peak RSS; input: the file given to xnorcc (%s); weights:\n"
               "emitted / as float32 (--report); *: gcc figures recorded when the same net.c was built before" %
               ", ".join(sorted({e.get("input_file", "?").split(".", 1)[-1] for e in res["models"].values()})))
    for name, e in res["models"].items():
        g = e.get("gcc", {})
        if "error" in g or "skipped" in g:
            out.append("  %s: gcc %s" % (name, g.get("error", g.get("skipped"))))
    return "\n".join(out)


def main():
    ap = argparse.ArgumentParser(description="whole-network benchmark; see bench/net/run.sh")
    ap.add_argument("--xnorcc", required=True)
    ap.add_argument("--ort", help="folder holding node_modules/onnxruntime-node")
    ap.add_argument("--build", default=os.path.join(ROOT, "build-net"))
    ap.add_argument("--models", default=",".join(BINARY), help="comma-separated binary models")
    ap.add_argument("--threads", default="1",
                    help="thread counts, comma-separated (e.g. 1,2): xnorcc (built with the pool when any is > 1), "
                         "ONNX Runtime and PyTorch each run at every count")
    ap.add_argument("--warmup", type=int, default=3)
    ap.add_argument("--runs", type=int, default=11, help="at least this many timed runs")
    ap.add_argument("--min-time", type=float, default=3.0, help="and at least this many seconds")
    ap.add_argument("--rounds", type=int, default=2,
                    help="time every program this many times, interleaved; the lowest median counts")
    ap.add_argument("--gcc-timeout", type=int, default=900, help="seconds for one gcc -c (0: none)")
    ap.add_argument("--gcc-mem-gb", type=float, default=16, help="address-space limit of gcc (0: none)")
    ap.add_argument("--gcc-skip-over-mb", type=float, help="do not build a net.c larger than this")
    ap.add_argument("--rebuild", action="store_true", help="rebuild objects even when cached")
    ap.add_argument("--split", action=argparse.BooleanOptionalAction, default=True,
                    help="per-layer float/binary split from perf (default on)")
    ap.add_argument("--split-max-mb", type=float, default=64, help="no split build for a larger net.c")
    ap.add_argument("--compile-only", action="store_true", help="only compile (issue 10's figures)")
    ap.add_argument("--xnorcc-arg", action="append", help="one more xnorcc option when compiling (repeatable)")
    ap.add_argument("--chart", help="also write the bar chart here (e.g. docs/bench-net.svg)")
    a = ap.parse_args()
    try:
        a.threads = [int(t) for t in a.threads.split(",") if t]
    except ValueError:
        sys.exit("netbench: --threads wants counts like 1,2, not '%s'" % a.threads)
    if not a.threads or min(a.threads) < 1 or len(set(a.threads)) != len(a.threads):
        sys.exit("netbench: --threads wants distinct counts >= 1")
    a.gcc_timeout = a.gcc_timeout or None
    a.gcc_mem_gb = a.gcc_mem_gb or None
    names = [n for n in a.models.split(",") if n]
    import gen_models
    for n in names:
        if n not in gen_models.MODELS:
            sys.exit("netbench: unknown model '%s'" % n)
    b = Bench(a)
    peers = [] if a.compile_only else sorted({gen_models.MODELS[n][1] for n in names if gen_models.MODELS[n][1]})
    facts = b.ensure_models(names + peers)
    progs = {}
    for n in names:
        e = b.compile(n, facts[n])
        e["peer"] = facts[n]["peer"]
        b.res["models"][n] = e
        if not a.compile_only and "error" not in e and "error" not in e["gcc"] and "skipped" not in e["gcc"]:
            progs[n] = b.build_prog(n, e)
    # Rounds: every program once per round, so that load from elsewhere spreads over all.
    for r in range(0 if a.compile_only else a.rounds):
        log("netbench: round %d of %d" % (r + 1, a.rounds))
        for t in a.threads:
            for n, prog in progs.items():
                if prog and "error" not in b.res["models"][n]:
                    b.time_xnorcc(n, b.res["models"][n], prog, t)
            for p in peers:
                b.time_peers(p, b.res["peers"].setdefault(p, {}), t)
    # The main table and the chart: the first thread count.
    first = str(a.threads[0])
    for n, e in b.res["models"].items():
        if "by_threads" in e:
            b.same_bytes(n, e)
            for k, v in e["by_threads"].get(first, {}).items():
                if k in ("time", "rounds", "check"):
                    e[k] = v
    for r in b.res["peers"].values():
        for tool, v in r.get("by_threads", {}).get(first, {}).items():
            r[tool] = v
    if a.split and not a.compile_only:
        for n, prog in progs.items():
            if prog and "error" not in b.res["models"][n]:
                b.split_of(n, b.res["models"][n])
    b.res["rounds"] = 0 if a.compile_only else a.rounds
    b.res["runs"], b.res["min_time"] = a.runs, a.min_time
    b.res["load_after"] = load_avg()
    os.makedirs(b.out, exist_ok=True)
    with open(os.path.join(b.out, "results.json"), "w") as f:
        json.dump(b.res, f, indent=1)
    text = compile_table(b.res) if a.compile_only else print_tables(b.res)
    with open(os.path.join(b.out, "compile.txt" if a.compile_only else "results.txt"), "w") as f:
        f.write(text + "\n")
    print(text)
    if not a.compile_only:
        import chart
        svg = chart.svg(b.res)
        for path in [os.path.join(b.out, "bench-net.svg")] + ([a.chart] if a.chart else []):
            with open(path, "w") as f:
                f.write(svg)
    return 0


if __name__ == "__main__":
    sys.exit(main())
