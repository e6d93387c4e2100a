"""`onnx-tidy fix` on real PyTorch exports (tests/data/torch, see its README): a two-block
transformer exported by torch 1.13 at opsets 13 to 17, in float32, in bfloat16, and as a
float32 export whose weights (all, or the first block's) were rewritten as bfloat16.
Every written model is run in the real onnxruntime 1.30 (npm onnxruntime-node) and
compared with torch's own outputs in references.npz and with models built by hand here.

Relative error is max |fixed - reference| / max |reference|, as in docs/fix.md.
- default fix: float32 exports lose torch's 4 no-op Cast(to=int64) and give onnxruntime's
  output on the original bit for bit; exports with bfloat16 weights give, bit for bit, the
  output of a copy whose bfloat16 initializers were widened by hand; bfloat16 exports get
  their Pow exponent (bfloat16 is not allowed there before Pow-15) widened, exactly.
- --precision float32: nothing bfloat16 is left and every model runs; bfloat16 exports
  come within bfloat16 rounding (5e-2) of torch's float32 output.
- --precision bfloat16 --target onnxruntime-cpu: runs on onnxruntime's CPU provider
  within 5e-2, or writes nothing, exits 1 and names the nodes.
- --precision float16 --keep-io-types: within 1e-2, finite, at least 90% of the float
  initializer elements float16.
- the same flags on a written model write the same bytes, or report nothing to change."""
import collections
import json
import os
import unittest

import numpy as np
import onnx
from onnx import TensorProto as TP, helper, numpy_helper

import common
import ort

FIXTURES = os.path.join(common.SOURCE_DIR, "tests", "data", "torch")
OPSETS = range(13, 18)
FLOAT32_EXPORTS = [f"block_f32_opset{v}" for v in OPSETS]
BFLOAT16_EXPORTS = [f"block_bf16_opset{v}" for v in OPSETS]
# float32 exports with bfloat16 weights -> the torch reference computed with those weights.
BFLOAT16_WEIGHTS = {"block_f32_weights_bf16_opset13": "y_weights_bf16",
                    "block_f32_weights_bf16_opset17": "y_weights_bf16",
                    "block_f32_partial_bf16_opset17": "y_partial_bf16"}
ALL = FLOAT32_EXPORTS + BFLOAT16_EXPORTS + list(BFLOAT16_WEIGHTS)

TORCH_ABS_TOLERANCE = 1e-5  # onnxruntime vs torch, both float32 (README: 4.8e-7 measured)
TORCH_REL_TOLERANCE = 1e-5
BFLOAT16_BOUND = 5e-2
FLOAT16_BOUND = 1e-2
MIN_FLOAT16_SHARE = 0.9
# torch traces `d // H` as Div then Cast(to=int64) twice, once per attention: 4 Casts, all no-ops.
TORCH_NO_OP_CASTS = 4


def fixture(name):
    return os.path.join(FIXTURES, name + ".onnx")


def all_nodes(model):
    for g in common.subgraphs(model.graph):
        yield from g.node
    for f in model.functions:
        yield from f.node


def casts(model):
    return sum(1 for n in all_nodes(model) if n.op_type == "Cast")


def widen_bfloat16_initializers(model):
    """Reference: every bfloat16 initializer rewritten as float32, exactly, by hand."""
    ref = onnx.ModelProto()
    ref.CopyFrom(model)
    for g in common.subgraphs(ref.graph):
        widened_names = set()
        for t in g.initializer:
            if t.data_type == TP.BFLOAT16:
                t.CopyFrom(numpy_helper.from_array(common.widened(t), t.name))
                widened_names.add(t.name)
        for vi in list(g.input) + list(g.value_info):
            if vi.name in widened_names:
                vi.type.tensor_type.elem_type = TP.FLOAT
    return ref


def bfloat16_places(model):
    """Where bfloat16 is left: stored tensors, type attributes (Cast's `to`, `dtype`) and
    declared value types, in every graph and function."""
    found = []
    def values(where, infos):
        for vi in infos:
            if vi.type.tensor_type.elem_type == TP.BFLOAT16:
                found.append(f"{where} '{vi.name}'")
    def nodes(where, node_list):
        for n in node_list:
            for a in n.attribute:
                if a.type == onnx.AttributeProto.TENSOR and a.t.data_type == TP.BFLOAT16:
                    found.append(f"{where}: {n.op_type} '{n.name}' attribute {a.name}")
                if a.type == onnx.AttributeProto.INT and a.name in ("to", "dtype") and a.i == TP.BFLOAT16:
                    found.append(f"{where}: {n.op_type} '{n.name}' {a.name}=bfloat16")
    for g in common.subgraphs(model.graph):
        found += [f"initializer '{t.name}'" for t in g.initializer if t.data_type == TP.BFLOAT16]
        values("input", g.input)
        values("output", g.output)
        values("value_info", g.value_info)
        nodes(g.name, g.node)
    for f in model.functions:
        nodes(f"function {f.name}", f.node)
    return found


def initializer_elements(model):
    """{data type: element count} of the float initializers of every graph."""
    counts = collections.Counter()
    for g in common.subgraphs(model.graph):
        for t in g.initializer:
            if t.data_type in (TP.FLOAT, TP.FLOAT16, TP.BFLOAT16, TP.DOUBLE):
                counts[t.data_type] += int(np.prod(t.dims, dtype=np.int64))
    return counts


def io_types(model):
    return ({i.name: TP.DataType.Name(i.type.tensor_type.elem_type) for i in model.graph.input},
            {o.name: TP.DataType.Name(o.type.tensor_type.elem_type) for o in model.graph.output})


def float_interface(model):
    """The model behind float32 graph inputs and outputs: onnxruntime-node cannot make or
    read bfloat16 tensors, so bfloat16 graph inputs/outputs get a Cast in front/behind."""
    out = onnx.ModelProto()
    out.CopyFrom(model)
    g = out.graph
    head, tail = [], []
    for vi in g.input:
        if vi.type.tensor_type.elem_type == TP.BFLOAT16:
            inner = vi.name + "__as_bfloat16"
            for n in all_nodes(out):
                n.input[:] = [inner if i == vi.name else i for i in n.input]
            head.append(helper.make_node("Cast", [vi.name], [inner], to=TP.BFLOAT16))
            vi.type.tensor_type.elem_type = TP.FLOAT
    for vo in g.output:
        if vo.type.tensor_type.elem_type == TP.BFLOAT16:
            inner = vo.name + "__bfloat16"
            for n in all_nodes(out):
                n.input[:] = [inner if i == vo.name else i for i in n.input]
                n.output[:] = [inner if o == vo.name else o for o in n.output]
            tail.append(helper.make_node("Cast", [inner], [vo.name], to=TP.FLOAT))
            vo.type.tensor_type.elem_type = TP.FLOAT
    nodes = head + list(g.node) + tail
    del g.node[:]
    g.node.extend(nodes)
    return out


class FixTorchTest(unittest.TestCase):
    maxDiff = None

    @classmethod
    def setUpClass(cls):
        ort.ensure()
        cls.tmp = common.tempdir()
        refs = np.load(os.path.join(FIXTURES, "references.npz"))
        cls.refs = {k: refs[k] for k in refs.files}
        cls.feeds = {"x": cls.refs["x"]}
        # onnxruntime on the originals (the bfloat16-weight ones fail to load) and on the
        # hand-widened references, once for all tests.
        jobs = [(fixture(n), cls.feeds) for n in FLOAT32_EXPORTS + list(BFLOAT16_WEIGHTS)]
        for name in BFLOAT16_WEIGHTS:
            path = cls.path(name + ".widened.onnx")
            onnx.save(widen_bfloat16_initializers(onnx.load(fixture(name))), path)
            jobs.append((path, cls.feeds))
        cls.base = ort.run_typed(jobs)

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    @classmethod
    def path(cls, name):
        return os.path.join(cls.tmp.name, name)

    # --- helpers ---------------------------------------------------------------------

    def fix(self, name, tag, *flags):
        dst = self.path(f"{name}.{tag}.onnx")
        proc = common.run("fix", fixture(name), "-o", dst, *flags)
        return proc, dst

    def describe(self, label, proc):
        return f"{label}: exit {proc.returncode}\nstdout: {proc.stdout[-1500:]}\nstderr: {proc.stderr[:1500]}"

    def assert_written(self, label, proc, dst, exit_code=0):
        self.assertTrue(os.path.exists(dst), "nothing written: " + self.describe(label, proc))
        self.assertEqual(proc.returncode, exit_code, self.describe(label, proc))

    def assert_valid(self, label, dst):
        try:
            onnx.checker.check_model(onnx.load(dst), full_check=True)
        except Exception as e:  # the checker raises several exception types
            self.fail(f"{label}: onnx checker rejects the written model: {str(e)[:1500]}")
        report = common.check_json([dst])[dst]
        self.assertEqual([f"{f['rule']}: {f['message']}" for f in common.error_findings(report)], [],
                         f"{label}: onnx-tidy check finds errors in the written model")

    def assert_converges(self, label, dst, flags):
        again = dst + ".again.onnx"
        proc = common.run("fix", dst, "-o", again, *flags, "--format", "json")
        if not os.path.exists(again):
            edits = json.loads(proc.stdout)["models"][0]["edits"] if proc.stdout.startswith("{") else None
            self.assertEqual((proc.returncode, edits), (0, []),
                             f"{label}: fixing the written model again wrote nothing: "
                             + self.describe(label + " (again)", proc))
            return
        with open(dst, "rb") as a, open(again, "rb") as b:
            self.assertTrue(a.read() == b.read(), f"{label}: fixing the written model again changed it "
                            f"(exit {proc.returncode})")

    def output(self, results, label, path):
        err, outputs, types = results[path]
        self.assertEqual(err, "", f"{label}: onnxruntime cannot run {os.path.basename(path)}")
        self.assertEqual(types, {"y": "float32"}, f"{label}: outputs")
        return outputs["y"]

    def assert_no_bfloat16(self, label, dst):
        left = bfloat16_places(onnx.load(dst))
        self.assertEqual(left, [], f"{label}: bfloat16 is left in {len(left)} places")

    # --- 1. plain `fix` --------------------------------------------------------------

    def test_default_fix_on_float32_exports(self):
        jobs, written = [], {}
        for name in FLOAT32_EXPORTS:
            label = f"{name}: fix"
            with self.subTest(name):
                proc, dst = self.fix(name, "fixed")
                self.assert_written(label, proc, dst)
                before, after = casts(onnx.load(fixture(name))), casts(onnx.load(dst))
                self.assertEqual((before, after), (TORCH_NO_OP_CASTS, 0), f"{label}: Cast nodes before, after")
                self.assert_valid(label, dst)
                self.assert_converges(label, dst, [])
                jobs.append((dst, self.feeds))
                written[name] = dst
        results = ort.run_typed(jobs)
        for name, dst in written.items():
            with self.subTest(name, part="outputs"):
                label = f"{name}: fix"
                original = self.output(self.base, label + " (original)", fixture(name))
                got = self.output(results, label, dst)
                self.assertTrue(common.bits_equal(got, original), f"{label}: output differs from the original's by up "
                                f"to {np.max(np.abs(got - original)):.3e}")
                gap = float(np.max(np.abs(got - self.refs["y"])))
                self.assertLessEqual(gap, TORCH_ABS_TOLERANCE, f"{label}: max |onnxruntime - torch| = {gap:.3e}")

    def test_default_fix_on_bfloat16_weights(self):
        jobs, written = [], {}
        for name in BFLOAT16_WEIGHTS:
            label = f"{name}: fix"
            with self.subTest(name):
                err = self.base[fixture(name)][0]
                self.assertIn("bound to different types (tensor(float) and tensor(bfloat16)", err,
                              f"{name}: onnxruntime's error on the original")
                proc, dst = self.fix(name, "fixed")
                self.assert_written(label, proc, dst)
                self.assertEqual(casts(onnx.load(dst)), casts(onnx.load(fixture(name))) - TORCH_NO_OP_CASTS,
                                 f"{label}: Cast nodes")
                self.assert_valid(label, dst)
                self.assert_converges(label, dst, [])
                jobs.append((dst, self.feeds))
                written[name] = dst
        results = ort.run_typed(jobs)
        for name, dst in written.items():
            with self.subTest(name, part="outputs"):
                label = f"{name}: fix"
                got = self.output(results, label, dst)
                ref = self.output(self.base, label + " (hand-widened reference)", self.path(name + ".widened.onnx"))
                self.assertTrue(common.bits_equal(got, ref), f"{label}: output differs from the hand-widened reference's "
                                f"by up to {np.max(np.abs(got - ref)):.3e}")
                rel = common.relative_error(got, self.refs[BFLOAT16_WEIGHTS[name]])
                self.assertLessEqual(rel, TORCH_REL_TOLERANCE,
                                     f"{label}: relative error to torch's {BFLOAT16_WEIGHTS[name]} {rel:.3e}")

    def test_default_fix_on_bfloat16_exports(self):
        fixed = []
        for name in BFLOAT16_EXPORTS:
            label = f"{name}: fix"
            opset = int(name[-2:])
            with self.subTest(name):
                original = onnx.load(fixture(name))
                self.assertEqual(common.checker_accepts(original), opset >= 15, f"{name}: onnx checker on the original")
                proc, dst = self.fix(name, "fixed", "--format", "json")
                self.assert_written(label, proc, dst)
                report = json.loads(proc.stdout)["models"][0]
                applied = collections.Counter((a["rule"], a["safety"], a["effect"]) for a in report["applied"])
                expected = collections.Counter({("redundant-cast", "safe", "exact"): TORCH_NO_OP_CASTS})
                if opset < 15:
                    # One LayerNorm exponent per LayerNorm: 2 per block and the final one.
                    expected[("dtype-not-allowed", "safe", "exact")] = 5
                self.assertEqual(applied, expected, f"{label}: applied fixes (rule, safety, effect)")
                self.assertEqual(report["declined"], [], f"{label}: declined fixes")
                self.assertEqual(casts(onnx.load(dst)), casts(original) - TORCH_NO_OP_CASTS, f"{label}: Cast nodes")
                if opset < 15:
                    self.assert_pow_exponents_widened(label, original, onnx.load(dst))
                self.assert_valid(label, dst)
                self.assert_converges(label, dst, [])
                fixed.append(dst)

                target = self.path(f"{name}.target.onnx")
                proc = common.run("fix", fixture(name), "-o", target, "--target", "onnxruntime-cpu")
                self.assertEqual(proc.returncode, 1, self.describe(f"{name}: fix --target onnxruntime-cpu", proc))
                self.assertIn(f"{name}.onnx: not deployable on onnxruntime-cpu", proc.stdout)
                self.assertIn("--precision float32", proc.stdout)
        # The premise: onnxruntime's CPU provider has no bfloat16 MatMul.
        for dst, err in ort.sessions(fixed).items():
            with self.subTest(os.path.basename(dst), part="onnxruntime"):
                self.assertIn("Could not find an implementation for MatMul", err)

    def assert_pow_exponents_widened(self, label, original, fixed):
        """Every Pow exponent is float32 now, with the original bfloat16 value, exactly."""
        def exponents(model):
            consts = {n.output[0]: n.attribute[0].t for n in model.graph.node if n.op_type == "Constant"}
            inits = {t.name: t for t in model.graph.initializer}
            return {n.name: consts.get(n.input[1], inits.get(n.input[1])) for n in model.graph.node
                    if n.op_type == "Pow"}
        before, after = exponents(original), exponents(fixed)
        self.assertEqual(len(before), 5, f"{label}: Pow nodes in the original")
        self.assertEqual(sorted(after), sorted(before), f"{label}: Pow nodes")
        for node, t in after.items():
            self.assertIsNotNone(t, f"{label}: Pow '{node}' exponent is no longer a stored tensor")
            self.assertEqual(before[node].data_type, TP.BFLOAT16, f"{label}: Pow '{node}' in the original")
            self.assertEqual(t.data_type, TP.FLOAT, f"{label}: Pow '{node}' exponent type")
            self.assertTrue(common.bits_equal(numpy_helper.to_array(t), common.widened(before[node])),
                            f"{label}: Pow '{node}' exponent value {numpy_helper.to_array(t)}")

    # --- 2. --precision float32 ------------------------------------------------------

    def test_precision_float32(self):
        flags = ["--precision", "float32"]
        jobs, written = [], {}
        for name in ALL:
            label = f"{name}: fix --precision float32"
            with self.subTest(name):
                proc, dst = self.fix(name, "float32", *flags)
                self.assert_written(label, proc, dst)
                self.assert_valid(label, dst)
                self.assert_no_bfloat16(label, dst)
                self.assertEqual(io_types(onnx.load(dst)), ({"x": "FLOAT"}, {"y": "FLOAT"}), f"{label}: graph I/O")
                self.assert_converges(label, dst, flags)
                jobs.append((dst, self.feeds))
                written[name] = dst
        results = ort.run_typed(jobs)
        for name, dst in written.items():
            label = f"{name}: fix --precision float32"
            with self.subTest(name, part="outputs"):
                got = self.output(results, label, dst)
                if name in FLOAT32_EXPORTS:
                    ref = self.output(self.base, label + " (original)", fixture(name))
                    self.assertTrue(common.bits_equal(got, ref), f"{label}: output differs from the original's by up to "
                                    f"{np.max(np.abs(got - ref)):.3e}")
                elif name in BFLOAT16_WEIGHTS:
                    ref = self.output(self.base, label + " (hand-widened reference)",
                                      self.path(name + ".widened.onnx"))
                    self.assertTrue(common.bits_equal(got, ref), f"{label}: output differs from the hand-widened "
                                    f"reference's by up to {np.max(np.abs(got - ref)):.3e}")
                else:
                    rel = common.relative_error(got, self.refs["y"])
                    rel_bf16 = common.relative_error(got, self.refs["y_bf16"])
                    print(f"{label}: relative error {rel:.3e} to torch float32 y, {rel_bf16:.3e} to torch bfloat16")
                    self.assertLess(rel, BFLOAT16_BOUND, f"{label}: relative error to torch's y {rel:.3e} "
                                    f"(to torch's bfloat16 run {rel_bf16:.3e})")

    # --- 3. --precision bfloat16 --target onnxruntime-cpu ----------------------------

    def test_precision_bfloat16_for_onnxruntime_cpu(self):
        jobs, written = [], {}
        for name in ("block_f32_opset13", "block_f32_opset17"):
            for keep in (False, True):
                flags = ["--precision", "bfloat16", "--target", "onnxruntime-cpu"]
                flags += ["--keep-io-types"] if keep else []
                label = f"{name}: fix {' '.join(flags)}"
                with self.subTest(name, keep_io_types=keep):
                    proc, dst = self.fix(name, "bfloat16" + (".keep-io" if keep else ""), *flags)
                    if not os.path.exists(dst):
                        self.assertEqual(proc.returncode, 1, self.describe(label + ": nothing written", proc))
                        nodes = [n.name for n in onnx.load(fixture(name)).graph.node if n.name]
                        self.assertTrue(any(f"'{n}'" in proc.stderr for n in nodes),
                                        self.describe(label + ": nothing written and no node named", proc))
                        print(f"{label}: declined: {proc.stderr.strip()[:300]}")
                        continue
                    self.assert_written(label, proc, dst)
                    self.assert_valid(label, dst)
                    model = onnx.load(dst)
                    if keep:
                        self.assertEqual(io_types(model), ({"x": "FLOAT"}, {"y": "FLOAT"}), f"{label}: graph I/O")
                    share = initializer_elements(model)
                    print(f"{label}: float initializer elements by type "
                          f"{ {TP.DataType.Name(t): n for t, n in share.items()} }")
                    self.assert_converges(label, dst, flags)
                    # Loading the model as written proves the CPU provider has every kernel;
                    # running it goes through float32 graph I/O (onnxruntime-node has no bfloat16).
                    run = dst
                    if any(t != "FLOAT" for d in io_types(model) for t in d.values()):
                        run = dst + ".float-io.onnx"
                        onnx.save(float_interface(model), run)
                    jobs.append((run, self.feeds))
                    written[label] = (name, dst, run)
        loads = ort.sessions([dst for _, dst, _ in written.values()])
        results = ort.run_typed(jobs)
        for label, (name, dst, run) in written.items():
            with self.subTest(label, part="outputs"):
                self.assertEqual(loads[dst], "", f"{label}: onnxruntime-cpu cannot load the written model")
                got = self.output(results, label, run)
                self.assertTrue(np.all(np.isfinite(got)), f"{label}: {int(np.sum(~np.isfinite(got)))} NaN/Inf")
                rel = common.relative_error(got, self.refs["y"])
                print(f"{label}: relative error {rel:.3e} to torch's y (bound {BFLOAT16_BOUND:.0e})")
                self.assertLessEqual(rel, BFLOAT16_BOUND, f"{label}: relative error {rel:.3e}")
                original = self.output(self.base, label + " (original)", fixture(name))
                self.assertFalse(common.bits_equal(got, original), f"{label}: the conversion changed nothing")

    # --- 4. --precision float16 --keep-io-types --------------------------------------

    def test_precision_float16_keep_io_types(self):
        flags = ["--precision", "float16", "--keep-io-types"]
        jobs, written = [], {}
        for name in FLOAT32_EXPORTS:
            label = f"{name}: fix {' '.join(flags)}"
            with self.subTest(name):
                proc, dst = self.fix(name, "float16", *flags)
                self.assert_written(label, proc, dst)
                self.assert_valid(label, dst)
                model = onnx.load(dst)
                self.assertEqual(io_types(model), ({"x": "FLOAT"}, {"y": "FLOAT"}), f"{label}: graph I/O")
                counts = initializer_elements(model)
                shown = {TP.DataType.Name(t): n for t, n in counts.items()}
                share = counts[TP.FLOAT16] / max(sum(counts.values()), 1)
                self.assertGreaterEqual(share, MIN_FLOAT16_SHARE, f"{label}: float initializer elements {shown}")
                self.assert_converges(label, dst, flags)
                jobs.append((dst, self.feeds))
                written[name] = dst
        results = ort.run_typed(jobs)
        for name, dst in written.items():
            label = f"{name}: fix {' '.join(flags)}"
            with self.subTest(name, part="outputs"):
                got = self.output(results, label, dst)
                self.assertTrue(np.all(np.isfinite(got)), f"{label}: {int(np.sum(~np.isfinite(got)))} NaN/Inf")
                rel = common.relative_error(got, self.refs["y"])
                print(f"{label}: relative error {rel:.3e} to torch's y (bound {FLOAT16_BOUND:.0e})")
                self.assertLessEqual(rel, FLOAT16_BOUND, f"{label}: relative error {rel:.3e}")
                self.assertFalse(common.bits_equal(got, self.output(self.base, label, fixture(name))),
                                 f"{label}: the conversion changed nothing")


if __name__ == "__main__":
    common.main()
