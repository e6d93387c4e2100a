"""onnx_tidy.torch.export on a real transformer block (tests/data/torch/make_fixtures.py)
trained-style in bfloat16 and exported with a float32 sample, as a Lightning user would,
with Debian's torch 1.13; every written model is run in the real onnxruntime (npm
onnxruntime-node) and compared with torch's float32 output.

Under CI a missing torch fails this test; elsewhere it is skipped with the reason."""
import copy
import importlib.util
import os
import sys
import tempfile
import unittest
import warnings

import numpy as np
import onnx

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "e2e"))
import common  # noqa: E402
import ort  # noqa: E402

try:
    import torch
except ImportError:  # pragma: no cover - depends on the machine
    torch = None
    if os.environ.get("CI"):
        raise SystemExit("torch is missing under CI: scripts/install-deps.sh installs python3-torch")

BFLOAT16_BOUND = 5e-2  # relative error within bfloat16 rounding, as tests/e2e/fix_torch_test.py
FLOAT32_BOUND = 1e-5
AXES = {"x": {0: "batch", 1: "seq"}, "y": {0: "batch", 1: "seq"}}


def fixtures():
    spec = importlib.util.spec_from_file_location(
        "make_fixtures", os.path.join(common.SOURCE_DIR, "tests", "data", "torch", "make_fixtures.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def relative_error(a, b):
    return float(np.max(np.abs(a.astype(np.float64) - b)) / np.max(np.abs(b)))


@unittest.skipIf(torch is None, "torch is not installed (Debian: python3-torch)")
class TorchExportTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        import onnx_tidy.torch
        cls.tidy = onnx_tidy.torch
        cls.fx = fixtures()
        cls.sample = cls.fx.make_input()  # float32
        cls.bf16 = cls.fx.make_model().to(torch.bfloat16)
        # What the bfloat16 weights compute in float32: the reference.
        with torch.no_grad():
            cls.reference = copy.deepcopy(cls.bf16).float()(cls.sample).numpy()
        cls.tmp = tempfile.TemporaryDirectory()
        ort.ensure()

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def export(self, module, name, **kwargs):
        path = os.path.join(self.tmp.name, name)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            report = self.tidy.export(module, self.sample, path, input_names=["x"], output_names=["y"],
                                      dynamic_axes=AXES, **kwargs)
        ours = [str(w.message) for w in caught if issubclass(w.category, self.tidy.OnnxTidyWarning)]
        return path, report, ours

    def test_a_float32_sample_against_bfloat16_weights(self):
        # Plain torch fails inside tracing: the mistake export() prevents.
        with self.assertRaisesRegex(RuntimeError, "dtype|scalar type"):
            self.bf16(self.sample)
        runs, written = [], {}
        for opset in (14, 17):
            # With the CPU target: bfloat16 where onnxruntime's CPU provider runs it, float
            # islands elsewhere (or float32 throughout when that cannot run).
            path, report, said = self.export(self.bf16, f"cpu_{opset}.onnx", opset_version=opset,
                                             target="onnxruntime-cpu")
            self.assertTrue(report.ok, str(report))
            self.assertTrue(any("sample inputs args[0] are float32 but the parameters are bfloat16" in w
                                for w in said), said)
            self.assertEqual(any("opset_version=15" in w for w in said), opset < 15, said)
            written[path] = True
            # Without a target, precision="float32" is how a user asks for a model any
            # runtime runs.
            path32, report32, _ = self.export(self.bf16, f"f32_{opset}.onnx", opset_version=opset,
                                              precision="float32")
            self.assertTrue(report32.ok, str(report32))
            model = onnx.load(path32)
            self.assertNotIn(onnx.TensorProto.BFLOAT16, {i.data_type for i in model.graph.initializer})
            written[path32] = True
        for path in written:
            model = onnx.load(path)
            onnx.checker.check_model(model, full_check=True)
            # The interface is what the caller gave: float32 in and out.
            self.assertEqual(model.graph.input[0].type.tensor_type.elem_type, onnx.TensorProto.FLOAT)
            self.assertEqual(model.graph.output[0].type.tensor_type.elem_type, onnx.TensorProto.FLOAT)
            runs.append((path, {"x": self.sample.numpy()}))
        for path, (error, outputs, _) in ort.run_typed(runs).items():
            self.assertEqual(error, "", path)
            err = relative_error(outputs["y"], self.reference)
            self.assertLess(err, BFLOAT16_BOUND, f"{path}: relative error {err}")
        # The CPU-target models keep bfloat16 weights: they were not just widened.
        for opset in (14, 17):
            model = onnx.load(os.path.join(self.tmp.name, f"cpu_{opset}.onnx"))
            self.assertIn(onnx.TensorProto.BFLOAT16, {i.data_type for i in model.graph.initializer})

    def test_without_a_target_the_export_is_fixed_valid_onnx(self):
        # precision="auto" without a target applies the safe fixes (at opset 14, torch's
        # bfloat16 Pow exponents are widened) and writes valid ONNX in bfloat16: no runtime
        # was named, so none is promised. onnxruntime's CPU provider has no bfloat16
        # MatMul, and says so, which is what target="onnxruntime-cpu" is for.
        for opset in (14, 17):
            path, report, _ = self.export(self.bf16, f"auto_{opset}.onnx", opset_version=opset)
            self.assertTrue(report.ok, str(report))
            onnx.checker.check_model(onnx.load(path), full_check=True)
            sessions = ort.sessions([path])
            self.assertIn("Could not find an implementation for MatMul", sessions[path])

    def test_errors_left_raise_and_write_nothing(self):
        # precision=None only checks: torch's bfloat16 Pow at opset 14 is an error left.
        path = os.path.join(self.tmp.name, "kept.onnx")
        with open(path, "wb") as f:
            f.write(b"the user's earlier file")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            with self.assertRaises(self.tidy.ExportError) as caught:
                self.tidy.export(self.bf16, self.sample, path, opset_version=14, precision=None,
                                 input_names=["x"], output_names=["y"])
        message = str(caught.exception)
        self.assertIn("nothing written", message)
        self.assertIn("[dtype-not-allowed]", message)
        self.assertIn("Pow", message)
        self.assertTrue(all(f.rule == "dtype-not-allowed" for f in caught.exception.report.errors))
        with open(path, "rb") as f:
            self.assertEqual(f.read(), b"the user's earlier file")
        self.assertEqual(sorted(os.listdir(self.tmp.name)).count("kept.onnx"), 1)
        self.assertFalse([n for n in os.listdir(self.tmp.name) if n.startswith(".onnx-tidy-")])

    def test_opsets_that_cannot_carry_bfloat16(self):
        with self.assertRaisesRegex(ValueError, "opset 12 cannot carry bfloat16.*opset_version=15"):
            self.tidy.export(self.bf16, self.sample, os.path.join(self.tmp.name, "old.onnx"), opset_version=12)
        self.assertFalse(os.path.exists(os.path.join(self.tmp.name, "old.onnx")))

    def test_a_float32_module_exports_without_a_word(self):
        module = self.fx.make_model()
        path, report, said = self.export(module, "plain.onnx", opset_version=17, target="onnxruntime-cpu")
        self.assertEqual(said, [])
        self.assertTrue(report.ok, str(report))
        with torch.no_grad():
            expected = module(self.sample).numpy()
        (error, outputs, _), = ort.run_typed([(path, {"x": self.sample.numpy()})]).values()
        self.assertEqual(error, "")
        self.assertLess(relative_error(outputs["y"], expected), FLOAT32_BOUND)


if __name__ == "__main__":
    unittest.main()
