#!/usr/bin/python3
"""Generate per-op ONNX test cases built with onnx.helper.

Expected outputs come from the plain numpy implementations of the ONNX
operators below (`OPS`), computed in float64 and stored as float32.
Run from anywhere: /usr/bin/python3 tests/models/gen/gen_onnx.py
Everything is seeded; re-running rewrites byte-identical files.
"""
import json
import math
import os
import sys
import zlib

import numpy as np
import onnx
from onnx import helper, numpy_helper, TensorProto
from google.protobuf import json_format

HERE = os.path.dirname(os.path.abspath(__file__))
MODELS = os.path.dirname(HERE)

# ---------------------------------------------------------------------------
# numpy reference implementations, following the ONNX operator spec
# ---------------------------------------------------------------------------


def _pads_for(in_sizes, kernel, strides, dilations, auto_pad, pads):
    """Return (begin pads, end pads) for the spatial dims, per ONNX auto_pad."""
    n = len(in_sizes)
    if auto_pad in ("SAME_UPPER", "SAME_LOWER"):
        b, e = [], []
        for i in range(n):
            out = -(-in_sizes[i] // strides[i])
            total = max(0, (out - 1) * strides[i] + (kernel[i] - 1) * dilations[i] + 1 - in_sizes[i])
            small, big = total // 2, total - total // 2
            if auto_pad == "SAME_UPPER":
                b.append(small); e.append(big)
            else:
                b.append(big); e.append(small)
        return b, e
    if auto_pad == "VALID":
        return [0] * n, [0] * n
    pads = list(pads) if pads else [0] * (2 * n)
    return pads[:n], pads[n:]


def _str(v):
    return v.decode() if isinstance(v, bytes) else v


def op_conv(node, a, x, w, b=None):
    n, c, h, wd = x.shape
    m, cg, kh, kw = w.shape
    s = a.get("strides", [1, 1]); d = a.get("dilations", [1, 1]); g = a.get("group", 1)
    pb, pe = _pads_for([h, wd], [kh, kw], s, d, _str(a.get("auto_pad", "NOTSET")), a.get("pads"))
    assert cg * g == c, "group mismatch"
    xp = np.pad(x, ((0, 0), (0, 0), (pb[0], pe[0]), (pb[1], pe[1])))
    oh = (h + pb[0] + pe[0] - ((kh - 1) * d[0] + 1)) // s[0] + 1
    ow = (wd + pb[1] + pe[1] - ((kw - 1) * d[1] + 1)) // s[1] + 1
    y = np.zeros((n, m, oh, ow))
    mg = m // g
    for gi in range(g):
        for i in range(kh):
            for j in range(kw):
                patch = xp[:, gi * cg:(gi + 1) * cg,
                           i * d[0]: i * d[0] + s[0] * (oh - 1) + 1: s[0],
                           j * d[1]: j * d[1] + s[1] * (ow - 1) + 1: s[1]]
                y[:, gi * mg:(gi + 1) * mg] += np.einsum("nchw,mc->nmhw", patch, w[gi * mg:(gi + 1) * mg, :, i, j])
    if b is not None:
        y += b.reshape(1, m, 1, 1)
    return y


def _pool(a, x, kind):
    """2-D Max/AveragePool.  Output size: floor, or ceil when ceil_mode=1, dropping a last
    window that would start in the end padding (PyTorch's rule).  With
    count_include_pad=1 the divisor counts padded cells but not the part of a ceil_mode
    window that hangs past the end padding (also PyTorch's rule)."""
    n, c, h, w = x.shape
    k = a["kernel_shape"]; s = a.get("strides", [1, 1]); d = a.get("dilations", [1, 1])
    pb, pe = _pads_for([h, w], k, s, d, _str(a.get("auto_pad", "NOTSET")), a.get("pads"))
    ceil = a.get("ceil_mode", 0); cip = a.get("count_include_pad", 0)
    size = [h, w]; outs = []
    for i in range(2):
        num = size[i] + pb[i] + pe[i] - ((k[i] - 1) * d[i] + 1)
        o = (-(-num // s[i]) if ceil else num // s[i]) + 1
        if ceil and (o - 1) * s[i] >= size[i] + pb[i]:
            o -= 1
        outs.append(o)
    y = np.zeros((n, c, outs[0], outs[1]))
    for oy in range(outs[0]):
        for ox in range(outs[1]):
            hs = [oy * s[0] - pb[0] + t * d[0] for t in range(k[0])]
            ws = [ox * s[1] - pb[1] + t * d[1] for t in range(k[1])]
            hv = [q for q in hs if 0 <= q < h]; wv = [q for q in ws if 0 <= q < w]
            win = x[:, :, hv][:, :, :, wv]
            if kind == "max":
                y[:, :, oy, ox] = win.max(axis=(2, 3))
            else:
                if cip:
                    cnt = (len([q for q in hs if q < h + pe[0]]) * len([q for q in ws if q < w + pe[1]]))
                else:
                    cnt = len(hv) * len(wv)
                y[:, :, oy, ox] = win.sum(axis=(2, 3)) / cnt
    return y


def _softmax(x, axis, flatten):
    axis = axis % x.ndim
    if flatten:  # opset < 13: coerce to 2-D [prod(shape[:axis]), prod(shape[axis:])]
        z = x.reshape(int(np.prod(x.shape[:axis])), -1)
        e = np.exp(z - z.max(axis=1, keepdims=True))
        return (e / e.sum(axis=1, keepdims=True)).reshape(x.shape)
    e = np.exp(x - x.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


def _pad(x, pads, value):
    n = x.ndim
    pads = [int(p) for p in pads]
    sl = tuple(slice(max(0, -pads[i]), x.shape[i] - max(0, -pads[i + n])) for i in range(n))
    x = x[sl]  # negative pads crop
    return np.pad(x, [(max(0, pads[i]), max(0, pads[i + n])) for i in range(n)],
                  mode="constant", constant_values=value)


def _reshape(x, shape):
    shape = [int(v) for v in shape]
    shape = [x.shape[i] if v == 0 else v for i, v in enumerate(shape)]  # allowzero=0
    return x.reshape(shape)


def _erf(x):
    return np.vectorize(math.erf)(x)


# The float unary ops by the formulas of the ONNX operator spec (x, attributes).
_UNARY = {
    "Neg": lambda x, a: -x, "Sqrt": lambda x, a: np.sqrt(x), "Reciprocal": lambda x, a: 1 / x,
    "Exp": lambda x, a: np.exp(x), "Log": lambda x, a: np.log(x),
    "Round": lambda x, a: np.round(x),  # half to even
    "Floor": lambda x, a: np.floor(x), "Ceil": lambda x, a: np.ceil(x),
    "Sin": lambda x, a: np.sin(x), "Cos": lambda x, a: np.cos(x), "Tan": lambda x, a: np.tan(x),
    "Asin": lambda x, a: np.arcsin(x), "Acos": lambda x, a: np.arccos(x), "Atan": lambda x, a: np.arctan(x),
    "Sinh": lambda x, a: np.sinh(x), "Cosh": lambda x, a: np.cosh(x), "Asinh": lambda x, a: np.arcsinh(x),
    "Acosh": lambda x, a: np.arccosh(x), "Atanh": lambda x, a: np.arctanh(x), "Erf": lambda x, a: _erf(x),
    "Softplus": lambda x, a: np.log(np.exp(x) + 1), "Softsign": lambda x, a: x / (1 + np.abs(x)),
    "HardSwish": lambda x, a: x * np.clip(x / 6 + 0.5, 0, 1),
    "Elu": lambda x, a: np.where(x < 0, a.get("alpha", 1.0) * (np.exp(x) - 1), x),
    "Selu": lambda x, a: np.where(x > 0, x, a.get("alpha", 1.67326319217681884765625) * (np.exp(x) - 1))
    * a.get("gamma", 1.05070102214813232421875),
    "Celu": lambda x, a: np.maximum(x, 0) + np.minimum(0, a.get("alpha", 1.0) * (np.exp(x / a.get("alpha", 1.0)) - 1)),
    "ThresholdedRelu": lambda x, a: np.where(x > a.get("alpha", 1.0), x, 0),
    "Shrink": lambda x, a: np.where(x < -a.get("lambd", 0.5), x + a.get("bias", 0.0),
                                    np.where(x > a.get("lambd", 0.5), x - a.get("bias", 0.0), 0)),
}


# The Reduce* ops by the formulas of the ONNX operator spec (x, axes or None = all, keepdims).
_REDUCE = {
    "ReduceSum": lambda x, ax, k: np.sum(x, axis=ax, keepdims=k),
    "ReduceMax": lambda x, ax, k: np.max(x, axis=ax, keepdims=k),
    "ReduceMin": lambda x, ax, k: np.min(x, axis=ax, keepdims=k),
    "ReduceProd": lambda x, ax, k: np.prod(x, axis=ax, keepdims=k),
    "ReduceL1": lambda x, ax, k: np.sum(np.abs(x), axis=ax, keepdims=k),
    "ReduceL2": lambda x, ax, k: np.sqrt(np.sum(x * x, axis=ax, keepdims=k)),
    "ReduceSumSquare": lambda x, ax, k: np.sum(x * x, axis=ax, keepdims=k),
    "ReduceLogSum": lambda x, ax, k: np.log(np.sum(x, axis=ax, keepdims=k)),
    "ReduceLogSumExp": lambda x, ax, k: np.log(np.sum(np.exp(x), axis=ax, keepdims=k)),
}


def _opt(ins, i):
    return ins[i] if len(ins) > i and ins[i] is not None else None


def _old_forms(t, a, ins, opset):
    """Opset 1..6 forms, by the ONNX spec of those versions (docs/opsets.md)."""
    if t in ("Add", "Sub", "Mul", "Div", "Pow") and a.get("broadcast", 0) and "axis" in a:
        A, B = ins  # B lines up with A's dims from axis on
        axis = a["axis"] % A.ndim
        ins = [A, B.reshape(B.shape + (1,) * (A.ndim - axis - B.ndim))]
    if t == "PRelu" and ins[1].ndim == 1 and ins[1].size > 1 and ins[0].ndim >= 3:
        ins = [ins[0], ins[1].reshape((-1,) + (1,) * (ins[0].ndim - 2))]  # per channel
    if t == "Reshape" and opset < 5:
        ins = [ins[0], np.array(a["shape"], dtype=np.int64)]
    if t == "Pad" and opset < 2:
        a = dict(a, pads=a["paddings"])
    if t == "Concat" and "axis" not in a:
        a = dict(a, axis=1)
    if t == "Selu" and opset < 6:
        a = dict({"alpha": 1.6732, "gamma": 1.0507}, **a)
    if t == "Tile" and opset < 6:  # Tile-1: input, tiles, axis (scalars)
        reps = [1] * ins[0].ndim
        reps[int(ins[2])] = int(ins[1])
        ins = [ins[0], np.array(reps, np.int64)]
    if t == "Cast" and opset < 6:  # Cast-1: 'to' is the type's name
        a = dict(a, to=TensorProto.DataType.Value(_str(a["to"])))
    if t == "Split" and opset < 2 and len(ins) > 1:  # Split-1: sizes as input 1 or the attribute
        a = dict(a, split=[int(v) for v in ins[1]])
        ins = ins[:1]
    return a, ins


def run_node(node, a, ins, opset):
    t = node.op_type
    if opset < 7:
        a, ins = _old_forms(t, a, ins, opset)
    if t == "Slice" and opset < 10:  # Slice-1: starts, ends, axes attributes
        ins = [ins[0], np.array(a["starts"]), np.array(a["ends"])] + ([np.array(a["axes"])] if "axes" in a else [])
    if t == "Conv": return [op_conv(node, a, *ins)]
    if t == "MaxPool": return [_pool(a, ins[0], "max")]
    if t == "AveragePool": return [_pool(a, ins[0], "avg")]
    if t == "GlobalAveragePool": return [ins[0].mean(axis=tuple(range(2, ins[0].ndim)), keepdims=True)]
    if t == "BatchNormalization":
        x, sc, b, mean, var = ins
        sh = (1, -1) + (1,) * (x.ndim - 2)
        return [(x - mean.reshape(sh)) / np.sqrt(var.reshape(sh) + a.get("epsilon", 1e-5)) * sc.reshape(sh) + b.reshape(sh)]
    if t == "Relu": return [np.maximum(ins[0], 0)]
    if t == "LeakyRelu": return [np.where(ins[0] >= 0, ins[0], ins[0] * a.get("alpha", 0.01))]
    if t == "HardSigmoid": return [np.clip(a.get("alpha", 0.2) * ins[0] + a.get("beta", 0.5), 0.0, 1.0)]
    if t == "PRelu": return [np.where(ins[0] >= 0, ins[0], ins[0] * ins[1])]
    if t == "Clip":
        if opset < 11:
            lo, hi = a.get("min", -np.inf), a.get("max", np.inf)
        else:
            lo, hi = _opt(ins, 1), _opt(ins, 2)
            lo = -np.inf if lo is None else lo; hi = np.inf if hi is None else hi
        return [np.minimum(np.maximum(ins[0], lo), hi)]
    if t == "Sigmoid": return [1 / (1 + np.exp(-ins[0]))]
    if t == "Tanh": return [np.tanh(ins[0])]
    if t == "Abs": return [np.abs(ins[0])]
    if t == "Sign": return [np.sign(ins[0])]
    if t in _UNARY: return [_UNARY[t](ins[0], a)]
    if t == "Gemm":
        A, B = ins[0], ins[1]
        A = A.T if a.get("transA", 0) else A
        B = B.T if a.get("transB", 0) else B
        y = a.get("alpha", 1.0) * (A @ B)
        if _opt(ins, 2) is not None:
            y = y + a.get("beta", 1.0) * ins[2]
        return [y]
    if t == "MatMul": return [np.matmul(ins[0], ins[1])]
    if t == "Flatten":
        ax = a.get("axis", 1) + ins[0].ndim if a.get("axis", 1) < 0 else a.get("axis", 1)
        return [ins[0].reshape(int(np.prod(ins[0].shape[:ax])), -1)]
    if t == "Reshape": return [_reshape(ins[0], ins[1])]
    if t == "Transpose": return [np.transpose(ins[0], a.get("perm"))]
    if t == "Add": return [ins[0] + ins[1]]
    if t == "Sub": return [ins[0] - ins[1]]
    if t == "Mul": return [ins[0] * ins[1]]
    if t == "Div": return [ins[0] / ins[1]]
    if t == "Pow":  # the base's type; int64 ** int64 stays exact
        if ins[0].dtype == np.int64 and ins[1].dtype == np.int64: return [ins[0] ** ins[1]]
        return [np.power(ins[0].astype(np.float64), ins[1].astype(np.float64)).astype(ins[0].dtype)]
    if t == "Mod":  # fmod=0: the divisor's sign (numpy's mod); fmod=1: the dividend's (C's fmod)
        return [np.fmod(ins[0], ins[1]) if a.get("fmod", 0) else np.mod(ins[0], ins[1])]
    if t in ("Max", "Min", "Sum", "Mean"):
        f = {"Max": np.maximum, "Min": np.minimum, "Sum": np.add, "Mean": np.add}[t]
        y = ins[0]
        for v in ins[1:]:
            y = f(y, v)
        return [y / len(ins) if t == "Mean" else y + np.zeros_like(y)]
    if t == "ReduceMean":
        axes = a.get("axes")
        axes = tuple(range(ins[0].ndim)) if axes is None else tuple(axes)
        return [ins[0].mean(axis=axes, keepdims=bool(a.get("keepdims", 1)))]
    if t in _REDUCE:
        if t == "ReduceSum" and opset >= 13 or opset >= 18:
            axes = _opt(ins, 1)
            axes = None if axes is None or axes.size == 0 else tuple(int(v) for v in axes)
        else:
            axes = a.get("axes"); axes = None if axes is None else tuple(axes)
        if axes is None and a.get("noop_with_empty_axes", 0):
            return [ins[0]]  # the spec: no axes and noop_with_empty_axes = the input itself
        return [_REDUCE[t](ins[0], axes, bool(a.get("keepdims", 1)))]
    if t == "Pad":
        if opset < 11:
            assert _str(a.get("mode", "constant")) == "constant"
            return [_pad(ins[0], a["pads"], a.get("value", 0.0))]
        cv = _opt(ins, 2)
        return [_pad(ins[0], ins[1], 0.0 if cv is None else float(cv))]
    if t == "Concat": return [np.concatenate(ins, axis=a["axis"])]
    if t == "Softmax":
        if opset < 13: return [_softmax(ins[0], a.get("axis", 1), True)]
        return [_softmax(ins[0], a.get("axis", -1), False)]
    if t == "LogSoftmax":
        if opset < 13: return [np.log(_softmax(ins[0], a.get("axis", 1), True))]
        return [np.log(_softmax(ins[0], a.get("axis", -1), False))]
    if t == "Identity": return [ins[0]]
    if t == "Dropout": return [ins[0]]  # inference: identity
    if t == "Constant":
        if "value" in a: return [numpy_helper.to_array(a["value"])]
        if "value_float" in a: return [np.array(a["value_float"], dtype=np.float32)]
        if "value_floats" in a: return [np.array(a["value_floats"], dtype=np.float32)]
        if "value_int" in a: return [np.array(a["value_int"], dtype=np.int64)]
        if "value_ints" in a: return [np.array(a["value_ints"], dtype=np.int64)]
        raise NotImplementedError("Constant form")
    if t in ("Squeeze", "Unsqueeze"):
        axes = a.get("axes") if opset < 13 else _opt(ins, 1)
        x = ins[0]
        if t == "Squeeze":
            if axes is None: return [np.squeeze(x)]
            return [np.squeeze(x, axis=tuple(int(v) for v in axes))]
        r = x.ndim + len(axes)
        for ax in sorted(int(v) % r for v in axes):
            x = np.expand_dims(x, ax)
        return [x]
    if t == "Shape": return [np.array(ins[0].shape, dtype=np.int64)]
    if t == "Gather": return [np.take(ins[0], ins[1].astype(np.int64), axis=a.get("axis", 0))]
    if t == "Cast":
        to = {TensorProto.FLOAT: np.float64, TensorProto.DOUBLE: np.float64, TensorProto.INT64: np.int64,
              TensorProto.INT32: np.int32, TensorProto.BOOL: np.bool_}[a["to"]]
        x = ins[0]
        if to in (np.int64, np.int32) and x.dtype == np.float64:
            x = np.trunc(x)  # the spec: toward zero
        return [x.astype(to)]
    if t in _COMPARE: return [_COMPARE[t](ins[0], ins[1])]
    if t == "Not": return [np.logical_not(ins[0])]
    if t == "Where": return [np.where(ins[0], ins[1], ins[2])]
    if t == "Expand": return [ins[0] * np.ones(tuple(int(v) for v in ins[1]), dtype=ins[0].dtype)]
    if t == "Tile": return [np.tile(ins[0], tuple(int(v) for v in ins[1]))]
    if t == "Slice":
        x = ins[0]; st, en = ins[1], ins[2]
        axes = _opt(ins, 3); steps = _opt(ins, 4)
        axes = list(range(len(st))) if axes is None else [int(v) for v in axes]
        steps = [1] * len(st) if steps is None else [int(v) for v in steps]
        sl = [slice(None)] * x.ndim
        for k, ax in enumerate(axes):  # Python slicing clamps like the ONNX spec
            sl[ax] = slice(int(st[k]), int(en[k]), steps[k])
        return [x[tuple(sl)]]
    if t == "Split":
        ax = a.get("axis", 0); sp = _opt(ins, 1) if opset >= 13 else a.get("split")
        if sp is None and "num_outputs" in a:  # opset 18: the last part may be smaller
            each = -(-ins[0].shape[ax] // a["num_outputs"])
            return list(np.split(ins[0], list(range(each, ins[0].shape[ax], each)), axis=ax))
        if sp is None:
            return list(np.split(ins[0], len(node.output), axis=ax))
        return list(np.split(ins[0], np.cumsum([int(v) for v in sp])[:-1], axis=ax))
    if t == "ConstantOfShape":
        v = numpy_helper.to_array(a["value"]) if "value" in a else np.zeros(1, np.float32)
        return [np.full(tuple(int(d) for d in ins[0]), v.flat[0], dtype=v.dtype)]
    if t == "Range": return [np.arange(ins[0], ins[1], ins[2], dtype=np.asarray(ins[0]).dtype)]
    if t == "Size": return [np.array(ins[0].size, dtype=np.int64)]
    if t in ("ArgMax", "ArgMin"):
        f = np.argmax if t == "ArgMax" else np.argmin
        ax = a.get("axis", 0); x = ins[0]
        if a.get("select_last_index", 0):
            y = x.shape[ax] - 1 - f(np.flip(x, axis=ax), axis=ax)
        else:
            y = f(x, axis=ax)
        return [np.expand_dims(y, ax) if a.get("keepdims", 1) else y]
    raise NotImplementedError(t)


_COMPARE = {"Less": np.less, "LessOrEqual": np.less_equal, "Greater": np.greater,
            "GreaterOrEqual": np.greater_equal, "Equal": np.equal, "And": np.logical_and,
            "Or": np.logical_or, "Xor": np.logical_xor}


def run_model(model, feeds, dims=None):
    """Evaluate `model` on `feeds` (list of arrays, for the graph inputs that have no
    initializer, in order).  Returns the graph outputs as float32 arrays."""
    g = model.graph
    opset = max(o.version for o in model.opset_import if o.domain in ("", "ai.onnx"))
    env = {}
    for t in g.initializer:
        env[t.name] = numpy_helper.to_array(t).astype(np.float64) if t.data_type == TensorProto.FLOAT else numpy_helper.to_array(t)
    inits = set(env)
    real = [i.name for i in g.input if i.name not in inits]
    assert len(real) == len(feeds), (real, len(feeds))
    for name, v in zip(real, feeds):
        env[name] = np.asarray(v, dtype=np.float64)
    for node in g.node:
        a = {x.name: helper.get_attribute_value(x) for x in node.attribute}
        ins = [env[i] if i else None for i in node.input]
        while ins and ins[-1] is None:
            ins.pop()
        outs = run_node(node, a, ins, opset)
        for name, v in zip(node.output, outs):
            if name:
                env[name] = v
    run_model.types = [np.asarray(env[o.name]).dtype for o in g.output]  # the outputs' own types
    return [np.asarray(env[o.name], dtype=np.float32) for o in g.output]


def _elem_type(dt):
    """TensorProto type of a numpy dtype the reference computes (float64 is a float32 model's)."""
    return {np.dtype(np.bool_): TensorProto.BOOL, np.dtype(np.int64): TensorProto.INT64,
            np.dtype(np.int32): TensorProto.INT32}.get(np.dtype(dt), TensorProto.FLOAT)


# ---------------------------------------------------------------------------
# writing cases
# ---------------------------------------------------------------------------


def ints_as_numbers(obj):
    """Rewrite int64 fields (JSON strings in the proto3 mapping) as JSON numbers."""
    keys = {"dims", "int64Data", "i", "ints", "irVersion", "version", "dimValue", "modelVersion"}
    if isinstance(obj, dict):
        return {k: (ints_as_numbers_val(v) if k in keys else ints_as_numbers(v)) for k, v in obj.items()}
    if isinstance(obj, list):
        return [ints_as_numbers(v) for v in obj]
    return obj


def ints_as_numbers_val(v):
    if isinstance(v, list):
        return [int(x) for x in v]
    return int(v)


def model_json(model, fmt=None):
    """protobuf JSON text; fmt selects a variant: None (MessageToJson as is), 'snake'
    (proto field names), 'enumnum' (enums as numbers), 'intnum' (int64 as JSON numbers)."""
    if fmt == "snake":
        return json_format.MessageToJson(model, preserving_proto_field_name=True)
    if fmt == "enumnum":
        return json_format.MessageToJson(model, use_integers_for_enums=True)
    text = json_format.MessageToJson(model)
    if fmt == "intnum":
        text = json.dumps(ints_as_numbers(json.loads(text)), indent=2)
    return text


def write_case(name, model, inputs, outputs, readme=None, fmt=None, json_text=None, root=MODELS):
    d = os.path.join(root, name)
    os.makedirs(d, exist_ok=True)
    for f in os.listdir(d):
        if f.endswith(".npy") or f.endswith(".bin"):
            os.remove(os.path.join(d, f))
    with open(os.path.join(d, "model.json"), "w") as f:
        f.write((json_text if json_text is not None else model_json(model, fmt)) + "\n")
    for i, v in enumerate(inputs):  # (ascontiguousarray makes a scalar 1-D)
        v = np.asarray(v, dtype=np.float32)
        np.save(os.path.join(d, "input_%d.npy" % i), np.ascontiguousarray(v) if v.ndim else v)
    for i, v in enumerate(outputs):
        np.save(os.path.join(d, "output_%d.npy" % i), np.ascontiguousarray(v, dtype=np.float32))
    if readme:
        with open(os.path.join(d, "README"), "w") as f:
            f.write(readme.rstrip() + "\n")
    return d


def rng_for(name):
    return np.random.default_rng(zlib.crc32(name.encode()))


def vi(name, shape):
    return helper.make_tensor_value_info(name, TensorProto.FLOAT, list(shape))


def case(name, opset, nodes, inputs, outputs, inits=None, readme=None, fmt=None,
         typed=False, init_as_input=False, ir_version=None, input_shapes=None, feeds=None, check=True):
    """Build, check, evaluate and write one case.
    inputs: list of (name, float32 array) fed at run time.
    outputs: list of graph output names.
    inits: dict name -> array (float32 or int64); typed=True stores them in
    floatData/int64Data instead of rawData; init_as_input lists them as graph inputs too."""
    inits = inits or {}
    tensors = []
    for k, v in inits.items():
        v = np.asarray(v)
        if typed:
            dt = TensorProto.FLOAT if v.dtype == np.float32 else TensorProto.INT64
            tensors.append(helper.make_tensor(k, dt, v.shape, v.flatten().tolist()))
        else:
            tensors.append(numpy_helper.from_array(v, k))
    gin = [vi(n, (input_shapes or {}).get(n, v.shape)) for n, v in inputs]
    if init_as_input:
        for k, v in inits.items():
            dt = TensorProto.FLOAT if np.asarray(v).dtype == np.float32 else TensorProto.INT64
            gin.append(helper.make_tensor_value_info(k, dt, list(np.asarray(v).shape)))
    tmp = helper.make_model(helper.make_graph(nodes, name, gin, [vi(o, []) for o in outputs], tensors),
                            opset_imports=[helper.make_opsetid("", opset)])
    outs = run_model(tmp, [v for _, v in inputs])
    gout = [helper.make_tensor_value_info(o, _elem_type(dt), list((input_shapes or {}).get(o, v.shape)))
            for o, v, dt in zip(outputs, outs, run_model.types)]
    graph = helper.make_graph(nodes, name, gin, gout, tensors)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)],
                              producer_name="xnorcc-gen_onnx")
    if ir_version is not None:
        model.ir_version = ir_version
    if check:  # (check=False: an opset newer than the installed onnx knows)
        onnx.checker.check_model(model)
    for o in outs:
        assert np.all(np.isfinite(o)) and np.abs(o).max() < 100, name
    write_case(name, model, feeds if feeds is not None else [v for _, v in inputs], outs, readme, fmt)
    return model, outs


def N(op, ins, outs, **kw):
    return helper.make_node(op, ins, outs, **kw)


def rnd(r, *shape, scale=1.0):
    return (r.standard_normal(shape) * scale).astype(np.float32)


def wconv(r, m, c, kh, kw):
    return rnd(r, m, c, kh, kw, scale=1.0 / np.sqrt(c * kh * kw))


# ---------------------------------------------------------------------------
# the cases
# ---------------------------------------------------------------------------


def gen_conv():
    r = rng_for("op_conv"); x = rnd(r, 1, 4, 9, 9)
    w3 = wconv(r, 6, 4, 3, 3); b3 = rnd(r, 6, scale=0.1); w32 = wconv(r, 5, 4, 3, 2)
    case("op_conv_basic", 13,
         [N("Conv", ["x", "w3", "b3"], ["y0"]),
          N("Conv", ["x", "w32"], ["y1"], kernel_shape=[3, 2])],
         [("x", x)], ["y0", "y1"], {"w3": w3, "b3": b3, "w32": w32},
         readme="Conv 3x3 with bias, no pads; Conv 3x2 without bias (kernel_shape given)")
    case("op_conv_strides_pads", 13,
         [N("Conv", ["x", "w3", "b3"], ["y0"], strides=[2, 2], pads=[1, 1, 1, 1]),
          N("Conv", ["x", "w3"], ["y1"], strides=[2, 1], pads=[1, 0, 2, 1]),
          N("Conv", ["x", "w32", ], ["y2"], strides=[3, 2], pads=[0, 2, 1, 0])],
         [("x", x)], ["y0", "y1", "y2"], {"w3": w3, "b3": b3, "w32": w32},
         readme="Conv strides 2x2 pad 1; strides 2x1 asymmetric pads [1,0,2,1]; 3x2 kernel strides 3x2 pads [0,2,1,0]")
    case("op_conv_dilations", 13,
         [N("Conv", ["x", "w3", "b3"], ["y0"], dilations=[2, 2], pads=[2, 2, 2, 2]),
          N("Conv", ["x", "w3"], ["y1"], dilations=[3, 1], strides=[1, 2], pads=[1, 1, 1, 1])],
         [("x", x)], ["y0", "y1"], {"w3": w3, "b3": b3},
         readme="Conv dilations 2 pad 2; dilations [3,1] strides [1,2] pad 1")
    wg = wconv(r, 6, 2, 3, 3); wd = wconv(r, 4, 1, 3, 3); wd2 = wconv(r, 8, 1, 3, 3)
    case("op_conv_group", 13,
         [N("Conv", ["x", "wg", "b3"], ["y0"], group=2, pads=[1, 1, 1, 1]),
          N("Conv", ["x", "wd"], ["y1"], group=4, strides=[2, 2], pads=[1, 1, 1, 1]),
          N("Conv", ["x", "wd2"], ["y2"], group=4, dilations=[2, 2])],
         [("x", x)], ["y0", "y1", "y2"], {"wg": wg, "b3": b3, "wd": wd, "wd2": wd2},
         readme="Conv group=2; depthwise group=4 stride 2; group=4 with 2 filters per group, dilation 2")
    x8 = rnd(r, 1, 4, 8, 7); w4 = wconv(r, 3, 4, 4, 4)
    case("op_conv_autopad", 13,
         [N("Conv", ["x", "w4"], ["yu"], auto_pad="SAME_UPPER", strides=[2, 2]),
          N("Conv", ["x", "w4"], ["yl"], auto_pad="SAME_LOWER", strides=[2, 2]),
          N("Conv", ["x", "w4"], ["yu1"], auto_pad="SAME_UPPER"),
          N("Conv", ["x", "w4"], ["yl1"], auto_pad="SAME_LOWER"),
          N("Conv", ["x", "w4"], ["yv"], auto_pad="VALID", strides=[2, 1])],
         [("x", x8)], ["yu", "yl", "yu1", "yl1", "yv"], {"w4": w4},
         readme="Conv 4x4 on 8x7: auto_pad SAME_UPPER/SAME_LOWER with stride 2 and 1 (odd total pad, so they differ), VALID stride [2,1]")


def bn_params(r, c, pre):
    return {pre + "s": (1 + r.uniform(-0.3, 0.3, c)).astype(np.float32), pre + "b": rnd(r, c, scale=0.2),
            pre + "m": rnd(r, c, scale=0.2), pre + "v": r.uniform(0.5, 2.0, c).astype(np.float32)}


def bn(x, pre, y):
    return N("BatchNormalization", [x, pre + "s", pre + "b", pre + "m", pre + "v"], [y])


def gen_conv_kernels():
    """Float convs as the runtime's kernels run them (xnrt_conv2d's three ways to feed its
    GEMM, xnrt_dwconv2d), with BN folded into the weights and Relu/Clip in the epilogue."""
    r = rng_for("op_conv_kernels")
    xs = rnd(r, 1, 3, 70, 66); xb = rnd(r, 2, 4, 9, 9); xw = rnd(r, 1, 4, 10, 36)
    inits = {"ws": wconv(r, 8, 3, 7, 7), "bs": rnd(r, 8, scale=0.1), "w1": wconv(r, 6, 4, 1, 1),
             "wd": wconv(r, 8, 1, 3, 3), "wg": wconv(r, 6, 2, 3, 3), "w3": wconv(r, 6, 4, 3, 3),
             "b6": rnd(r, 6, scale=0.1), "lo": np.array(0.0, np.float32), "hi": np.array(0.5, np.float32)}
    inits.update(bn_params(r, 8, "n8")); inits.update(bn_params(r, 6, "n6"))
    case("op_conv_kernels", 13,
         [N("Conv", ["xs", "ws", "bs"], ["c0"], strides=[2, 2], pads=[3, 3, 3, 3]), bn("c0", "n8", "b0"),
          N("Relu", ["b0"], ["y0"]),
          N("Conv", ["xb", "w1"], ["c1"]), bn("c1", "n6", "y1"),
          N("Conv", ["xb", "w1", "b6"], ["y2"], strides=[2, 2]),
          N("Conv", ["xw", "wd"], ["c3"], group=4, pads=[1, 1, 1, 1]), bn("c3", "n8", "b3"),
          N("Clip", ["b3", "lo", "hi"], ["y3"]),
          N("Conv", ["xw", "wg"], ["c4"], group=2, dilations=[2, 2], pads=[2, 1, 2, 3]), N("Relu", ["c4"], ["y4"]),
          N("Conv", ["xb", "w3", "b6"], ["y5"], pads=[1, 1, 1, 1]), N("Relu", ["y5"], ["y6"])],
         [("xs", xs), ("xb", xb), ("xw", xw)], ["y0", "y1", "y2", "y3", "y4", "y5", "y6"], inits,
         readme="Float convs on the runtime's kernels: 3-channel 7x7 stride 2 pad 3 stem (OW 33: the direct "
                "path) + BN + Relu; 1x1 stride 1 on a batch of 2 (the image as the GEMM's B) + BN without a conv "
                "bias; 1x1 stride 2 with bias (im2col); depthwise with 2 filters per channel + BN + Clip [0, 0.5]; "
                "group 2 dilation 2 asymmetric pads on a 36-wide input (direct) + Relu; a conv whose output is "
                "also a graph output, then Relu (not fused)")
    xf = rnd(r, 1, 300); xr = rnd(r, 3, 300)
    case("op_gemm_kernels", 13,
         [N("Gemm", ["xf", "wt", "c"], ["g0"], transB=1), N("Relu", ["g0"], ["y0"]),
          N("MatMul", ["xr", "w"], ["y1"]),
          N("Gemm", ["xr", "w", "c"], ["g2"]), N("Clip", ["g2", "lo"], ["y2"])],
         [("xf", xf), ("xr", xr)], ["y0", "y1", "y2"],
         {"wt": rnd(r, 20, 300, scale=0.06), "w": rnd(r, 300, 20, scale=0.06), "c": rnd(r, 20, scale=0.1),
          "lo": np.array(-0.1, np.float32)},
         readme="Gemm transB with C per column + Relu (batch 1: xnrt_sgemv, bias and Relu in the epilogue); "
                "MatMul [3,300] x [300,20]; Gemm transB 0 with C + Clip (min only)")


def gen_bn():
    r = rng_for("op_bn"); x = rnd(r, 2, 3, 4, 5)
    p = {"s": rnd(r, 3), "b": rnd(r, 3), "m": rnd(r, 3, scale=0.5),
         "v": (r.uniform(0.5, 2.0, 3)).astype(np.float32)}
    case("op_batchnorm_opset7", 7,
         [N("BatchNormalization", ["x", "s", "b", "m", "v"], ["y"], epsilon=1e-3, momentum=0.9, spatial=1)],
         [("x", x)], ["y"], p, readme="BatchNormalization opset 7 with spatial=1, epsilon 1e-3")
    case("op_batchnorm_opset9", 9,
         [N("BatchNormalization", ["x", "s", "b", "m", "v"], ["y"])],
         [("x", x)], ["y"], p, readme="BatchNormalization opset 9, default epsilon 1e-5")
    case("op_batchnorm_opset15", 15,
         [N("BatchNormalization", ["x", "s", "b", "m", "v"], ["y"], epsilon=1e-2, training_mode=0)],
         [("x", x)], ["y"], p, readme="BatchNormalization opset 15, explicit training_mode=0 (inference)")


def gen_act():
    r = rng_for("op_act"); x = rnd(r, 2, 3, 4, 5)
    case("op_unary", 13,
         [N("Relu", ["x"], ["relu"]), N("Sigmoid", ["x"], ["sig"]), N("Tanh", ["x"], ["tanh"]),
          N("Abs", ["x"], ["abs"]), N("Identity", ["x"], ["id"])],
         [("x", x)], ["relu", "sig", "tanh", "abs", "id"], readme="Relu, Sigmoid, Tanh, Abs, Identity")
    case("op_leakyrelu", 13,
         [N("LeakyRelu", ["x"], ["y0"]), N("LeakyRelu", ["x"], ["y1"], alpha=0.2)],
         [("x", x)], ["y0", "y1"], readme="LeakyRelu default alpha 0.01; alpha 0.2")
    case("op_prelu", 13,
         [N("PRelu", ["x", "slope_c"], ["y0"]), N("PRelu", ["x", "slope_1"], ["y1"]),
          N("PRelu", ["x", "slope_w"], ["y2"])],
         [("x", x)], ["y0", "y1", "y2"],
         {"slope_c": rnd(r, 3, 1, 1, scale=0.3), "slope_1": np.array([0.25], np.float32),
          "slope_w": rnd(r, 5, scale=0.3)},
         readme="PRelu with per-channel slope [3,1,1], scalar slope [1], and slope [5] broadcast on the last axis")
    rh = rng_for("op_hardsigmoid"); xh = rnd(rh, 2, 3, 4, 5, scale=4.0)
    case("op_hardsigmoid", 13,
         [N("HardSigmoid", ["x"], ["y0"]), N("HardSigmoid", ["x"], ["y1"], alpha=1.0 / 6, beta=0.5)],
         [("x", xh)], ["y0", "y1"],
         readme="HardSigmoid default alpha 0.2, beta 0.5; alpha 1/6 (as PyTorch nn.Hardsigmoid exports); inputs "
                "of standard deviation 4 reach both clamps")
    xs = rnd(r, 2, 3, 4, 5); xs.flat[::7] = 0.0
    case("op_sign", 13, [N("Sign", ["x"], ["y"])], [("x", xs)], ["y"],
         readme="Sign with exact zeros in the input: ONNX Sign(0) = 0")


def gen_unary_math():
    r = rng_for("op_unary_math")
    x = rnd(r, 2, 3, 4, 5, scale=1.5)
    x.flat[:8] = [0.5, 1.5, 2.5, -0.5, -1.5, -2.5, 0.0, 3.0]  # Round: halves go to even
    p = r.uniform(0.5, 3.0, (2, 3, 4)).astype(np.float32)
    u = r.uniform(-0.9, 0.9, (3, 4)).astype(np.float32)
    on_x = ["Neg", "Exp", "Round", "Floor", "Ceil", "Sin", "Cos", "Atan", "Sinh", "Cosh", "Asinh", "Erf",
            "Softplus", "Softsign", "HardSwish", "Elu", "Selu", "Celu", "ThresholdedRelu", "Shrink"]
    nodes = [N(op, ["x"], [op.lower()]) for op in on_x]
    nodes += [N(op, ["p"], [op.lower()]) for op in ["Sqrt", "Reciprocal", "Log"]]
    nodes += [N("Add", ["p", "one"], ["p1"]), N("Acosh", ["p1"], ["acosh"])]
    nodes += [N(op, ["u"], [op.lower()]) for op in ["Tan", "Asin", "Acos", "Atanh"]]
    nodes += [N("Elu", ["x"], ["elu_a"], alpha=0.5), N("Selu", ["x"], ["selu_a"], alpha=1.5, gamma=2.0),
              N("Celu", ["x"], ["celu_a"], alpha=2.0), N("ThresholdedRelu", ["x"], ["trelu_a"], alpha=0.25),
              N("Shrink", ["x"], ["shrink_a"], lambd=1.0, bias=-0.5)]
    outs = [nd.output[0] for nd in nodes if nd.output[0] != "p1"]
    case("op_unary_math", 14, nodes, [("x", x), ("p", p), ("u", u)], outs, {"one": np.array(1.0, np.float32)},
         readme="The float unary ops on run-time inputs: " + ", ".join(on_x) + " on x (with exact halves for Round); "
                "Sqrt, Reciprocal, Log on p in [0.5, 3); Acosh on p + 1; Tan, Asin, Acos, Atanh on u in (-0.9, 0.9); "
                "Elu alpha 0.5, Selu alpha 1.5 gamma 2, Celu alpha 2, ThresholdedRelu alpha 0.25, Shrink lambd 1 bias -0.5")


def gen_clip():
    r = rng_for("op_clip"); x = rnd(r, 1, 3, 4, 4, scale=2.0)
    case("op_clip_opset7", 7,
         [N("Clip", ["x"], ["y0"], min=-0.5, max=1.0), N("Clip", ["x"], ["y1"], max=6.0, min=0.0),
          N("Clip", ["x"], ["y2"], max=0.3)],
         [("x", x)], ["y0", "y1", "y2"], readme="Clip opset 7 with min/max attributes; one with max only")
    lo = np.array(-0.5, np.float32); hi = np.array(1.0, np.float32)
    case("op_clip_opset11", 11,
         [N("Clip", ["x", "lo", "hi"], ["y0"])], [("x", x)], ["y0"], {"lo": lo, "hi": hi},
         readme="Clip opset 11, min and max as scalar initializer inputs")
    case("op_clip_opset13_optional", 13,
         [N("Clip", ["x", "", "hi"], ["ymax"]), N("Clip", ["x", "lo"], ["ymin"]), N("Clip", ["x"], ["ynone"])],
         [("x", x)], ["ymax", "ymin", "ynone"], {"lo": lo, "hi": hi},
         readme="Clip opset 13: min omitted with \"\" (max only); max omitted (trailing); neither (identity)")
    case("op_clip_runtime", 13,
         [N("Clip", ["x", "rlo", "rhi"], ["y0"]), N("Abs", ["rhi"], ["ahi"]), N("Clip", ["x", "", "ahi"], ["y1"]),
          N("Clip", ["x", "rlo", "hi"], ["y2"])],
         [("x", x), ("rlo", np.array(-0.75, np.float32)), ("rhi", np.array([0.5], np.float32))],
         ["y0", "y1", "y2"], {"hi": hi},
         readme="Clip opset 13 with bounds known only at run time: graph inputs (a scalar and a 1-element "
                "tensor), a computed max (Abs of an input), a run-time min with a constant max")


def gen_pool():
    r = rng_for("op_pool"); x = rnd(r, 1, 2, 7, 7); x6 = rnd(r, 1, 2, 6, 8)
    case("op_maxpool_basic", 13,
         [N("MaxPool", ["x"], ["y0"], kernel_shape=[2, 2], strides=[2, 2]),
          N("MaxPool", ["x"], ["y1"], kernel_shape=[3, 3])],
         [("x", x)], ["y0", "y1"], readme="MaxPool 2x2 stride 2 (floor, drops last row/col of 7x7); 3x3 stride 1")
    case("op_maxpool_pads", 13,
         [N("MaxPool", ["x"], ["y0"], kernel_shape=[3, 3], strides=[2, 2], pads=[1, 1, 1, 1]),
          N("MaxPool", ["x"], ["y1"], kernel_shape=[2, 3], strides=[1, 2], pads=[1, 0, 0, 1])],
         [("x", x)], ["y0", "y1"], readme="MaxPool with symmetric and asymmetric pads (padding never wins the max)")
    case("op_maxpool_ceil", 13,
         [N("MaxPool", ["x"], ["y0"], kernel_shape=[2, 2], strides=[2, 2], ceil_mode=1),
          N("MaxPool", ["x6"], ["y1"], kernel_shape=[3, 3], strides=[2, 2], pads=[1, 1, 1, 1], ceil_mode=1)],
         [("x", x), ("x6", x6)], ["y0", "y1"],
         readme="MaxPool ceil_mode=1: 7x7 k2 s2 -> 4x4; 6x8 k3 s2 pad1 -> 4x5")
    case("op_maxpool_dilations", 13,
         [N("MaxPool", ["x"], ["y0"], kernel_shape=[2, 2], dilations=[2, 2]),
          N("MaxPool", ["x"], ["y1"], kernel_shape=[3, 2], dilations=[2, 3], strides=[2, 1], pads=[1, 1, 1, 1])],
         [("x", x)], ["y0", "y1"], readme="MaxPool with dilations (opset >= 10)")
    case("op_maxpool_autopad", 13,
         [N("MaxPool", ["x6"], ["yu"], kernel_shape=[2, 2], strides=[2, 2], auto_pad="SAME_UPPER"),
          N("MaxPool", ["x"], ["yu2"], kernel_shape=[2, 2], strides=[2, 2], auto_pad="SAME_UPPER"),
          N("MaxPool", ["x"], ["yl2"], kernel_shape=[2, 2], strides=[2, 2], auto_pad="SAME_LOWER"),
          N("MaxPool", ["x"], ["yv"], kernel_shape=[3, 3], strides=[2, 2], auto_pad="VALID")],
         [("x", x), ("x6", x6)], ["yu", "yu2", "yl2", "yv"],
         readme="MaxPool auto_pad SAME_UPPER / SAME_LOWER (odd total pad on 7x7) / VALID")
    case("op_avgpool_cip0", 13,
         [N("AveragePool", ["x"], ["y0"], kernel_shape=[2, 2], strides=[2, 2]),
          N("AveragePool", ["x"], ["y1"], kernel_shape=[3, 3], strides=[2, 2], pads=[1, 1, 1, 1]),
          N("AveragePool", ["x"], ["y2"], kernel_shape=[3, 2], strides=[1, 2], pads=[0, 1, 2, 0], count_include_pad=0)],
         [("x", x)], ["y0", "y1", "y2"],
         readme="AveragePool count_include_pad=0 (default and explicit): border windows divide by the number of real cells")
    case("op_avgpool_cip1", 13,
         [N("AveragePool", ["x"], ["y1"], kernel_shape=[3, 3], strides=[2, 2], pads=[1, 1, 1, 1], count_include_pad=1),
          N("AveragePool", ["x"], ["y2"], kernel_shape=[3, 2], strides=[1, 2], pads=[0, 1, 2, 0], count_include_pad=1)],
         [("x", x)], ["y1", "y2"],
         readme="AveragePool count_include_pad=1: divisor is always the full kernel size (XNOR-Net K uses this)")
    case("op_avgpool_ceil", 13,
         [N("AveragePool", ["x"], ["y0"], kernel_shape=[2, 2], strides=[2, 2], ceil_mode=1),
          N("AveragePool", ["x6"], ["y1"], kernel_shape=[3, 3], strides=[2, 2], pads=[1, 1, 1, 1], ceil_mode=1, count_include_pad=0)],
         [("x", x), ("x6", x6)], ["y0", "y1"],
         readme="AveragePool ceil_mode=1, count_include_pad=0: 7x7 k2 s2 -> 4x4; 6x8 k3 s2 pad 1 -> 4x5")
    case("op_avgpool_ceil_cip1", 13,
         [N("AveragePool", ["x6"], ["y"], kernel_shape=[3, 3], strides=[2, 2], pads=[1, 1, 1, 1], ceil_mode=1, count_include_pad=1)],
         [("x6", x6)], ["y"],
         readme="AveragePool ceil_mode=1 with count_include_pad=1 on 6x8 k3 s2 pad 1: the last row/column window hangs "
                "past the end padding; it divides by its cells inside input+pads (6, or 4 in the corner), not by 9. "
                "That is PyTorch's rule; the ONNX spec does not say.")
    case("op_avgpool_autopad", 13,
         [N("AveragePool", ["x"], ["yu"], kernel_shape=[2, 2], strides=[2, 2], auto_pad="SAME_UPPER"),
          N("AveragePool", ["x"], ["yl"], kernel_shape=[2, 2], strides=[2, 2], auto_pad="SAME_LOWER")],
         [("x", x)], ["yu", "yl"], readme="AveragePool auto_pad SAME_UPPER / SAME_LOWER, count_include_pad=0")
    case("op_globalavgpool", 13, [N("GlobalAveragePool", ["x"], ["y"])], [("x", x6)], ["y"],
         readme="GlobalAveragePool 1x2x6x8 -> 1x2x1x1")


def gen_gemm():
    r = rng_for("op_gemm"); a = rnd(r, 3, 4); at = rnd(r, 4, 3)
    B = rnd(r, 4, 5, scale=0.5); Bt = rnd(r, 5, 4, scale=0.5)
    inits = {"B": B, "Bt": Bt, "c_n": rnd(r, 5), "c_mn": rnd(r, 3, 5), "c_m1": rnd(r, 3, 1),
             "c_1": np.array([0.5], np.float32), "c_s": np.array(-0.25, np.float32)}
    case("op_gemm_opset9", 9,
         [N("Gemm", ["a", "B", "c_n"], ["y0"]),
          N("Gemm", ["at", "B", "c_mn"], ["y1"], transA=1, alpha=0.5, beta=2.0),
          N("Gemm", ["a", "Bt", "c_m1"], ["y2"], transB=1),
          N("Gemm", ["at", "Bt", "c_1"], ["y3"], transA=1, transB=1, beta=-1.0),
          N("Gemm", ["a", "B", "c_s"], ["y4"], alpha=-1.5)],
         [("a", a), ("at", at)], ["y0", "y1", "y2", "y3", "y4"], inits,
         readme="Gemm opset 9 (C required): C of shape [N], [M,N], [M,1], [1], scalar; alpha, beta, transA, transB")
    case("op_gemm_opset13", 13,
         [N("Gemm", ["a", "B"], ["y0"]), N("Gemm", ["a", "Bt"], ["y1"], transB=1, alpha=0.25),
          N("Gemm", ["a", "Bt", "c_n"], ["y2"], transB=1, beta=0.0)],
         [("a", a)], ["y0", "y1", "y2"], inits,
         readme="Gemm opset 13: C omitted (optional since opset 11); beta=0 with C")


def gen_matmul():
    r = rng_for("op_matmul")
    case("op_matmul_2d", 13, [N("MatMul", ["a", "b"], ["y"])],
         [("a", rnd(r, 3, 4)), ("b", rnd(r, 4, 5))], ["y"], readme="MatMul [3,4] x [4,5], both graph inputs")
    case("op_matmul_batched", 13,
         [N("MatMul", ["a", "b"], ["y0"]), N("MatMul", ["a4", "w"], ["y1"]), N("MatMul", ["a4", "b3"], ["y2"])],
         [("a", rnd(r, 2, 3, 4)), ("b", rnd(r, 2, 4, 5)), ("a4", rnd(r, 2, 1, 3, 4)), ("b3", rnd(r, 3, 4, 2))],
         ["y0", "y1", "y2"], {"w": rnd(r, 4, 5, scale=0.5)},
         readme="MatMul batched [2,3,4]x[2,4,5]; [2,1,3,4]x[4,5] (2-D weight broadcast); [2,1,3,4]x[3,4,2] -> [2,3,3,2]")
    case("op_matmul_1d", 13, [N("MatMul", ["a", "v"], ["y0"]), N("MatMul", ["v2", "a"], ["y1"])],
         [("a", rnd(r, 3, 4)), ("v", rnd(r, 4)), ("v2", rnd(r, 3))], ["y0", "y1"],
         readme="MatMul with a 1-D operand (numpy semantics): [3,4]x[4] -> [3]; [3]x[3,4] -> [4]")


def gen_shape_ops():
    r = rng_for("op_shape"); x = rnd(r, 2, 3, 4, 5)
    case("op_flatten", 13,
         [N("Flatten", ["x"], ["y0"], axis=0), N("Flatten", ["x"], ["y1"]), N("Flatten", ["x"], ["y2"], axis=2),
          N("Flatten", ["x"], ["y3"], axis=-1), N("Flatten", ["x"], ["y4"], axis=4)],
         [("x", x)], ["y0", "y1", "y2", "y3", "y4"], readme="Flatten axis 0, default 1, 2, -1, 4 (=rank)")
    case("op_reshape", 13,
         [N("Reshape", ["x", "s0"], ["y0"]), N("Reshape", ["x", "s1"], ["y1"]),
          N("Reshape", ["x", "s2"], ["y2"]), N("Reshape", ["x", "s3"], ["y3"])],
         [("x", x)], ["y0", "y1", "y2", "y3"],
         {"s0": np.array([0, -1], np.int64), "s1": np.array([0, 0, 20], np.int64),
          "s2": np.array([-1, 0, 2, 10], np.int64), "s3": np.array([6, 20], np.int64)},
         readme="Reshape with 0 (copy dim) and -1 (infer): [0,-1], [0,0,20], [-1,0,2,10], [6,20]")
    case("op_transpose", 13,
         [N("Transpose", ["x"], ["y0"], perm=[0, 2, 3, 1]), N("Transpose", ["x"], ["y1"]),
          N("Transpose", ["x"], ["y2"], perm=[1, 0, 3, 2])],
         [("x", x)], ["y0", "y1", "y2"], readme="Transpose perm [0,2,3,1]; default (reverse); [1,0,3,2]")
    case("op_squeeze_opset11", 11,
         [N("Unsqueeze", ["x"], ["u"], axes=[0, -1]), N("Squeeze", ["u"], ["y0"], axes=[0, 5]),
          N("Squeeze", ["x1"], ["y1"]), N("Unsqueeze", ["x"], ["y2"], axes=[2])],
         [("x", x), ("x1", rnd(r, 1, 3, 1, 5))], ["y0", "y1", "y2"],
         readme="Squeeze/Unsqueeze opset 11: axes attribute (negative too); Squeeze without axes")
    case("op_squeeze_opset13", 13,
         [N("Unsqueeze", ["x", "ax_u"], ["u"]), N("Squeeze", ["u", "ax_s"], ["y0"]),
          N("Squeeze", ["x1"], ["y1"]), N("Unsqueeze", ["x", "ax_2"], ["y2"])],
         [("x", x), ("x1", rnd(r, 1, 3, 1, 5))], ["y0", "y1", "y2"],
         {"ax_u": np.array([0, -1], np.int64), "ax_s": np.array([0, 5], np.int64), "ax_2": np.array([2], np.int64)},
         readme="Squeeze/Unsqueeze opset 13: axes as an int64 input")
    case("op_concat", 13,
         [N("Concat", ["a", "b", "c"], ["y0"], axis=1), N("Concat", ["a", "a"], ["y1"], axis=-1),
          N("Concat", ["a"], ["y2"], axis=0)],
         [("a", rnd(r, 1, 2, 3, 3)), ("b", rnd(r, 1, 3, 3, 3)), ("c", rnd(r, 1, 1, 3, 3))], ["y0", "y1", "y2"],
         readme="Concat of 3 inputs on axis 1; axis -1; a single input")


def gen_binary():
    r = rng_for("op_binary"); x = rnd(r, 2, 3, 4, 5)
    div = (r.uniform(0.5, 2.0, (3, 1, 1)) * np.where(r.random((3, 1, 1)) < 0.5, -1, 1)).astype(np.float32)
    case("op_elementwise_broadcast", 13,
         [N("Add", ["x", "v5"], ["add"]), N("Sub", ["c311", "x"], ["sub"]), N("Mul", ["x", "s"], ["mul"]),
          N("Div", ["x", "d311"], ["div"]), N("Mul", ["a2141", "b1315"], ["outer"]),
          N("Add", ["x", "x"], ["same"]), N("Div", ["x", "two"], ["div1"])],
         [("x", x), ("a2141", rnd(r, 2, 1, 4, 1)), ("b1315", rnd(r, 1, 3, 1, 5))],
         ["add", "sub", "mul", "div", "outer", "same", "div1"],
         {"v5": rnd(r, 5), "c311": rnd(r, 3, 1, 1), "s": np.array(1.5, np.float32), "d311": div,
          "two": np.array([2.0], np.float32)},
         readme="Add/Sub/Mul/Div numpy broadcasting: [5], [3,1,1] on the left, scalar, [2,1,4,1]*[1,3,1,5], same shape, [1]")
    case("op_elementwise_opset7", 7,
         [N("Add", ["x", "v5"], ["add"]), N("Mul", ["x", "c311"], ["mul"]), N("Sub", ["x", "s"], ["sub"]),
          N("Div", ["x", "d311"], ["div"])],
         [("x", x)], ["add", "mul", "sub", "div"],
         {"v5": rnd(r, 5), "c311": rnd(r, 3, 1, 1), "s": np.array(1.5, np.float32), "d311": div},
         readme="Add/Mul/Sub/Div at opset 7 (first opset with numpy broadcasting, no broadcast attribute)")


def gen_broadcast_math():
    r = rng_for("op_broadcast_math"); x = rnd(r, 2, 3, 4, 5)
    p = r.uniform(0.5, 2.0, (2, 3, 4, 5)).astype(np.float32)
    e = r.uniform(-2.0, 2.0, (4, 1)).astype(np.float32)
    d = (r.uniform(0.5, 2.0, (3, 1, 1)) * np.where(r.random((3, 1, 1)) < 0.5, -1, 1)).astype(np.float32)
    y = rnd(r, 5); z = rnd(r, 3, 1, 5)
    x.flat[:4] = [3.0, -3.0, 0.0, -0.0]; d.flat[0] = -1.5  # exact multiples of the divisor: signed zeros
    case("op_broadcast_math", 13,
         [N("Pow", ["p", "e"], ["pow"]), N("Pow", ["x", "two"], ["sq"]), N("Pow", ["x", "three"], ["cube"]),
          N("Mod", ["x", "d"], ["fmod"], fmod=1),
          N("Max", ["x", "y", "z"], ["max3"]), N("Min", ["x", "y"], ["min2"]), N("Max", ["x"], ["max1"]),
          N("Min", ["z", "x", "y"], ["min3"]), N("Sum", ["x", "y", "z"], ["sum3"]), N("Sum", ["x"], ["sum1"]),
          N("Mean", ["y", "x"], ["mean2"]), N("Mean", ["x", "y", "z", "x"], ["mean4"]),
          # int64 arithmetic on constants, folded into a Reshape's shape: Pow, Python-style Mod
          # (the divisor's sign), C-style Mod, Max, Min, Sum
          N("Pow", ["i_base", "i_exp"], ["i_pow"]), N("Mod", ["i_pow", "i_div"], ["i_mod"]),
          N("Mod", ["i_neg", "i_div"], ["i_fmod"], fmod=1), N("Max", ["i_mod", "i_fmod", "i_lo"], ["i_max"]),
          N("Min", ["i_max", "i_hi"], ["i_min"]), N("Sum", ["i_min", "i_zero"], ["shape"]),
          N("Reshape", ["x", "shape"], ["reshaped"])],
         [("x", x), ("p", p), ("e", e), ("y", y), ("z", z)],
         ["pow", "sq", "cube", "fmod", "max3", "min2", "max1", "min3", "sum3", "sum1", "mean2", "mean4", "reshaped"],
         {"d": d, "two": np.array(2.0, np.float32), "three": np.array([3.0], np.float32),
          "i_base": np.array([2, -3], np.int64), "i_exp": np.array([3, 1], np.int64),
          "i_div": np.array([5, -2], np.int64), "i_neg": np.array([-7, 7], np.int64),
          "i_lo": np.array([-9, -9], np.int64), "i_hi": np.array([99, -1], np.int64),
          "i_zero": np.array([0, 0], np.int64)},
         readme="Pow (run-time exponent [4,1] broadcast; constant 2 and [3] on signed bases), Mod fmod=1 by [3,1,1] "
                "(signed divisors, exact multiples: signed zeros), variadic Max/Min/Sum/Mean of 1 to 4 inputs of "
                "shapes [2,3,4,5], [5], [3,1,5] in any order; int64 Pow, Mod (fmod 0 and 1), Max, Min, Sum on "
                "constants folded into a Reshape's shape [3, -1] (Pow [8,-3] % [5,-2] = [3,-1]).")


def gen_reduce_softmax():
    r = rng_for("op_rs"); x = rnd(r, 2, 3, 4, 5)
    case("op_reducemean", 13,
         [N("ReduceMean", ["x"], ["y0"], axes=[1]), N("ReduceMean", ["x"], ["y1"], axes=[2, 3]),
          N("ReduceMean", ["x"], ["y2"], axes=[2, 3], keepdims=0), N("ReduceMean", ["x"], ["y3"]),
          N("ReduceMean", ["x"], ["y4"], axes=[-1, 1], keepdims=0), N("ReduceMean", ["x"], ["y5"], keepdims=0)],
         [("x", x)], ["y0", "y1", "y2", "y3", "y4", "y5"],
         readme="ReduceMean axes [1]; [2,3]; [2,3] keepdims 0; no axes (all, keepdims 1 -> [1,1,1,1]); [-1,1] keepdims 0; all keepdims 0 (scalar)")
    case("op_softmax_opset11", 11,
         [N("Softmax", ["x"], ["y0"]), N("Softmax", ["x"], ["y1"], axis=2), N("Softmax", ["x"], ["y2"], axis=-1),
          N("Softmax", ["m"], ["y3"]), N("LogSoftmax", ["x"], ["y4"]), N("LogSoftmax", ["x"], ["y5"], axis=2)],
         [("x", x), ("m", rnd(r, 3, 7))], ["y0", "y1", "y2", "y3", "y4", "y5"],
         readme="Softmax opset 11 (flatten-to-2D semantics): default axis 1 on 4-D normalises over C*H*W; axis 2 over H*W; axis -1; 2-D; "
                "LogSoftmax default axis 1 and axis 2 (the same flattening)")
    case("op_softmax_opset13", 13,
         [N("Softmax", ["x"], ["y0"]), N("Softmax", ["x"], ["y1"], axis=1), N("Softmax", ["x"], ["y2"], axis=2),
          N("Softmax", ["m"], ["y3"]), N("LogSoftmax", ["x"], ["y4"], axis=1)],
         [("x", x), ("m", rnd(r, 3, 7))], ["y0", "y1", "y2", "y3", "y4"],
         readme="Softmax opset 13 (single-axis semantics): default axis -1; axis 1; axis 2; 2-D; LogSoftmax axis 1")


def gen_reduce():
    r = rng_for("op_reduce"); x = rnd(r, 2, 3, 4, 5)
    p = r.uniform(0.5, 1.5, (2, 3, 4, 5)).astype(np.float32)
    big = (90 + rnd(r, 2, 3, 4)).astype(np.float32)  # exp overflows float32: needs the max-shifted form
    case("op_reduce", 13,
         [N("ReduceSum", ["x", "ax1"], ["sum1"]), N("ReduceSum", ["x", "ax_m10"], ["sum_m10"], keepdims=0),
          N("ReduceSum", ["x"], ["sum_all"]), N("ReduceSum", ["x", "ax_none"], ["sum_noop"], noop_with_empty_axes=1),
          N("ReduceMax", ["x"], ["max13"], axes=[1, 3]), N("ReduceMax", ["x"], ["max_all"], keepdims=0),
          N("ReduceMin", ["x"], ["min_m2"], axes=[-2]), N("ReduceProd", ["p"], ["prod23"], axes=[2, 3]),
          N("ReduceL1", ["x"], ["l1_0"], axes=[0], keepdims=0), N("ReduceL2", ["x"], ["l2_12"], axes=[1, 2]),
          N("ReduceSumSquare", ["x"], ["ss3"], axes=[3]), N("ReduceLogSum", ["p"], ["ls1"], axes=[1]),
          N("ReduceLogSumExp", ["x"], ["lse23"], axes=[2, 3], keepdims=0),
          N("ReduceLogSumExp", ["big"], ["lse_big"], axes=[1]),
          # int64 reductions of constants (a shape), folded into Reshape shapes
          N("Shape", ["x"], ["s"]), N("ReduceProd", ["s"], ["count"]), N("Reshape", ["x", "count"], ["flat"]),
          N("ReduceSum", ["ones"], ["lead"]), N("ReduceMin", ["s"], ["smin"], axes=[0]),
          N("ReduceMax", ["negs"], ["m1"]), N("Concat", ["lead", "smin", "m1"], ["shape3"], axis=0),
          N("Reshape", ["x", "shape3"], ["reshaped"])],
         [("x", x), ("p", p), ("big", big)],
         ["sum1", "sum_m10", "sum_all", "sum_noop", "max13", "max_all", "min_m2", "prod23", "l1_0", "l2_12", "ss3",
          "ls1", "lse23", "lse_big", "flat", "reshaped"],
         {"ax1": np.array([1], np.int64), "ax_m10": np.array([-1, 0], np.int64), "ax_none": np.zeros(0, np.int64),
          "ones": np.array([1, 1], np.int64), "negs": np.array([-1, -5], np.int64)},
         readme="Every Reduce op at opset 13: ReduceSum with axes as an input ([1], [-1,0] keepdims 0, omitted = all, "
                "empty with noop_with_empty_axes = identity), ReduceMax/Min/Prod/L1/L2/SumSquare/LogSum/LogSumExp with "
                "axes attributes (negative, several, all, keepdims 0 to a scalar), ReduceLogSumExp of values near 90 "
                "(exp overflows float32); int64 ReduceProd/Sum/Min/Max on Shape(x) and constants folded into Reshape "
                "shapes [120] and [2,2,-1].")


def gen_pad():
    r = rng_for("op_pad"); x = rnd(r, 1, 2, 3, 4)
    case("op_pad_opset7", 7,
         [N("Pad", ["x"], ["y0"], pads=[0, 0, 1, 2, 0, 0, 2, 1]), N("Pad", ["x"], ["y1"], pads=[0, 1, 0, 0, 0, 0, 1, 1], value=-1.5),
          N("Pad", ["x"], ["y2"], mode="constant", pads=[0, 0, 0, 0, 0, 0, 0, 0])],
         [("x", x)], ["y0", "y1", "y2"], readme="Pad opset 7: pads and value attributes; channel padding; all-zero pads")
    case("op_pad_opset13", 13,
         [N("Pad", ["x", "p0"], ["y0"]), N("Pad", ["x", "p1", "cv"], ["y1"], mode="constant")],
         [("x", x)], ["y0", "y1"],
         {"p0": np.array([0, 0, 1, 2, 0, 0, 2, 1], np.int64), "p1": np.array([0, 1, 0, 0, 0, 0, 1, 1], np.int64),
          "cv": np.array(-1.5, np.float32)},
         readme="Pad opset 13: pads as int64 input; constant_value input omitted (0) and given (-1.5)")
    case("op_pad_negative", 13,
         [N("Pad", ["x", "p0"], ["y0"]), N("Pad", ["x", "p1", "cv"], ["y1"])],
         [("x", x)], ["y0", "y1"],
         {"p0": np.array([0, 0, -1, 1, 0, 0, 1, -2], np.int64), "p1": np.array([0, 0, 0, -1, 0, -1, 0, 0], np.int64),
          "cv": np.array(0.5, np.float32)},
         readme="Pad with negative pads (crop), allowed by the spec; mixed with positive pads")


def gen_old_opsets():
    """Opsets 1 and 6: the forms passes/opset.c maps onto the IR."""
    r = rng_for("op_opset6")
    x = rnd(r, 2, 3, 4, 5); b3 = rnd(r, 3); b34 = rnd(r, 3, 4); slope = rnd(r, 3, scale=0.3)
    w = wconv(r, 3, 3, 3, 3)
    nodes = [N("Conv", ["x", "w"], ["c"], pads=[1, 1, 1, 1]),
             # bias broadcast along axis 1 of a computed tensor: a constant B ...
             N("Add", ["c", "b3"], ["cb"], broadcast=1, axis=1),
             # ... a run-time B (a graph input) of rank 2, and numpy's suffix rule without axis
             N("Mul", ["cb", "v34"], ["m"], broadcast=1, axis=1),
             N("Sub", ["m", "v5"], ["s"], broadcast=1),
             N("Div", ["s", "two"], ["dv"], broadcast=1, axis=0),
             N("PRelu", ["dv", "slope"], ["p"]),
             N("BatchNormalization", ["p", "sc", "bb", "mean", "var"], ["bn"], is_test=1, epsilon=1e-3),
             N("Dropout", ["bn"], ["y"], is_test=1, ratio=0.25),
             N("Relu", ["y"], ["relu"])]
    inits = {"w": w, "b3": b3, "slope": slope, "two": np.array([2.0], np.float32),
             "sc": (1 + rnd(r, 3, scale=0.1)), "bb": rnd(r, 3, scale=0.1), "mean": rnd(r, 3, scale=0.1),
             "var": (1 + np.abs(rnd(r, 3, scale=0.1))).astype(np.float32)}
    case("op_opset6", 6, nodes, [("x", x), ("v34", b34), ("v5", rnd(r, 5))], ["relu"], inits=inits,
         readme="Opset 6 forms: Add/Mul/Sub/Div with broadcast=1 and axis (a constant and a run-time B "
                "lined up with a computed A from axis on; no axis: the suffix rule), PRelu with a per-channel "
                "1-D slope, BatchNormalization and Dropout with is_test=1")
    r = rng_for("op_opset1")
    x = rnd(r, 1, 2, 3, 4)
    nodes = [N("Reshape", ["x"], ["rs"], shape=[1, 2, 4, 3]),
             N("Pad", ["rs"], ["pd"], paddings=[0, 0, 1, 0, 0, 0, 0, 2], value=0.5),
             N("Concat", ["pd", "pd"], ["cat"]),
             N("Selu", ["cat"], ["selu"]),
             N("Softmax", ["selu"], ["sm"]),
             N("Pow", ["sm", "half"], ["pw"], broadcast=1, axis=1),
             N("Relu", ["pw"], ["y"], consumed_inputs=[0])]
    case("op_opset1", 1, nodes, [("x", x)], ["y"], inits={"half": np.array([0.5, 2.0, 1.0, 0.5], np.float32)},
         readme="Opset 1 forms: Reshape's shape attribute, Pad's paddings, Concat's default axis 1, Selu's own "
                "defaults (1.6732, 1.0507), Softmax over the flattened trailing dims, Pow with broadcast axis, Relu's consumed_inputs")


def gen_old_opset_data():
    """Slice, Split, Tile and Cast in their old forms (passes/opset.c, params.c)."""
    r = rng_for("op_opset1_data"); x = rnd(r, 2, 6, 4)
    x.flat[:4] = [0.0, -0.0, 2.5, -1.0]  # Cast to BOOL: zeros are false
    i64 = lambda *a: np.array(a, np.int64)
    case("op_opset1_data", 1,
         [N("Slice", ["x"], ["s_axes"], starts=[1, 0], ends=[5, -1], axes=[1, 2]),
          N("Slice", ["x"], ["s_noaxes"], starts=[0, 2], ends=[1, 100]),
          N("Split", ["x", "sp"], ["sa", "sb"], axis=1),
          N("Split", ["x"], ["sc", "sd"], axis=2, split=[1, 3]),
          N("Split", ["x"], ["se", "sf"]),
          N("Tile", ["x", "tiles", "tax"], ["ti"]),
          N("Cast", ["x"], ["xb"], to="BOOL"), N("Cast", ["xb"], ["xbf"], to="FLOAT"),
          N("Cast", ["k"], ["kf"], to="FLOAT"), N("Mul", ["xbf", "kf"], ["y"], broadcast=1, axis=2)],
         [("x", x)], ["s_axes", "s_noaxes", "sa", "sb", "sc", "sd", "se", "sf", "ti", "y"],
         {"sp": i64(2, 4), "tiles": np.array(2, np.int64), "tax": np.array(1, np.int64), "k": i64(1, 2, 3, 4)},
         readme="Opset 1 forms: Slice-1 with starts/ends/axes attributes (negative end, end past the extent) and "
                "without axes; Split-1 with the sizes as a constant input 1, as the attribute, and in equal parts "
                "on the default axis 0; Tile-1 (tiles 2 along axis 1, both constant scalar inputs); Cast-1 with "
                "type names: float -> BOOL -> FLOAT at run time (0 and -0 are false), a constant INT64 -> FLOAT "
                "(folded) as a Mul-1 broadcast along axis 2")
    r = rng_for("op_opset9_data"); x = rnd(r, 2, 6, 4)
    case("op_opset9_data", 9,
         [N("Slice", ["x"], ["s_neg"], starts=[-4, -3], ends=[-1, 1000], axes=[1, -1]),
          N("Split", ["x"], ["sa", "sb", "sc"], axis=1, split=[1, 2, 3]),
          N("Tile", ["x", "reps"], ["ti"]),
          N("Cast", ["x"], ["xb"], to=TensorProto.BOOL), N("Cast", ["xb"], ["y"], to=TensorProto.FLOAT)],
         [("x", x)], ["s_neg", "sa", "sb", "sc", "ti", "y"], {"reps": i64(1, 2, 3)},
         readme="Opset 9 forms: Slice-1 (attributes; negative starts and ends, axis -1); Split-2 with the "
                "attribute split; Tile-6; Cast-9 float -> BOOL -> FLOAT")
    r = rng_for("op_opset18_split"); x = rnd(r, 2, 7, 3)
    case("op_opset18_split", 18,
         [N("Split", ["x"], ["sa", "sb", "sc"], axis=1, num_outputs=3),
          N("Split", ["x"], ["sd", "se"], axis=-1, num_outputs=2)],
         [("x", x)], ["sa", "sb", "sc", "sd", "se"], check=False,
         readme="Split-18 with num_outputs: 7 into 3, 3, 1 on axis 1; 3 into 2, 1 on axis -1 (the last part "
                "smaller). Not checked by onnx.checker: Debian's onnx 1.12 knows opsets up to 17.")
    r = rng_for("op_opset11_split"); x = rnd(r, 2, 6, 4)
    case("op_opset11_split", 11,
         [N("Split", ["x"], ["sa", "sb"], axis=-2, split=[4, 2]), N("Split", ["x"], ["sc", "sd"], axis=-1)],
         [("x", x)], ["sa", "sb", "sc", "sd"],
         readme="Split-11: the attribute split on a negative axis; equal parts on axis -1")


def gen_misc():
    r = rng_for("op_misc"); x = rnd(r, 1, 3, 4, 4)
    case("op_dropout_opset7", 7, [N("Dropout", ["x"], ["y0"], ratio=0.3), N("Dropout", ["x"], ["y1"])],
         [("x", x)], ["y0", "y1"], readme="Dropout opset 7 (inference = identity): ratio attribute, default ratio")
    case("op_dropout_opset12", 12,
         [N("Dropout", ["x", "ratio"], ["y0"]), N("Dropout", ["x"], ["y1"]),
          N("Dropout", ["x", "ratio", "tm"], ["y2", ""])],
         [("x", x)], ["y0", "y1", "y2"],
         {"ratio": np.array(0.3, np.float32), "tm": np.array(False)},
         readme="Dropout opset 12: ratio input; no ratio; ratio + training_mode=false input and the mask output omitted with \"\"")
    cval = rnd(r, 1, 3, 1, 1)
    case("op_constant", 13,
         [N("Constant", [], ["c_raw"], value=numpy_helper.from_array(cval, "c_raw_v")),
          N("Constant", [], ["c_typed"], value=helper.make_tensor("c_typed_v", TensorProto.FLOAT, [4], [0.5, -1.0, 2.0, 0.25])),
          N("Constant", [], ["c_f"], value_float=0.75),
          N("Constant", [], ["shape"], value=helper.make_tensor("shape_v", TensorProto.INT64, [2], [3, -1])),
          N("Add", ["x", "c_raw"], ["t0"]), N("Mul", ["t0", "c_typed"], ["t1"]), N("Sub", ["t1", "c_f"], ["t2"]),
          N("Reshape", ["t2", "shape"], ["y"])],
         [("x", x)], ["y"],
         readme="Constant nodes: value tensor in rawData, value in floatData, value_float (opset 12+), int64 shape for a Reshape")


def gen_formats():
    r = rng_for("fmt"); x = rnd(r, 1, 3, 6, 6)
    w = wconv(r, 4, 3, 3, 3); b = rnd(r, 4, scale=0.1); rnd(r, 10, 16); fb = rnd(r, 10, scale=0.1)
    rnd(r, 1, 3, 6, 6)  # (draws kept so the seeded data stays as first generated)
    nodes_small = [N("Conv", ["x", "w", "b"], ["c"], pads=[1, 1, 1, 1], strides=[2, 2]), N("Relu", ["c"], ["r"]),
                   N("GlobalAveragePool", ["r"], ["g"]), N("Reshape", ["g", "shape"], ["f2"]),
                   N("Gemm", ["f2", "fw4", "fb"], ["y"], transB=1)]
    inits = {"w": w, "b": b, "shape": np.array([0, -1], np.int64), "fw4": rnd(r, 10, 4, scale=0.5), "fb": fb}
    common = "Conv(stride 2, pad 1) -> Relu -> GlobalAveragePool -> Reshape [0,-1] -> Gemm(transB). "
    case("fmt_init_as_input", 7, nodes_small, [("x", x)], ["y"], inits, init_as_input=True, ir_version=3,
         readme=common + "IR version 3: every initializer is also listed in graph.input (after the real input). "
                "Only graph inputs without an initializer get an input_k.npy; the others keep their initializer value.")
    case("fmt_typed_fields", 13, nodes_small, [("x", x)], ["y"], inits, typed=True,
         readme=common + "All initializers in typed fields: floatData (JSON numbers), int64Data (JSON strings), no rawData.")
    case("fmt_int64_numbers", 13, nodes_small, [("x", x)], ["y"], inits, typed=True, fmt="intnum",
         readme=common + "int64 values written as JSON numbers, not strings: dims, int64Data, attribute i/ints, irVersion, version.")
    case("fmt_enum_numbers", 13, nodes_small, [("x", x)], ["y"], inits, fmt="enumnum",
         readme=common + "Enums as numbers (use_integers_for_enums): attribute \"type\": 2/7 instead of \"INT\"/\"INTS\". (dataType and elemType are int32 fields in onnx.proto, so they are numbers in every model.)")
    case("fmt_snake_case", 13, nodes_small, [("x", x)], ["y"], inits, fmt="snake",
         readme=common + "Keys use the proto field names (op_type, raw_data, data_type, elem_type, tensor_type, ir_version, opset_import ...) instead of lowerCamelCase.")
    xb = rnd(r, 2, 3, 6, 6)
    case("fmt_symbolic_batch", 13, nodes_small, [("x", xb)], ["y"], inits,
         input_shapes={"x": ["batch", 3, 6, 6], "y": ["batch", 10]},
         readme=common + "Batch dim is symbolic (dimParam \"batch\") on input and output: run with --dim batch=2 (inputs have batch 2).")


def gen_hand():
    """Hand-written JSON models (tests/models/hand_*/model.json are the sources; never
    overwritten here): parse them, evaluate with the numpy reference, write the .npy files."""
    for name in sorted(os.listdir(MODELS)):
        if not name.startswith("hand_"):
            continue
        d = os.path.join(MODELS, name)
        with open(os.path.join(d, "model.json")) as f:
            text = f.read()
        model = json_format.Parse(text, onnx.ModelProto())
        onnx.checker.check_model(model)
        r = rng_for(name)
        inits = {t.name for t in model.graph.initializer}
        feeds = []
        for i in model.graph.input:
            if i.name in inits:
                continue
            shape = [dd.dim_value for dd in i.type.tensor_type.shape.dim]
            feeds.append(rnd(r, *shape))
        outs = run_model(model, feeds)
        write_case(name, model, feeds, outs, json_text=text.rstrip("\n"))


def gen_logic():
    """Comparisons, logic, Where and Cast on run-time floats (bools as 0/1 in the generated C)."""
    r = rng_for("op_compare_where"); x = rnd(r, 2, 3, 4); z = rnd(r, 3, 1)
    x.flat[:3] = [0.5, -0.25, 1.0]; z.flat[0] = 0.5  # ties: equal values compare equal
    case("op_compare_where", 13,
         [N("Less", ["x", "z"], ["lt"]), N("Greater", ["x", "z"], ["gt"]), N("Equal", ["x", "z"], ["eq"]),
          N("LessOrEqual", ["x", "half"], ["le"]), N("GreaterOrEqual", ["z", "x"], ["ge"]),
          N("Not", ["lt"], ["nlt"]), N("And", ["le", "ge"], ["both"]), N("Or", ["lt", "eq"], ["either"]),
          N("Xor", ["gt", "mask"], ["xr"]),
          N("Where", ["lt", "x", "z"], ["wh"]), N("Where", ["mask", "x", "zero"], ["whc"]),
          N("Cast", ["nlt"], ["f"], to=TensorProto.FLOAT), N("Cast", ["x"], ["b"], to=TensorProto.BOOL),
          N("Mul", ["f", "x"], ["fx"]),
          N("ArgMax", ["x"], ["am"], axis=2), N("ArgMin", ["x"], ["an"], axis=1, keepdims=0)],
         [("x", x), ("z", z)], ["lt", "gt", "eq", "le", "ge", "nlt", "both", "either", "xr", "wh", "whc", "f", "b",
                                "fx", "am", "an"],
         {"half": np.array(0.5, np.float32), "zero": np.array(0.0, np.float32),
          "mask": np.array([True, False, True, True], np.bool_)},
         readme="Less, Greater, Equal (ties included), LessOrEqual, GreaterOrEqual broadcast on run-time floats; Not, "
                "And, Or, Xor of their bools and a constant bool mask; Where with a computed and a constant "
                "condition; Cast bool -> float (then Mul) and float -> bool; ArgMax axis 2 and ArgMin axis 1 "
                "without keepdims as graph outputs. Bool outputs are 0/1.")


def gen_data_ops():
    """Slice (steps, negative indices), Expand, Tile, Split on run-time tensors; shapes computed from constants
    (Shape, ReduceProd, Cast, ConstantOfShape, Range, Size) folded."""
    r = rng_for("op_slice_expand"); x = rnd(r, 2, 6, 5, 4); v = rnd(r, 3, 1)
    i64 = lambda *a: np.array(a, np.int64)
    case("op_slice_expand", 13,
         [N("Slice", ["x", "s0", "e0", "a0", "p0"], ["s_steps"]),
          N("Slice", ["x", "s1", "e1", "a1", "p1"], ["s_neg"]),
          N("Slice", ["x", "s2", "e2"], ["s_plain"]),
          N("Expand", ["v", "eshape"], ["ex"]), N("Tile", ["v", "reps"], ["ti"]),
          N("Split", ["x", "sp"], ["sa", "sb"], axis=1), N("Split", ["x"], ["sc", "sd"], axis=-1),
          # shapes from constants: [4, 6*5*4 / 2] from Shape, ReduceProd, Cast, Div, Concat
          N("Shape", ["x"], ["xs"]), N("Slice", ["xs", "one", "big"], ["tail"]),
          N("ReduceProd", ["tail"], ["prod"], keepdims=1), N("Cast", ["prod"], ["prodf"], to=TensorProto.FLOAT),
          N("Div", ["prodf", "twof"], ["halff"]), N("Cast", ["halff"], ["half"], to=TensorProto.INT64),
          N("Concat", ["four", "half"], ["rshape"], axis=0), N("Reshape", ["x", "rshape"], ["rs"]),
          N("ConstantOfShape", ["cshape"], ["ones"], value=numpy_helper.from_array(np.array([1.5], np.float32))),
          N("Range", ["r0", "r1", "r2"], ["rng"]), N("Cast", ["rng"], ["rngf"], to=TensorProto.FLOAT),
          N("Mul", ["ones", "rngf"], ["cr"]), N("Add", ["v", "cr"], ["vcr"]),
          N("Size", ["x"], ["sz"]), N("Cast", ["sz"], ["szf"], to=TensorProto.FLOAT), N("Mul", ["v", "szf"], ["vsz"])],
         [("x", x), ("v", v)],
         ["s_steps", "s_neg", "s_plain", "ex", "ti", "sa", "sb", "sc", "sd", "rs", "vcr", "vsz"],
         {"s0": i64(0, 1), "e0": i64(6, 5), "a0": i64(1, 2), "p0": i64(2, 3),
          "s1": i64(-1, 3, 100), "e1": i64(-100, 0, -5), "a1": i64(1, 3, -2), "p1": i64(-2, -1, -1),
          "s2": i64(0, 1), "e2": i64(1, -1),
          "eshape": i64(2, 3, 4), "reps": i64(2, 3), "sp": i64(2, 4),
          "one": i64(1), "big": i64(2 ** 62), "four": i64(4), "twof": np.array([2.0], np.float32),
          "cshape": i64(3, 4), "r0": np.array(1, np.int64), "r1": np.array(9, np.int64), "r2": np.array(2, np.int64)},
         readme="Slice with steps 2 and 3 (axes 1, 2), negative steps and indices (start -1 / 100 past the end, end "
                "-100 / -5, axes 1, 3, -2), plain starts [0, 1] and ends [1, -1] (no axes, no steps); Expand [3,1] to [2,3,4]; Tile [3,1] by [2,3]; Split "
                "[2,4] on axis 1 and in equal halves on the last axis; a Reshape to [4, 60] whose shape is computed "
                "from Shape, Slice, ReduceProd, Cast, Div, Cast, Concat (all folded); ConstantOfShape 1.5 times "
                "Cast(Range(1, 9, 2)) added to a run-time [3,1]; Size cast to float.")


def gen_typed_io():
    """Graph inputs and outputs of other types than float32: an int64 and a bool input, an int32, an int64 and
    bool outputs, in the files (.npy of their own dtype) and in the generated C API. Expected values computed
    here in plain numpy (not by run_model)."""
    name = "io_typed"
    idx = np.array([[-4, 3, 0], [2, -1, 1]], np.int64)
    mask = np.array([[True, False, True], [False, True, True]], np.bool_)
    x = rnd(rng_for(name), 4, 3)
    k = np.array([10, -20, 300], np.int64)
    seven = np.array(7, np.int64)
    zero = np.array(0, np.int64)
    a = idx + k                                  # Add (broadcast)
    m = a * idx                                  # Mul
    d = np.trunc(m / 7.0).astype(np.int64)       # Div on integers: toward zero
    w = np.where(mask, d, -idx)                  # Where(mask, d, Neg(idx))
    y = w.astype(np.int32)                       # Cast to INT32
    nb = np.logical_not(mask)                    # Not
    both = np.logical_and(idx > zero, mask)      # And(Greater(idx, 0), mask)
    g = x[idx]                                   # Gather axis 0, negative indices from the end
    outs = [y, nb, both, a, g]
    nodes = [N("Add", ["idx", "k"], ["a"]), N("Mul", ["a", "idx"], ["m"]), N("Div", ["m", "seven"], ["d"]),
             N("Neg", ["idx"], ["nidx"]), N("Where", ["mask", "d", "nidx"], ["w"]),
             N("Cast", ["w"], ["y"], to=TensorProto.INT32), N("Not", ["mask"], ["nb"]),
             N("Greater", ["idx", "zero"], ["pos"]), N("And", ["pos", "mask"], ["both"]),
             N("Gather", ["x", "idx"], ["g"], axis=0)]
    tp = lambda v: {np.dtype(np.int32): TensorProto.INT32, np.dtype(np.int64): TensorProto.INT64,
                    np.dtype(np.bool_): TensorProto.BOOL}.get(v.dtype, TensorProto.FLOAT)
    gin = [helper.make_tensor_value_info("idx", TensorProto.INT64, [2, 3]),
           helper.make_tensor_value_info("mask", TensorProto.BOOL, [2, 3]), vi("x", [4, 3])]
    gout = [helper.make_tensor_value_info(n, tp(v), list(v.shape)) for n, v in zip(["y", "nb", "both", "a", "g"], outs)]
    inits = [numpy_helper.from_array(v, n) for n, v in [("k", k), ("seven", seven), ("zero", zero)]]
    model = helper.make_model(helper.make_graph(nodes, name, gin, gout, inits),
                              opset_imports=[helper.make_opsetid("", 13)], producer_name="xnorcc-gen_onnx")
    onnx.checker.check_model(model)
    d = os.path.join(MODELS, name)
    os.makedirs(d, exist_ok=True)
    for f in os.listdir(d):
        if f.endswith(".npy"):
            os.remove(os.path.join(d, f))
    with open(os.path.join(d, "model.json"), "w") as f:
        f.write(model_json(model) + "\n")
    onnx.save(model, os.path.join(d, "model.onnx"))
    for i, v in enumerate([idx, mask, x]):
        np.save(os.path.join(d, "input_%d.npy" % i), v)
    for i, v in enumerate(outs):
        np.save(os.path.join(d, "output_%d.npy" % i), v)
    with open(os.path.join(d, "README"), "w") as f:
        f.write("Typed graph inputs and outputs: idx int64 [2,3] (negative values), mask bool [2,3], x float32 [4,3]; "
                "outputs y int32 = Cast(Where(mask, (idx + k) * idx / 7 toward zero, -idx)), nb bool = Not(mask), "
                "both bool = And(idx > 0, mask), a int64 = idx + k, g float32 = Gather(x, idx). Inputs and expected "
                "outputs are .npy files of those dtypes, computed in plain numpy by gen_onnx.py gen_typed_io.\n")


def main():
    if len(sys.argv) > 1:  # only the named generators, e.g. gen_logic
        for name in sys.argv[1:]:
            globals()[name]()
        return
    gen_conv(); gen_conv_kernels(); gen_bn(); gen_act(); gen_unary_math(); gen_clip(); gen_pool(); gen_gemm(); gen_matmul()
    gen_shape_ops(); gen_binary(); gen_broadcast_math(); gen_reduce_softmax(); gen_reduce(); gen_pad(); gen_old_opsets(); gen_old_opset_data(); gen_misc(); gen_formats(); gen_hand()
    gen_logic(); gen_data_ops(); gen_typed_io()
    print("gen_onnx: done")


if __name__ == "__main__":
    sys.exit(main())
