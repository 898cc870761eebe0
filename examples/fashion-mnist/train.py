#!/usr/bin/python3
"""Train the Fashion-MNIST models of examples/fashion-mnist the XNOR-Net paper's way
(Rastegari et al., ECCV 2016, Algorithm 1), export them for xnorcc, and record what
PyTorch predicts for every test image.

Six models of one architecture (README.md has the table):
  float            full precision
  bwn              Binary-Weight-Network, alpha by Eq. 6
  bwn_scale_layer  Table 3a: alpha a learned per-filter scale layer instead of Eq. 6
  xnor_k           XNOR-Net, B-A-C-P blocks, K (Sec. 3.2) scaling the binary convs/FC
  xnor             XNOR-Net, B-A-C-P blocks, no K
  xnor_cbap        Table 3b: XNOR-Net with C-B-A-P blocks, no K

Run:  /usr/bin/python3 examples/fashion-mnist/train.py            (all six; fixed seeds)
      /usr/bin/python3 examples/fashion-mnist/train.py --only xnor --epochs 1
Writes models/NAME.onnx and expected/NAME.top2 (PyTorch's top-1 and top-2 class of each of the 10,000
test images, 2 bytes per image), and prints accuracies and times.
"""
import argparse
import copy
import ctypes
import gzip
import io
import os
import platform
import sys
import time
import warnings

import numpy as np
import onnx
import torch
import torch.nn as nn
import torch.nn.functional as F

sys.dont_write_bytecode = True
# Keep freed activation buffers in the heap instead of returning them to the kernel after
# every layer (glibc mallopt M_MMAP_THRESHOLD, M_TRIM_THRESHOLD): otherwise about half of
# the training time goes into page faults.
try:
    _libc = ctypes.CDLL("libc.so.6")
    _libc.mallopt(-3, 1 << 30)
    _libc.mallopt(-1, 1 << 30)
except OSError:
    pass
warnings.filterwarnings("ignore")
HERE = os.path.dirname(os.path.abspath(__file__))
DATA = "/usr/share/datasets/fashion-mnist"
OPSET = 13

# ---------------------------------------------------------------------------
# data
# ---------------------------------------------------------------------------


def load_idx(path):
    """An idx file (gzip) as a uint8 numpy array: images N x 28 x 28, labels N."""
    with gzip.open(path, "rb") as f:
        raw = f.read()
    magic = int.from_bytes(raw[0:4], "big")
    ndim = magic & 0xff
    assert magic >> 8 == 0x08, "%s: not a uint8 idx file" % path
    dims = [int.from_bytes(raw[4 + 4 * i:8 + 4 * i], "big") for i in range(ndim)]
    data = np.frombuffer(raw, np.uint8, offset=4 + 4 * ndim)
    return data.reshape(dims)


def load_split(name):
    """Images as N x 1 x 28 x 28 float32 pixel / 255 (what classify.c computes), labels int64."""
    x = load_idx(os.path.join(DATA, "%s-images-idx3-ubyte.gz" % name))
    y = load_idx(os.path.join(DATA, "%s-labels-idx1-ubyte.gz" % name))
    x = torch.from_numpy(x.copy()).float().div_(255.0).unsqueeze(1)
    return x, torch.from_numpy(y.astype(np.int64))


# ---------------------------------------------------------------------------
# Algorithm 1: binarization in the forward pass, straight-through gradients
# ---------------------------------------------------------------------------


class SignSTE(torch.autograd.Function):
    """sign(r) forward; backward the straight-through estimator g * 1_{|r| <= 1}
    (Sec. 3.1, following BinaryNet)."""

    @staticmethod
    def forward(ctx, r):
        ctx.save_for_backward(r)
        return torch.sign(r)

    @staticmethod
    def backward(ctx, g):
        (r,) = ctx.saved_tensors
        return g * (r.abs() <= 1).to(g.dtype)


class BinaryWeight(torch.autograd.Function):
    """W~ = alpha * sign(W), alpha = mean |W| per output filter (Eq. 6, Algorithm 1
    lines 4-6). Backward (Sec. 3.1): dC/dW_i = dC/dW~_i * (1/n + alpha * 1_{|W_i| <= 1})."""

    @staticmethod
    def forward(ctx, w):
        dims = tuple(range(1, w.dim()))
        alpha = w.abs().mean(dim=dims, keepdim=True)
        ctx.save_for_backward(w, alpha)
        return torch.sign(w) * alpha

    @staticmethod
    def backward(ctx, g):
        w, alpha = ctx.saved_tensors
        n = w[0].numel()
        return g * (1.0 / n + alpha * (w.abs() <= 1).to(g.dtype))


SIGN_ZEROS = [0]   # values reaching a Sign that are exactly 0 (deployed model, not tracing)


def sign(x, deploy):
    """Binary activation: the STE function in training, plain torch.sign (ONNX Sign)
    in the deployed model."""
    if not deploy:
        return SignSTE.apply(x)
    if not torch.jit.is_tracing():
        SIGN_ZEROS[0] += int((x == 0).sum())
    return torch.sign(x)


class BinLayer(nn.Module):
    """Shared weight handling of binary conv and FC layers.

    scale="eq6":   W~ = mean|W_k| * sign(W_k) (Algorithm 1).
    scale="layer": W~ = sign(W_k), and a learned per-filter scale multiplies the output
                   (Table 3a's "separate layer"), initialised to Eq. 6's alpha.
    deploy: the weight already holds W~ (freeze()), so the export holds +-alpha
    constants, and activations use torch.sign."""

    def init_binary(self, scale):
        self.scale_mode = scale
        self.deploy = False
        if scale == "layer":
            dims = tuple(range(1, self.weight.dim()))
            a = self.weight.detach().abs().mean(dim=dims)
            self.scale = nn.Parameter(a.clone())

    def binary_weight(self):
        if self.deploy:
            return self.weight
        if self.scale_mode == "eq6":
            return BinaryWeight.apply(self.weight)
        return SignSTE.apply(self.weight)

    def freeze(self):
        """Deploy form: store W~ in the weight (the real-valued weights are not needed
        at inference, Sec. 3.1)."""
        with torch.no_grad():
            self.weight.copy_(BinaryWeight.apply(self.weight) if self.scale_mode == "eq6"
                              else torch.sign(self.weight))
        self.deploy = True

    def scaled(self, y):
        if self.scale_mode != "layer":
            return y
        shape = (1, -1) + (1,) * (y.dim() - 2)
        return y * self.scale.view(shape)


class BinConv2d(nn.Conv2d, BinLayer):
    """3x3 conv, pad 1, with binary weights. binact: sign the input first (XNOR, Eq. 11)
    or not (BWN, Eq. 1). k: multiply by K = box-filtered mean |input| (Sec. 3.2), as
    avg_pool2d(count_include_pad=True); the bias is added after K."""

    def __init__(self, cin, cout, binact, k=False, scale="eq6", bias=True):
        super().__init__(cin, cout, 3, padding=1, bias=False)
        self.init_binary(scale)
        self.binact, self.k = binact, k
        self.b = nn.Parameter(torch.zeros(cout)) if bias else None

    def forward(self, x):
        xb = sign(x, self.deploy) if self.binact else x
        y = self.scaled(F.conv2d(xb, self.binary_weight(), None, 1, 1))
        if self.k:
            a = x.abs().mean(dim=1, keepdim=True)                          # A = sum |I(:,:,i)| / c
            y = y * F.avg_pool2d(a, 3, 1, 1, count_include_pad=True)        # K = A * k, k_ij = 1/9
        return y if self.b is None else y + self.b.view(1, -1, 1, 1)


class BinLinear(nn.Linear, BinLayer):
    """Fully connected with binary weights; binact and k as BinConv2d (K of a dense layer
    is mean |x| of each row: beta of Eq. 10)."""

    def __init__(self, fin, fout, binact, k=False, scale="eq6"):
        super().__init__(fin, fout, bias=False)
        self.init_binary(scale)
        self.binact, self.k = binact, k
        self.b = nn.Parameter(torch.zeros(fout))

    def forward(self, x):
        xb = sign(x, self.deploy) if self.binact else x
        y = self.scaled(F.linear(xb, self.binary_weight()))
        if self.k:
            y = y * x.abs().mean(dim=1, keepdim=True)
        return y + self.b


# ---------------------------------------------------------------------------
# the architecture: conv 64 @28x28 -> pool -> conv 64 @14x14 -> pool -> conv 128 @7x7
# -> pool -> FC 1152 -> 256 -> FC 256 -> 10. First and last layers full precision.
# ---------------------------------------------------------------------------

C1, C2, C3, F1 = 64, 64, 128, 256
FEAT = C3 * 3 * 3


class Net(nn.Module):
    """kind: "float", "bwn" or "xnor"; order (xnor): "bacp" or "cbap"."""

    def __init__(self, kind, scale="eq6", k=False, order="bacp"):
        super().__init__()
        self.kind, self.order = kind, order
        self.conv1 = nn.Conv2d(1, C1, 3, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(C1)
        if kind == "float":
            self.conv2 = nn.Conv2d(C1, C2, 3, padding=1, bias=False)
            self.conv3 = nn.Conv2d(C2, C3, 3, padding=1, bias=False)
            self.fc1 = nn.Linear(FEAT, F1, bias=False)
        else:
            binact = kind == "xnor"
            bias = order == "bacp"     # C-B-A-P: the BN right after the conv holds the bias
            self.conv2 = BinConv2d(C1, C2, binact and order == "bacp", k, scale, bias)
            self.conv3 = BinConv2d(C2, C3, binact and order == "bacp", k, scale, bias)
            self.fc1 = BinLinear(FEAT, F1, binact and order == "bacp", k, scale)
        if kind == "xnor" and order == "bacp":
            # B-A-C-P (Fig. 3 right): each binary layer's BN sits before its sign
            self.bn2 = nn.BatchNorm2d(C1)
            self.bn3 = nn.BatchNorm2d(C2)
            self.bnf = nn.BatchNorm1d(FEAT)
            self.bn4 = nn.BatchNorm1d(F1)
        else:
            # C-B-A-P (Fig. 3 left): BN after each conv
            self.bn2 = nn.BatchNorm2d(C2)
            self.bn3 = nn.BatchNorm2d(C3)
            self.bn4 = nn.BatchNorm1d(F1)
        self.fc2 = nn.Linear(F1, 10)

    def deploy(self):
        return getattr(self.conv2, "deploy", False)

    def forward(self, x):
        d = self.deploy()
        if self.kind == "xnor" and self.order == "bacp":
            x = F.max_pool2d(F.relu(self.bn1(self.conv1(x))), 2)              # 64 x 14 x 14
            x = F.max_pool2d(F.relu(self.conv2(self.bn2(x))), 2)              # B-A-C-P: 64 x 7 x 7
            x = F.max_pool2d(F.relu(self.conv3(self.bn3(x))), 2)              # 128 x 3 x 3
            x = F.relu(self.fc1(self.bnf(torch.flatten(x, 1))))               # 256
            return self.fc2(self.bn4(x))
        if self.kind == "xnor":
            # C-B-A-P with the binary activation: each layer's sign comes after its BN,
            # the pool after the sign; the binary convs read the pooled signs.
            x = F.max_pool2d(sign(self.bn1(self.conv1(x)), d), 2)
            x = F.max_pool2d(sign(self.bn2(self.conv2(x)), d), 2)
            x = F.max_pool2d(sign(self.bn3(self.conv3(x)), d), 2)
            x = sign(self.bn4(self.fc1(torch.flatten(x, 1))), d)
            return self.fc2(x)
        # full precision and BWN: the usual C-B-A-P with ReLU, real activations
        x = F.max_pool2d(F.relu(self.bn1(self.conv1(x))), 2)
        x = F.max_pool2d(F.relu(self.bn2(self.conv2(x))), 2)
        x = F.max_pool2d(F.relu(self.bn3(self.conv3(x))), 2)
        x = F.relu(self.bn4(self.fc1(torch.flatten(x, 1))))
        return self.fc2(x)


MODELS = {   # trained in this order (the bundled demo model first)
    "xnor": dict(kind="xnor"),
    "xnor_k": dict(kind="xnor", k=True),
    "float": dict(kind="float"),
    "bwn": dict(kind="bwn"),
    "bwn_scale_layer": dict(kind="bwn", scale="layer"),
    "xnor_cbap": dict(kind="xnor", order="cbap"),
}


def freeze(model):
    """The deployed model: binary weights stored as W~, activations by torch.sign."""
    m = copy.deepcopy(model).eval()
    for layer in m.modules():
        if isinstance(layer, BinLayer):
            layer.freeze()
    return m


# ---------------------------------------------------------------------------
# training and evaluation
# ---------------------------------------------------------------------------


def evaluate(model, x, y, batch=500):
    """Logits of every image (eval mode)."""
    model.eval()
    out = []
    with torch.no_grad():
        for i in range(0, len(x), batch):
            out.append(model(x[i:i + batch]))
    return torch.cat(out)


def top2(logits):
    """Top-1 and top-2 class of each row; ties go to the lower class index, as in classify.c."""
    v = logits.numpy()
    order = np.argsort(-v, axis=1, kind="stable")
    return order[:, :2].astype(np.uint8)


def accuracy(pred, y):
    y = y.numpy()
    t1 = float(np.mean(pred[:, 0] == y))
    t2 = float(np.mean((pred[:, 0] == y) | (pred[:, 1] == y)))
    return t1, t2


def train(name, cfg, xtr, ytr, xte, yte, epochs, batch, lr, seed, log):
    torch.manual_seed(seed)
    model = Net(**cfg)
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    steps = epochs * (len(xtr) // batch)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=lr, total_steps=steps, pct_start=0.15)
    g = torch.Generator().manual_seed(seed)
    t0, c0 = time.time(), time.process_time()
    for ep in range(epochs):
        model.train()
        perm = torch.randperm(len(xtr), generator=g)
        flip = torch.rand(len(xtr), generator=g) < 0.5
        total, seen = 0.0, 0
        for i in range(0, len(xtr) - batch + 1, batch):
            idx = perm[i:i + batch]
            xb = xtr[idx]
            f = flip[idx]
            xb[f] = xb[f].flip(3)                                      # random horizontal flip
            loss = F.cross_entropy(model(xb), ytr[idx])
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
            total += loss.item() * len(idx)
            seen += len(idx)
        t1, _ = accuracy(top2(evaluate(freeze(model), xte, yte)), yte)
        log("%s: epoch %d/%d loss %.4f test top-1 %.2f%% (%.0f s, CPU %.0f s)"
            % (name, ep + 1, epochs, total / seen, 100 * t1, time.time() - t0, time.process_time() - c0))
    return model, time.time() - t0, time.process_time() - c0


def export(model, path):
    """torch.onnx.export of the deployed model to an .onnx file, serialized deterministically
    (the bytes tools/json2onnx.py writes for the same model). No constant folding: torch 1.13
    would fold a BN into the preceding conv's weights, which are then no longer +-alpha
    (xnorcc folds the constants itself)."""
    f = io.BytesIO()
    torch.onnx.export(model, (torch.zeros(1, 1, 28, 28),), f, opset_version=OPSET,
                      do_constant_folding=False, input_names=["image"], output_names=["logits"])
    m = onnx.load_from_string(f.getvalue())
    onnx.checker.check_model(m)
    with open(path, "wb") as out:
        out.write(m.SerializeToString(deterministic=True))
    return m


def sign_inputs_at_zero(model, x):
    """How many values reaching a Sign are exactly 0 on the test set (ONNX Sign(0) = 0 as in
    PyTorch; xnorcc's BinActiv gives +1, docs/binary.md)."""
    SIGN_ZEROS[0] = 0
    evaluate(model, x, None)
    return SIGN_ZEROS[0]


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--only", default=",".join(MODELS), help="comma-separated model names")
    ap.add_argument("--epochs", type=int, default=None, help="epochs per model (default: per model, see EPOCHS)")
    ap.add_argument("--batch", type=int, default=128)
    ap.add_argument("--lr", type=float, default=2e-3)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--limit", type=int, default=0, help="train on the first N images only (timing runs)")
    ap.add_argument("--out", default=HERE, help="where models/ and expected/ go")
    args = ap.parse_args()
    torch.set_num_threads(1)
    torch.use_deterministic_algorithms(True)

    def log(msg):
        print(msg, flush=True)

    log("torch %s, %s, %s, 1 thread" % (torch.__version__, platform.processor() or platform.machine(), cpu_name()))
    xtr, ytr = load_split("train")
    xte, yte = load_split("t10k")
    if args.limit:
        xtr, ytr = xtr[:args.limit], ytr[:args.limit]
    os.makedirs(os.path.join(args.out, "models"), exist_ok=True)
    os.makedirs(os.path.join(args.out, "expected"), exist_ok=True)
    t_all = time.time()
    for name in args.only.split(","):
        cfg = MODELS[name]
        epochs = args.epochs or EPOCHS[name]
        model, secs, cpu = train(name, cfg, xtr, ytr, xte, yte, epochs, args.batch, args.lr, args.seed, log)
        dep = freeze(model)
        pred = top2(evaluate(dep, xte, yte))
        t1, t2 = accuracy(pred, yte)
        zeros = sign_inputs_at_zero(dep, xte) if cfg["kind"] == "xnor" else 0
        export(dep, os.path.join(args.out, "models", name + ".onnx"))
        pred.tofile(os.path.join(args.out, "expected", name + ".top2"))
        log("RESULT %s: top-1 %.2f%% top-2 %.2f%% epochs %d train %.0f s (CPU %.0f s), sign inputs exactly 0: %d"
            % (name, 100 * t1, 100 * t2, epochs, secs, cpu, zeros))
    log("total %.0f s (CPU %.0f s)" % (time.time() - t_all, time.process_time()))


def cpu_name():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return "unknown CPU"


EPOCHS = {name: 3 for name in MODELS}

if __name__ == "__main__":
    main()
