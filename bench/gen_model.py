#!/usr/bin/env python3
"""Writes one synthetic transformer-style model for bench.py (a separate process, so that
the benchmark's own memory never shows in the peak RSS it measures).

    gen_model.py LAYERS HIDDEN float32|bfloat16|mixed OUT [--external]

Prints the node count.
"""
import sys

import numpy as np
import onnx
from onnx import TensorProto as TP, helper, numpy_helper


def bf16_tensor(array, name):
    bits = np.ascontiguousarray(array, dtype=np.float32).view(np.uint32)
    rounded = ((bits.astype(np.uint64) + 0x7FFF + ((bits >> 16) & 1)) >> 16).astype(np.uint16)
    t = TP(name=name, data_type=TP.BFLOAT16, dims=array.shape)
    t.raw_data = rounded.tobytes()
    return t


def transformer(layers, hidden, kind, rng):
    """kind: float32 | bfloat16 | mixed (bfloat16 MatMul weights, float32 activations)."""
    act = TP.BFLOAT16 if kind == "bfloat16" else TP.FLOAT
    nodes, inits = [], []

    def weight(name, shape, narrow):
        a = rng.standard_normal(shape, dtype=np.float32) * 0.02
        inits.append(bf16_tensor(a, name) if narrow else numpy_helper.from_array(a, name))
        return name

    def const(name, value):
        a = np.array(value, dtype=np.float32)
        inits.append(bf16_tensor(a, name) if act == TP.BFLOAT16 else numpy_helper.from_array(a, name))
        return name

    eps, scale = const("eps", 1e-5), const("scale", float(np.sqrt(hidden)))

    def layer_norm(x, p):
        g = weight(p + ".g", (hidden,), act == TP.BFLOAT16)
        b = weight(p + ".b", (hidden,), act == TP.BFLOAT16)
        ops = [("ReduceMean", [x], p + ".mu", {"axes": [-1]}), ("Sub", [x, p + ".mu"], p + ".d", {}),
               ("Mul", [p + ".d", p + ".d"], p + ".d2", {}), ("ReduceMean", [p + ".d2"], p + ".var", {"axes": [-1]}),
               ("Add", [p + ".var", eps], p + ".v", {}), ("Sqrt", [p + ".v"], p + ".s", {}),
               ("Div", [p + ".d", p + ".s"], p + ".n", {}), ("Mul", [p + ".n", g], p + ".ng", {}),
               ("Add", [p + ".ng", b], p + ".out", {})]
        for op, ins, out, attrs in ops:
            nodes.append(helper.make_node(op, ins, [out], name=out, **attrs))
        return p + ".out"

    narrow_w = kind != "float32"
    x = "x"
    for i in range(layers):
        p = f"l{i}"
        h = layer_norm(x, p + ".ln1")
        wqkv = weight(p + ".wqkv", (hidden, 3 * hidden), narrow_w)
        wo = weight(p + ".wo", (hidden, hidden), narrow_w)
        w1 = weight(p + ".w1", (hidden, 4 * hidden), narrow_w)
        w2 = weight(p + ".w2", (4 * hidden, hidden), narrow_w)
        b1 = weight(p + ".b1", (4 * hidden,), act == TP.BFLOAT16)
        split = p + ".split"
        inits.append(numpy_helper.from_array(np.array([hidden] * 3, np.int64), split))
        n = lambda op, ins, out, **a: nodes.append(helper.make_node(op, ins, [out] if isinstance(out, str) else out,
                                                                   name=(out if isinstance(out, str) else out[0]), **a))
        n("MatMul", [h, wqkv], p + ".qkv")
        n("Split", [p + ".qkv", split], [p + ".q", p + ".k", p + ".v"], axis=-1)
        n("Transpose", [p + ".k"], p + ".kt", perm=[0, 2, 1])
        n("MatMul", [p + ".q", p + ".kt"], p + ".att")
        n("Div", [p + ".att", scale], p + ".atts")
        n("Softmax", [p + ".atts"], p + ".p", axis=-1)
        n("MatMul", [p + ".p", p + ".v"], p + ".ctx")
        n("MatMul", [p + ".ctx", wo], p + ".o")
        n("Add", [p + ".o", x], p + ".r1")
        h2 = layer_norm(p + ".r1", p + ".ln2")
        n("MatMul", [h2, w1], p + ".f")
        n("Add", [p + ".f", b1], p + ".fb")
        n("Relu", [p + ".fb"], p + ".fr")
        n("MatMul", [p + ".fr", w2], p + ".f2")
        n("Add", [p + ".f2", p + ".r1"], p + ".out")
        x = p + ".out"
    nodes.append(helper.make_node("Identity", [x], ["y"], name="y"))
    graph = helper.make_graph(nodes, "transformer", [helper.make_tensor_value_info("x", act, ["batch", "seq", hidden])],
                              [helper.make_tensor_value_info("y", act, ["batch", "seq", hidden])], inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)], producer_name="onnx-tidy-bench")
    model.ir_version = 8
    return model


if __name__ == "__main__":
    layers, hidden, kind, out = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], sys.argv[4]
    model = transformer(layers, hidden, kind, np.random.default_rng(layers * 7919 + hidden))
    if "--external" in sys.argv:
        name = out.rsplit("/", 1)[-1] + ".data"
        onnx.save_model(model, out, save_as_external_data=True, all_tensors_to_one_file=True, location=name,
                        size_threshold=1024)
    else:
        onnx.save(model, out)
    print(len(model.graph.node))
