"""The onnx-tidy command line as users and CI see it: exit codes, one-line errors,
golden outputs for the bundled example, stable bytes, the JSON contract."""
import json
import os
import random
import re
import subprocess
import sys
import unittest

import jsonschema
import onnx

import common

EXAMPLE = "docs/examples/bf16_weight_matmul.onnx"
CLEAN = "docs/examples/clean_mlp.onnx"
GOLDEN_DIR = os.path.join(common.SOURCE_DIR, "tests", "golden")
REGEN = os.environ.get("ONNXTIDY_REGEN_GOLDEN") == "1"


def run(*args):
    return common.run(*args, cwd=common.SOURCE_DIR)


class GoldenTest(unittest.TestCase):
    def assert_golden(self, name, actual):
        path = os.path.join(GOLDEN_DIR, name)
        if REGEN:
            with open(path, "w") as f:
                f.write(actual)
        with open(path) as f:
            self.assertEqual(actual, f.read(), f"{name} changed; review, then ONNXTIDY_REGEN_GOLDEN=1")

    def test_example_text(self):
        proc = run("check", EXAMPLE)
        self.assertEqual(proc.returncode, 1)
        self.assertIn("MatMul 'fc1': input A 'x' is float (graph input 'x') but input B 'fc1.weight' is bfloat16 "
                      "(initializer 'fc1.weight') [operand-dtype-mismatch]", proc.stdout)
        self.assert_golden("bf16_weight_matmul.txt", proc.stdout)

    def test_example_json(self):
        proc = run("check", "--format", "json", EXAMPLE)
        self.assertEqual(proc.returncode, 1)
        doc = json.loads(proc.stdout)
        doc["tool"]["version"] = "<version>"
        self.assert_golden("bf16_weight_matmul.json", json.dumps(doc, indent=2) + "\n")


class ExitCodeTest(unittest.TestCase):
    def test_clean_model_exits_zero(self):
        proc = run("check", CLEAN)
        self.assertEqual((proc.returncode, proc.stderr), (0, ""))
        self.assertEqual(proc.stdout, "All checks passed (1 model).\n")

    def test_several_models_in_one_call(self):
        proc = run("check", "--format", "json", CLEAN, EXAMPLE)
        self.assertEqual(proc.returncode, 1)
        doc = json.loads(proc.stdout)
        self.assertEqual([m["path"] for m in doc["models"]], [CLEAN, EXAMPLE])
        self.assertEqual([m["summary"]["error"] for m in doc["models"]], [0, 1])

    def test_a_folder_stands_for_the_models_beneath_it(self):
        with common.tempdir() as d:
            os.makedirs(os.path.join(d, "b", "deeper"))
            os.makedirs(os.path.join(d, ".git"))
            with open(os.path.join(common.SOURCE_DIR, EXAMPLE), "rb") as f:
                broken = f.read()
            for rel in ("b/deeper/m.onnx", "a.onnx", ".git/skipped.onnx", "b/.tmp.onnx"):
                with open(os.path.join(d, rel), "wb") as f:
                    f.write(broken)
            with open(os.path.join(d, "b", "notes.txt"), "w") as f:
                f.write("not a model")
            proc = run("check", "--format", "json", d)
            self.assertEqual(proc.returncode, 1, proc.stderr)
            paths = [m["path"] for m in json.loads(proc.stdout)["models"]]
            self.assertEqual(paths, [os.path.join(d, "a.onnx"), os.path.join(d, "b", "deeper", "m.onnx")])
            fixed = run("fix", "--in-place", d)
            self.assertEqual(fixed.returncode, 0, fixed.stdout + fixed.stderr)
            self.assertEqual(run("check", d).returncode, 0)
            with open(os.path.join(d, ".git", "skipped.onnx"), "rb") as f:
                self.assertEqual(f.read(), broken)  # hidden folders are left alone
            os.makedirs(os.path.join(d, "empty"))
            empty = run("check", os.path.join(d, "empty"))
            self.assertEqual(empty.returncode, 2)
            self.assertEqual(empty.stderr.count("\n"), 1)
            self.assertIn("no .onnx or .onnxtxt file in folder", empty.stderr)

    def test_help_and_version(self):
        self.assertEqual(run("--help").returncode, 0)
        self.assertEqual(run("check", "--help").returncode, 0)
        proc = run("--version")
        self.assertEqual(proc.returncode, 0)
        self.assertRegex(proc.stdout, r"^onnx-tidy \d+\.\d+\.\d+\n$")


class ColorTest(unittest.TestCase):
    """--color, checked byte for byte on the example's error line."""
    PLAIN = ("docs/examples/bf16_weight_matmul.onnx:main:#0: error: MatMul 'fc1': input A 'x' is float (graph input "
             "'x') but input B 'fc1.weight' is bfloat16 (initializer 'fc1.weight') [operand-dtype-mismatch]")
    PAINTED = ("docs/examples/bf16_weight_matmul.onnx:main:#0: \x1b[1;31merror\x1b[0m: MatMul 'fc1': input A 'x' is "
               "float (graph input 'x') but input B 'fc1.weight' is bfloat16 (initializer 'fc1.weight') "
               "\x1b[2m[operand-dtype-mismatch]\x1b[0m")

    def error_line(self, *args, env=None):
        proc = common.run("check", *args, EXAMPLE, cwd=common.SOURCE_DIR, env=env)
        self.assertEqual(proc.returncode, 1, proc.stderr)
        return [line for line in proc.stdout.splitlines() if "[operand-dtype-mismatch]" in line][0]

    def test_always_never_and_auto_on_a_pipe(self):
        self.assertEqual(self.error_line("--color=always"), self.PAINTED)
        self.assertEqual(self.error_line("--color=never"), self.PLAIN)
        self.assertEqual(self.error_line(), self.PLAIN)  # auto, and stdout is a pipe here
        env = dict(os.environ, NO_COLOR="1")
        self.assertEqual(self.error_line("--color=always", env=env), self.PAINTED)  # asked for: wins

    def test_auto_on_a_terminal_and_no_color(self):
        import pty
        for no_color, painted in ((None, True), ("1", False)):
            env = dict(os.environ, TERM="xterm")
            env.pop("NO_COLOR", None)
            if no_color:
                env["NO_COLOR"] = no_color
            pid, fd = pty.fork()
            if pid == 0:
                os.chdir(common.SOURCE_DIR)
                os.execve(common.BINARY, [common.BINARY, "check", EXAMPLE], env)
            out = b""
            while True:
                try:
                    chunk = os.read(fd, 65536)
                except OSError:
                    break
                if not chunk:
                    break
                out += chunk
            os.waitpid(pid, 0)
            self.assertEqual(b"\x1b[1;31merror\x1b[0m" in out, painted, out[:300])

    def test_a_bad_value_is_a_usage_error(self):
        proc = common.run("check", "--color=sometimes", EXAMPLE, cwd=common.SOURCE_DIR)
        self.assertEqual(proc.returncode, 2)
        self.assertEqual(len(proc.stderr.splitlines()), 1, proc.stderr)


class BadInputTest(unittest.TestCase):
    """Each bad input: exit 2, exactly one line on stderr, never a crash."""

    @classmethod
    def setUpClass(cls):
        cls.tmp = common.tempdir()
        d = cls.tmp.name
        with open(os.path.join(common.SOURCE_DIR, EXAMPLE), "rb") as f:
            data = f.read()
        cls.files = {}
        for name, content in [("truncated.onnx", data[: len(data) // 2]), ("empty.onnx", b""),
                              ("text.onnx", b"not a model at all\n"), ("random.onnx", random.Random(0).randbytes(4096)),
                              # Read as ONNX text ('<'), whose parser quotes the bytes around the error:
                              # the line must stay valid UTF-8 and short.
                              ("random_text.onnx", b"<n\t\t\xe2\x93:R\xf5\xa5\xbc\x9e\xed\xa0\x80" +
                               random.Random(1).randbytes(4000)),
                              ("bad.onnxtxt", b"<ir_version: 8> g (float x) => (y) { y = }")]:
            path = os.path.join(d, name)
            with open(path, "wb") as f:
                f.write(content)
            cls.files[name] = path

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def assert_one_line_failure(self, proc):
        self.assertEqual(proc.returncode, 2, proc.stdout + proc.stderr)
        lines = proc.stderr.splitlines()
        self.assertEqual(len(lines), 1, proc.stderr)
        self.assertLess(len(lines[0]), 800, lines[0])
        self.assertTrue(lines[0].startswith("onnx-tidy: error: "), lines[0])

    def test_unusable_files(self):
        for name, path in sorted(self.files.items()):
            with self.subTest(name):
                self.assert_one_line_failure(run("check", path))
        self.assert_one_line_failure(run("check", "does/not/exist.onnx"))
        empty = os.path.join(self.tmp.name, "no_models_here")
        os.makedirs(empty, exist_ok=True)
        self.assert_one_line_failure(run("check", empty))
        # A folder of bad models: one line for each, and every one is still tried.
        proc = run("check", self.tmp.name)
        self.assertEqual(proc.returncode, 2)
        self.assertEqual(len(proc.stderr.splitlines()), len(self.files))

    def test_usage_errors(self):
        for args in [(), ("check",), ("check", "--format", "xml", CLEAN), ("check", "--bogus", CLEAN), ("frobnicate",)]:
            with self.subTest(args=args):
                self.assert_one_line_failure(run(*args))

    def test_names_with_control_characters_stay_on_their_line(self):
        # A node and an initializer whose names hold a newline, an escape sequence and NEL.
        from onnx import TensorProto, helper
        evil = "w\n\x1b[2Jcleared\u0085x"
        graph = helper.make_graph([helper.make_node("MatMul", ["x", evil], ["y"], name="mm" + evil)], "g",
                                  [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 2])],
                                  [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 2])],
                                  [helper.make_tensor(evil, TensorProto.BFLOAT16, [2, 2], [0, 0, 0, 0])])
        path = os.path.join(self.tmp.name, "names.onnx")
        onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]), path)
        proc = run("check", "--color", "never", path)
        self.assertEqual(proc.returncode, 1)
        self.assertNotIn("\x1b", proc.stdout)
        self.assertIn("cleared", proc.stdout)
        for line in proc.stdout.splitlines():  # Python splits at NEL too
            self.assertRegex(line, r"^(" + re.escape(path) + r":|    |  |Found |Root causes )", line)
        # fix's report and its diff too.
        for flag in ("--dry-run", "--diff"):
            proc = run("fix", flag, path)
            self.assertEqual(proc.returncode, 0, proc.stderr)
            self.assertNotIn("\x1b", proc.stdout + proc.stderr)
            for line in proc.stdout.splitlines():
                self.assertRegex(line, r"^(" + re.escape(path) + r"[: ]|---|\+\+\+|@@|[~+-] )", line)

    def test_a_bad_file_loses_nothing_else(self):
        proc = run("check", "--format", "json", EXAMPLE, self.files["truncated.onnx"], CLEAN)
        self.assert_one_line_failure(proc)
        doc = json.loads(proc.stdout)
        self.assertEqual([m["summary"]["error"] for m in doc["models"]], [1, 0, 0])
        self.assertIn("error", doc["models"][1])
        text = run("check", EXAMPLE, self.files["truncated.onnx"])
        self.assertIn("[operand-dtype-mismatch]", text.stdout)


class ContractTest(unittest.TestCase):
    def test_output_is_byte_identical_across_runs(self):
        for fmt in ("text", "json"):
            a = run("check", "--format", fmt, EXAMPLE, CLEAN)
            b = run("check", "--format", fmt, EXAMPLE, CLEAN)
            self.assertEqual(a.stdout, b.stdout)

    def test_json_validates_against_schema(self):
        with open(os.path.join(common.SOURCE_DIR, "docs", "report.schema.json")) as f:
            validator = jsonschema.Draft202012Validator(json.load(f))
        proc = run("check", "--format", "json", EXAMPLE, CLEAN, "missing.onnx")
        errors = [e.message for e in validator.iter_errors(json.loads(proc.stdout))]
        self.assertEqual(errors, [])
        # The schema is not vacuous: a finding without a rule id is refused.
        doc = json.loads(proc.stdout)
        del doc["models"][0]["findings"][0]["rule"]
        self.assertFalse(validator.is_valid(doc))

    def test_newer_opset_is_checked_with_one_warning(self):
        with common.tempdir() as d:
            model = onnx.load(os.path.join(common.SOURCE_DIR, EXAMPLE))
            model.opset_import[0].version = 21
            model.ir_version = 10
            path = os.path.join(d, "new.onnx")
            onnx.save(model, path)
            proc = run("check", path)
        self.assertEqual(proc.returncode, 1)
        self.assertIn("[operand-dtype-mismatch]", proc.stdout)
        lines = proc.stderr.splitlines()
        self.assertEqual(len(lines), 1, proc.stderr)
        self.assertLess(len(lines[0]), 800, lines[0])
        self.assertIn("warning: model uses ai.onnx opset 21 (known up to 17), IR version 10", lines[0])


RULES_DIR = os.path.join(common.SOURCE_DIR, "docs", "rules")
SECTIONS = ["## What it flags", "## Why it matters", "## Example", "## Fix and its safety", "## Operator spec"]


class RulesAndDocsTest(unittest.TestCase):
    """The registry, `onnx-tidy rules` and docs/rules/ agree, and every doc's example
    really triggers its rule."""

    @classmethod
    def setUpClass(cls):
        proc = run("rules", "--format", "json")
        cls.rules = json.loads(proc.stdout)["rules"]

    def test_rules_listing(self):
        ids = [r["id"] for r in self.rules]
        self.assertEqual(ids, sorted(ids))
        for r in self.rules:
            self.assertEqual(set(r), {"id", "severity", "fix", "summary", "since"})
            self.assertRegex(r["since"], r"^[0-9]+\.[0-9]+\.[0-9]+$")
            self.assertIn(r["severity"], ("error", "warning", "info"))
            self.assertIn(r["fix"], ("none", "safe", "unsafe", "display-only"))
        text = run("rules").stdout.splitlines()
        self.assertEqual([line.split()[0] for line in text], ids)

    def test_the_readme_table_matches_the_registry(self):
        with open(os.path.join(common.SOURCE_DIR, "README.md")) as f:
            rows = re.findall(r"^\| \[`([a-z-]+)`\]\(docs/rules/[a-z-]+\.md\) \| (\w+) \|", f.read(), re.M)
        self.assertEqual(sorted(rows), sorted((r["id"], r["severity"]) for r in self.rules))

    def test_every_rule_has_a_complete_doc_page_and_no_page_is_orphaned(self):
        pages = {f[:-3] for f in os.listdir(RULES_DIR) if f.endswith(".md") and f != "README.md"}
        self.assertEqual(pages, {r["id"] for r in self.rules})
        for r in self.rules:
            with open(os.path.join(RULES_DIR, r["id"] + ".md")) as f:
                doc = f.read()
            self.assertTrue(doc.startswith("# " + r["id"] + "\n"), r["id"])
            self.assertIn("**Severity:** " + r["severity"], doc, r["id"])
            self.assertIn("**Fix:** " + r["fix"] + " ", doc, r["id"])  # the page says what the rule does
            self.assertIn("**Since:** " + r["since"] + "\n", doc, r["id"])  # and since when, as the registry
            positions = [doc.find(s) for s in SECTIONS]
            self.assertNotIn(-1, positions, r["id"])
            self.assertEqual(positions, sorted(positions), r["id"])

    def test_index_is_generated_from_the_registry(self):
        with open(os.path.join(RULES_DIR, "README.md")) as f:
            self.assertEqual(f.read(), run("rules", "--format", "markdown").stdout,
                             "regenerate: onnx-tidy rules --format markdown > docs/rules/README.md")

    def test_each_doc_example_triggers_its_rule(self):
        with common.tempdir() as d:
            for r in self.rules:
                with open(os.path.join(RULES_DIR, r["id"] + ".md")) as f:
                    doc = f.read()
                example = doc.split("## Example", 1)[1].split("```", 2)[1]
                if example.startswith("python\n"):
                    # What ONNX text cannot express (external data): a script writes model.onnx.
                    folder = os.path.join(d, r["id"], "model")
                    os.makedirs(folder)
                    subprocess.run([sys.executable, "-c", example[len("python\n"):]], cwd=folder, check=True)
                    path = os.path.join(folder, "model.onnx")
                else:
                    path = os.path.join(d, r["id"] + ".onnxtxt")
                    with open(path, "w") as f:
                        f.write(example)
                proc = run("check", "--format", "json", "--target", "onnxruntime-cpu", path)
                self.assertIn(proc.returncode, (0, 1), proc.stderr)
                rules = {f["rule"] for f in json.loads(proc.stdout)["models"][0]["findings"]}
                self.assertIn(r["id"], rules, f"the example of {r['id']} does not trigger it")


class ConfigFileTest(unittest.TestCase):
    """onnx-tidy.toml, found from the current folder up, or named with --config."""

    def setUp(self):
        self.tmp = common.tempdir()
        d = self.d = self.tmp.name
        for rel in ("legacy/old.onnx", "models/new.onnx"):
            os.makedirs(os.path.join(d, os.path.dirname(rel)), exist_ok=True)
            with open(os.path.join(common.SOURCE_DIR, EXAMPLE), "rb") as src, open(os.path.join(d, rel), "wb") as dst:
                dst.write(src.read())
        os.makedirs(os.path.join(d, "models", "deeper"))

    def tearDown(self):
        self.tmp.cleanup()

    def write(self, name, text):
        with open(os.path.join(self.d, name), "w") as f:
            f.write(text)

    def check(self, *args, cwd=None):
        proc = common.run("check", "--format", "json", *args, cwd=cwd or self.d)
        if proc.returncode == 2:
            return proc, {}
        return proc, {m["path"]: sorted({f["rule"] for f in m["findings"]}) for m in json.loads(proc.stdout)["models"]}

    def test_settings_per_file_ignores_and_the_command_line_winning(self):
        self.write("onnx-tidy.toml", 'ignore = ["mixed-precision"]\n'
                                     '[per-file-ignores]\n"legacy/*" = ["operand-*"]\n')
        proc, found = self.check(".")
        self.assertEqual(found, {"./legacy/old.onnx": [], "./models/new.onnx": ["operand-dtype-mismatch"]})
        self.assertEqual(proc.returncode, 1)
        # Found from a folder below it; the per-file glob is relative to the config's folder.
        _, found = self.check("../..", cwd=os.path.join(self.d, "models", "deeper"))
        self.assertEqual(found, {"../../legacy/old.onnx": [], "../../models/new.onnx": ["operand-dtype-mismatch"]})
        # --select replaces the config's selection; its ignores still hold.
        _, found = self.check("--select", "mixed-precision,operand-*", "models")
        self.assertEqual(found, {"models/new.onnx": ["operand-dtype-mismatch"]})
        # --config names another file; this one makes warnings errors and selects a rule.
        self.write("strict.toml", 'select = ["mixed-precision"]\nwarnings-as-errors = false\n')
        proc, found = self.check("--config", "strict.toml", "models")
        self.assertEqual((proc.returncode, found), (0, {"models/new.onnx": ["mixed-precision"]}))
        # fix follows the same settings: legacy/ keeps its conflict, models/ is fixed.
        with open(os.path.join(self.d, "legacy", "old.onnx"), "rb") as f:
            legacy = f.read()
        fixed = common.run("fix", "--in-place", ".", cwd=self.d)
        self.assertEqual(fixed.returncode, 0, fixed.stdout + fixed.stderr)
        with open(os.path.join(self.d, "legacy", "old.onnx"), "rb") as f:
            self.assertEqual(f.read(), legacy)
        self.write("empty.toml", "")
        _, found = self.check("--select", "operand-*", ".", "--config", "empty.toml")
        self.assertEqual(found, {"./legacy/old.onnx": ["operand-dtype-mismatch"], "./models/new.onnx": []})

    def test_a_bad_config_is_one_line_naming_the_file_and_line(self):
        for text, needle in [('slect = ["x"]\n', "strict.toml:1: unknown key 'slect'"),
                             ('\nselect = "x"\n', "strict.toml:2: 'select' must be a list of strings"),
                             ('ignore = ["nope-*"]\n', "strict.toml: 'nope-*' matches no rule"),
                             ('target = "tpu"\n', "strict.toml: target: unknown target 'tpu'"),
                             ('select = [\n', "strict.toml:1: not valid TOML")]:
            with self.subTest(text=text):
                self.write("strict.toml", text)
                proc, _ = self.check("--config", "strict.toml", "models")
                self.assertEqual(proc.returncode, 2)
                self.assertEqual(len(proc.stderr.splitlines()), 1, proc.stderr)
                self.assertIn(needle, proc.stderr)
        proc, _ = self.check("--config", "missing.toml", "models")
        self.assertEqual(proc.returncode, 2)


class SelectionFlagsTest(unittest.TestCase):
    def test_select_ignore_and_warnings_as_errors(self):
        with common.tempdir() as d:
            path = os.path.join(d, "m.onnxtxt")
            with open(path, "w") as f:
                f.write('<ir_version: 8, opset_import: ["" : 17]>\n'
                        'g (bfloat16[2,2] x, float[2,2] w) => (float[2,2] y) {\n'
                        '  c = Cast <to = 16> (x)\n  y = MatMul (c, w)\n}\n')
            rules = lambda proc: sorted({f["rule"] for m in json.loads(proc.stdout)["models"] for f in m["findings"]})
            everything = run("check", "--format", "json", "--target", "onnxruntime-cpu", path)
            self.assertEqual(rules(everything), ["mixed-precision", "no-target-kernel", "operand-dtype-mismatch",
                                                 "redundant-cast"])
            only = run("check", "--format", "json", "--select", "*-cast,mixed-*", path)
            self.assertEqual((only.returncode, rules(only)), (0, ["mixed-precision", "redundant-cast"]))
            self.assertEqual(run("check", "--select", "redundant-cast", "--warnings-as-errors", path).returncode, 1)
            self.assertEqual(run("check", "--select", "redundant-cast", path).returncode, 0)
            ignored = run("check", "--format", "json", "--ignore", "operand-*,redundant-cast", path)
            self.assertEqual(rules(ignored), ["mixed-precision"])
            for bad in (["--select", "no-such-rule"], ["--target", "tpu"]):
                proc = run("check", *bad, path)
                self.assertEqual(proc.returncode, 2)
                self.assertEqual(len(proc.stderr.splitlines()), 1, proc.stderr)


class FixCliTest(unittest.TestCase):
    """`onnx-tidy fix` as users run it: never touches the input unless asked, writes
    atomically, reports what it did, refuses bad usage with one line."""

    def setUp(self):
        self.tmp = common.tempdir()
        self.dir = self.tmp.name
        with open(os.path.join(common.SOURCE_DIR, EXAMPLE), "rb") as f:
            self.original = f.read()
        self.src = os.path.join(self.dir, "model.onnx")
        with open(self.src, "wb") as f:
            f.write(self.original)

    def tearDown(self):
        self.tmp.cleanup()

    def read(self, path):
        with open(path, "rb") as f:
            return f.read()

    def test_output_file_leaves_the_input_alone(self):
        out = os.path.join(self.dir, "fixed.onnx")
        proc = run("fix", self.src, "-o", out)
        self.assertEqual(proc.returncode, 0, proc.stdout + proc.stderr)
        self.assertIn("fixed: widen 'fc1.weight' to float (rewrite stored tensor) [operand-dtype-mismatch]", proc.stdout)
        self.assertEqual(self.read(self.src), self.original)
        self.assertEqual(run("check", out).returncode, 0)
        self.assertEqual(sorted(os.listdir(self.dir)), ["fixed.onnx", "model.onnx"])  # no temporary left behind

    def test_in_place_replaces_atomically_and_keeps_the_mode(self):
        os.chmod(self.src, 0o640)
        proc = run("fix", "--in-place", self.src)
        self.assertEqual(proc.returncode, 0, proc.stderr)
        self.assertNotEqual(self.read(self.src), self.original)
        self.assertEqual(os.stat(self.src).st_mode & 0o777, 0o640)
        self.assertEqual(os.listdir(self.dir), ["model.onnx"])
        before = os.stat(self.src).st_mtime_ns
        self.assertEqual(run("fix", "--in-place", self.src).returncode, 0)
        self.assertEqual(os.stat(self.src).st_mtime_ns, before)  # nothing to do: not rewritten

    def test_dry_run_and_diff_write_nothing(self):
        for flag in ("--dry-run", "--diff"):
            proc = run("fix", flag, self.src)
            self.assertEqual(proc.returncode, 0)
            self.assertEqual(os.listdir(self.dir), ["model.onnx"])
            self.assertEqual(self.read(self.src), self.original)
        diff = run("fix", "--diff", self.src).stdout
        self.assertIn("~ retype-tensor: initializer 'fc1.weight': bfloat16 -> float", diff)

    def test_json_report(self):
        proc = run("fix", "--dry-run", "--format", "json", self.src)
        doc = json.loads(proc.stdout)
        m = doc["models"][0]
        self.assertEqual(m["written"], False)
        self.assertEqual([a["rule"] for a in m["applied"]], ["operand-dtype-mismatch"])
        self.assertEqual(m["applied"][0]["safety"], "safe")
        self.assertEqual(m["edits"], [{"graph": "main", "action": "retype-tensor",
                                       "detail": "initializer 'fc1.weight': bfloat16 -> float", "effect": "exact"}])
        self.assertEqual(m["applied"][0]["effect"], "exact")  # what a safe fix promises
        self.assertEqual(m["before"]["error"], 1)
        self.assertEqual(m["remaining"]["error"], 0)
        with open(os.path.join(common.SOURCE_DIR, "docs", "fix-report.schema.json")) as f:
            validator = jsonschema.Draft202012Validator(json.load(f))
        both = json.loads(run("fix", "--dry-run", "--format", "json", self.src, "missing.onnx").stdout)
        self.assertEqual([e.message for e in validator.iter_errors(both)], [])
        self.assertEqual(len(both["models"]), 2)
        del both["models"][0]["applied"]
        self.assertFalse(validator.is_valid(both))  # the schema is not vacuous

    def test_usage_errors(self):
        out = os.path.join(self.dir, "o.onnx")
        for args in [("fix", self.src), ("fix", self.src, "-o", self.src), ("fix", self.src, self.src, "-o", out),
                     ("fix", self.src, "-o", out, "--in-place"), ("fix", self.src, "-o", out + "txt"),
                     ("fix", "--precision", "int8", self.src, "-o", out), ("fix", "missing.onnx", "-o", out)]:
            with self.subTest(args=args):
                proc = run(*args)
                self.assertEqual(proc.returncode, 2, proc.stdout + proc.stderr)
                self.assertEqual(len(proc.stderr.splitlines()), 1, proc.stderr)
                self.assertFalse(os.path.exists(out))
        self.assertEqual(self.read(self.src), self.original)

    def test_a_selection_of_no_rule_leaves_the_file_byte_identical(self):
        proc = run("fix", "--in-place", "--ignore", "*", self.src)
        self.assertEqual(proc.returncode, 0, proc.stdout + proc.stderr)  # no rule, no finding: as check says
        self.assertEqual(self.read(self.src), self.original)
        config = os.path.join(self.dir, "onnx-tidy.toml")
        with open(config, "w") as f:
            f.write('[per-file-ignores]\n"*.onnx" = ["*"]\n')
        proc = run("fix", "--in-place", "--config", config, self.src)
        self.assertEqual(self.read(self.src), self.original, proc.stdout + proc.stderr)
        self.assertNotIn(": fixed:", proc.stdout)

    def test_a_result_that_fails_verification_names_its_nodes(self):
        # The no-op Cast is fixable; the int8 MatMul (MatMul-13 has no int8) is not, so
        # onnx's checker refuses the result: the nodes come first, then its own line.
        path = os.path.join(self.dir, "int8.onnxtxt")
        with open(path, "w") as f:
            f.write('<ir_version: 8, opset_import: ["" : 17]>\n'
                    'g (int8[2,2] a, int8[2,2] b) => (int8[2,2] y) {\n'
                    '  c = Cast <to = 3> (a)\n  y = MatMul (c, b)\n}\n')
        out = os.path.join(self.dir, "out.onnx")
        proc = run("fix", path, "-o", out)
        self.assertEqual(proc.returncode, 1, proc.stdout + proc.stderr)
        self.assertFalse(os.path.exists(out))
        lines = proc.stderr.splitlines()
        self.assertIn("nothing written", lines[0])
        named = [i for i, line in enumerate(lines) if ":#0: error: MatMul #0" in line and "[dtype-not-allowed]" in line]
        checker = [i for i, line in enumerate(lines) if "onnx checker:" in line]
        self.assertTrue(named and checker, proc.stderr)
        self.assertLess(named[0], checker[0])
        self.assertNotIn(": fixed:", proc.stdout)  # nothing was written, so nothing was fixed

    def test_an_unfixable_model_is_not_written_and_says_why(self):
        path = os.path.join(self.dir, "old.onnxtxt")
        with open(path, "w") as f:
            f.write('<ir_version: 5, opset_import: ["" : 11]>\n'
                    'g (float[2] x, bfloat16[2] xb) => (float[2] y) { y = Add (x, xb) }\n')
        proc = run("fix", path, "--dry-run")
        self.assertEqual(proc.returncode, 1)
        self.assertIn("Cast carries bfloat16 only from opset 13", proc.stdout)
        self.assertIn("reason: unsafe, applied only with --unsafe-fixes (declare graph input 'xb' as float)",
                      proc.stdout)
        self.assertNotIn(": fixed:", proc.stdout)

    def test_a_precision_declined_before_any_edit_says_why_on_stderr(self):
        path = os.path.join(self.dir, "opset12.onnxtxt")
        with open(path, "w") as f:
            f.write('<ir_version: 7, opset_import: ["" : 12]>\ng (float[2] a, float[2] b) => (float[2] c) '
                    '{ c = Add (a, b) }\n')
        out = os.path.join(self.dir, "out.onnx")
        proc = run("fix", path, "--precision", "bfloat16", "-o", out)
        self.assertEqual(proc.returncode, 1)
        self.assertRegex(proc.stderr, r"nothing written: .*opset 12")
        self.assertFalse(os.path.exists(out))


if __name__ == "__main__":
    common.main()
