#!/usr/bin/python3
"""Write the .onnx bad-model cases of tests/bad/onnx (NAME.onnx, NAME.dir/).

Run from anywhere: /usr/bin/python3 tests/bad/onnx/gen.py
Needs python3-onnx (scripts/deps.sh models); the tests need only the files
it writes, which are committed. Re-running rewrites identical bytes.

Three kinds of cases:
  - the JSON cases of tests/bad whose mistake is in the model, not in the
    JSON syntax, parsed with protobuf's json_format and serialized (same name);
  - broken wire format, written byte by byte with the small encoder below
    (truncations, wrong wire types, overlong varints, bad strings);
  - external data that is missing, short or outside the model's folder:
    NAME.onnx plus NAME.dir/, whose contents run_bad.sh copies beside it.
The expected messages (NAME.err) are written by hand.
"""
import json
import os
import shutil
import struct

import onnx
from google.protobuf import json_format
from onnx import TensorProto, helper

HERE = os.path.dirname(os.path.abspath(__file__))
JSON_CASES = os.path.dirname(HERE)

# JSON cases converted as they are.
FROM_JSON = [
    "arity", "data_huge_declared", "data_long", "data_short", "dims_negative_initializer",
    "dims_overflow", "dims_zero_input", "domain_unknown", "dtype_unknown", "dtype_unsupported",
    "dtype_wrong_field", "initializer_duplicate", "input_duplicate", "input_no_shape",
    "input_not_float", "op_unknown_several", "opset_missing", "opset_unsupported",
    "output_missing", "symbolic_dim", "opset_op_too_new", "opset6_training",
    # the verifier's rules (compiler/ir/verify.c), also in tests/bad/xir
    "attr_type", "bn_zero_batch", "concat_omitted", "empty_output", "input_omitted", "pad_mode",
    "shape_declared",
]

DTYPES = {k: v for k, v in TensorProto.DataType.items()}


def numeric_enums(v):
    """dataType/elemType given by name -> number (json_format wants numbers for int32 fields)."""
    if isinstance(v, dict):
        return {k: (DTYPES[x] if k in ("dataType", "elemType", "data_type", "elem_type") and isinstance(x, str)
                    and x in DTYPES else numeric_enums(x)) for k, x in v.items()}
    if isinstance(v, list):
        return [numeric_enums(x) for x in v]
    return v


# ---- a minimal protobuf encoder, for bytes no serializer would write ----

def varint(n):
    n &= (1 << 64) - 1
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        out.append(b | (0x80 if n else 0))
        if not n:
            return bytes(out)


def tag(num, wire):
    return varint(num << 3 | wire)


def f_varint(num, n):
    return tag(num, 0) + varint(n)


def f_len(num, payload):
    if isinstance(payload, str):
        payload = payload.encode()
    return tag(num, 2) + varint(len(payload)) + payload


def relu_model(node=None, initializers=(), inputs=None, graph_extra=b""):
    """ModelProto bytes of Relu(x) -> y, x float[1, 4], with the node replaceable."""
    opset = f_len(8, f_varint(2, 13))
    if node is None:
        node = f_len(1, "x") + f_len(2, "y") + f_len(3, "relu") + f_len(4, "Relu")
    shape = f_len(2, f_len(1, f_varint(1, 1)) + f_len(1, f_varint(1, 4)))
    xtype = f_len(2, f_len(1, f_varint(1, 1) + shape))
    if inputs is None:
        inputs = [f_len(1, "x") + xtype]
    graph = f_len(1, node) + f_len(2, "bad")
    for t in initializers:
        graph += f_len(5, t)
    for i in inputs:
        graph += f_len(11, i)
    graph += f_len(12, f_len(1, "y")) + graph_extra
    return f_varint(1, 8) + opset + f_len(7, graph)


def add_model(tensor, x_dims=(4,)):
    """ModelProto bytes of Add(x, w) -> y with the initializer w given as TensorProto bytes."""
    opset = f_len(8, f_varint(2, 13))
    node = f_len(1, "x") + f_len(1, "w") + f_len(2, "y") + f_len(3, "add") + f_len(4, "Add")
    shape = f_len(2, b"".join(f_len(1, f_varint(1, d)) for d in x_dims))
    xtype = f_len(2, f_len(1, f_varint(1, 1) + shape))
    graph = (f_len(1, node) + f_len(2, "bad") + f_len(5, tensor) + f_len(11, f_len(1, "x") + xtype)
             + f_len(12, f_len(1, "y")))
    return f_varint(1, 8) + opset + f_len(7, graph)


def float_tensor(name, dims, values=None, extra=b""):
    t = b"".join(f_varint(1, d) for d in dims) + f_varint(2, TensorProto.FLOAT) + f_len(8, name)
    if values is not None:
        t += f_len(9, struct.pack("<%df" % len(values), *values))
    return t + extra


def external(name, dims, entries):
    """A FLOAT tensor whose data is external: entries are (key, value) pairs."""
    ext = b"".join(f_len(13, f_len(1, k) + f_len(2, v)) for k, v in entries)
    return float_tensor(name, dims, extra=ext + f_varint(14, 1))


WIRE = {
    # a valid model cut short in its graph
    "truncated": relu_model()[:-9],
    # op_type (field 4 of NodeProto) as a varint
    "wire_type": relu_model(node=f_len(1, "x") + f_len(2, "y") + f_varint(4, 7)),
    # an initializer dim whose varint has 11 bytes
    "varint_overflow": relu_model(initializers=[tag(1, 0) + b"\xff" * 10 + b"\x01" + f_varint(2, 1)]),
    # an attribute whose length runs past the end of its node
    "length_past_end": relu_model(node=f_len(1, "x") + f_len(2, "y") + f_len(4, "Relu") + tag(5, 2) + varint(40)
                                  + f_len(1, "alpha")),
    # an unknown graph field with a group wire type
    "group": relu_model(graph_extra=tag(30, 3)),
    # a node name that is not UTF-8, an input name with a NUL
    "name_utf8": relu_model(node=f_len(1, "x") + f_len(2, "y") + f_len(3, b"re\xfflu") + f_len(4, "Relu")),
    "name_nul": relu_model(node=f_len(1, b"x\x00y") + f_len(2, "y") + f_len(4, "Relu")),
    # packed float_data of 7 bytes
    "packed_fixed": add_model(f_varint(1, 4) + f_varint(2, 1) + f_len(8, "w") + f_len(4, b"\0" * 7)),
    # data_type far beyond the enum
    "dtype_huge": add_model(f_varint(1, 4) + f_varint(2, 1 << 40) + f_len(8, "w")),
    # an invalid wire type (6) at the top level
    "wire_invalid": f_varint(1, 8) + tag(3, 6),
    # a JSON model named .onnx, and an empty file
    "json": b'{"irVersion": "8"}\n',
    "empty": b"",
}

# name: (model bytes, {file: bytes or ("link", target) or ("dir", {...})})
W4 = struct.pack("<4f", 1, 2, 3, 4)
EXTERNAL = {
    "ext_dotdot": (add_model(external("w", [4], [("location", "../w.bin")])), {"w.bin": W4}),
    "ext_absolute": (add_model(external("w", [4], [("location", "/etc/passwd")])), {}),
    "ext_symlink": (add_model(external("w", [4], [("location", "w.bin")])), {"w.bin": ("link", "/dev/null")}),
    "ext_missing": (add_model(external("w", [4], [("location", "weights.bin")])), {"w.bin": W4}),
    "ext_offset": (add_model(external("w", [4], [("location", "w.bin"), ("offset", "17")])), {"w.bin": W4}),
    "ext_length": (add_model(external("w", [4], [("location", "w.bin"), ("offset", "4"), ("length", "16")])),
                   {"w.bin": W4}),
    "ext_count": (add_model(external("w", [4], [("location", "w.bin"), ("length", "12")])), {"w.bin": W4}),
    "ext_not_file": (add_model(external("w", [4], [("location", "sub")])), {"sub": ("dir", {"w.bin": W4})}),
    "ext_no_location": (add_model(external("w", [4], [("offset", "0")])), {"w.bin": W4}),
    "ext_offset_text": (add_model(external("w", [4], [("location", "w.bin"), ("offset", "-4")])), {"w.bin": W4}),
    "ext_and_raw": (add_model(float_tensor("w", [4], [1, 2, 3, 4],
                                           f_len(13, f_len(1, "location") + f_len(2, "w.bin")) + f_varint(14, 1))),
                    {"w.bin": W4}),
    "ext_not_external": (add_model(float_tensor("w", [4], None, f_len(13, f_len(1, "location") + f_len(2, "w.bin")))),
                         {"w.bin": W4}),
}


def write_tree(path, files):
    os.makedirs(path)
    for name, v in sorted(files.items()):
        p = os.path.join(path, name)
        if isinstance(v, tuple) and v[0] == "link":
            os.symlink(v[1], p)
        elif isinstance(v, tuple) and v[0] == "dir":
            write_tree(p, v[1])
        else:
            with open(p, "wb") as f:
                f.write(v)


def main():
    for name in FROM_JSON:
        with open(os.path.join(JSON_CASES, name + ".json")) as f:
            m = json_format.Parse(json.dumps(numeric_enums(json.load(f))), onnx.ModelProto())
        with open(os.path.join(HERE, "%s.onnx" % name), "wb") as f:
            f.write(m.SerializeToString(deterministic=True))
    for name, data in WIRE.items():
        with open(os.path.join(HERE, "%s.onnx" % name), "wb") as f:
            f.write(data)
    for name, (data, files) in EXTERNAL.items():
        with open(os.path.join(HERE, "%s.onnx" % name), "wb") as f:
            f.write(data)
        d = os.path.join(HERE, "%s.dir" % name)
        shutil.rmtree(d, ignore_errors=True)
        if files:
            write_tree(d, files)


if __name__ == "__main__":
    main()
