"""onnx_tidy, the Python module (docs/python.md), against the real binary: the same
documents, the same fixed bytes, the same command line through `python3 -m onnx_tidy`.
Run by ctest with PYTHONPATH=<build>/python."""
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import unittest

import numpy as np
import onnx
from onnx import TensorProto, external_data_helper, helper, numpy_helper

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "e2e"))
import common  # noqa: E402

import onnx_tidy  # noqa: E402

EXAMPLE = os.path.join(common.SOURCE_DIR, "docs", "examples", "bf16_weight_matmul.onnx")
CLEAN = os.path.join(common.SOURCE_DIR, "docs", "examples", "clean_mlp.onnx")


def python_env():
    return dict(os.environ, PYTHONPATH=os.path.dirname(os.path.dirname(onnx_tidy.__file__)))


def run_module(*args, **kwargs):
    return subprocess.run([sys.executable, "-m", "onnx_tidy", *args], capture_output=True, env=python_env(),
                          **kwargs)


def run_binary(*args, **kwargs):
    return subprocess.run([common.BINARY, *args], capture_output=True, **kwargs)


def opset12_model():
    graph = helper.make_graph([helper.make_node("Add", ["a", "b"], ["c"], name="add")], "g",
                              [helper.make_tensor_value_info("a", TensorProto.FLOAT, [2]),
                               helper.make_tensor_value_info("b", TensorProto.FLOAT, [2])],
                              [helper.make_tensor_value_info("c", TensorProto.FLOAT, [2])])
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 12)], ir_version=7)


class CheckTest(unittest.TestCase):
    def test_a_path_gives_the_document_the_command_writes(self):
        report = onnx_tidy.check(EXAMPLE)
        cli = run_binary("check", "--format", "json", EXAMPLE, text=True)
        self.assertEqual(cli.returncode, 1)
        self.assertEqual(report.to_json(), cli.stdout)
        self.assertFalse(report.ok)

    def test_findings_say_what_where_and_why(self):
        report = onnx_tidy.check(EXAMPLE)
        self.assertEqual([f.rule for f in report.errors], ["operand-dtype-mismatch"])
        self.assertEqual([f.rule for f in report.findings if f.severity == "info"], ["mixed-precision"])
        f = report.errors[0]
        self.assertEqual((f.location.graph, f.location.node, f.location.node_index, f.location.op_type,
                          f.location.input_index, f.location.value), ("main", "fc1", 0, "MatMul", 1, "fc1.weight"))
        self.assertEqual([(p.dtype, p.origin_kind) for p in f.provenance],
                         [("float", "graph_input"), ("bfloat16", "initializer")])
        self.assertTrue(any("type parameter 'T'" in n for n in f.notes))
        self.assertEqual((f.fix.safety, f.fix.kind, f.fix.to), ("safe", "widen-operands", "float"))
        self.assertIn("widen 'fc1.weight' to float", f.fix.title)
        text = str(report)
        self.assertIn("[operand-dtype-mismatch]", text)
        self.assertIn("1 error(s)", text)
        self.assertEqual(report.warnings, [])

    def test_bytes_and_model_protos_give_the_same_findings(self):
        by_path = onnx_tidy.check(EXAMPLE)
        with open(EXAMPLE, "rb") as f:
            data = f.read()
        for model in (data, bytearray(data), onnx.load(EXAMPLE)):
            report = onnx_tidy.check(model, name="given.onnx")
            self.assertEqual(report.path, "given.onnx")
            self.assertEqual([(x.rule, x.message, x.location) for x in report.findings],
                             [(x.rule, x.message, x.location) for x in by_path.findings])
        self.assertEqual(onnx_tidy.check(data).facts["sha256"], by_path.facts["sha256"])
        self.assertEqual(onnx_tidy.check(data).path, "<memory>")

    def test_settings_as_keywords(self):
        self.assertEqual([f.rule for f in onnx_tidy.check(EXAMPLE, select="operand-*").findings],
                         ["operand-dtype-mismatch"])
        self.assertEqual([f.rule for f in onnx_tidy.check(EXAMPLE, ignore=["operand-*", "mixed-*"]).findings], [])
        self.assertTrue(onnx_tidy.check(EXAMPLE, ignore="operand-dtype-mismatch").ok)
        with_target = onnx_tidy.check(EXAMPLE, target="onnxruntime-cpu")
        self.assertEqual(with_target.to_json(),
                         run_binary("check", "--format", "json", "--target", "onnxruntime-cpu", EXAMPLE,
                                    text=True).stdout)

    def test_config_files_apply_only_when_asked(self):
        with tempfile.TemporaryDirectory() as d:
            with open(os.path.join(d, "onnx-tidy.toml"), "w") as f:
                f.write('ignore = ["operand-dtype-mismatch"]\n')
            here = os.getcwd()
            os.chdir(d)
            try:
                self.assertFalse(onnx_tidy.check(EXAMPLE).ok)  # None: no file, wherever it runs
                self.assertTrue(onnx_tidy.check(EXAMPLE, config=True).ok)  # found from here up
            finally:
                os.chdir(here)
            self.assertTrue(onnx_tidy.check(EXAMPLE, config=os.path.join(d, "onnx-tidy.toml")).ok)
            with open(os.path.join(d, "bad.toml"), "w") as f:
                f.write('select = ["no-such-rule"]\n')
            with self.assertRaisesRegex(onnx_tidy.UsageError, "bad.toml"):
                onnx_tidy.check(EXAMPLE, config=os.path.join(d, "bad.toml"))

    def test_bad_input_and_bad_settings_raise_one_clear_error(self):
        with self.assertRaisesRegex(onnx_tidy.LoadError, "not a valid ONNX model"):
            onnx_tidy.check(b"\x08\x07garbage")
        with self.assertRaisesRegex(onnx_tidy.LoadError, "missing.onnx"):
            onnx_tidy.check("/nonexistent/missing.onnx")
        with self.assertRaisesRegex(onnx_tidy.UsageError, "unknown target 'gpu'"):
            onnx_tidy.check(EXAMPLE, target="gpu")
        with self.assertRaisesRegex(onnx_tidy.UsageError, "no-such-rule"):
            onnx_tidy.check(EXAMPLE, select=["no-such-rule"])
        with self.assertRaises(TypeError):
            onnx_tidy.check(42)
        self.assertTrue(issubclass(onnx_tidy.LoadError, ValueError))

    def test_rules_are_the_commands_rules(self):
        cli = json.loads(run_binary("rules", "--format", "json", text=True).stdout)["rules"]
        self.assertEqual([(r.id, r.severity, r.fix, r.summary, r.since) for r in onnx_tidy.rules()],
                         [(r["id"], r["severity"], r["fix"], r["summary"], r["since"]) for r in cli])
        self.assertGreaterEqual(len(cli), 15)
        for r in onnx_tidy.rules():
            self.assertTrue(os.path.exists(os.path.join(common.SOURCE_DIR, r.doc)), r.doc)


class FixTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.dir = self.tmp.name

    def tearDown(self):
        self.tmp.cleanup()

    def test_save_writes_the_bytes_the_command_writes(self):
        result = onnx_tidy.fix(EXAMPLE)
        self.assertTrue(result.changed)
        self.assertEqual([(r.rule, r.safety) for r in result.fixes], [("operand-dtype-mismatch", "safe")])
        self.assertEqual(result.declined, [])
        self.assertTrue(result.report.ok)
        self.assertEqual(result.report.findings, [])
        self.assertIn("in memory, not written yet", str(result))
        ours = os.path.join(self.dir, "ours.onnx")
        result.save(ours)
        theirs = os.path.join(self.dir, "theirs.onnx")
        self.assertEqual(run_binary("fix", EXAMPLE, "-o", theirs).returncode, 0)
        with open(ours, "rb") as a, open(theirs, "rb") as b:
            self.assertEqual(a.read(), b.read())
        self.assertEqual(onnx_tidy.check(ours).errors, [])
        # The model property is the same model, without a file.
        self.assertIsInstance(result.model, onnx.ModelProto)
        self.assertEqual(result.model_bytes, onnx.load(ours).SerializeToString())
        doc = json.loads(result.to_json())
        self.assertEqual(doc["models"][0]["applied"][0]["rule"], "operand-dtype-mismatch")

    def test_precision_conversion_of_a_model_proto(self):
        result = onnx_tidy.fix(onnx.load(EXAMPLE), precision="float32")
        dtypes = {i.data_type for i in result.model.graph.initializer}
        self.assertEqual(dtypes, {TensorProto.FLOAT})
        with self.assertRaisesRegex(onnx_tidy.UsageError, "float8"):
            onnx_tidy.fix(EXAMPLE, precision="float8")

    def test_a_result_that_cannot_be_verified_raises_and_writes_nothing(self):
        with self.assertRaises(onnx_tidy.FixError) as caught:
            onnx_tidy.fix(opset12_model(), precision="bfloat16")
        self.assertIn("opset 12", str(caught.exception))
        self.assertIn("nothing written", str(caught.exception))
        with self.assertRaises(ValueError):
            caught.exception.result.save(os.path.join(self.dir, "never.onnx"))
        self.assertEqual(os.listdir(self.dir), [])

    def test_an_unfixable_error_stays_reported(self):
        graph = helper.make_graph([helper.make_node("Add", ["a", "b"], ["c"], name="add")], "g",
                                  [helper.make_tensor_value_info("a", TensorProto.FLOAT, [2]),
                                   helper.make_tensor_value_info("b", TensorProto.INT64, [2])],
                                  [helper.make_tensor_value_info("c", TensorProto.FLOAT, [2])])
        result = onnx_tidy.fix(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]))
        self.assertFalse(result.changed)
        self.assertEqual([r.rule for r in result.declined], ["operand-dtype-mismatch"])
        self.assertEqual([f.location.node for f in result.report.errors], ["add"])

    def test_external_data_is_written_beside_the_model(self):
        src = os.path.join(self.dir, "src")
        os.makedirs(src)
        w = numpy_helper.from_array(np.linspace(-2, 2, 64, dtype=np.float32).reshape(8, 8), "w")
        x = helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 8])
        y = helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 8])
        graph = helper.make_graph([helper.make_node("MatMul", ["x", "w"], ["y"], name="mm")], "g", [x], [y], [w])
        model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
        external_data_helper.convert_model_to_external_data(model, all_tensors_to_one_file=True,
                                                                 location="m.data", size_threshold=0)
        onnx.save(model, os.path.join(src, "m.onnx"))
        result = onnx_tidy.fix(os.path.join(src, "m.onnx"), precision="float16", keep_io_types=True)
        with self.assertRaisesRegex(ValueError, "tensor 'w' is in external data.*save"):
            result.model_bytes
        out = os.path.join(self.dir, "out", "m16.onnx")
        os.makedirs(os.path.dirname(out))
        result.save(out)
        written = onnx.load(out)  # loads the new data file beside it
        self.assertEqual(written.graph.initializer[0].data_type, TensorProto.FLOAT16)
        np.testing.assert_allclose(numpy_helper.to_array(written.graph.initializer[0]).astype(np.float32),
                                   numpy_helper.to_array(w), atol=1e-3)
        # The same model given as bytes finds its data through base_dir.
        with open(os.path.join(src, "m.onnx"), "rb") as f:
            data = f.read()
        self.assertTrue(onnx_tidy.check(data, base_dir=src).ok)
        report = onnx_tidy.check(data, base_dir=self.dir)  # no m.data there
        self.assertIn("unsafe-external-data", [f.rule for f in report.errors])

    def test_without_onnx_the_model_is_bytes(self):
        code = ("import sys; sys.modules['onnx'] = None\n"
                "import onnx_tidy\n"
                f"r = onnx_tidy.fix({EXAMPLE!r})\n"
                "assert isinstance(r.model, bytes) and r.model == r.model_bytes, type(r.model)\n"
                "print('bytes', len(r.model))\n")
        proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=python_env())
        self.assertEqual(proc.returncode, 0, proc.stderr)
        self.assertRegex(proc.stdout, r"^bytes \d+")


class ModuleCommandTest(unittest.TestCase):
    """`python3 -m onnx_tidy` is the command: same bytes, same exit codes."""

    def assertSame(self, *args, cwd=None):
        ours = run_module(*args, cwd=cwd)
        theirs = run_binary(*args, cwd=cwd)
        self.assertEqual((ours.returncode, ours.stdout, ours.stderr),
                         (theirs.returncode, theirs.stdout, theirs.stderr), args)
        return ours

    def test_on_the_backend_corpus(self):
        parts = [os.path.join(common.CORPUS_DIR, p) for p in common.CORPUS_PARTS]
        text = self.assertSame("check", *parts)
        self.assertGreater(len(text.stdout.splitlines()), 10)
        self.assertSame("check", "--format", "json", *parts)
        self.assertSame("check", "--format", "sarif", "--target", "onnxruntime-cpu", *parts)

    def test_rules_help_usage_errors_and_fix(self):
        self.assertSame("rules")
        self.assertSame("rules", "--format", "markdown")
        self.assertSame("--version")
        self.assertSame("check", "--help")
        bad = self.assertSame("check", "--format", "nope", EXAMPLE)
        self.assertEqual(bad.returncode, 2)
        self.assertEqual(self.assertSame("check", "/nonexistent.onnx").returncode, 2)
        self.assertEqual(self.assertSame("fix", "--dry-run", EXAMPLE).returncode, 0)
        self.assertEqual(self.assertSame("check", CLEAN).returncode, 0)
        with tempfile.TemporaryDirectory() as d:
            a, b = os.path.join(d, "a.onnx"), os.path.join(d, "b.onnx")
            self.assertEqual(run_module("fix", EXAMPLE, "-o", a).returncode, 0)
            self.assertEqual(run_binary("fix", EXAMPLE, "-o", b).returncode, 0)
            with open(a, "rb") as fa, open(b, "rb") as fb:
                self.assertEqual(fa.read(), fb.read())

    def test_output_order_with_python_output_before_it(self):
        # Python's buffered stdout is flushed before the C++ writes to the same descriptor.
        code = ("import sys, onnx_tidy.__main__ as m\n"
                "print('before')\n"
                f"code = m.main(['rules'])\n"
                "print('after', code)\n")
        proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=python_env())
        lines = proc.stdout.splitlines()
        self.assertEqual(lines[0], "before")
        self.assertEqual(lines[-1], "after 0")
        self.assertTrue(any("operand-dtype-mismatch" in line for line in lines[1:-1]))


class DocsTest(unittest.TestCase):
    def test_every_python_example_in_docs_python_md_runs(self):
        with open(os.path.join(common.SOURCE_DIR, "docs", "python.md")) as f:
            blocks = re.findall(r"```python\n(.*?)```", f.read(), re.S)
        self.assertGreaterEqual(len(blocks), 4)
        with tempfile.TemporaryDirectory() as d:
            shutil.copytree(os.path.join(common.SOURCE_DIR, "docs", "examples"), os.path.join(d, "docs", "examples"))
            for i, block in enumerate(blocks):
                if "onnx_tidy.torch" in block and "torch" not in sys.modules and not _has_torch():
                    continue
                proc = subprocess.run([sys.executable, "-c", block], capture_output=True, text=True, cwd=d,
                                      env=python_env())
                self.assertEqual(proc.returncode, 0, f"example {i + 1} failed:\n{block}\n{proc.stderr[-3000:]}")

    def test_the_stubs_name_every_native_function(self):
        with open(os.path.join(os.path.dirname(onnx_tidy.__file__), "_core.pyi")) as f:
            stubs = f.read()
        for name in dir(onnx_tidy._core):
            if not name.startswith("_"):
                self.assertRegex(stubs, rf"(def|class) {name}\b|^{name}:", name)


def _has_torch():
    try:
        import torch  # noqa: F401
        return True
    except ImportError:
        return False


if __name__ == "__main__":
    unittest.main()
