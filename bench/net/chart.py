#!/usr/bin/python3
"""Bar chart (SVG) of bench/net/run.py's results: per binary model, xnorcc's
median time next to ONNX Runtime's and PyTorch's on the float architecture,
on a log axis. Usage: chart.py results.json out.svg (run.py calls svg())."""
import json
import math
import sys

COLORS = (("xnorcc", "#1f77b4"), ("ONNX Runtime fp32", "#ff7f0e"), ("PyTorch fp32", "#2ca02c"))
LABELS = {"xnor_resnet18_k": "XNOR-ResNet-18, K", "xnor_resnet18": "XNOR-ResNet-18",
          "bwn_resnet18": "BWN-ResNet-18", "xnor_alexnet": "XNOR-AlexNet"}


def esc(s):
    return str(s).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def svg(res):
    """The chart as SVG text (deterministic for the same results)."""
    threads = res.get("threads", 1)  # a list since the thread axis (the first count's bars); an int before
    if isinstance(threads, list):
        threads = threads[0]
    rows = []
    for name, e in res["models"].items():
        peer = res["peers"].get(e.get("peer"), {})
        vals = [e.get("time", {}).get("median_ms"), peer.get("ort", {}).get("time", {}).get("median_ms"),
                peer.get("torch", {}).get("time", {}).get("median_ms")]
        rows.append((LABELS.get(name, name), vals))
    allv = [v for _, vs in rows for v in vs if v]
    lo = 10 ** math.floor(math.log10(min(allv))) if allv else 1
    hi = 10 ** math.ceil(math.log10(max(allv))) if allv else 10
    if hi <= lo:
        hi = lo * 10
    W, H, left, top, bottom = 720, 380, 70, 50, 60
    ph = H - top - bottom
    group = (W - left - 20) / max(1, len(rows))
    bw = group / 4.5

    def y(v):
        return top + ph * (1 - (math.log10(v) - math.log10(lo)) / (math.log10(hi) - math.log10(lo)))

    o = ['<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" '
         'font-family="sans-serif" font-size="12">' % (W, H, W, H),
         '<rect width="100%" height="100%" fill="white"/>',
         '<text x="%d" y="20" font-size="14" font-weight="bold">Whole networks, 224x224, batch 1, %s thread(s): '
         'median ms, log scale</text>' % (left, threads),
         '<text x="%d" y="36" fill="#555">%s, %s, load average %s (bench/net/run.sh)</text>'
         % (left, esc(res.get("cpu", "")), esc(res.get("date", "")), esc(" ".join(res.get("load_before", []))))]
    d = lo
    while d <= hi * 1.0001:
        yy = y(d)
        o.append('<line x1="%d" y1="%.1f" x2="%d" y2="%.1f" stroke="#ddd"/>' % (left, yy, W - 20, yy))
        o.append('<text x="%d" y="%.1f" text-anchor="end">%g ms</text>' % (left - 6, yy + 4, d))
        d *= 10
    for i, (label, vals) in enumerate(rows):
        x0 = left + i * group + group * 0.1
        for j, v in enumerate(vals):
            if not v:
                continue
            x = x0 + j * bw * 1.1
            o.append('<rect x="%.1f" y="%.1f" width="%.1f" height="%.1f" fill="%s"/>'
                     % (x, y(v), bw, top + ph - y(v), COLORS[j][1]))
            o.append('<text x="%.1f" y="%.1f" text-anchor="middle" font-size="10">%s</text>'
                     % (x + bw / 2, y(v) - 3, ("%.0f" if v >= 100 else "%.3g") % v))
        o.append('<text x="%.1f" y="%d" text-anchor="middle">%s</text>' % (x0 + 1.6 * bw, top + ph + 18, esc(label)))
        if vals[0] and vals[1]:
            o.append('<text x="%.1f" y="%d" text-anchor="middle" fill="#555">ORT/xnorcc %.2fx</text>'
                     % (x0 + 1.6 * bw, top + ph + 34, vals[1] / vals[0]))
    for j, (name, color) in enumerate(COLORS):
        x = left + j * 170
        o.append('<rect x="%d" y="%d" width="12" height="12" fill="%s"/>' % (x, H - 16, color))
        o.append('<text x="%d" y="%d">%s</text>' % (x + 16, H - 6, name))
    o.append("</svg>")
    return "\n".join(o) + "\n"


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit("usage: chart.py results.json out.svg")
    with open(sys.argv[2], "w") as f:
        f.write(svg(json.load(open(sys.argv[1]))))
