"""Damaged files: random byte flips and truncations of real models must give exit 0, 1
or 2 (with one line on stderr), never a crash, for check and for fix --dry-run."""
import os
import random
import unittest

from onnx import AttributeProto, GraphProto, ModelProto, NodeProto, TensorProto, helper

import common
import real_models_test


class RobustnessTest(unittest.TestCase):
    def test_damaged_models_never_crash(self):
        rng = random.Random(20261129)
        sources = [os.path.join(common.SOURCE_DIR, "docs", "examples", "bf16_weight_matmul.onnx")]
        sources += [p for p in real_models_test.fetch_models() if "jarvis" in p or "silero" in p]
        outcomes = {0: 0, 1: 0, 2: 0}
        with common.tempdir() as d:
            for i in range(150):
                with open(sources[i % len(sources)], "rb") as f:
                    data = bytearray(f.read())
                if i % 3 == 0:
                    data = data[: rng.randrange(1, len(data))]
                else:
                    for _ in range(rng.randrange(1, 20)):
                        data[rng.randrange(len(data))] = rng.randrange(256)
                path = os.path.join(d, f"damaged{i}.onnx")
                with open(path, "wb") as f:
                    f.write(data)
                for args in (("check", path), ("fix", "--dry-run", path)):
                    proc = common.run(*args)  # a signal fails the test inside run()
                    self.assertIn(proc.returncode, (0, 1, 2), f"{args}: {proc.stderr[-500:]}")
                    if proc.returncode == 2:
                        self.assertEqual(len(proc.stderr.splitlines()), 1, f"{args}: {proc.stderr[-500:]}")
                    outcomes[proc.returncode] += 1
        print(f"exit codes over damaged models: {outcomes}")
        self.assertGreater(outcomes[2], 0)  # the damage was real

    def test_inputs_the_fuzzer_found(self):
        """Each file in tests/fuzz/regressions crashed onnx-tidy once (tests/fuzz/run.sh)."""
        folder = os.path.join(common.SOURCE_DIR, "tests", "fuzz", "regressions")
        paths = sorted(os.path.join(folder, n) for n in os.listdir(folder))
        self.assertGreater(len(paths), 0)
        with common.tempdir() as d:
            for path in paths:
                out = os.path.join(d, "out.onnx")
                for args in (("check", path), ("fix", "--dry-run", path), ("fix", "--unsafe-fixes", path, "-o", out),
                             ("fix", "--precision", "bfloat16", path, "-o", out)):
                    proc = common.run(*args)
                    self.assertIn(proc.returncode, (0, 1, 2), f"{args}: {proc.stderr[-500:]}")


    def test_broken_models_end_in_findings_or_one_line(self):
        """Issue 10's broken models: each ends in exit 0/1, or 2 with one line; none crashes or hangs."""
        with common.tempdir() as d:
            cases = broken_models(d)
            for name, path, expect_in_stderr in cases:
                for args in (("check", path), ("fix", "--dry-run", path),
                             ("fix", "--precision", "float32", path, "-o", os.path.join(d, "out.onnx"))):
                    with self.subTest(name=name, args=args[:2]):
                        proc = common.run(*args, timeout=60)
                        self.assertIn(proc.returncode, (0, 1, 2), proc.stderr[-500:])
                        if proc.returncode == 2:
                            self.assertEqual(len(proc.stderr.splitlines()), 1, proc.stderr[-500:])
                        if expect_in_stderr:
                            self.assertEqual(proc.returncode, 2)
                            self.assertIn(expect_in_stderr, proc.stderr)
                        if name in ERROR_FINDING and args[0] == "check":
                            # A model onnxruntime refuses is an error finding, never a pass.
                            self.assertEqual(proc.returncode, 1, proc.stdout)
                            self.assertIn("error: ", proc.stdout)
                            self.assertIn(f"[{ERROR_FINDING[name]}]", proc.stdout)


class LimitsTest(unittest.TestCase):
    """Each limit of docs/security.md: one line naming its flag, exit 2, and the flag
    raising it lets the same model through."""

    def setUp(self):
        self.tmp = common.tempdir()
        x = helper.make_tensor_value_info("x", TensorProto.FLOAT, [4])
        y = helper.make_tensor_value_info("y", TensorProto.FLOAT, [4])
        nodes = [helper.make_node("Relu", ["x"], ["h0"])]
        nodes += [helper.make_node("Relu", [f"h{i}"], [f"h{i + 1}"]) for i in range(3)]
        nodes.append(helper.make_node("Add", ["h3", "w"], ["y"]))
        w = helper.make_tensor("w", TensorProto.FLOAT, [4], [1.0, 2.0, 3.0, 4.0])
        self.path = self.save("five.onnx", helper.make_model(helper.make_graph(nodes, "g", [x], [y], [w]),
                                                             opset_imports=[helper.make_opsetid("", 17)]))

    def tearDown(self):
        self.tmp.cleanup()

    def save(self, name, model):
        path = os.path.join(self.tmp.name, name)
        with open(path, "wb") as f:
            f.write(model if isinstance(model, bytes) else model.SerializeToString())
        return path

    def refused(self, flag, path, *args):
        for cmd in (("check",), ("fix", "--dry-run")):
            proc = common.run(*cmd, *args, path)
            self.assertEqual(proc.returncode, 2, proc.stdout + proc.stderr)
            self.assertEqual(len(proc.stderr.splitlines()), 1, proc.stderr)
            self.assertIn(f"raise it with {flag}", proc.stderr)

    def passes(self, path, *args):
        for cmd in (("check",), ("fix", "--dry-run")):
            proc = common.run(*cmd, *args, path)
            self.assertIn(proc.returncode, (0, 1), proc.stderr)

    def test_node_count(self):
        self.refused("--max-nodes", self.path, "--max-nodes", "4")
        self.passes(self.path, "--max-nodes", "5")

    def test_tensor_size(self):
        self.refused("--max-tensor-bytes", self.path, "--max-tensor-bytes", "15")
        self.passes(self.path, "--max-tensor-bytes", "16")

    def test_nesting(self):
        deep = self.save("deep.onnx", nested_model(40))
        self.refused("--max-nesting", deep)
        self.passes(deep, "--max-nesting", "40")

    def test_call_depth(self):
        opset = [helper.make_opsetid("", 17), helper.make_opsetid("local", 1)]
        chain = [helper.make_function("local", f"F{i}", ["a"], ["b"],
                                      [helper.make_node(f"F{i + 1}", ["a"], ["b"], domain="local")], opset[:1])
                 for i in range(5)]
        chain.append(helper.make_function("local", "F5", ["a"], ["b"], [helper.make_node("Relu", ["a"], ["b"])],
                                          opset[:1]))
        x = helper.make_tensor_value_info("x", TensorProto.FLOAT, [4])
        y = helper.make_tensor_value_info("y", TensorProto.FLOAT, [4])
        m = helper.make_model(helper.make_graph([helper.make_node("F0", ["x"], ["y"], domain="local")], "g", [x], [y]),
                              opset_imports=opset, functions=chain)
        path = self.save("calls.onnx", m)
        # Past the depth, calls are not followed: a notice names the flag, the check goes on.
        proc = common.run("check", "--max-call-depth", "3", path)
        self.assertIn(proc.returncode, (0, 1), proc.stderr)
        self.assertIn("--max-call-depth", proc.stderr)
        proc = common.run("check", path)
        self.assertEqual(proc.returncode, 0, proc.stdout + proc.stderr)
        self.assertNotIn("--max-call-depth", proc.stderr)

    def test_a_bad_limit_is_a_usage_error(self):
        for args in (("--max-nodes", "0"), ("--max-nesting", "x"), ("--max-tensor-bytes", "-1")):
            proc = common.run("check", *args, self.path)
            self.assertEqual(proc.returncode, 2, proc.stderr)
            self.assertEqual(len(proc.stderr.splitlines()), 1, proc.stderr)


# Broken models that load: each must end in this rule's error finding.
ERROR_FINDING = {"undefined-value": "undefined-value", "cycle": "unsorted-graph",
                 "duplicate-outputs": "duplicate-definition"}


def _varint(n):
    out = bytearray()
    while True:
        b, n = n & 0x7F, n >> 7
        out.append(b | (0x80 if n else 0))
        if not n:
            return bytes(out)


def _field(number, payload):
    return _varint(number << 3 | 2) + _varint(len(payload)) + payload


def nested_model(depth):
    """Ifs nested `depth` deep, serialised from the inside out (nothing recurses over the depth)."""
    y = helper.make_tensor_value_info("y", TensorProto.FLOAT, [1])
    leaf = helper.make_graph([helper.make_node("Identity", ["x"], ["y"])], "leaf", [], [y])
    graph = leaf.SerializeToString()
    head = GraphProto(name="g", output=[y]).SerializeToString()
    node = NodeProto(op_type="If", input=["c"], output=["y"]).SerializeToString()
    attr = AttributeProto(name="then_branch", type=AttributeProto.GRAPH).SerializeToString()
    for _ in range(depth):
        graph = head + _field(1, node + _field(5, attr + _field(6, graph)))
    model = ModelProto(ir_version=8, opset_import=[helper.make_opsetid("", 17)]).SerializeToString()
    return model + _field(7, graph)


def broken_models(d):
    """(name, path, text stderr must hold when the exit must be 2) for each broken model."""
    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, [2])
    y = helper.make_tensor_value_info("y", TensorProto.FLOAT, [2])
    opset = [helper.make_opsetid("", 17)]

    def model(nodes, inputs=(x,), outputs=(y,), initializers=(), **kw):
        kw.setdefault("opset_imports", opset)
        return helper.make_model(helper.make_graph(nodes, "g", list(inputs), list(outputs), list(initializers)),
                                 **kw).SerializeToString()

    def weight(dims, dtype=TensorProto.FLOAT, raw=b"\0" * 8):
        return TensorProto(name="w", data_type=dtype, dims=dims, raw_data=raw)

    local = [helper.make_opsetid("local", 1)]
    f = helper.make_function("local", "F", ["a"], ["b"], [helper.make_node("G", ["a"], ["b"], domain="local")], opset)
    g = helper.make_function("local", "G", ["a"], ["b"], [helper.make_node("F", ["a"], ["b"], domain="local")], opset)
    # Each of 24 functions calls the next twice: 2^24 calls if every one were followed.
    chain = [helper.make_function("local", f"F{i}", ["a"], ["b"],
                                  [helper.make_node(f"F{i + 1}", ["a"], ["t"], domain="local"),
                                   helper.make_node(f"F{i + 1}", ["t"], ["b"], domain="local")], opset)
             for i in range(24)]
    chain.append(helper.make_function("local", "F24", ["a"], ["b"], [helper.make_node("Relu", ["a"], ["b"])], opset))
    twice = helper.make_function("local", "F", ["a"], ["b"], [helper.make_node("F", ["a"], ["t"], domain="local"),
                                                             helper.make_node("F", ["t"], ["b"], domain="local")], opset)
    rng = random.Random(10)
    files = {
        "empty": (b"", "empty"),
        "all-zero": (b"\0" * 4096, "not a valid ONNX model"),
        "random": (bytes(rng.randrange(256) for _ in range(4096)), None),
        "text": (b"just some text\nnot a model\n", None),
        "undefined-value": (model([helper.make_node("Relu", ["nope"], ["y"])]), None),
        "cycle": (model([helper.make_node("Add", ["x", "b"], ["a"]), helper.make_node("Relu", ["a"], ["b"]),
                         helper.make_node("Identity", ["a"], ["y"])]), None),
        "duplicate-outputs": (model([helper.make_node("Relu", ["x"], ["y"]), helper.make_node("Neg", ["x"], ["y"])]),
                              None),
        "int64-max-dims": (model([helper.make_node("Add", ["x", "w"], ["y"])],
                                 initializers=[weight([2**63 - 1])]), None),
        "negative-dims": (model([helper.make_node("Add", ["x", "w"], ["y"])], initializers=[weight([-5])]), None),
        "claims-more-than-it-holds": (model([helper.make_node("Add", ["x", "w"], ["y"])],
                                            initializers=[weight([1 << 40], TensorProto.BFLOAT16)]), None),
        "100k-inputs": (model([helper.make_node("Sum", ["x"] * 100000, ["y"])]), None),
        "nested-10000-deep": (nested_model(10000), "nested 10000 deep"),
        "recursive-functions": (model([helper.make_node("F", ["x"], ["y"], domain="local")],
                                      opset_imports=opset + local, functions=[f, g]), None),
        "recursive-fan-out": (model([helper.make_node("F", ["x"], ["y"], domain="local")],
                                    opset_imports=opset + local, functions=[twice]), None),
        "function-fan-out": (model([helper.make_node("F0", ["x"], ["y"], domain="local")],
                                   opset_imports=opset + local, functions=chain), None),
    }
    out = []
    for name, (data, expect) in files.items():
        path = os.path.join(d, name + ".onnx")
        with open(path, "wb") as fh:
            fh.write(data)
        out.append((name, path, expect))
    os.mkfifo(os.path.join(d, "fifo.onnx"))
    out.append(("fifo", os.path.join(d, "fifo.onnx"), "not a regular file"))
    os.makedirs(os.path.join(d, "folder.onnx", "inside"))
    out.append(("folder", os.path.join(d, "folder.onnx"), "no .onnx"))
    return out


if __name__ == "__main__":
    common.main()
