#!/usr/bin/python3
"""Write tests/onnx/external: tests/models/cnn_opset13 saved with every
initializer and every attribute tensor as external data, all in one file
beside the model (external/model.onnx, external/weights.bin), the way
onnx.save_model(..., save_as_external_data=True) writes large models.

Run from anywhere: /usr/bin/python3 tests/onnx/gen.py (needs python3-onnx;
the test needs only the committed files). Re-running rewrites identical bytes.
"""
import os

import onnx
from google.protobuf import json_format

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.path.join(HERE, "..", "models", "cnn_opset13", "model.json")


def main():
    with open(SRC) as f:
        m = json_format.Parse(f.read(), onnx.ModelProto())
    out = os.path.join(HERE, "external")
    os.makedirs(out, exist_ok=True)
    for name in ("model.onnx", "weights.bin"):
        if os.path.exists(os.path.join(out, name)):
            os.remove(os.path.join(out, name))
    onnx.external_data_helper.convert_model_to_external_data(
        m, all_tensors_to_one_file=True, location="weights.bin", size_threshold=0, convert_attribute=True)
    onnx.save_model(m, os.path.join(out, "model.onnx"))


if __name__ == "__main__":
    main()
