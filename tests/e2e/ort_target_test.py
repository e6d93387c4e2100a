"""--target onnxruntime-cpu against the real onnxruntime 1.30 (npm onnxruntime-node): on a
grid of one-op models x dtypes x opsets, onnx-tidy must predict exactly the pairs for
which creating a session fails for lack of a kernel."""
import os
import unittest

import numpy as np
import onnx
from onnx import TensorProto as TP, helper, numpy_helper

import common
import ort

DTYPES = {"bfloat16": TP.BFLOAT16, "float16": TP.FLOAT16, "float": TP.FLOAT, "double": TP.DOUBLE}
UNARY = ["Relu", "Sigmoid", "Tanh", "Softmax", "Transpose", "ReduceMean", "Erf", "Clip", "Size", "Exp", "Neg",
         "Sqrt", "Abs", "Ceil", "Floor", "Log", "Reciprocal", "Sign", "Round", "Softplus", "Softsign", "LeakyRelu",
         "Elu", "Selu", "HardSigmoid", "Sin", "Cos", "Identity", "Flatten", "Shape", "LogSoftmax", "Hardmax",
         "ReduceSum", "ReduceMax", "ArgMax", "Cast"]
BINARY = ["MatMul", "Add", "Sub", "Mul", "Div", "Pow", "Max", "Min", "Sum", "Mean", "Equal", "Greater", "Less",
          "PRelu"]
OPS = UNARY + BINARY + ["Gemm", "LayerNormalization", "Reshape", "Concat", "Gather", "Where", "Conv",
                        "Unsqueeze", "Expand", "Tile", "Slice"]
OPSETS = [13, 17]
NO_KERNEL = "Could not find an implementation"


def grid_model(op, dtype, opset):
    """float32 graph I/O; Casts around the op so that only the op decides."""
    d = DTYPES[dtype]
    nodes, inits = [], []

    def operand(name, src="x"):
        nodes.append(helper.make_node("Cast", [src], [name], to=d))
        return name

    def const(name, array):
        inits.append(numpy_helper.from_array(array, name))
        return name

    attrs = {}
    if op == "Conv":
        nodes.append(helper.make_node("Reshape", ["x", const("s4", np.array([1, 1, 4, 4], np.int64))], ["xr"]))
        ins = [operand("a", "xr"), operand("w", "xr")]
    elif op in BINARY:
        ins = [operand("a"), operand("b")]
    elif op == "Gemm":
        ins = [operand("a"), operand("b"), operand("c")]
    elif op == "LayerNormalization":
        ins = [operand("a"), operand("s"), operand("bias")]
    elif op == "Reshape":
        ins = [operand("a"), const("shape", np.array([2, 8], np.int64))]
    elif op == "Concat":
        ins, attrs = [operand("a"), operand("b")], {"axis": 0}
    elif op == "Gather":
        ins = [operand("a"), const("idx", np.array([0, 1], np.int64))]
    elif op == "Cast":
        ins, attrs = [operand("a")], {"to": d}
    elif op == "Where":
        ins = [const("cond", np.ones((4, 4), bool)), operand("a"), operand("b")]
    elif op == "Unsqueeze":
        ins = [operand("a"), const("axes", np.array([0], np.int64))]
    elif op == "Expand":
        ins = [operand("a"), const("shape", np.array([2, 4, 4], np.int64))]
    elif op == "Tile":
        ins = [operand("a"), const("repeats", np.array([2, 1], np.int64))]
    elif op == "Slice":
        ins = [operand("a"), const("starts", np.array([0], np.int64)), const("ends", np.array([2], np.int64))]
    else:
        ins = [operand("a")]
    nodes.append(helper.make_node(op, ins, ["o"], name="op", **attrs))
    nodes.append(helper.make_node("Cast", ["o"], ["y"], to=TP.FLOAT))
    graph = helper.make_graph(nodes, "grid", [helper.make_tensor_value_info("x", TP.FLOAT, [4, 4])],
                              [helper.make_tensor_value_info("y", TP.FLOAT, None)], inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)])
    model.ir_version = 8
    return model


class OrtTargetTest(unittest.TestCase):
    maxDiff = None

    def test_prediction_matches_the_runtime(self):
        ort.ensure()
        with common.tempdir() as tmp:
            cases = {}
            for opset in OPSETS:
                for op in OPS:
                    if op == "LayerNormalization" and opset < 17:
                        continue  # not an ai.onnx op before opset 17
                    for dtype in DTYPES:
                        path = os.path.join(tmp, f"{op}-{dtype}-{opset}.onnx")
                        onnx.save(grid_model(op, dtype, opset), path)
                        cases[path] = (op, dtype, opset)
            runtime = ort.sessions(sorted(cases))
            reports = common.run_json_many(sorted(cases), "--target", "onnxruntime-cpu")
            predicted, refused, invalid, flagged_invalid, unexplained = set(), set(), set(), set(), {}
            for path, key in cases.items():
                findings = reports[path]["findings"]
                rules = {f["rule"] for f in findings if f["location"]["node"] == "op"}
                if "dtype-not-allowed" in rules:
                    flagged_invalid.add(key)
                elif "no-target-kernel" in rules:
                    # An invalid model is refused before kernels are looked up.
                    predicted.add(key)
                error = runtime[path]
                if NO_KERNEL in error:
                    refused.add(key)
                elif error and "invalid" in error.lower():
                    invalid.add(key)
                elif error:
                    unexplained[key] = error[:300]
            print(f"{len(cases)} grid models; {len(refused)} refused for lack of a kernel; "
                  f"{len(invalid)} invalid for onnx")
            self.assertEqual(unexplained, {})
            self.assertEqual(sorted(predicted), sorted(refused))
            self.assertEqual(sorted(flagged_invalid), sorted(invalid))
            self.assertGreater(len(refused), 20)  # the grid really exercises missing kernels


class CorpusAgainstRuntimeTest(unittest.TestCase):
    """On the 1,072 corpus models: every no-target-kernel warning names an op whose
    session really fails for lack of a kernel (no false warning). Misses are allowed:
    only floating-point types are judged."""

    def test_no_false_warning_on_the_corpus(self):
        import re
        ort.ensure()
        paths = common.corpus_models()
        runtime = ort.sessions(paths)
        reports = common.run_json_many(paths, "--target", "onnxruntime-cpu")
        false, true = [], 0
        for p in paths:
            predicted = {f["location"]["op_type"] for f in reports[p]["findings"] if f["rule"] == "no-target-kernel"}
            if not predicted:
                continue
            m = re.search(r"Could not find an implementation for (\w+)\(", runtime[p])
            if m and m.group(1) in predicted:
                true += 1
            else:
                false.append((os.path.relpath(p, common.CORPUS_DIR), sorted(predicted), runtime[p][:120]))
        print(f"{true} corpus models correctly predicted to have no kernel")
        self.assertEqual(false, [])
        self.assertGreaterEqual(true, 30)


if __name__ == "__main__":
    common.main()
