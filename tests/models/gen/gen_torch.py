#!/usr/bin/python3
"""Generate test cases from PyTorch models exported with torch.onnx.export.

Expected outputs are PyTorch's outputs in eval mode.  Each exported model is also run
through the numpy reference in gen_onnx.py and must agree with PyTorch within the
harness tolerance (a check of both the export and the reference).
Run: /usr/bin/python3 tests/models/gen/gen_torch.py [gen_cnn|gen_bin|gen_pads...]
(fixed seeds; reproducible; names: run only those generators)
"""
import io
import os
import sys
import warnings

import numpy as np
import onnx
import torch
import torch.nn as nn
import torch.nn.functional as F

sys.dont_write_bytecode = True   # no __pycache__ in the tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from gen_onnx import MODELS, run_model, write_case  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(MODELS))
EXAMPLES = os.path.join(ROOT, "examples")
SIGN_MARGIN = 1e-3   # every value reaching a Sign is at least this far from 0
warnings.filterwarnings("ignore")
torch.set_num_threads(1)

# ---------------------------------------------------------------------------
# float CNN (examples/cnn and cnn_opset*)
# ---------------------------------------------------------------------------


class CNN(nn.Module):
    """1x3x16x16 -> 10 class probabilities, using most float ops xnorcc compiles."""

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 8, 3, padding=1, bias=False)        # Conv (+BN folded by export)
        self.bn1 = nn.BatchNorm2d(8)
        self.conva = nn.Conv2d(8, 8, 3, padding=2, dilation=2, groups=4)  # grouped, dilated
        self.convb = nn.Conv2d(8, 8, 1)
        self.prelu = nn.PReLU(8)
        self.bn2 = nn.BatchNorm2d(16)                                  # after Concat: stays BatchNormalization
        self.conv3 = nn.Conv2d(16, 8, 1)
        self.se = nn.Conv2d(8, 8, 1)
        self.conv4 = nn.Conv2d(8, 16, 3, stride=2, padding=1)
        self.drop = nn.Dropout(0.2)
        self.fc = nn.Linear(16, 10)

    def forward(self, x):
        x = F.relu(self.bn1(self.conv1(x)))                         # 16x16
        a = F.leaky_relu(self.conva(x), 0.1)
        b = F.relu6(self.prelu(self.convb(x)))                      # ReLU6 = Clip(0, 6)
        y = self.bn2(torch.cat([a, b], dim=1))
        y = self.conv3(y) + x                                       # residual Add
        s = torch.sigmoid(self.se(y.mean(dim=(2, 3), keepdim=True)))  # ReduceMean, squeeze-excite
        y = torch.tanh(y * s)                                       # Mul broadcast, Tanh
        y = F.max_pool2d(y, 3, 2, 1, ceil_mode=True)                # 9x9 (opset < 10: extra end pads)
        y = self.conv4(y)                                           # 5x5
        y = F.hardtanh(y, -1.0, 1.0) - F.avg_pool2d(y, 3, 1, 1, count_include_pad=False)  # Clip, AveragePool, Sub
        y = F.adaptive_avg_pool2d(y, 1)                             # GlobalAveragePool
        y = self.drop(torch.flatten(y, 1))                          # Flatten; Dropout (dropped in eval export)
        return F.softmax(self.fc(y) * 2.0, dim=1)                  # Gemm, Mul, Softmax


def randomize_bn(model, g):
    """Give every BatchNorm non-trivial running stats and affine parameters."""
    for m in model.modules():
        if isinstance(m, (nn.BatchNorm1d, nn.BatchNorm2d)):
            n = m.num_features
            m.running_mean.copy_(torch.randn(n, generator=g) * 0.3)
            m.running_var.copy_(torch.rand(n, generator=g) * 1.5 + 0.5)
            m.weight.data.copy_(torch.randn(n, generator=g) * 0.5 + 1.0)
            m.bias.data.copy_(torch.randn(n, generator=g) * 0.3)


def export(model, inputs, opset, fold=True):
    """torch.onnx.export to an in-memory ModelProto."""
    f = io.BytesIO()
    names = ["input_%d" % i for i in range(len(inputs))]
    torch.onnx.export(model, tuple(inputs), f, opset_version=opset, do_constant_folding=fold,
                      input_names=names, output_names=["output"])
    m = onnx.load_from_string(f.getvalue())
    onnx.checker.check_model(m)
    return m


def tol_ok(a, b):
    return bool(np.all(np.abs(a - b) <= 1e-5 + 1e-5 * np.abs(b)))


def make_case(name, model, inputs, opset, fold=True, readme=None, extra_dirs=()):
    """Export, run PyTorch, cross-check against the numpy reference, write the case."""
    model.eval()
    with torch.no_grad():
        out = model(*inputs)
    out = out.numpy().astype(np.float32)
    m = export(model, inputs, opset, fold)
    ins = [t.numpy().astype(np.float32) for t in inputs]
    ref = run_model(m, ins)[0]
    assert ref.shape == out.shape, (name, ref.shape, out.shape)
    assert tol_ok(ref, out), "%s: numpy reference disagrees with PyTorch by %g" % (name, np.abs(ref - out).max())
    assert np.abs(out).max() < 100
    ops = sorted({n.op_type for n in m.graph.node})
    text = (readme or "") + " [opset %d, do_constant_folding=%s; ops: %s]" % (opset, fold, " ".join(ops))
    write_case(name, m, ins, [out], text.strip())
    for d in extra_dirs:
        write_case(os.path.basename(d), m, ins, [out], text.strip(), root=os.path.dirname(d))
        for i, v in enumerate(ins):
            v.astype("<f4").tofile(os.path.join(d, "input_%d.bin" % i))
        out.astype("<f4").tofile(os.path.join(d, "output_0.bin"))
    size = os.path.getsize(os.path.join(MODELS, name, "model.json"))
    assert size < 300_000, (name, size)
    print("%-28s opset %2d  %6d B  %s" % (name, opset, size, " ".join(ops)))
    return m


def gen_cnn():
    g = torch.Generator().manual_seed(1)
    torch.manual_seed(1)
    model = CNN()
    randomize_bn(model, g)
    x = torch.randn(1, 3, 16, 16, generator=g)
    for opset in (7, 9, 11, 13, 17):
        extra = [os.path.join(EXAMPLES, "cnn")] if opset == 13 else []
        make_case("cnn_opset%d" % opset, model, [x], opset, readme="float CNN of examples/cnn.", extra_dirs=extra)


# ---------------------------------------------------------------------------
# binary layers (XNOR-Net / BWN, Rastegari et al. 2016)
# ---------------------------------------------------------------------------

SIGN_INPUTS = []   # values seen by BinActive during the PyTorch run, for the margin check


def bin_active(x):
    """BinActive: sign(x) in forward (Sec. 3.2)."""
    if not torch.jit.is_tracing():
        SIGN_INPUTS.append(x.detach().abs().min().item())
    return torch.sign(x)


def bin_weight(w):
    """Binary weight B*alpha, alpha = mean |W| per output filter (Eq. 4 / 6)."""
    dims = tuple(range(1, w.dim()))
    return w.sign() * w.abs().mean(dim=dims, keepdim=True)


class BinConv2d(nn.Conv2d):
    """Conv whose weight is binarized in forward.  binact: sign the input (XNOR) or not
    (BWN).  k: 'avgpool' or 'box' multiplies the output by K (Sec. 3.2, Fig. 2)."""

    def __init__(self, *args, binact=True, k=None, **kw):
        super().__init__(*args, **kw)
        self.binact, self.k = binact, k
        self.frozen = False   # True: weight already holds sign(W) * alpha (see freeze)
        with torch.no_grad():   # keep |W| away from 0 so sign(W) is unambiguous
            self.weight.copy_(torch.where(self.weight.abs() < 0.02, torch.full_like(self.weight, 0.05), self.weight))

    def forward(self, x):
        xb = bin_active(x) if self.binact else x
        w = self.weight if self.frozen else bin_weight(self.weight)
        y = F.conv2d(xb, w, self.bias, self.stride, self.padding, self.dilation, self.groups)
        if self.k is None:
            return y
        A = x.abs().mean(dim=1, keepdim=True)                      # A = sum |I(:,:,i)| / c
        kh, kw = self.kernel_size
        if self.k == "avgpool":
            K = F.avg_pool2d(A, (kh, kw), self.stride, self.padding, count_include_pad=True)
        else:  # box filter k = 1/(w*h), K = A * k
            box = torch.full((1, 1, kh, kw), 1.0 / (kh * kw))
            K = F.conv2d(A, box, None, self.stride, self.padding)
        return y * K


class BinLinear(nn.Linear):
    """Binary fully connected: sign(x) . (sign(W) * alpha_row)^T + b, times beta = mean|x| per row."""

    frozen = False

    def forward(self, x):
        beta = x.abs().mean(dim=-1, keepdim=True)
        w = self.weight if self.frozen else bin_weight(self.weight)
        return F.linear(bin_active(x), w, self.bias) * beta


def freeze(model):
    """Deploy-time folding: store sign(W) * alpha in the weight itself, so the export
    holds +-alpha constants.  (torch 1.13's do_constant_folding does not fold Sign, so
    without this the chain Sign/Abs/ReduceMean/Mul stays in the graph either way.)"""
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, (BinConv2d, BinLinear)):
                m.weight.copy_(bin_weight(m.weight))
                m.frozen = True


class Seq(nn.Sequential):
    pass


class BinActiveNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(4, 4, 1)

    def forward(self, x):
        return self.conv(bin_active(x))


class BinBlock(nn.Module):
    """The paper's block order: BNorm -> BinActiv -> BinConv -> ReLU -> Pool (Fig. 3)."""

    def __init__(self, cin, cout, k=None, pool=True, ksize=3, padding=1):
        super().__init__()
        self.bn = nn.BatchNorm2d(cin)
        self.conv = BinConv2d(cin, cout, ksize, padding=padding, bias=False, k=k)
        self.pool = pool

    def forward(self, x):
        y = F.relu(self.conv(self.bn(x)))
        return F.max_pool2d(y, 2) if self.pool else y


class XnorNet(nn.Module):
    """First and last layers float; two binary blocks in between (one with K)."""

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 16, 3, padding=1)
        self.bn1 = nn.BatchNorm2d(16)
        self.b1 = BinBlock(16, 32, k="avgpool")
        self.b2 = BinBlock(32, 32)
        self.bn = nn.BatchNorm1d(32 * 2 * 2)
        self.fc = nn.Linear(32 * 2 * 2, 10)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.bn1(self.conv1(x))), 2)   # 8x8
        x = self.b2(self.b1(x))                                  # 4x4 -> 2x2
        return self.fc(self.bn(torch.flatten(x, 1)))


class BinFC(nn.Module):
    def __init__(self, fin, fout, bn=True):
        super().__init__()
        self.bn = nn.BatchNorm1d(fin) if bn else None
        self.fc = BinLinear(fin, fout)

    def forward(self, x):
        return self.fc(self.bn(x) if self.bn is not None else x)


class ResBlock(nn.Module):
    """ResNet-style binary block (Bi-Real style shortcut): x + BinConv(sign(BN(x)))."""

    def __init__(self, c):
        super().__init__()
        self.bn = nn.BatchNorm2d(c)
        self.conv = BinConv2d(c, c, 3, padding=1, bias=False)

    def forward(self, x):
        return self.conv(self.bn(x)) + x


class BinResNet(nn.Module):
    """Float stem (conv + BN folded + ReLU), two residual binary blocks, float head."""

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(16, 32, 3, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(32)
        self.r1 = ResBlock(32)
        self.r2 = ResBlock(32)
        self.fc = nn.Linear(32, 10)

    def forward(self, x):
        x = F.relu(self.bn1(self.conv1(x)))                     # 8x8
        x = self.r2(self.r1(x))                                  # Add, Add
        x = F.adaptive_avg_pool2d(F.relu(x), 1)                  # GlobalAveragePool
        return self.fc(torch.flatten(x, 1))


class CBAPNet(nn.Module):
    """Table 3b's C-B-A-P order: BinConv -> BN -> sign -> MaxPool, twice; float stem and head.
    The first binary conv signs the stem's output itself; the second reads the pooled signs."""

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(16, 16, 3, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(16)                                    # folded into conv1 by export
        self.c2 = BinConv2d(16, 32, 3, padding=1, bias=False)            # sign(x) inside: XNOR
        self.bn2 = nn.BatchNorm2d(32)
        self.c3 = BinConv2d(32, 32, 3, padding=1, bias=False, binact=False)  # input already +-1
        self.bn3 = nn.BatchNorm2d(32)
        self.fc = nn.Linear(32 * 2 * 2, 10)

    def forward(self, x):
        x = self.bn1(self.conv1(x))                                       # 8x8
        x = F.max_pool2d(bin_active(self.bn2(self.c2(x))), 2)             # 4x4
        x = F.max_pool2d(bin_active(self.bn3(self.c3(x))), 2)             # 2x2
        return self.fc(torch.flatten(x, 1))


def negate_gamma(*names):
    """Negate gamma on the even channels of the named BatchNorms (after randomize_bn)."""
    def f(model):
        with torch.no_grad():
            for n in names:
                getattr(model, n).weight[::2] *= -1
    return f


def bin_case(name, make_model, make_inputs, opset=13, fold=True, readme="", adjust=None):
    """Build with a seed; retry the next seed until every Sign input is >= SIGN_MARGIN away
    from zero (no exact zero, no near-tie that float rounding could flip).  adjust(model)
    runs after randomize_bn (must not draw random numbers)."""
    for seed in range(100):
        g = torch.Generator().manual_seed(seed)
        torch.manual_seed(seed)
        model = make_model()
        randomize_bn(model, g)
        if adjust is not None:
            adjust(model)
        model.eval()
        if fold:
            freeze(model)
        inputs = make_inputs(g)
        SIGN_INPUTS.clear()
        with torch.no_grad():
            model(*inputs)
        if all(v >= SIGN_MARGIN for v in SIGN_INPUTS):
            for p in model.parameters():
                assert (p != 0).all()
            return make_case(name, model, inputs, opset, fold, readme + " (seed %d)" % seed)
    raise RuntimeError(name + ": no seed keeps sign inputs away from 0")


def gen_bin():
    img = lambda c, h: (lambda g: [torch.randn(1, c, h, h, generator=g)])  # noqa: E731
    bin_case("bin_binactive", BinActiveNet, img(4, 5), readme="BinActive (Sign) followed by a float 1x1 conv.")
    conv = lambda: BinConv2d(4, 6, 3, padding=1, bias=False)  # noqa: E731
    bin_case("bin_conv_folded", conv, img(4, 6), fold=True,
             readme="XNOR conv sign(x) * (sign(W) mean|W|): weight binarized before export, a +-alpha initializer per filter.")
    bin_case("bin_conv_unfolded", conv, img(4, 6), fold=False,
             readme="XNOR conv, weight binarization left as Sign/Abs/ReduceMean/Mul on the float weight.")
    bin_case("bin_conv_k_avgpool", lambda: BinConv2d(4, 6, 3, padding=1, bias=False, k="avgpool"), img(4, 6),
             readme="XNOR conv times K = avg_pool2d(mean_c |x|, 3, 1, 1, count_include_pad=True).")
    bin_case("bin_conv_k_box", lambda: BinConv2d(4, 6, 3, stride=2, padding=1, bias=False, k="box"), img(4, 7),
             readme="XNOR conv stride 2 times K = conv(mean_c |x|, 1/9 box filter), zero padding.")
    bin_case("bin_block", lambda: BinBlock(8, 8), img(8, 8),
             readme="Paper block: BatchNorm -> Sign -> binary conv 3x3 -> ReLU -> MaxPool 2.")
    bin_case("bin_block_k", lambda: BinBlock(8, 8, k="avgpool", pool=False), img(8, 6),
             readme="Paper block with K: BatchNorm -> Sign -> binary conv * K -> ReLU.")
    bin_case("bin_bwn_conv", lambda: BinConv2d(4, 6, 3, padding=1, binact=False), img(4, 6),
             readme="BWN conv: real input, weight sign(W) * mean|W| per filter, with bias.")
    bin_case("bin_bwn_conv_unfolded", lambda: BinConv2d(4, 6, 3, stride=2, padding=1, binact=False), img(4, 6),
             fold=False, readme="BWN conv stride 2, weight binarization chain not folded.")
    vec = lambda n: (lambda g: [torch.randn(2, n, generator=g)])  # noqa: E731
    bin_case("bin_fc_gemm", lambda: BinFC(16, 8), vec(16),
             readme="Binary FC on 2-D input (Gemm): BN1d -> sign(x) . (sign(W) mean|W| per row)^T + b, times mean|x| per row.")
    bin_case("bin_fc_matmul", lambda: BinFC(16, 8, bn=False), lambda g: [torch.randn(1, 3, 16, generator=g)],
             readme="Binary FC on 3-D input (MatMul + Add), per-row weight scale and per-row mean|x| scale.")
    bin_case("bin_fc_unfolded", lambda: BinFC(16, 8, bn=False), vec(16), fold=False,
             readme="Binary FC with the weight binarization chain not folded.")
    bin_case("bin_xnornet", XnorNet, img(3, 16),
             readme="Small XNOR-Net: float conv+BN+ReLU+pool, binary block with K, binary block, BN1d, float FC.")
    bin_case("bin_xnornet_unfolded", XnorNet, img(3, 16), fold=False,
             readme="Small XNOR-Net exported without constant folding.")
    bin_case("bin_resnet_block", BinResNet, img(16, 8),
             readme="Residual binary blocks: float conv+BN+ReLU stem, twice x + BinConv3x3(sign(BN(x))) "
                    "(weight sign(W) mean|W|), ReLU, GlobalAveragePool, float FC.")
    bin_case("bin_cbap", CBAPNet, img(16, 8), fold=False, adjust=negate_gamma("bn2", "bn3"),
             readme="C-B-A-P order (Table 3b) twice: float conv+BN stem, sign -> BinConv -> BN -> sign -> "
                    "MaxPool -> BinConv (reads the pooled signs) -> BN -> sign -> MaxPool, float FC. "
                    "Both BNs after the binary convs have gamma < 0 on the even channels. Exported without "
                    "constant folding so that torch does not fold those BNs into the binary convs' weights.")


# ---------------------------------------------------------------------------
# padding larger than the input (legal in ONNX, PyTorch and ONNX Runtime; issue 16)
# ---------------------------------------------------------------------------


class PadBigConv(nn.Module):
    """Float convs whose padding exceeds the input extent."""

    def __init__(self):
        super().__init__()
        self.c1 = nn.Conv2d(3, 4, 5, padding=3)                          # 2x2 -> 4x4, pad 3 > 2
        self.c2 = nn.Conv2d(4, 2, 3, stride=2, padding=5, dilation=2)    # 4x4 -> 5x5, pad 5 > 4:
                                                                         # the corner windows are all padding

    def forward(self, x):
        return self.c2(F.relu(self.c1(x)))


class PadBigPool(nn.Module):
    """Pools on a 1-row input with pad 2 in that dim (PyTorch's limit is half the kernel)."""

    def forward(self, x):
        a = F.max_pool2d(x, 5, 1, 2)                                     # 1x3 -> 1x3
        b = F.avg_pool2d(x, 5, 1, 2, count_include_pad=True)
        c = F.avg_pool2d(x, 5, 1, 2, count_include_pad=False)
        d = F.max_pool2d(x, (5, 3), (1, 2), (2, 1), ceil_mode=True)      # 1x3 -> 1x2
        e = F.avg_pool2d(x, (5, 3), (1, 2), (2, 1), ceil_mode=True, count_include_pad=False)
        return torch.cat([a, b, c], 1) + torch.cat([d, e, d], 1).mean(dim=3, keepdim=True)


class BinPadBig(nn.Module):
    """Binary blocks whose conv padding exceeds the input: a fused XnorBlock with a
    max-pool, one with K (box filter: avg_pool2d refuses a pad over half the kernel),
    and a BWN conv."""

    def __init__(self):
        super().__init__()
        self.b1 = BinBlock(8, 8, ksize=5, padding=3)                     # 2x2 -> 4x4 -> pool 2x2
        self.b2 = BinBlock(8, 8, k="box", pool=False, ksize=5, padding=3)  # 2x2 -> 4x4
        self.bwn = BinConv2d(8, 4, 3, stride=2, padding=4, binact=False)   # 4x4 -> 5x5, pad 4 >= 4

    def forward(self, x):
        return self.bwn(self.b2(self.b1(x)))


def gen_pads():
    g = torch.Generator().manual_seed(3)
    torch.manual_seed(3)
    make_case("op_conv_pad_big", PadBigConv(), [torch.randn(1, 3, 2, 2, generator=g)], 13,
              readme="Conv with padding larger than the input (5x5, pad 3 on 2x2; 3x3 dilation 2 stride 2, pad 5 "
                     "on 4x4), as PyTorch computes it.")
    make_case("op_pool_pad_big", PadBigPool(), [torch.randn(1, 2, 1, 3, generator=g)], 13,
              readme="MaxPool and AveragePool (count_include_pad 0 and 1, ceil_mode) with pad 2 on an extent of 1, "
                     "as PyTorch computes them.")
    bin_case("bin_pad_big", BinPadBig, lambda g: [torch.randn(1, 8, 2, 2, generator=g)],
             readme="Binary layers with padding larger than the input: XnorBlock with max-pool, XnorBlock with K, "
                    "BWN conv.")


# ---------------------------------------------------------------------------
# binarized weights that are exactly 0 (torch.sign(0) = 0; issue 10)
# ---------------------------------------------------------------------------


class ZeroNet(nn.Module):
    """An XNOR conv, a BWN conv and a binary FC whose frozen weights +-alpha hold a few
    exact zeros (what torch.sign(0) = 0 leaves in a binarized weight)."""

    def __init__(self):
        super().__init__()
        self.xc = BinConv2d(4, 6, 3, padding=1, bias=False)                 # sign(x): XNOR
        self.bc = BinConv2d(6, 4, 3, padding=1, binact=False)              # real input: BWN
        self.fc = BinLinear(4 * 6 * 6, 5)

    def forward(self, x):
        return self.fc(torch.flatten(self.bc(self.xc(x)), 1))


ZEROS = {"xc": [(0, 0, 1, 1), (0, 3, 2, 0), (5, 2, 0, 2)], "bc": [(1, 0, 0, 0), (3, 5, 1, 1)],
         "fc": [(2, 7), (4, 100)]}


def gen_zero():
    """bin_zero_weights: the model with its zeros (the layers stay float, exactly the model);
    tests/binary/zero_plus1: the same model.json with PyTorch's output when every 0 is
    +alpha of its filter, what --zero-weights=plus1 compiles."""
    for seed in range(100):
        g = torch.Generator().manual_seed(seed)
        torch.manual_seed(seed)
        model = ZeroNet()
        model.eval()
        freeze(model)
        with torch.no_grad():
            for layer, idx in ZEROS.items():
                w = getattr(model, layer).weight
                for i in idx:
                    w[i] = 0.0
        x = torch.randn(1, 4, 6, 6, generator=g)
        SIGN_INPUTS.clear()
        with torch.no_grad():
            model(x)
        if all(v >= SIGN_MARGIN for v in SIGN_INPUTS):
            break
    m = make_case("bin_zero_weights", model, [x], 13,
                  readme="XNOR conv, BWN conv and binary FC whose +-alpha weights hold 7 exact zeros "
                         "(torch.sign(0) = 0): the layers stay float (seed %d)." % seed)
    with torch.no_grad():
        for layer in ZEROS:
            w = getattr(model, layer).weight
            a = w.abs().flatten(1).max(dim=1).values.view(-1, *([1] * (w.dim() - 1))).expand_as(w)
            w.copy_(torch.where(w == 0, a, w))
        out = model(x).numpy().astype(np.float32)
    d = os.path.join(ROOT, "tests", "binary", "zero_plus1")
    write_case("zero_plus1", m, [x.numpy().astype(np.float32)], [out],
               "bin_zero_weights with --zero-weights=plus1: every 0 weight is +alpha of its filter; "
               "output_0.npy is PyTorch's output of that model.", root=os.path.dirname(d))
    print("%-28s seed %d" % (d, seed))


# ---------------------------------------------------------------------------
# straight-through exports (docs/binary.md): small models written the way
# Bi-Real-net, ReActNet and BinaryNet.pytorch write theirs
# ---------------------------------------------------------------------------


class STESign(nn.Module):
    """Bi-Real / ReActNet BinaryActivation: sign(x) forward, the gradient of their
    piecewise polynomial (x^2 + 2x below 0, -x^2 + 2x above, +-1 outside [-1, 1]).
    The repos build the polynomial from masks (x < -1).type(float32), which exports as
    Less and Cast; 2c - c|c| with c = clamp(x, -1, 1) is the same function, in ops
    xnorcc reads today.  out = sign.detach() - f.detach() + f: Sub(Sign, f), Add(., f)."""

    def forward(self, x):
        if not torch.jit.is_tracing():
            SIGN_INPUTS.append(x.detach().abs().min().item())
        c = torch.clamp(x, -1.0, 1.0)
        f = 2 * c - c * c.abs()
        return torch.sign(x).detach() - f.detach() + f


class HardBinaryConv(nn.Module):
    """Bi-Real / ReActNet HardBinaryConv: scaling_factor * sign(W) with the
    clamp(W) straight-through estimator on the weights (folded, a few ulps off +-alpha)."""

    def __init__(self, cin, cout, k=3, stride=1, padding=1):
        super().__init__()
        self.stride, self.padding = stride, padding
        # trained weights spread wider than alpha: then the estimator's folded
        # value is an ulp off +-alpha for some (4.6% here, 1.3% in Bi-Real-18)
        self.weight = nn.Parameter(torch.randn(cout, cin, k, k) * 0.3)

    def forward(self, x):
        w = self.weight
        sf = torch.mean(torch.mean(torch.mean(abs(w), dim=3, keepdim=True), dim=2, keepdim=True), dim=1, keepdim=True)
        sf = sf.detach()
        bw_no_grad = sf * torch.sign(w)
        cw = torch.clamp(w, -1.0, 1.0)
        bw = bw_no_grad.detach() - cw.detach() + cw
        return F.conv2d(x, bw, stride=self.stride, padding=self.padding)


class BiRealBlock(nn.Module):
    """Bi-Real BasicBlock: sign, binary conv, BN, the real shortcut around every
    binary conv (downsample: AvgPool2d(2) + 1x1 conv + BN).  react=True: ReActNet's
    block, RSign (a learnable per-channel shift before the sign, move0) and RPReLU
    (move1, PReLU, move2).  The repos' LearnableBias adds bias.expand_as(x)
    (Expand); x + bias broadcasts the same values."""

    def __init__(self, cin, cout, stride=1, react=False):
        super().__init__()
        self.react = react
        self.act = STESign()
        self.conv = HardBinaryConv(cin, cout, stride=stride)
        self.bn = nn.BatchNorm2d(cout)
        self.down = None
        if stride != 1 or cin != cout:
            self.down = nn.Sequential(nn.AvgPool2d(2, stride), nn.Conv2d(cin, cout, 1, bias=False),
                                      nn.BatchNorm2d(cout))
        if react:
            self.move0 = nn.Parameter(torch.randn(1, cin, 1, 1) * 0.2)
            self.move1 = nn.Parameter(torch.randn(1, cout, 1, 1) * 0.2)
            self.prelu = nn.PReLU(cout, 0.25)
            self.move2 = nn.Parameter(torch.randn(1, cout, 1, 1) * 0.2)

    def forward(self, x):
        out = x + self.move0 if self.react else x
        out = self.bn(self.conv(self.act(out)))
        out = out + (self.down(x) if self.down is not None else x)
        if self.react:
            out = self.prelu(out + self.move1) + self.move2
        return out


class BiRealNet(nn.Module):
    def __init__(self, react=False):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 8, 3, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(8)
        self.b1 = BiRealBlock(8, 8, react=react)
        self.b2 = BiRealBlock(8, 16, stride=2, react=react)
        self.fc = nn.Linear(16, 5)

    def forward(self, x):
        x = self.b2(self.b1(self.bn1(self.conv1(x))))
        return self.fc(torch.flatten(F.adaptive_avg_pool2d(x, 1), 1))


class BinarizeF(torch.autograd.Function):
    """BinaryNet.pytorch's Binarize ('det'): sign forward, identity gradient."""

    @staticmethod
    def forward(ctx, x):
        if not torch.jit.is_tracing() and not isinstance(x, nn.Parameter):
            SIGN_INPUTS.append(x.detach().abs().min().item())
        return x.sign()

    @staticmethod
    def backward(ctx, g):
        return g


class BinarizeConv2d(nn.Conv2d):
    """BinaryNet.pytorch: binarized input (except the 3-channel image) and weight (no
    alpha: +-1). Its bias is added as bias.view(1,-1,1,1).expand_as(out) (Expand); these
    convs have none, BN follows."""

    def forward(self, x):
        xb = BinarizeF.apply(x) if x.size(1) != 3 else x
        return F.conv2d(xb, BinarizeF.apply(self.weight), None, self.stride, self.padding)


class BinarizeLinear(nn.Linear):
    def forward(self, x):
        return F.linear(BinarizeF.apply(x), BinarizeF.apply(self.weight))


class BinaryNet(nn.Module):
    """BinaryNet's VGG order: conv -> max-pool -> BN -> Hardtanh, the sign in the next
    layer; BinarizeLinear -> BN1d -> LogSoftmax at the end."""

    def __init__(self):
        super().__init__()
        self.c1 = BinarizeConv2d(3, 8, 3, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(8)
        self.c2 = BinarizeConv2d(8, 16, 3, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(16)
        self.fc = BinarizeLinear(16 * 2 * 2, 10, bias=False)
        self.bn3 = nn.BatchNorm1d(10)

    def forward(self, x):
        x = F.hardtanh(self.bn1(F.max_pool2d(self.c1(x), 2)))
        x = F.hardtanh(self.bn2(F.max_pool2d(self.c2(x), 2)))
        return F.log_softmax(self.bn3(self.fc(torch.flatten(x, 1))), dim=1)


def gen_ste():
    img = lambda c, h: (lambda g: [torch.randn(1, c, h, h, generator=g)])  # noqa: E731
    bin_case("bin_bireal", lambda: BiRealNet(react=False), img(3, 8),
             readme="Bi-Real-net style: straight-through sign (Sub(Sign, f), Add(., f)), HardBinaryConv "
                    "(scaling_factor * sign(W) with the clamp(W) estimator: a few ulps off +-alpha), BN, the "
                    "real shortcut around each binary conv, downsample AvgPool + 1x1 conv + BN.")
    bin_case("bin_reactnet", lambda: BiRealNet(react=True), img(3, 8),
             readme="ReActNet style: Bi-Real's block with RSign (a per-channel shift before the sign) and "
                    "RPReLU (shift, PReLU, shift).")
    bin_case("bin_binarynet", BinaryNet, img(3, 8),
             readme="BinaryNet.pytorch style: conv -> max-pool -> BN -> Hardtanh, the sign in the next layer; "
                    "+-1 weights; the first conv's input is the image (a BWN layer); BinarizeLinear -> BN1d -> "
                    "LogSoftmax.")


# ---------------------------------------------------------------------------
# weights computed in forward() (issue 15): the arithmetic before sign() stays in the
# export on constant inputs and xnorcc folds it by evaluation; run-time standardization
# and the CIFAR option-A shortcut
# ---------------------------------------------------------------------------


class ComputedWeightConv(nn.Conv2d):
    """A binary conv whose +-alpha weight is computed from the stored real weight in
    forward(), as the post-XNOR-Net methods write it. how: 'std' (per-filter weight
    standardization, unbiased variance), 'pow2' (alpha = 2 ** round(log2(mean|W|))),
    'rotate' (W' = R1 W R2 with R built from cos/sin of constant angles). binact: sign the
    input (XNOR) or not (BWN)."""

    def __init__(self, *args, how="std", binact=True, **kw):
        super().__init__(*args, **kw)
        self.how, self.binact = how, binact
        with torch.no_grad():
            self.weight.copy_(torch.where(self.weight.abs() < 0.02, torch.full_like(self.weight, 0.05), self.weight))
        if how == "rotate":
            m = self.weight.shape[0]
            k = self.weight[0].numel()
            self.theta1 = nn.Parameter(torch.linspace(0.3, 1.1, m // 2))
            self.theta2 = nn.Parameter(torch.linspace(-0.7, 0.4, k // 2))
            for i, t in ((1, self.theta1), (2, self.theta2)):   # the masks as constants
                e, a, _, _ = self.rot(t.detach())
                self.register_buffer("eye%d" % i, e)
                self.register_buffer("anti%d" % i, a)

    @staticmethod
    def rot(theta):
        """Block-diagonal rotation eye * c + anti * s: 2x2 blocks [[cos, -sin], [sin, cos]]
        (orthogonal); returns the two constant masks and the per-row cos and sin."""
        n = theta.shape[0]
        c = torch.cos(theta).unsqueeze(1).expand(n, 2).reshape(-1, 1)   # each angle for its 2 rows
        s = torch.sin(theta).unsqueeze(1).expand(n, 2).reshape(-1, 1)
        eye = torch.eye(2 * n)
        anti = torch.zeros(2 * n, 2 * n)
        for k in range(n):
            anti[2 * k, 2 * k + 1], anti[2 * k + 1, 2 * k] = -1.0, 1.0
        return eye, anti, c, s

    def binary_weight(self):
        w = self.weight
        dims = tuple(range(1, w.dim()))
        if self.how == "std":
            w = (w - w.mean(dim=dims, keepdim=True)) / torch.sqrt(w.var(dim=dims, keepdim=True) + 1e-5)
            return w.sign() * w.abs().mean(dim=dims, keepdim=True)
        if self.how == "pow2":
            alpha = w.abs().mean(dim=dims, keepdim=True)
            return w.sign() * 2.0 ** torch.round(torch.log2(alpha))
        m = w.shape[0]
        e1, a1, c1, s1 = self.rot(self.theta1)
        e2, a2, c2, s2 = self.rot(self.theta2)
        r = (self.eye1 * c1 + self.anti1 * s1) @ w.reshape(m, -1) @ (self.eye2 * c2 + self.anti2 * s2)
        r = r.reshape(w.shape)
        return r.sign() * r.abs().mean(dim=dims, keepdim=True)

    def forward(self, x):
        xb = bin_active(x) if self.binact else x
        return F.conv2d(xb, self.binary_weight(), self.bias, self.stride, self.padding)


class ComputedNet(nn.Module):
    """Float stem, BN, a binary conv with a computed weight, BN, float head."""

    def __init__(self, how, binact=True):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 8, 3, padding=1)
        self.bn1 = nn.BatchNorm2d(8)
        self.bc = ComputedWeightConv(8, 8, 3, padding=1, bias=False, how=how, binact=binact)
        self.bn2 = nn.BatchNorm2d(8)
        self.fc = nn.Linear(8, 4)

    def forward(self, x):
        x = self.bn1(self.conv1(x))
        x = F.relu(self.bn2(self.bc(x)))
        return self.fc(torch.flatten(F.adaptive_avg_pool2d(x, 1), 1))


class ActStdNet(nn.Module):
    """Per-sample activation standardization before the sign at inference:
    sign((x - mean(x)) / sqrt(var(x) + eps)), mean and variance over C, H, W."""

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 8, 3, padding=1)
        self.bc = BinConv2d(8, 8, 3, padding=1, bias=False, binact=False)
        self.fc = nn.Linear(8, 4)

    def forward(self, x):
        x = self.conv1(x)
        m = x.mean(dim=(1, 2, 3), keepdim=True)
        v = x.var(dim=(1, 2, 3), keepdim=True, unbiased=False)
        x = F.relu(self.bc(bin_active((x - m) / torch.sqrt(v + 1e-5))))
        return self.fc(torch.flatten(F.adaptive_avg_pool2d(x, 1), 1))


class OptionABlock(nn.Module):
    """CIFAR ResNet basic block with the option-A shortcut: x[:, :, ::2, ::2] and zero
    channels padded on both sides, around a stride-2 binary conv (then a stride-1 one)."""

    def __init__(self, cin, cout):
        super().__init__()
        self.bn1 = nn.BatchNorm2d(cin)
        self.c1 = BinConv2d(cin, cout, 3, stride=2, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(cout)
        self.c2 = BinConv2d(cout, cout, 3, padding=1, bias=False)
        self.pad = (cout - cin) // 2

    def forward(self, x):
        sc = F.pad(x[:, :, ::2, ::2], (0, 0, 0, 0, self.pad, self.pad))
        y = self.c1(self.bn1(x)) + sc
        return self.c2(self.bn2(y)) + y


class OptionANet(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 8, 3, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(8)
        self.blk = OptionABlock(8, 16)
        self.fc = nn.Linear(16, 4)

    def forward(self, x):
        x = F.relu(self.bn1(self.conv1(x)))
        x = F.relu(self.blk(x))
        return self.fc(torch.flatten(F.adaptive_avg_pool2d(x, 1), 1))


def gen_computed():
    img = lambda g: [torch.randn(1, 3, 8, 8, generator=g)]  # noqa: E731
    # fold=False in bin_case means: no freeze(), the weight arithmetic stays in the graph
    bin_case("bin_weight_std", lambda: ComputedNet("std"), img, fold=False,
             readme="XNOR conv whose weight is standardized per filter in forward(): sign((W - mean) / "
                    "sqrt(var + 1e-5)) * mean|.| (unbiased var: Shape/ReduceProd/Cast for the count); the "
                    "whole chain on constants is folded by evaluation.")
    bin_case("bin_weight_pow2", lambda: ComputedNet("pow2"), img, fold=False,
             readme="XNOR conv with a power-of-two scale computed in forward(): sign(W) * 2 ** round(log2(mean|W|)) "
                    "(Pow, Log, Round on constants).")
    bin_case("bin_weight_rotate", lambda: ComputedNet("rotate", binact=False), img, fold=False,
             readme="BWN conv whose weight is rotated in forward() by block-diagonal orthogonal matrices built "
                    "from cos/sin of constant angles: sign(R1 W R2) * mean|.| (Sin, Cos, MatMul on constants).")
    bin_case("bin_act_std", ActStdNet, img,
             readme="Per-sample activation standardization at inference, sign((x - mean(x)) / sqrt(var(x) + eps)) "
                    "over C, H, W, before a binary conv: the division by a positive quantity is dropped (pass "
                    "signs), a BinActiv of x - mean(x) feeds an xnor layer.")
    bin_case("bin_option_a", OptionANet, img,
             readme="CIFAR ResNet block with the option-A shortcut around a stride-2 XNOR conv: x[:, :, ::2, ::2] "
                    "(Slice with steps) and channel zero padding (Pad on axis 1) on run-time tensors; then a "
                    "stride-1 XNOR conv with an identity shortcut.")


def main():
    print("torch", torch.__version__, "onnx", onnx.__version__)
    only = sys.argv[1:]   # e.g. gen_pads: run only those generators
    for gen in (gen_cnn, gen_bin, gen_pads, gen_zero, gen_ste, gen_computed):
        if not only or gen.__name__ in only:
            gen()


if __name__ == "__main__":
    main()
