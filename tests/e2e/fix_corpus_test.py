"""A plain `onnx-tidy fix --in-place` over the whole ONNX backend corpus and its bfloat16
mutations (mutations_test.mutated_corpus), proved with the real onnxruntime 1.30:
1. every model it writes passes onnx's checker (where the original did; a mutation always)
   and our check with no error, and loads in onnxruntime wherever the original loaded
   (a mutation: wherever its reference loads, unless only a bfloat16 kernel is missing);
2. fed its test_data_set_0 inputs, a written corpus model computes, bit for bit, what the
   original computes; a written mutation computes what a reference with every bfloat16
   tensor widened by hand computes (its bfloat16 graph inputs, which onnxruntime-node
   cannot feed, are fed as float32 through a Cast to bfloat16: exact, as the values fed
   are bfloat16 values);
3. every model it does not write is left as it was, byte for byte, and says why: "nothing
   to change", a declined fix's reason, "nothing written: ...", or errors whose fix is none
   or display-only (check gives the reason); no run ever crashes.
Models over 20 MB are skipped. Runs are batched: one fix run per 200 models, one
onnxruntime process per comparison."""
import collections
import concurrent.futures
import glob
import json
import os
import re
import shutil
import unittest

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

import common
import mutations_test
import ort

MAX_BYTES = 20 << 20
BATCH = 200
NO_KERNEL = "Could not find an implementation"


def copy_models(sources, root):
    """Copies each {name: source} to root/name; returns {copy: source}."""
    copies = {}
    for name, src in sources.items():
        dst = os.path.join(root, name)
        os.makedirs(os.path.dirname(dst), exist_ok=True)
        shutil.copyfile(src, dst)
        copies[dst] = src
    return copies


def expected_exit(report):
    """docs/fix.md: 1 when an error remains, a fix was declined, or nothing could be written."""
    return 1 if report["remaining"]["error"] or report["declined"] or report["verify_error"] else 0


def fix_in_place(paths):
    """`fix --in-place --format json` over the models in batches; returns ({path: report},
    [problems]). A batch exits with the worst of its models' exit codes."""
    reports, problems = {}, []
    for i in range(0, len(paths), BATCH):
        batch = paths[i:i + BATCH]
        proc = common.run("fix", "--in-place", "--format", "json", *batch)
        got = {m["path"]: m for m in json.loads(proc.stdout)["models"]}
        if sorted(got) != sorted(batch):
            problems.append((batch[0], f"the batch's report lists {len(got)} of {len(batch)} models"))
        unread = [p for p, m in got.items() if "error" in m]
        problems += [(p, f"could not be read or written: {got[p]['error']}") for p in unread]
        want = max((expected_exit(m) for m in got.values() if "error" not in m), default=0)
        if unread:
            want = 2
        if proc.returncode != want:
            problems.append((batch[0], f"batch of {len(batch)} exited {proc.returncode}, its reports say {want}: "
                                       f"{proc.stderr[-500:]}"))
        reports.update(got)
    return reports, problems


def fix_text(path):
    """Per model (for its own exit code): `fix --in-place` in text, on a model it did not write."""
    proc = common.run("fix", "--in-place", path)
    return proc.returncode, proc.stdout + proc.stderr


def key(rule, loc):
    index = lambda v: -1 if v is None else v  # check writes null where fix writes -1
    return (rule, loc["graph"], loc["node_index"], index(loc["input_index"]), index(loc["output_index"]),
            loc["value"])


def unexplained_errors(check_report, fix_report):
    """Error findings of a model fix left alone that neither a declined record nor the
    finding's own fix (none, or display-only with a reason) explains."""
    declined = {key(d["rule"], d["location"]) for d in fix_report["declined"] if d["reason"]}
    out = []
    for f in common.error_findings(check_report):
        fix = f.get("fix")
        if key(f["rule"], f["location"]) in declined:
            continue
        if fix is None or (fix["safety"] == "display-only" and fix.get("reason")):
            continue
        out.append(f"{f['message']} [{f['rule']}] (fix: {fix})")
    return out


RANDOM_OPS = {"Bernoulli", "Multinomial", "RandomNormal", "RandomNormalLike", "RandomUniform", "RandomUniformLike"}


def unseeded_random(model):
    """Whether some node draws random numbers without a seed: two runs differ anyway."""
    nodes = [n for g in common.subgraphs(model.graph) for n in g.node]
    nodes += [n for f in model.functions for n in f.node]
    return any(n.op_type in RANDOM_OPS and not any(a.name == "seed" for a in n.attribute) for n in nodes)


def graph_inputs(model):
    inits = {t.name for t in model.graph.initializer}
    return [i for i in model.graph.input if i.name not in inits]


def data_set_feeds(model, model_dir, bfloat16_as_float=False):
    """({input name: numpy array} from test_data_set_0, None) or (None, why not). With
    bfloat16_as_float, a bfloat16 input's data is rounded to bfloat16 (where it is float)
    and fed as float32 (see harness())."""
    data_dir = os.path.join(model_dir, "test_data_set_0")
    if not os.path.isdir(data_dir):
        return None, "no test_data_set_0"
    files = sorted(glob.glob(os.path.join(data_dir, "input_*.pb")),
                   key=lambda p: int(re.search(r"input_(\d+)\.pb$", p).group(1)))
    free = graph_inputs(model)
    if any(i.type.WhichOneof("value") != "tensor_type" for i in free):
        return None, "a sequence or optional input"
    declared = {i.name: i.type.tensor_type.elem_type for i in free}
    feeds = {}
    for n, f in enumerate(files):
        t = TensorProto()
        with open(f, "rb") as fh:
            t.ParseFromString(fh.read())
        name = t.name if t.name in declared else free[n].name if n < len(free) else None
        if name is None:
            return None, "test data for an input the model does not have"
        elem = declared[name]
        if elem == TensorProto.BFLOAT16 and bfloat16_as_float and t.data_type in (TensorProto.FLOAT, elem):
            feeds[name] = common.widened(t) if t.data_type == elem else bfloat16_rounded(numpy_helper.to_array(t))
            continue
        if t.data_type != elem:
            return None, "test data of another type than its input"
        array = numpy_helper.to_array(t)
        if elem == TensorProto.STRING:
            try:
                array = np.array([s.decode() for s in array.ravel()], dtype=object).reshape(array.shape)
            except UnicodeDecodeError:
                return None, "a string input that is not UTF-8"
        elif array.dtype not in ort.EXACT_TYPES:
            return None, f"a {TensorProto.DataType.Name(elem)} input"
        feeds[name] = array
    return feeds, None


def bfloat16_rounded(array):
    """float32 values rounded to the nearest bfloat16 (ties to even), as float32. Not
    common.to_bfloat16: numpy's scalar promotion breaks its shifts on 0-d tensors."""
    bits = np.atleast_1d(array.astype(np.float32)).view(np.uint32).astype(np.uint64)
    rounded = (bits + np.uint64(0x7FFF) + ((bits >> np.uint64(16)) & np.uint64(1))) >> np.uint64(16)
    return (rounded.astype(np.uint32) << np.uint32(16)).view(np.float32).reshape(array.shape)


def bfloat16_inputs(model):
    return [i.name for i in graph_inputs(model) if i.type.tensor_type.elem_type == TensorProto.BFLOAT16]


def harness(model):
    """The model with each bfloat16 graph input fed as float32 through a Cast to bfloat16,
    or None (below opset 13 no Cast carries bfloat16)."""
    names = bfloat16_inputs(model)
    if not names:
        return model
    opset = next((o.version for o in model.opset_import if o.domain in ("", "ai.onnx")), 0)
    if opset < 13:
        return None
    h = onnx.ModelProto()
    h.CopyFrom(model)
    casts = []
    for i in h.graph.input:
        if i.name in names:
            feed = i.name + "__f32_feed"
            casts.append(helper.make_node("Cast", [feed], [i.name], to=TensorProto.BFLOAT16, name=feed + "_cast"))
            i.name = feed
            i.type.tensor_type.elem_type = TensorProto.FLOAT
    nodes = casts + list(h.graph.node)
    del h.graph.node[:]
    h.graph.node.extend(nodes)
    return h


def widen_bfloat16(model):
    """Reference: every bfloat16 initializer and Constant (in any graph) widened by hand to
    float32, and the main graph's bfloat16 inputs declared float32 (fed the same values)."""
    ref = onnx.ModelProto()
    ref.CopyFrom(model)
    for g in common.subgraphs(ref.graph):
        for t in g.initializer:
            if t.data_type == TensorProto.BFLOAT16:
                t.CopyFrom(numpy_helper.from_array(common.widened(t), t.name))
        for n in g.node:
            for a in n.attribute:
                if n.op_type == "Constant" and a.name == "value" and a.t.data_type == TensorProto.BFLOAT16:
                    a.t.CopyFrom(numpy_helper.from_array(common.widened(a.t), a.t.name))
    for i in ref.graph.input:
        if i.type.tensor_type.elem_type == TensorProto.BFLOAT16:
            i.type.tensor_type.elem_type = TensorProto.FLOAT
    return ref


def compare(got, want):
    """'' when every output is equal bit for bit, else what differs."""
    if not want or sorted(got) != sorted(want):
        return f"outputs {sorted(got)}, expected {sorted(want)}"
    diffs = []
    for name in sorted(want):
        a, b = got[name], want[name]
        if a.dtype == object or b.dtype == object:
            if a.shape != b.shape or a.tolist() != b.tolist():
                diffs.append(f"{name}: strings differ")
            continue
        if common.bits_equal(a, b):
            continue
        if a.dtype != b.dtype or a.shape != b.shape:
            diffs.append(f"{name}: {a.dtype}{list(a.shape)}, expected {b.dtype}{list(b.shape)}")
            continue
        x, y = a.astype(np.float64), b.astype(np.float64)
        both = np.isfinite(x) & np.isfinite(y)
        worst = float(np.max(np.abs(x[both] - y[both]))) if both.any() else 0.0
        new_nan = int(np.count_nonzero(np.isnan(x) & ~np.isnan(y)))
        diffs.append(f"{name}: max abs diff {worst:.3g}, {new_nan} new NaN, "
                     f"{int(np.count_nonzero(a != b))} of {a.size} elements differ")
    return "; ".join(diffs)


def titles(report):
    return [f"{a['title']} [{a['rule']}, {a['effect']}]" for a in report["applied"]]


def run_pool(fn, items):
    with concurrent.futures.ThreadPoolExecutor(2) as pool:
        return dict(zip(items, pool.map(fn, items)))


class FixCorpusTest(unittest.TestCase):
    maxDiff = None

    @classmethod
    def setUpClass(cls):
        ort.ensure()
        cls.tmp = common.tempdir()

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def dir(self, name):
        path = os.path.join(self.tmp.name, name)
        os.makedirs(path, exist_ok=True)
        return path

    def check_unwritten(self, copies, reports, label):
        """Each model fix did not write says why, and is byte for byte as before (after the
        runs below too); returns the problems."""
        problems = []
        unwritten = sorted(c for c in copies if not reports[c]["written"])
        clean = [c for c in unwritten if expected_exit(reports[c]) == 0]
        for c in clean:
            r = reports[c]
            if r["applied"] or r["edits"]:
                problems.append((copies[c], f"not written, exit 0, yet applied {titles(r)}"))
        # Text, in batches: each clean model's own summary line says "nothing to change".
        for i in range(0, len(clean), BATCH):
            proc = common.run("fix", "--dry-run", *clean[i:i + BATCH])
            lines = {ln.split(": ", 1)[0]: ln for ln in proc.stdout.splitlines() if not ln.startswith(" ")}
            for c in clean[i:i + BATCH]:
                if "nothing to change" not in lines.get(c, ""):
                    problems.append((copies[c], f"exit 0, not written: {lines.get(c, 'no summary line')!r}"))
        # The rest one by one, for their own exit codes.
        rest = [c for c in unwritten if c not in set(clean)]
        texts = run_pool(fix_text, rest)
        checks = common.check_json(rest) if rest else {}
        for c in rest:
            rc, text = texts[c]
            r = reports[c]
            if rc != 1:
                problems.append((copies[c], f"exit {rc} (expected 1): {text[-300:]}"))
            if not ("nothing to change" in text or "reason:" in text or "nothing written:" in text):
                problems.append((copies[c], f"not written and says not why: {text[-300:]}"))
            if any(not d["reason"] for d in r["declined"]):
                problems.append((copies[c], "a declined fix without a reason"))
            if r["verify_error"] and "nothing written:" not in text:
                problems.append((copies[c], f"verify_error {r['verify_error']!r} not reported"))
            unexplained = unexplained_errors(checks[c], r)
            if unexplained:
                problems.append((copies[c], f"errors left with no reason: {unexplained}"))
        for c in unwritten:
            with open(c, "rb") as a, open(copies[c], "rb") as b:
                if a.read() != b.read():
                    problems.append((copies[c], "not written, yet the file changed"))
        why = collections.Counter("verification failed (nothing written)" if reports[c]["verify_error"]
                                  else "fixes declined with a reason" if reports[c]["declined"]
                                  else "errors whose fix is none or display-only" for c in rest)
        print(f"{label}: not written {len(unwritten)}: nothing to change and clean {len(clean)}, "
              f"exit 1 {len(rest)} {dict(why)}")
        return problems

    def check_written(self, copies, reports, originals_checked):
        """The checker (where `originals_checked(source)`), our check, and no crash."""
        problems = []
        written = sorted(c for c in copies if reports[c]["written"])
        found = common.check_json(written) if written else {}
        for c in written:
            src = copies[c]
            if originals_checked(src) and not common.checker_accepts(onnx.load(c)):
                problems.append((src, titles(reports[c]), "onnx's checker refuses the fixed model"))
            errors = common.error_findings(found[c])
            if errors:
                problems.append((src, titles(reports[c]), f"errors after the fix: "
                                 f"{[e['message'] + ' [' + e['rule'] + ']' for e in errors]}"))
        return written, problems

    def test_fix_over_the_corpus_changes_no_output_bit(self):
        skipped = collections.Counter()
        sources = {}
        for path in common.corpus_models():
            if os.path.getsize(path) > MAX_BYTES:
                skipped["over 20 MB"] += 1
                continue
            sources[os.path.relpath(path, common.CORPUS_DIR)] = path
        copies = copy_models(sources, self.dir("corpus"))
        reports, problems = fix_in_place(sorted(copies))
        problems += self.check_unwritten(copies, reports, "corpus")
        written, more = self.check_written(copies, reports,
                                           lambda src: common.checker_accepts(onnx.load(src)))
        problems += more

        loads = ort.sessions([copies[c] for c in written] + written)
        jobs, runnable = [], []
        for c in written:
            src = copies[c]
            if loads[src]:
                skipped["the original does not load in onnxruntime"] += 1
                continue
            if loads[c]:
                problems.append((src, titles(reports[c]), f"the original loads in onnxruntime, the fix does not: {loads[c]}"))
                continue
            feeds, why = data_set_feeds(onnx.load(src), os.path.dirname(src))
            if not why and unseeded_random(onnx.load(src)):
                why = "a random op without a seed"
            if why:
                skipped[why] += 1
                continue
            jobs += [(src, feeds), (c, feeds)]
            runnable.append(c)
        results = ort.run_exact(jobs) if jobs else {}
        exact = 0
        for c in runnable:
            src = copies[c]
            err, want = results[src]
            if err:
                skipped["the original does not run on its test data"] += 1
                continue
            got_err, got = results[c]
            if got_err:
                problems.append((src, titles(reports[c]), f"the original runs, the fix does not: {got_err}"))
                continue
            diff = compare(got, want)
            if diff:
                problems.append((src, titles(reports[c]), f"outputs differ from the original's: {diff}"))
            else:
                exact += 1
        print(f"corpus: {len(copies)} models, written {len(written)}, compared exactly {exact}, "
              f"skipped {sum(skipped.values())} {dict(skipped)}")
        self.assertEqual(problems, [])
        self.assertGreaterEqual(len(written), 20)  # 27 with libonnx-testdata 1.12
        self.assertGreaterEqual(exact, 20)

    def test_fix_over_the_bfloat16_mutations_matches_a_hand_widened_reference(self):
        skipped = collections.Counter()
        # mutated_corpus names each model after its corpus folder.
        folder_of = {os.path.relpath(os.path.dirname(p), common.CORPUS_DIR).replace("/", "__") + ".onnx":
                     os.path.dirname(p) for p in common.corpus_models()}
        orig_dir = self.dir("mutations")
        cases = mutations_test.mutated_corpus(orig_dir)
        sources = {}
        for path in sorted(cases):
            if os.path.getsize(path) > MAX_BYTES:
                skipped["over 20 MB"] += 1
                continue
            sources[os.path.basename(path)] = path
        copies = copy_models(sources, self.dir("mutations_fixed"))
        reports, problems = fix_in_place(sorted(copies))
        problems += self.check_unwritten(copies, reports, "mutations")
        # mutated_corpus keeps only models whose original the checker accepts.
        written, more = self.check_written(copies, reports, lambda src: True)
        problems += more

        # onnxruntime-node cannot even open a model with a bfloat16 graph input or output
        # ("Unsupported data type: 16"), so each fixed model loads and runs as its harness.
        ref_dir, harness_dir = self.dir("references"), self.dir("harnesses")
        pairs = {}
        for c in written:
            fixed = onnx.load(c)
            if any(o.type.tensor_type.elem_type == TensorProto.BFLOAT16 for o in fixed.graph.output):
                skipped["a bfloat16 graph output (onnxruntime-node cannot read it)"] += 1
                continue
            h = harness(fixed)
            if h is None:
                skipped["a bfloat16 graph input below opset 13 (onnxruntime-node cannot feed it)"] += 1
                continue
            name = os.path.basename(c)
            pairs[c] = (os.path.join(ref_dir, name), os.path.join(harness_dir, name), bfloat16_inputs(fixed))
            onnx.save(widen_bfloat16(onnx.load(copies[c])), pairs[c][0])
            onnx.save(h, pairs[c][1])
        loads = ort.sessions([p for ref, h, _ in pairs.values() for p in (ref, h)])
        no_kernel = 0
        jobs, runnable = [], {}
        for c, (ref_path, h_path, narrow_inputs) in pairs.items():
            src = copies[c]
            if NO_KERNEL in loads[h_path]:
                no_kernel += 1  # check_written holds it to the checker and our check
                skipped["no bfloat16 kernel in onnxruntime"] += 1
                continue
            if loads[h_path] and not loads[ref_path]:
                problems.append((src, titles(reports[c]), f"the reference loads in onnxruntime, the fix does not: "
                                                         f"{loads[h_path]}"))
                continue
            if loads[h_path] or loads[ref_path]:
                skipped["onnxruntime refuses the reference"] += 1
                continue
            feeds, why = data_set_feeds(onnx.load(src), folder_of[os.path.basename(src)], bfloat16_as_float=True)
            if not why and unseeded_random(onnx.load(src)):
                why = "a random op without a seed"
            if why:
                skipped[why] += 1
                continue
            h_feeds = {(k + "__f32_feed" if k in narrow_inputs else k): v for k, v in feeds.items()}
            jobs += [(ref_path, feeds), (h_path, h_feeds)]
            runnable[c] = (ref_path, h_path)
        results = ort.run_exact(jobs) if jobs else {}
        exact = 0
        for c, (ref_path, h_path) in runnable.items():
            src = copies[c]
            ref_err, want = results[ref_path]
            if ref_err:
                skipped["the reference does not run"] += 1
                continue
            err, got = results[h_path]
            if err:
                problems.append((src, titles(reports[c]), f"the reference runs, the fix does not: {err}"))
                continue
            diff = compare(got, want)
            if diff:
                problems.append((src, titles(reports[c]), f"outputs differ from the reference's: {diff}"))
            else:
                exact += 1
        print(f"mutations: {len(copies)} models, written {len(written)} ({no_kernel} without a bfloat16 kernel "
              f"in onnxruntime), compared exactly {exact}, skipped {sum(skipped.values())} {dict(skipped)}")
        self.assertEqual(problems, [])
        self.assertGreaterEqual(len(written), 150)
        self.assertGreaterEqual(exact, 100)


if __name__ == "__main__":
    common.main()
