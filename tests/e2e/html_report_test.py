"""`check --format html` in a real headless Chromium: the page renders with no console
error, holds every finding of the JSON report, draws each finding's chain naming its
nodes, and hostile names stay text. Screenshots are saved as artefacts; with
ONNXTIDY_REGEN_SCREENSHOTS=1 the ones in docs/screenshots/ are regenerated."""
import html
import json
import os
import re
import shutil
import subprocess
import tempfile
import unittest
from html.parser import HTMLParser

import onnx
from onnx import TensorProto, helper

import common

TORCH = os.path.join(common.SOURCE_DIR, "tests", "data", "torch")
EXAMPLE = os.path.join(common.SOURCE_DIR, "docs", "examples", "bf16_weight_matmul.onnx")
TORCH_MODEL = os.path.join(TORCH, "block_f32_weights_bf16_opset17.onnx")
ARTEFACTS = os.environ.get("ONNXTIDY_ARTEFACTS", os.path.join(common.SOURCE_DIR, "build", "artefacts", "html"))
SCREENSHOTS = os.path.join(common.SOURCE_DIR, "docs", "screenshots")
CHROMIUM = shutil.which("chromium")
DOC_SCREENSHOTS = ("bf16_weight_matmul", "block_f32_weights_bf16_opset17")
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-extensions", "--no-first-run", "--disable-sync", "--disable-component-update"]


def chromium(page, *extra):
    """Runs Chromium on a file; returns (stdout, stderr) with the console logged to stderr."""
    profile = tempfile.mkdtemp(prefix="onnxtidy-chromium-")
    try:
        proc = subprocess.run([CHROMIUM, *FLAGS, f"--user-data-dir={profile}", "--enable-logging=stderr", "--v=0",
                               *extra, "file://" + os.path.abspath(page)],
                              capture_output=True, text=True, timeout=120)
    finally:
        shutil.rmtree(profile, ignore_errors=True)
    return proc.stdout, proc.stderr


def console_errors(stderr):
    """Console messages and script errors Chromium logged for the page."""
    return [l for l in stderr.splitlines()
            if "CONSOLE" in l or "Uncaught" in l or "Refused to" in l or "Content Security Policy" in l]


class Text(HTMLParser):
    def __init__(self):
        super().__init__()
        self.parts, self.scripts = [], 0

    def handle_starttag(self, tag, attrs):
        self.scripts += tag == "script"

    def handle_data(self, data):
        self.parts.append(data)


def relative(models):
    """Paths as a user in the repository would give them (the screenshots in docs/ show them)."""
    return [os.path.relpath(m, common.SOURCE_DIR) for m in models]


def write_html(models, path):
    proc = common.run("check", "--format", "html", *relative(models), cwd=common.SOURCE_DIR)
    if proc.returncode not in (0, 1):
        raise AssertionError(f"exit {proc.returncode}: {proc.stderr}")
    with open(path, "w") as f:
        f.write(proc.stdout)
    return proc.stdout


def json_report(models):
    proc = common.run("check", "--format", "json", *relative(models), cwd=common.SOURCE_DIR)
    return json.loads(proc.stdout)


def drawings(dom):
    """{anchor id: drawing markup} of every finding's drawing."""
    return {m.group(1): m.group(2) for m in re.finditer(r'<div class="drawing" id="([^"]+)">(.*?)</div>', dom, re.S)}


# Under CI a missing browser fails the suite; elsewhere the test says why it did not run.
def drawings_with_previews(dom):
    """{anchor id: (the finding's drawing, its fix preview's drawing)}."""
    out = {}
    for m in re.finditer(r'<div class="drawing" id="([^"]+)">(.*?)<div class="preview">(.*?)</div>\n</div>', dom, re.S):
        out[m.group(1)] = (m.group(2), m.group(3))
    return out


@unittest.skipUnless(CHROMIUM or os.environ.get("CI"), "chromium is not installed (scripts/install-deps.sh)")
class HtmlReportTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp()
        os.makedirs(ARTEFACTS, exist_ok=True)

    def tearDown(self):
        shutil.rmtree(self.tmp, ignore_errors=True)

    def render(self, models, name):
        """Writes the page, checks it renders cleanly, saves its screenshot; returns the DOM."""
        page = os.path.join(self.tmp, name + ".html")
        write_html(models, page)
        dom, err = chromium(page, "--dump-dom")
        self.assertIn("onnx-tidy report", dom)
        self.assertEqual(console_errors(err), [], err[-2000:])
        shot = os.path.join(ARTEFACTS, name + ".png")
        chromium(page, f"--screenshot={shot}", "--window-size=1400,1800", "--hide-scrollbars")
        self.assertTrue(os.path.getsize(shot) > 1000, "no screenshot")
        if os.environ.get("ONNXTIDY_REGEN_SCREENSHOTS") == "1" and name in DOC_SCREENSHOTS:
            os.makedirs(SCREENSHOTS, exist_ok=True)
            shutil.copy(shot, os.path.join(SCREENSHOTS, name + ".png"))
        return dom

    def check_findings_and_drawings(self, models, name):
        dom = self.render(models, name)
        text = Text()
        text.feed(dom)
        shown = " ".join(" ".join(text.parts).split())
        report = json_report(models)
        draws = drawings(dom)
        total = 0
        for m, model in enumerate(report["models"]):
            for i, f in enumerate(model["findings"]):
                total += 1
                self.assertIn(" ".join(f["message"].split()), shown, f"finding {i} of {model['path']} is not on the page")
                if not f.get("provenance"):
                    continue
                drawing = html.unescape(draws[f"f{m}-{i}"])
                self.assertIn("<svg", drawing)
                for p in f["provenance"][:8]:
                    for step in p["chain"]:
                        # every hop of the chain is a box titled with where the dtype came from
                        self.assertIn(step["how"], drawing, f"finding {i}: {step['how']} is not drawn")
        self.assertGreater(total, 0)
        # the page's own script only, and the table's filters added by it
        self.assertEqual(text.scripts, 1)
        self.assertIn("<select", dom)
        return report, dom

    def test_bundled_example(self):
        report, dom = self.check_findings_and_drawings([EXAMPLE], "bf16_weight_matmul")
        self.assertIn("edge conflict", dom)  # float A against bfloat16 B
        self.assertIn("fc1.weight", drawings(dom)["f0-1"])

    def test_torch_export_with_many_findings(self):
        report, dom = self.check_findings_and_drawings([TORCH_MODEL], "block_f32_weights_bf16_opset17")
        self.assertIn("edge conflict", dom)
        self.assertGreater(len(report["models"][0]["findings"]), 5)
        self.assert_precision_map(report, dom)

    def assert_precision_map(self, report, dom):
        """The two transformer blocks are one block drawn x2; every finding on a node links to
        a box on the map that exists and names that op."""
        blocks = re.findall(r'<div class="block" data-repeat="(\d+)">(.*?)</div>', dom, re.S)
        self.assertTrue(any(int(k) == 2 and block.count('class="pn') > 50 for k, block in blocks), blocks[:2])
        boxes = dict(re.findall(r'<a class="pn[^"]*" id="([^"]+)"[^>]* title="([^"]*)"', dom))
        links = re.findall(r'<a class="maplink" href="#([^"]+)">', dom)
        with_node = [f for f in report["models"][0]["findings"] if f["location"]["node_index"] is not None]
        self.assertEqual(len(links), len(with_node))
        for target, f in zip(links, with_node):
            self.assertIn(target, boxes)
            self.assertIn(html.escape(f["location"]["op_type"]), boxes[target])
        # Every widening fix is previewed: after it, no edge of the drawing conflicts.
        widened = [i for i, f in enumerate(report["models"][0]["findings"])
                   if f["fix"] and f["fix"]["kind"] == "widen-operands"]
        self.assertGreater(len(widened), 5)
        draws = drawings_with_previews(dom)
        for i in widened:
            before, after = draws[f"f0-{i}"]
            self.assertIn("edge conflict", before)
            self.assertIn("<svg", after)
            self.assertNotIn("edge conflict", after)
        # The model has more nodes than boxes: the blocks are drawn once.
        self.assertLess(len(boxes), report["models"][0]["model"]["nodes"])

    def test_hostile_names_stay_text(self):
        evil = "<script>console.error('pwned')</script>\"'&"
        x = helper.make_tensor_value_info("x" + evil, TensorProto.FLOAT, [2, 2])
        w = helper.make_tensor("w" + evil, TensorProto.BFLOAT16, [2, 2], [0, 0, 0, 0])
        y = helper.make_tensor_value_info("y", TensorProto.FLOAT, [2, 2])
        node = helper.make_node("MatMul", ["x" + evil, "w" + evil], ["y"], name="mm" + evil)
        model = helper.make_model(helper.make_graph([node], "g", [x], [y], [w]),
                                  opset_imports=[helper.make_opsetid("", 17)])
        raw = model.SerializeToString().replace(b"mm<script>", b"m\xff<script>")  # same length
        path = os.path.join(self.tmp, "evil.onnx")
        with open(path, "wb") as f:
            f.write(raw)
        dom = self.render([path], "hostile")
        text = Text()
        text.feed(dom)
        self.assertEqual(text.scripts, 1)
        self.assertNotIn("pwned", "".join(l for l in dom.splitlines() if "<script>console" in l))
        self.assertIn("&lt;script&gt;console.error", dom)
        self.assertIn("\ufffd", dom)


if __name__ == "__main__":
    unittest.main()
