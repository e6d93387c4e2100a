"""Writes the bundled example models (run with Debian's python3-onnx).

bf16_weight_matmul.onnx: a two-layer MLP exported in float32 whose first layer's
weight was later converted to bfloat16, the float32-vs-bfloat16 MatMul that
onnxruntime refuses at load. clean_mlp.onnx: the same model, all float32.
"""
import os

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

HERE = os.path.dirname(os.path.abspath(__file__))


def bf16_tensor(name, array):
    bits = array.astype(np.float32).view(np.uint32).astype(np.uint64)
    rounded = ((bits + 0x7FFF + ((bits >> 16) & 1)) >> 16).astype(np.uint16)
    t = TensorProto(name=name, data_type=TensorProto.BFLOAT16, dims=array.shape)
    t.raw_data = rounded.tobytes()
    return t


def mlp(first_weight_bf16):
    rng = np.random.default_rng(7)
    w1 = rng.standard_normal((16, 32)).astype(np.float32) * 0.1
    b1 = np.zeros(32, np.float32)
    w2 = rng.standard_normal((32, 4)).astype(np.float32) * 0.1
    inits = [
        bf16_tensor("fc1.weight", w1) if first_weight_bf16 else numpy_helper.from_array(w1, "fc1.weight"),
        numpy_helper.from_array(b1, "fc1.bias"),
        numpy_helper.from_array(w2, "fc2.weight"),
    ]
    nodes = [
        helper.make_node("MatMul", ["x", "fc1.weight"], ["h"], name="fc1"),
        helper.make_node("Add", ["h", "fc1.bias"], ["h_b"], name="fc1_bias"),
        helper.make_node("Relu", ["h_b"], ["a"], name="act"),
        helper.make_node("MatMul", ["a", "fc2.weight"], ["logits"], name="fc2"),
    ]
    graph = helper.make_graph(nodes, "mlp", [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["batch", 16])],
                              [helper.make_tensor_value_info("logits", TensorProto.FLOAT, ["batch", 4])], inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)], producer_name="onnx-tidy-examples")
    model.ir_version = 8
    return model


if __name__ == "__main__":
    onnx.save(mlp(True), os.path.join(HERE, "bf16_weight_matmul.onnx"))
    clean = mlp(False)
    onnx.checker.check_model(clean, full_check=True)
    onnx.save(clean, os.path.join(HERE, "clean_mlp.onnx"))
