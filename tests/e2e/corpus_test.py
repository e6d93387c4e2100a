"""onnx-tidy over Debian's libonnx-testdata: no crash, and no error on any model onnx's
own checker accepts with full_check=True."""
import json
import os
import random
import unittest

import jsonschema
import onnx

import common

# Old opset-6 exports whose Constants hold int64, which Constant-1 does not allow.
# onnx's checker rejects them too; flagging them is right.
KNOWN_INVALID = {
    "pytorch-converted/test_PixelShuffle",
    "pytorch-operator/test_operator_repeat",
    "pytorch-operator/test_operator_repeat_dim_overflow",
}


class CorpusTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.paths = common.corpus_models()
        cls.reports = common.check_json(cls.paths)

    def test_corpus_is_complete(self):
        self.assertEqual(len(self.paths), 1072, "libonnx-testdata is missing or changed")
        self.assertEqual(set(self.reports), set(self.paths))

    def test_every_model_loads(self):
        failed = {p: r["error"] for p, r in self.reports.items() if "error" in r}
        self.assertEqual(failed, {})

    def test_no_error_where_the_checker_accepts(self):
        false_errors = {}
        rejected = set()
        for p in self.paths:
            name = os.path.relpath(os.path.dirname(p), common.CORPUS_DIR)
            if not common.checker_accepts(onnx.load(p)):
                rejected.add(name)
                continue
            errors = common.error_findings(self.reports[p])
            if errors:
                false_errors[name] = [e["message"] for e in errors]
        self.assertEqual(false_errors, {})
        self.assertEqual(rejected, KNOWN_INVALID)

    def test_known_invalid_models_are_flagged(self):
        for name in sorted(KNOWN_INVALID):
            report = self.reports[os.path.join(common.CORPUS_DIR, name, "model.onnx")]
            rules = {(f["rule"], f["location"]["op_type"]) for f in common.error_findings(report)}
            self.assertEqual(rules, {("dtype-not-allowed", "Constant")}, name)

    def test_shuffled_nodes_give_the_same_findings_and_fix_sorts_them(self):
        """Every model with the nodes of every graph and function body shuffled: the type
        pass visits them in dependency order, so the findings are those of the model as
        written, plus unsorted-graph; fix sorts them back to a model onnx's checker takes."""
        rng = random.Random(11)

        def shuffle(nodes_field):
            nodes = list(nodes_field)
            for n in nodes:
                for a in n.attribute:
                    for g in ([a.g] if a.type == onnx.AttributeProto.GRAPH else list(a.graphs)):
                        shuffle(g.node)
            rng.shuffle(nodes)
            del nodes_field[:]
            nodes_field.extend(nodes)

        def key(f):  # positions and unnamed nodes' labels move with the shuffle
            l = f["location"]
            return (f["rule"], f["severity"], l["graph"].count("/"), l["op_type"], l["value"], l["input_index"],
                    l["output_index"])

        with common.tempdir() as d:
            shuffled = {}
            for p in self.paths:
                m = onnx.load(p)
                shuffle(m.graph.node)
                for fn in m.functions:
                    shuffle(fn.node)
                name = os.path.relpath(os.path.dirname(p), common.CORPUS_DIR)
                dst = os.path.join(d, name.replace("/", "__") + ".onnx")
                onnx.save(m, dst)
                shuffled[dst] = (p, name)
            reports = common.check_json(list(shuffled))
            differ, flagged = {}, 0
            for dst, (p, name) in shuffled.items():
                findings = reports[dst]["findings"]
                flagged += any(f["rule"] == "unsorted-graph" for f in findings)
                got = sorted(key(f) for f in findings if f["rule"] != "unsorted-graph")
                if got != sorted(key(f) for f in self.reports[p]["findings"]):
                    differ[name] = got
            self.assertEqual(differ, {})
            self.assertGreater(flagged, 100)

            proc = common.run("fix", "--in-place", d)
            # Only the models onnx's checker refuses anyway may fail verification once sorted.
            for line in proc.stderr.splitlines():
                for dst, (_, name) in shuffled.items():
                    if dst + ":" in line:
                        self.assertIn(name, KNOWN_INVALID, line)
            for dst, (p, name) in shuffled.items():
                if name not in KNOWN_INVALID:
                    self.assertTrue(common.checker_accepts(onnx.load(dst)), name)

    def test_reports_validate_against_the_schema(self):
        with open(os.path.join(common.SOURCE_DIR, "docs", "report.schema.json")) as f:
            schema = json.load(f)
        validator = jsonschema.Draft202012Validator(schema)
        doc = {"tool": {"name": "onnx-tidy", "version": "0.0.0"}, "models": [self.reports[p] for p in self.paths]}
        errors = [e.message for e in validator.iter_errors(doc)]
        self.assertEqual(errors[:5], [])


if __name__ == "__main__":
    common.main()
