"""What CI and dashboards read: SARIF validated against the official 2.1.0 schema, GitHub
annotations byte for byte, fingerprints that hold while a model changes, per-rule
severities from onnx-tidy.toml and --severity, and a target in the config that fails CI."""
import json
import os
import unittest

import jsonschema
import onnx
from onnx import TensorProto, helper

import common

EXAMPLE = "docs/examples/bf16_weight_matmul.onnx"
SCHEMA = os.path.join(common.SOURCE_DIR, "..", "shared", "schemas", "sarif-schema-2.1.0.json")


def run(*args):
    return common.run(*args, cwd=common.SOURCE_DIR)


def bf16_model(extra_node=False):
    """float activations against a bfloat16 weight, optionally with an unrelated node
    first (it moves every node index by one)."""
    nodes = [helper.make_node("MatMul", ["x", "w"], ["y"], name="mm")]
    outputs = [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 2])]
    if extra_node:
        nodes.insert(0, helper.make_node("Relu", ["x"], ["r"], name="relu"))
        outputs.append(helper.make_tensor_value_info("r", TensorProto.FLOAT, [1, 2]))
    w = helper.make_tensor("w", TensorProto.FLOAT, [2, 2], [1.0, 2.0, 3.0, 4.0])
    common.to_bfloat16(w)
    graph = helper.make_graph(nodes, "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 2])], outputs, [w])
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)], ir_version=8)


class SarifTest(unittest.TestCase):
    def setUp(self):
        self.tmp = common.tempdir()

    def tearDown(self):
        self.tmp.cleanup()

    def sarif(self, *paths):
        proc = run("check", "--format", "sarif", *paths)
        self.assertIn(proc.returncode, (0, 1), proc.stderr)
        return json.loads(proc.stdout)

    def test_a_real_run_validates_against_the_official_schema(self):
        with open(SCHEMA) as f:
            schema = json.load(f)
        models = [EXAMPLE] + common.corpus_models()[:40] + sorted(
            os.path.join(common.SOURCE_DIR, "tests", "data", "torch", n)
            for n in os.listdir(os.path.join(common.SOURCE_DIR, "tests", "data", "torch")) if n.endswith(".onnx"))
        doc = self.sarif(*models)
        errors = [e.message for e in jsonschema.validators.validator_for(schema)(schema).iter_errors(doc)]
        self.assertEqual(errors, [])
        results = doc["runs"][0]["results"]
        self.assertGreater(len(results), 10)
        broken = doc.copy()
        broken["runs"] = [{"results": results}]  # no tool: the schema is not vacuous
        self.assertFalse(jsonschema.validators.validator_for(schema)(schema).is_valid(broken))

    def test_rules_results_locations_fingerprints_and_fixes(self):
        doc = self.sarif(EXAMPLE)
        driver = doc["runs"][0]["tool"]["driver"]
        rules = json.loads(run("rules", "--format", "json").stdout)["rules"]
        self.assertEqual([r["id"] for r in driver["rules"]], [r["id"] for r in rules])
        for r in driver["rules"]:
            self.assertTrue(r["shortDescription"]["text"] and r["fullDescription"]["text"])
            self.assertEqual(r["helpUri"], f"docs/rules/{r['id']}.md")
            self.assertTrue(os.path.exists(os.path.join(common.SOURCE_DIR, r["helpUri"])))
            self.assertIn(r["defaultConfiguration"]["level"], ("error", "warning", "note"))
        [result] = [r for r in doc["runs"][0]["results"] if r["ruleId"] == "operand-dtype-mismatch"]
        self.assertEqual(result["level"], "error")
        self.assertEqual(driver["rules"][result["ruleIndex"]]["id"], "operand-dtype-mismatch")
        self.assertEqual(result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"], EXAMPLE)
        self.assertEqual(result["locations"][0]["logicalLocations"][0]["fullyQualifiedName"], "main:fc1")
        self.assertEqual(result["properties"]["fix"]["safety"], "safe")
        self.assertIn("fc1.weight", result["message"]["text"])

    def test_fingerprints_hold_while_the_model_changes_around_a_finding(self):
        a, b = (os.path.join(self.tmp.name, n) for n in ("a.onnx", "b.onnx"))
        onnx.save(bf16_model(), a)
        onnx.save(bf16_model(extra_node=True), b)
        def prints(path):
            return {(r["ruleId"], r["partialFingerprints"]["onnxTidyFinding/v1"])
                    for r in self.sarif(path)["runs"][0]["results"] if r["ruleId"] == "operand-dtype-mismatch"}
        self.assertEqual(prints(a), prints(a))
        self.assertEqual(len(prints(a)), 1)
        self.assertEqual(prints(a), prints(b))  # the node moved from #0 to #1; it is the same finding


class GithubTest(unittest.TestCase):
    def test_annotations_byte_for_byte(self):
        proc = run("check", "--format", "github", "--select", "operand-dtype-mismatch", EXAMPLE)
        self.assertEqual(proc.returncode, 1)
        self.assertEqual(proc.stdout,
                         "::error file=docs/examples/bf16_weight_matmul.onnx,title=operand-dtype-mismatch::"
                         "main:#0: MatMul 'fc1': input A 'x' is float (graph input 'x') but input B 'fc1.weight' is "
                         "bfloat16 (initializer 'fc1.weight')%0Aboth are bound to type parameter 'T' of MatMul-13, "
                         "which must be one type%0Afix (safe): widen 'fc1.weight' to float (rewrite stored tensor)\n")

    def test_properties_and_messages_are_escaped(self):
        with common.tempdir() as d:
            path = os.path.join(d, "a,b:100%.onnx")
            onnx.save(bf16_model(), path)
            proc = common.run("check", "--format", "github", "--select", "operand-dtype-mismatch", path)
            line = proc.stdout.splitlines()[0]
            self.assertIn("file=" + d.replace(":", "%3A").replace(",", "%2C") + "/a%2Cb%3A100%25.onnx,title=", line)
            self.assertEqual(len(proc.stdout.splitlines()), 1)  # line breaks in the message are %0A


class SeverityTest(unittest.TestCase):
    def setUp(self):
        self.tmp = common.tempdir()
        self.dir = self.tmp.name
        self.model = os.path.join(self.dir, "bf16.onnx")
        m = bf16_model()
        # A bfloat16 MatMul is valid ONNX, but onnxruntime's CPU provider has no kernel.
        m.graph.input[0].type.tensor_type.elem_type = TensorProto.BFLOAT16
        m.graph.output[0].type.tensor_type.elem_type = TensorProto.BFLOAT16
        onnx.save(m, self.model)

    def tearDown(self):
        self.tmp.cleanup()

    def config(self, text):
        path = os.path.join(self.dir, "onnx-tidy.toml")
        with open(path, "w") as f:
            f.write(text)
        return path

    def findings(self, *args):
        proc = common.run("check", "--format", "json", *args, self.model)
        return proc.returncode, {f["rule"]: f["severity"] for f in json.loads(proc.stdout)["models"][0]["findings"]}

    def test_a_target_on_the_command_line_warns(self):
        code, sev = self.findings("--config", self.config(""), "--target", "onnxruntime-cpu")
        self.assertEqual((code, sev["no-target-kernel"]), (0, "warning"))

    def test_a_target_in_the_config_is_a_promise_that_fails_ci(self):
        code, sev = self.findings("--config", self.config('target = "onnxruntime-cpu"\n'))
        self.assertEqual((code, sev["no-target-kernel"]), (1, "error"))
        code, sev = self.findings("--config", self.config('target = "onnxruntime-cpu"\n[severity]\n'
                                                          'no-target-kernel = "warning"\n'))
        self.assertEqual((code, sev["no-target-kernel"]), (0, "warning"))

    def test_severity_from_the_config_and_the_command_line(self):
        cfg = self.config('[severity]\n"mixed-*" = "warning"\n')
        code, sev = self.findings("--config", cfg, "--target", "onnxruntime-cpu")
        self.assertEqual(sev["mixed-precision"], "warning")
        code, sev = self.findings("--config", cfg, "--target", "onnxruntime-cpu", "--severity",
                                  "no-target-kernel=error,mixed-precision=info")
        self.assertEqual((code, sev["no-target-kernel"], sev["mixed-precision"]), (1, "error", "info"))

    def test_bad_severities_are_one_line_and_exit_2(self):
        for args in [("--severity", "no-such-rule=error"), ("--severity", "mixed-precision=fatal"),
                     ("--severity", "mixed-precision"),
                     ("--config", self.config('[severity]\nmixed-precision = "loud"\n'))]:
            with self.subTest(args=args):
                proc = common.run("check", *args, self.model)
                self.assertEqual(proc.returncode, 2, proc.stdout + proc.stderr)
                self.assertEqual(len(proc.stderr.splitlines()), 1, proc.stderr)


if __name__ == "__main__":
    common.main()
