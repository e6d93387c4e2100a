"""What dashboards and teams adopting onnx-tidy read from the JSON report: per-model
facts checked against Python's own reading of the file, root causes whose command really
fixes what they explain, and --baseline that reports only what is new."""
import json
import os
import shlex
import shutil
import unittest

import jsonschema
import numpy as np
import onnx
from onnx import TensorProto, helper

import common

TORCH = os.path.join(common.SOURCE_DIR, "tests", "data", "torch")
SCHEMA = os.path.join(common.SOURCE_DIR, "docs", "report.schema.json")


def schema():
    with open(SCHEMA) as f:
        return json.load(f)


def check_json(*args):
    proc = common.run("check", "--format", "json", *args)
    if proc.returncode not in (0, 1):
        raise AssertionError(f"exit {proc.returncode}: {proc.stderr}")
    return proc.returncode, json.loads(proc.stdout)


def cast_story(layers=4, extra_layer=False):
    """A bfloat16 model whose input someone cast to float once: every MatMul and Add after
    the Cast meets bfloat16 weights. The one-Cast story root causes are for."""
    nodes = [helper.make_node("Cast", ["x"], ["h0"], to=TensorProto.FLOAT, name="to_float")]
    inits = []
    rng = np.random.default_rng(0)
    count = layers + (1 if extra_layer else 0)
    for i in range(count):
        nodes.append(helper.make_node("MatMul", [f"h{i}", f"W{i}"], [f"m{i}"], name=f"mm{i}"))
        nodes.append(helper.make_node("Add", [f"m{i}", f"B{i}"], [f"h{i + 1}"], name=f"add{i}"))
        for name, shape in ((f"W{i}", [8, 8]), (f"B{i}", [8])):
            t = helper.make_tensor(name, TensorProto.FLOAT, shape, rng.standard_normal(shape).astype(np.float32).ravel())
            common.to_bfloat16(t)
            inits.append(t)
    nodes.append(helper.make_node("Cast", [f"h{count}"], ["y"], to=TensorProto.BFLOAT16, name="to_bf16"))
    graph = helper.make_graph(nodes, "g", [helper.make_tensor_value_info("x", TensorProto.BFLOAT16, [1, 8])],
                              [helper.make_tensor_value_info("y", TensorProto.BFLOAT16, [1, 8])], inits)
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)], ir_version=8,
                             producer_name="dashboard-test", producer_version="1.2")


class FactsTest(unittest.TestCase):
    def test_facts_agree_with_the_file_as_python_reads_it(self):
        path = os.path.join(TORCH, "block_f32_partial_bf16_opset17.onnx")
        _, doc = check_json(path)
        jsonschema.validate(doc, schema())
        facts = doc["models"][0]["model"]
        self.assertEqual(facts["sha256"], common.sha256(path))
        self.assertEqual(facts["size"], os.path.getsize(path))
        m = onnx.load(path)
        self.assertEqual(facts["ir_version"], m.ir_version)
        self.assertEqual(facts["opsets"], [{"domain": o.domain, "version": o.version} for o in m.opset_import])
        self.assertEqual(facts["producer"], {"name": m.producer_name, "version": m.producer_version})
        # Stored tensors by dtype: initializers and Constant values, as onnx reads them.
        expected = {}
        tensors = list(m.graph.initializer)
        tensors += [a.t for n in m.graph.node if n.op_type == "Constant" for a in n.attribute if a.name == "value"]
        for t in tensors:
            key, size = {TensorProto.FLOAT: ("float", 4), TensorProto.BFLOAT16: ("bfloat16", 2),
                         TensorProto.INT64: ("int64", 8)}[t.data_type]
            e = expected.setdefault(key, {"tensors": 0, "elements": 0, "bytes": 0})
            n = int(np.prod(t.dims)) if len(t.dims) else 1
            e["tensors"] += 1
            e["elements"] += n
            e["bytes"] += n * size
        self.assertEqual(facts["weights"], expected)
        self.assertEqual(facts["nodes"], len(m.graph.node))
        summary = doc["models"][0]["summary"]
        by_rule = {}
        for f in doc["models"][0]["findings"]:
            by_rule[f["rule"]] = by_rule.get(f["rule"], 0) + 1
        self.assertEqual(summary["by_rule"], by_rule)
        self.assertEqual(summary["baseline_suppressed"], 0)

    def test_every_real_fixture_report_validates(self):
        paths = sorted(os.path.join(TORCH, f) for f in os.listdir(TORCH) if f.endswith(".onnx"))
        _, doc = check_json(*paths)
        jsonschema.validate(doc, schema())
        self.assertEqual(len(doc["models"]), len(paths))


class RootCauseTest(unittest.TestCase):
    def setUp(self):
        self.tmp = common.tempdir()
        self.path = os.path.join(self.tmp.name, "cast story.onnx")  # a space: the command quotes it
        onnx.save(cast_story(), self.path)

    def tearDown(self):
        self.tmp.cleanup()

    def test_one_cast_is_named_once_with_the_command_that_fixes_its_findings(self):
        proc = common.run("check", self.path)
        self.assertEqual(proc.returncode, 1, proc.stderr)
        lines = proc.stdout.splitlines()
        start = lines.index(f"Root causes in {self.path}: 1 origin explains 8 of 9 findings")
        self.assertEqual(lines[start + 1], "  8 findings: float from output of Cast 'to_float' (to=float)")
        self.assertEqual(lines[start + 2], f"    fix: onnx-tidy fix '{self.path}' -o FIXED.onnx")
        self.assertTrue(lines[-1].startswith("Found 8 errors"), lines[-1])

        _, doc = check_json(self.path)
        causes = doc["models"][0]["root_causes"]
        self.assertEqual(len(causes), 1)
        rc = causes[0]
        self.assertEqual((rc["origin_kind"], rc["graph"], rc["dtype"], rc["values"], rc["count"]),
                         ("node_output", "main", "float", ["h0"], 8))
        findings = doc["models"][0]["findings"]
        explained = {findings[i]["fingerprint"] for i in rc["findings"]}
        self.assertEqual(len(explained), 8)
        # The command, as printed, run for real: every finding it explains is gone.
        fixed = os.path.join(self.tmp.name, "fixed.onnx")
        argv = shlex.split(rc["command"].replace("FIXED.onnx", shlex.quote(fixed)))
        self.assertEqual(argv[:2], ["onnx-tidy", "fix"])
        self.assertIn(self.path, argv)
        proc = common.run(*argv[1:])
        self.assertIn(proc.returncode, (0, 1), proc.stderr)
        code, after = check_json(fixed)
        left = {f["fingerprint"] for f in after["models"][0]["findings"]}
        self.assertFalse(explained & left, after)
        self.assertEqual(after["models"][0]["root_causes"], [])


class RealExportRootCauseTest(unittest.TestCase):
    """A real torch bfloat16 export checked for onnxruntime's CPU provider: dozens of ops
    without a bfloat16 kernel, all from the model's bfloat16 weights. One root cause, and
    its command gives a model the target runs."""

    def test_the_command_of_a_bfloat16_export_makes_it_run_on_cpu(self):
        path = os.path.join(TORCH, "block_bf16_opset17.onnx")
        code, doc = check_json("--target", "onnxruntime-cpu", path)
        m = doc["models"][0]
        self.assertEqual(len(m["root_causes"]), 1, m["root_causes"])
        rc = m["root_causes"][0]
        self.assertEqual((rc["origin_kind"], rc["dtype"]), ("initializer", "bfloat16"))
        self.assertGreater(rc["count"], 40)
        rules = {m["findings"][i]["rule"] for i in rc["findings"]}
        self.assertIn("no-target-kernel", rules)
        with common.tempdir() as tmp:
            fixed = os.path.join(tmp, "fixed.onnx")
            argv = shlex.split(rc["command"].replace("FIXED.onnx", shlex.quote(fixed)))
            proc = common.run(*argv[1:])
            self.assertEqual(proc.returncode, 0, proc.stdout + proc.stderr)
            code, after = check_json("--target", "onnxruntime-cpu", fixed)
            self.assertEqual(code, 0)
            self.assertEqual([f for f in after["models"][0]["findings"] if f["rule"] in rules], [])


class BaselineTest(unittest.TestCase):
    def setUp(self):
        self.tmp = common.tempdir()
        self.path = os.path.join(self.tmp.name, "m.onnx")
        onnx.save(cast_story(), self.path)
        self.baseline = os.path.join(self.tmp.name, "baseline.json")
        proc = common.run("check", "--format", "json", self.path)
        with open(self.baseline, "w") as f:
            f.write(proc.stdout)
        self.before = json.loads(proc.stdout)["models"][0]

    def tearDown(self):
        self.tmp.cleanup()

    def test_an_unchanged_model_passes_and_says_how_many_were_left_out(self):
        proc = common.run("check", "--baseline", self.baseline, self.path)
        self.assertEqual(proc.returncode, 0, proc.stdout)
        self.assertEqual(proc.stdout, "All checks passed (1 model).\n")
        code, doc = check_json("--baseline", self.baseline, self.path)
        self.assertEqual(code, 0)
        m = doc["models"][0]
        self.assertEqual(m["findings"], [])
        self.assertEqual(m["root_causes"], [])
        self.assertEqual(m["summary"]["baseline_suppressed"], len(self.before["findings"]))

    def test_every_format_leaves_the_known_findings_out(self):
        for fmt in ("github", "sarif"):
            with self.subTest(fmt=fmt):
                proc = common.run("check", "--format", fmt, "--baseline", self.baseline, self.path)
                self.assertEqual(proc.returncode, 0, proc.stderr)
                if fmt == "github":
                    self.assertEqual(proc.stdout, "")
                else:
                    self.assertEqual(json.loads(proc.stdout)["runs"][0]["results"], [])

    def test_only_the_new_findings_are_reported(self):
        onnx.save(cast_story(extra_layer=True), self.path)
        code, doc = check_json("--baseline", self.baseline, self.path)
        self.assertEqual(code, 1)
        m = doc["models"][0]
        self.assertEqual(sorted(f["location"]["node"] for f in m["findings"]), ["add4", "mm4"])
        self.assertEqual(m["summary"]["baseline_suppressed"], len(self.before["findings"]))

    def test_a_moved_model_is_matched_by_its_hash(self):
        other = os.path.join(self.tmp.name, "moved")
        os.mkdir(other)
        shutil.copy(self.path, os.path.join(other, "renamed.onnx"))
        both = os.path.join(self.tmp.name, "two.json")
        # A baseline of two models: the moved one cannot be matched by being the only one.
        onnx.save(cast_story(layers=2), os.path.join(self.tmp.name, "small.onnx"))
        proc = common.run("check", "--format", "json", self.path, os.path.join(self.tmp.name, "small.onnx"))
        with open(both, "w") as f:
            f.write(proc.stdout)
        code, doc = check_json("--baseline", both, os.path.join(other, "renamed.onnx"))
        self.assertEqual(code, 0, doc)
        self.assertEqual(doc["models"][0]["summary"]["baseline_suppressed"], len(self.before["findings"]))

    def test_a_bad_baseline_is_one_line_and_exit_2(self):
        cases = {"missing.json": None, "garbage.json": "{not json", "other.json": '{"version": 2, "runs": []}',
                 "bad_finding.json": '{"tool": {"name": "onnx-tidy"}, "models": [{"path": "m", "findings": [3]}]}',
                 "deep.json": "[" * 100000 + "]" * 100000}
        for name, text in cases.items():
            with self.subTest(name=name):
                path = os.path.join(self.tmp.name, name)
                if text is not None:
                    with open(path, "w") as f:
                        f.write(text)
                proc = common.run("check", "--baseline", path, self.path)
                self.assertEqual(proc.returncode, 2, proc.stderr)
                self.assertEqual(len(proc.stderr.splitlines()), 1, proc.stderr)
                self.assertIn("--baseline", proc.stderr)
                self.assertEqual(proc.stdout, "")


if __name__ == "__main__":
    common.main()
