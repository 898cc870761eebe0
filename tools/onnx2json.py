#!/usr/bin/python3
"""Convert an ONNX model to the protobuf JSON mapping that xnorcc reads.

Usage: onnx2json.py model.onnx [-o model.json]   (writes to stdout without -o)
"""
import argparse
import sys

import onnx
from google.protobuf import json_format


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("model", help="input .onnx file")
    ap.add_argument("-o", "--output", help="output .json file (default: stdout)")
    args = ap.parse_args()
    text = json_format.MessageToJson(onnx.load(args.model))
    if args.output:
        with open(args.output, "w") as f:
            f.write(text + "\n")
    else:
        sys.stdout.write(text + "\n")


if __name__ == "__main__":
    main()
