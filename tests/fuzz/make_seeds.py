"""Seeds for the fuzz target (fuzz_input.h): each a 4-byte little-endian model length,
the model, then the bytes of its data file 'weights.bin'. Models from the ONNX backend
corpus (with no data file) and small models whose weights live in the data file, safely
and hostilely (offsets, lengths, locations), so that mutation starts next to the paths
that read external data.

    python3 tests/fuzz/make_seeds.py OUT_DIR [CORPUS_MODELS]
"""
import os
import struct
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper

CORPUS = "/usr/share/libonnx-testdata/data"


def join(model_bytes, data=b""):
    return struct.pack("<I", len(model_bytes)) + model_bytes + data


def external_model(entries, dtype=TensorProto.BFLOAT16, dims=(4, 2)):
    """float activations against an external weight of `dtype`: fix must read it."""

    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, dims[0]])
    y = helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, dims[1]])
    t = TensorProto(name="w", data_type=dtype, dims=list(dims), data_location=TensorProto.EXTERNAL)
    for k, v in entries:
        t.external_data.add(key=k, value=v)
    graph = helper.make_graph([helper.make_node("MatMul", ["x", "w"], ["y"], name="mm")], "g", [x], [y], [t])
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)]).SerializeToString()


def main():
    out = sys.argv[1]
    limit = int(sys.argv[2]) if len(sys.argv) > 2 else 200
    os.makedirs(out, exist_ok=True)
    data = np.arange(64, dtype=np.uint16).tobytes()
    seeds = {
        "ext_bf16": join(external_model([("location", "weights.bin")]), data),
        "ext_offset": join(external_model([("location", "weights.bin"), ("offset", "16"), ("length", "16")]), data),
        "ext_f32": join(external_model([("location", "weights.bin"), ("length", "32")], TensorProto.FLOAT), data),
        "ext_f16": join(external_model([("location", "weights.bin")], TensorProto.FLOAT16), data),
        "ext_short": join(external_model([("location", "weights.bin")], TensorProto.DOUBLE, (64, 64)), data),
        "ext_negative": join(external_model([("location", "weights.bin"), ("offset", "-8")]), data),
        "ext_huge": join(external_model([("location", "weights.bin"), ("length", "18446744073709551615")]), data),
        "ext_traversal": join(external_model([("location", "../weights.bin")]), data),
        "ext_absolute": join(external_model([("location", "/etc/hostname")]), data),
        "ext_unknown_key": join(external_model([("location", "weights.bin"), ("checksum", "x")]), data),
    }
    for name, blob in seeds.items():
        with open(os.path.join(out, name), "wb") as f:
            f.write(blob)
    paths = []
    for root, _, files in os.walk(CORPUS):
        paths.extend(os.path.join(root, f) for f in files if f == "model.onnx")
    for i, p in enumerate(sorted(paths)[:limit]):
        with open(p, "rb") as f:
            blob = join(f.read())
        with open(os.path.join(out, f"corpus_{i:04d}"), "wb") as f:
            f.write(blob)
    print(f"{len(seeds) + min(limit, len(paths))} seeds in {out}")


if __name__ == "__main__":
    main()
