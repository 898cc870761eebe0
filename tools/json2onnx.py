#!/usr/bin/python3
"""Convert a model in protobuf's JSON mapping back to a binary .onnx file.

Usage: json2onnx.py model.json -o model.onnx

The inverse of onnx2json.py: json_format.Parse into an onnx.ModelProto, then
SerializeToString. The output is a pure function of the JSON (protobuf writes
fields in field-number order), so re-running rewrites identical bytes. The
test models' model.onnx files were made with it (docs/test-models.md).
"""
import argparse

import onnx
from google.protobuf import json_format


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("model", help="input .json file")
    ap.add_argument("-o", "--output", required=True, help="output .onnx file")
    args = ap.parse_args()
    with open(args.model) as f:
        m = json_format.Parse(f.read(), onnx.ModelProto())
    with open(args.output, "wb") as f:
        f.write(m.SerializeToString(deterministic=True))


if __name__ == "__main__":
    main()
