"""`onnx-tidy report`: saved `check --format json` reports back into one page (--html) or
one document (--json). A report read back and written again is the same bytes, on the
bundled examples, the torch exports and the whole ONNX backend corpus; the page from
saved reports holds what `check --format html` shows for the same models and renders in
headless Chromium; a bad report is one line and exit 2, and nothing is written."""
import glob
import json
import os
import shutil
import tempfile
import unittest

import common
import html_report_test as page_test

TORCH = sorted(glob.glob(os.path.join(common.SOURCE_DIR, "tests", "data", "torch", "*.onnx")))
EXAMPLES = sorted(glob.glob(os.path.join(common.SOURCE_DIR, "docs", "examples", "*.onnx")))


class ReportTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp()

    def tearDown(self):
        shutil.rmtree(self.tmp, ignore_errors=True)

    def saved(self, models, name, *flags):
        proc = common.run("check", "--format", "json", *flags, *models)
        self.assertIn(proc.returncode, (0, 1), proc.stderr)
        path = os.path.join(self.tmp, name)
        with open(path, "w") as f:
            f.write(proc.stdout)
        return path

    def assert_round_trip(self, report):
        proc = common.run("report", "--json", "-", report)
        self.assertEqual(proc.returncode, 0, proc.stderr)
        with open(report) as f:
            self.assertEqual(proc.stdout, f.read(), report)

    def test_round_trip_on_examples_torch_exports_and_the_corpus(self):
        self.assert_round_trip(self.saved(EXAMPLES + TORCH, "ours.json"))
        self.assert_round_trip(self.saved(TORCH, "cpu.json", "--target", "onnxruntime-cpu"))
        corpus = common.corpus_models()
        self.assertGreater(len(corpus), 1000)
        findings = 0
        for i in range(0, len(corpus), 300):
            path = self.saved(corpus[i:i + 300], f"corpus{i}.json")
            self.assert_round_trip(path)
            with open(path) as f:
                findings += sum(len(m["findings"]) for m in json.load(f)["models"])
        self.assertGreater(findings, 80)  # 98 today: the corpus is mostly valid models

    def test_several_reports_make_one_page_and_one_document(self):
        a = self.saved([page_test.EXAMPLE], "a.json")
        b = self.saved([page_test.TORCH_MODEL], "b.json")
        out = os.path.join(self.tmp, "dashboard.html")
        proc = common.run("report", "--html", out, a, b)
        self.assertEqual(proc.returncode, 0, proc.stderr)
        with open(out) as f:
            ours = f.read()
        # The same page check writes for the same models (their paths as saved).
        direct = common.run("check", "--format", "html", *page_test.relative([page_test.EXAMPLE, page_test.TORCH_MODEL]),
                            cwd=common.SOURCE_DIR).stdout
        self.assertEqual(page_test.drawings(ours).keys(), page_test.drawings(direct).keys())
        for key, drawing in page_test.drawings(direct).items():
            self.assertEqual(page_test.drawings(ours)[key], drawing, key)
        self.assertEqual(ours.count('class="pn'), direct.count('class="pn'))
        text = page_test.Text()
        text.feed(ours)
        shown = " ".join(" ".join(text.parts).split())
        paths = []
        for doc in (a, b):
            with open(doc) as f:
                for m in json.load(f)["models"]:
                    paths.append(m["path"])
                    for finding in m["findings"]:
                        self.assertIn(" ".join(finding["message"].split()), shown)
        merged = common.run("report", "--json", "-", a, b)
        self.assertEqual([m["path"] for m in json.loads(merged.stdout)["models"]], paths)

    @unittest.skipUnless(page_test.CHROMIUM or os.environ.get("CI"), "chromium is not installed")
    def test_the_page_renders_in_a_browser(self):
        a = self.saved([page_test.TORCH_MODEL, page_test.EXAMPLE], "two.json")
        out = os.path.join(self.tmp, "dashboard.html")
        self.assertEqual(common.run("report", "--html", out, a).returncode, 0)
        dom, err = page_test.chromium(out, "--dump-dom")
        self.assertIn("onnx-tidy report", dom)
        self.assertEqual(page_test.console_errors(err), [], err[-2000:])
        self.assertIn('data-repeat="2"', dom)

    def test_bad_reports_are_one_line_and_write_nothing(self):
        good = self.saved([page_test.EXAMPLE], "good.json")
        with open(good) as f:
            doc = json.load(f)
        finding = doc["models"][0]["findings"][1]
        cases = {
            "truncated": json.dumps(doc)[:-40],
            "not_ours": json.dumps({"tool": {"name": "other"}, "models": []}),
            "wrong_type": json.dumps({**doc, "models": [{**doc["models"][0], "findings": {}}]}),
            "negative_index": json.dumps(doc).replace('"node_index": 0', '"node_index": -3'),
            "severity": json.dumps(doc).replace('"severity": "error"', '"severity": "fatal"'),
            "root_cause_index": json.dumps({**doc, "models": [{**doc["models"][0],
                                           "root_causes": [{"origin": "", "origin_kind": "", "graph": None,
                                                            "dtype": "", "values": [], "findings": [99]}]}]}),
            "deep": "[" * 100000,
            "binary": "\x00\xff\xfe",
        }
        self.assertEqual(finding["location"]["node_index"], 0)
        out = os.path.join(self.tmp, "out.html")
        with open(out, "w") as f:
            f.write("earlier page")
        for name, text in cases.items():
            bad = os.path.join(self.tmp, name + ".json")
            with open(bad, "w", encoding="utf-8", errors="surrogateescape") as f:
                f.write(text)
            proc = common.run("report", "--html", out, good, bad)
            self.assertEqual(proc.returncode, 2, name)
            self.assertEqual(len(proc.stderr.strip().splitlines()), 1, (name, proc.stderr))
            self.assertIn(name + ".json", proc.stderr)
            with open(out) as f:
                self.assertEqual(f.read(), "earlier page", name)
        self.assertEqual(common.run("report", good).returncode, 2)
        self.assertEqual(common.run("report", "--html", out, os.path.join(self.tmp, "missing.json")).returncode, 2)


if __name__ == "__main__":
    common.main()
