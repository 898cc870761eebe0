#!/usr/bin/python3
"""Build the whole-network benchmark models in PyTorch and export them to ONNX.

The paper's architectures at 224x224 (Rastegari et al. 2016, Sec. 4.2), random
weights (PyTorch's default init, fixed seeds) and BatchNorm statistics that are
calibrated on random images and then perturbed, so that every BN is non-trivial
and every sign sees inputs of both signs:

  xnor_resnet18_k  XNOR-ResNet-18, binary 3x3 convs times K (Eq. 11)
  xnor_resnet18    XNOR-ResNet-18 without K
  bwn_resnet18     BWN-ResNet-18: binary weights, float activations
  xnor_alexnet     XNOR-AlexNet: conv2-5, fc6, fc7 binary, fc6/fc7 times mean|x| per row
  resnet18         float ResNet-18 (the peers' model for the three ResNets)
  alexnet          float AlexNet with BN (the peers' model for XNOR-AlexNet)

First conv and last FC stay float; ResNet shortcuts are type B (float strided 1x1
conv + BN). Binary layers compute sign(W) * mean|W| per filter in forward(), as a
training script does; torch.onnx.export (opset 13, do_constant_folding=True) then
writes that arithmetic on the initializers and xnorcc folds it (docs/binary.md).

For each model NAME, the output folder gets NAME.onnx, NAME.in.bin (the fixed
input, raw float32), NAME.ref.bin (PyTorch fp32 output of NAME itself) and
NAME.json (facts: parameters, intended layer kinds, exact-zero weights, sign
inputs that are ties or flip between PyTorch fp32 and fp64).

Usage: /usr/bin/python3 bench/net/gen_models.py OUTDIR [NAME ...]
Import build(name) for the model and its input (bench/net/torch_time.py does).
"""
import hashlib
import json
import os
import sys
import warnings

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

sys.dont_write_bytecode = True
warnings.filterwarnings("ignore")

SIZE = 224
OPSET = 13
CALIB_IMAGES = 4     # BN statistics are calibrated on a batch of this many random images

# ---------------------------------------------------------------------------
# binary building blocks
# ---------------------------------------------------------------------------

SIGNS = None   # when a list, bin_active appends every tensor it signs (for the tie counts)


def bin_active(x):
    """BinActiv: sign(x) (Sec. 3.2). torch.sign(0) = 0; xnorcc's BinActiv gives +1 there."""
    if SIGNS is not None and not torch.jit.is_tracing():
        SIGNS.append(x.detach())
    return torch.sign(x)


def bin_weight(w):
    """Binary weight sign(W) * alpha, alpha = mean |W| per output filter (Eq. 4, 6)."""
    dims = tuple(range(1, w.dim()))
    return w.sign() * w.abs().mean(dim=dims, keepdim=True)


class BinConv2d(nn.Conv2d):
    """Conv with weights binarized in forward. xnor: sign the input too (else BWN).
    k: multiply the output by K = avg_pool2d(mean_c |x|) over the conv's window,
    zero-padded, counting the padding (Eq. 11, Fig. 2)."""

    def __init__(self, *args, xnor=True, k=False, **kw):
        super().__init__(*args, **kw)
        self.xnor, self.k = xnor, k

    def forward(self, x):
        xb = bin_active(x) if self.xnor else x
        y = F.conv2d(xb, bin_weight(self.weight), self.bias, self.stride, self.padding,
                     self.dilation, self.groups)
        if not self.k:
            return y
        a = x.abs().mean(dim=1, keepdim=True)
        kk = F.avg_pool2d(a, self.kernel_size, self.stride, self.padding, count_include_pad=True)
        return y * kk


class BinLinear(nn.Linear):
    """Binary FC: sign(x) (sign(W) alpha_row)^T + b, times beta = mean |x| per row."""

    def forward(self, x):
        beta = x.abs().mean(dim=-1, keepdim=True)
        return F.linear(bin_active(x), bin_weight(self.weight), self.bias) * beta


# ---------------------------------------------------------------------------
# ResNet-18 (He et al. 2016), 224x224, shortcut type B
# ---------------------------------------------------------------------------

STAGES = ((64, 1), (128, 2), (256, 2), (512, 2))


def shortcut(cin, cout, stride):
    """Type B: a float strided 1x1 conv + BN where the shape changes, else identity."""
    if stride == 1 and cin == cout:
        return None
    return nn.Sequential(nn.Conv2d(cin, cout, 1, stride, bias=False), nn.BatchNorm2d(cout))


class FloatBlock(nn.Module):
    """conv-BN-ReLU-conv-BN + shortcut, ReLU. binary_weights: the two 3x3 convs are BWN."""

    def __init__(self, cin, cout, stride, binary_weights=False):
        super().__init__()
        conv = (lambda *a, **k: BinConv2d(*a, xnor=False, **k)) if binary_weights else nn.Conv2d
        self.conv1 = conv(cin, cout, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(cout)
        self.conv2 = conv(cout, cout, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(cout)
        self.short = shortcut(cin, cout, stride)

    def forward(self, x):
        y = F.relu(self.bn1(self.conv1(x)))
        y = self.bn2(self.conv2(y))
        return F.relu(y + (x if self.short is None else self.short(x)))


class XnorBlock(nn.Module):
    """The paper's B-A-C order twice: BN -> sign -> binary 3x3 conv (-> times K), then
    the float residual add (the shortcut reads the block's float input)."""

    def __init__(self, cin, cout, stride, k):
        super().__init__()
        self.bn1 = nn.BatchNorm2d(cin)
        self.conv1 = BinConv2d(cin, cout, 3, stride, 1, bias=False, k=k)
        self.bn2 = nn.BatchNorm2d(cout)
        self.conv2 = BinConv2d(cout, cout, 3, 1, 1, bias=False, k=k)
        self.short = shortcut(cin, cout, stride)

    def forward(self, x):
        y = self.conv2(self.bn2(self.conv1(self.bn1(x))))
        return y + (x if self.short is None else self.short(x))


class ResNet18(nn.Module):
    """kind: 'float', 'bwn', 'xnor' or 'xnor_k'. Float stem (7x7 s2 conv, BN, ReLU,
    3x3 s2 max-pool) and float head (global average pool, FC 512 -> 1000)."""

    def __init__(self, kind):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 64, 7, 2, 3, bias=False)
        self.bn1 = nn.BatchNorm2d(64)
        blocks, cin = [], 64
        for cout, stride in STAGES:
            for i in range(2):
                s = stride if i == 0 else 1
                if kind in ("xnor", "xnor_k"):
                    blocks.append(XnorBlock(cin, cout, s, k=kind == "xnor_k"))
                else:
                    blocks.append(FloatBlock(cin, cout, s, binary_weights=kind == "bwn"))
                cin = cout
        self.blocks = nn.Sequential(*blocks)
        # The XNOR blocks leave a float residual stream without a final ReLU: BN + ReLU here.
        self.bn_out = nn.BatchNorm2d(512) if kind.startswith("xnor") else None
        self.fc = nn.Linear(512, 1000)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.bn1(self.conv1(x))), 3, 2, 1)   # 64 x 56 x 56
        x = self.blocks(x)                                             # 512 x 7 x 7
        if self.bn_out is not None:
            x = F.relu(self.bn_out(x))
        return self.fc(torch.flatten(F.adaptive_avg_pool2d(x, 1), 1))


# ---------------------------------------------------------------------------
# AlexNet (Krizhevsky et al. 2012 shapes, BN instead of LRN, no groups)
# ---------------------------------------------------------------------------

class AlexNet(nn.Module):
    """conv1 11x11 s4 96, conv2 5x5 256, conv3-5 3x3 384 384 256, 3x3 s2 max-pools after
    conv1, conv2, conv5; fc6 9216 -> 4096, fc7 4096 -> 4096, fc8 4096 -> 1000.
    xnor: conv2-5 and fc6, fc7 binary in B-A-C-P order (BN -> sign -> binary layer ->
    ReLU [-> pool]); conv1 and fc8 float. Float: conv -> BN -> ReLU [-> pool]."""

    CONVS = ((96, 256, 5, 2), (256, 384, 3, 1), (384, 384, 3, 1), (384, 256, 3, 1))

    def __init__(self, xnor):
        super().__init__()
        self.xnor = xnor
        self.conv1 = nn.Conv2d(3, 96, 11, 4, 2)
        self.bn1 = nn.BatchNorm2d(96)
        self.convs = nn.ModuleList()
        self.bns = nn.ModuleList()
        for cin, cout, k, p in self.CONVS:
            if xnor:
                self.bns.append(nn.BatchNorm2d(cin))
                self.convs.append(BinConv2d(cin, cout, k, 1, p, bias=False))
            else:
                self.convs.append(nn.Conv2d(cin, cout, k, 1, p))
                self.bns.append(nn.BatchNorm2d(cout))
        fc = BinLinear if xnor else nn.Linear
        self.fc6, self.fc7 = fc(256 * 6 * 6, 4096), fc(4096, 4096)
        self.bn6 = nn.BatchNorm1d(256 * 6 * 6 if xnor else 4096)
        self.bn7 = nn.BatchNorm1d(4096)
        self.fc8 = nn.Linear(4096, 1000)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.bn1(self.conv1(x))), 3, 2)          # 96 x 27 x 27
        for i, (conv, bn) in enumerate(zip(self.convs, self.bns)):
            x = F.relu(conv(bn(x))) if self.xnor else F.relu(bn(conv(x)))
            if i in (0, 3):
                x = F.max_pool2d(x, 3, 2)                                  # 13 x 13, then 6 x 6
        x = torch.flatten(x, 1)
        if self.xnor:
            x = F.relu(self.fc7(self.bn7(F.relu(self.fc6(self.bn6(x))))))
        else:
            x = F.relu(self.bn7(self.fc7(F.relu(self.bn6(self.fc6(x))))))
        return self.fc8(x)


# ---------------------------------------------------------------------------
# the models
# ---------------------------------------------------------------------------

# name: (constructor, peer float model, seed, intended kinds of the compute layers)
MODELS = {
    "xnor_resnet18_k": (lambda: ResNet18("xnor_k"), "resnet18", 11, {"xnor": 16, "float": 5}),
    "xnor_resnet18": (lambda: ResNet18("xnor"), "resnet18", 12, {"xnor": 16, "float": 5}),
    "bwn_resnet18": (lambda: ResNet18("bwn"), "resnet18", 13, {"bwn": 16, "float": 5}),
    "xnor_alexnet": (lambda: AlexNet(True), "alexnet", 14, {"xnor": 6, "float": 2}),
    "resnet18": (lambda: ResNet18("float"), None, 15, {"float": 21}),
    "alexnet": (lambda: AlexNet(False), None, 16, {"float": 8}),
}


def calibrate_bn(model, g):
    """Random affine parameters, then running statistics from a batch of random images
    (one train-mode forward with momentum 1), then perturbed: mean moved by up to a
    fraction of a standard deviation, variance scaled by 0.5..2."""
    bns = [m for m in model.modules() if isinstance(m, (nn.BatchNorm1d, nn.BatchNorm2d))]
    with torch.no_grad():
        for m in bns:
            m.weight.copy_(torch.randn(m.num_features, generator=g) * 0.3 + 1.0)
            m.bias.copy_(torch.randn(m.num_features, generator=g) * 0.2)
            m.momentum = 1.0
        model.train()
        model(torch.randn(CALIB_IMAGES, 3, SIZE, SIZE, generator=g))
        model.eval()
        for m in bns:
            n = m.num_features
            m.running_mean.add_(torch.randn(n, generator=g) * 0.2 * m.running_var.sqrt())
            m.running_var.mul_(torch.rand(n, generator=g) * 1.5 + 0.5)
            m.momentum = 0.1


def build(name):
    """The model NAME in eval mode, with its weights, and its fixed 1x3x224x224 input."""
    make, _, seed, _ = MODELS[name]
    torch.manual_seed(seed)
    g = torch.Generator().manual_seed(seed)
    model = make()
    calibrate_bn(model, g)
    x = torch.randn(1, 3, SIZE, SIZE, generator=g)
    return model, x


def binary_layers(model):
    return [(n, m) for n, m in model.named_modules() if isinstance(m, (BinConv2d, BinLinear))]


def sign_facts(model, x):
    """Run fp32 and fp64, recording every signed tensor. Returns (exact zeros in fp32,
    sign inputs whose sign differs between fp32 and fp64, total sign inputs, the
    smallest |v| seen), counted per layer in order."""
    global SIGNS
    SIGNS = []
    with torch.no_grad():
        model(x)
        s32 = SIGNS
        SIGNS = []
        model.double()(x.double())
        s64 = SIGNS
        model.float()
    SIGNS = None
    zeros = sum(int((a == 0).sum()) for a in s32)
    flips = [int((torch.sign(a.double()) != torch.sign(b)).sum()) for a, b in zip(s32, s64)]
    total = sum(a.numel() for a in s32)
    smallest = min((float(a.abs().min()) for a in s32), default=None)
    return zeros, flips, total, smallest


def export(name, outdir):
    model, x = build(name)
    with torch.no_grad():
        ref = model(x)
    zeros, flips, total, smallest = sign_facts(model, x)
    path = os.path.join(outdir, name + ".onnx")
    torch.onnx.export(model, (x,), path, opset_version=OPSET, do_constant_folding=True,
                      input_names=["input"], output_names=["output"])
    x.numpy().astype("<f4").tofile(os.path.join(outdir, name + ".in.bin"))
    ref.numpy().astype("<f4").tofile(os.path.join(outdir, name + ".ref.bin"))
    _, peer, seed, kinds = MODELS[name]
    facts = {
        "name": name, "seed": seed, "peer": peer, "intended": kinds,
        "torch": torch.__version__, "opset": OPSET, "input": [1, 3, SIZE, SIZE],
        "output": list(ref.shape),
        "parameters": sum(p.numel() for p in model.parameters()),
        "onnx_bytes": os.path.getsize(path),
        "zero_weights": {n: int((m.weight == 0).sum()) for n, m in binary_layers(model)
                         if int((m.weight == 0).sum())},
        "sign_inputs": total, "sign_zeros_fp32": zeros,
        "sign_flips_fp32_vs_fp64": sum(flips),
        "sign_flips_per_layer": flips, "sign_min_abs": smallest,
        "generator_sha256": script_hash(),
    }
    with open(os.path.join(outdir, name + ".json"), "w") as f:
        json.dump(facts, f, indent=1, sort_keys=True)
        f.write("\n")
    print("%-16s %9d params  %6.1f MB onnx  sign inputs %d: %d zero, %d flip fp32/fp64  zero weights %s"
          % (name, facts["parameters"], facts["onnx_bytes"] / 1e6, total, zeros, sum(flips),
             facts["zero_weights"] or "none"), flush=True)


def script_hash():
    with open(os.path.abspath(__file__), "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def main():
    if len(sys.argv) < 2 or sys.argv[1] in ("-h", "--help"):
        print(__doc__.strip())
        return 0 if len(sys.argv) >= 2 else 2
    outdir = sys.argv[1]
    names = sys.argv[2:] or list(MODELS)
    for n in names:
        if n not in MODELS:
            print("gen_models.py: unknown model '%s' (have: %s)" % (n, " ".join(MODELS)), file=sys.stderr)
            return 2
    os.makedirs(outdir, exist_ok=True)
    torch.set_num_threads(2)
    np.random.seed(0)
    for n in names:
        export(n, outdir)
    return 0


if __name__ == "__main__":
    sys.exit(main())
