"""`onnx-tidy fix`, proved with the real onnxruntime 1.30 (npm onnxruntime-node): models
with conflicting dtypes fail to load before the fix; after it they load, run, and give
outputs equal, bit for bit, to a reference in which every narrow stored tensor was
widened by hand. Precision conversion of real models stays within documented bounds."""
import json
import os
import random
import unittest

import numpy as np
import onnx
from onnx import TensorProto as TP, helper, numpy_helper

import common
import ort
import real_models_test

F32, F16, BF16 = TP.FLOAT, TP.FLOAT16, TP.BFLOAT16
RNG = np.random.default_rng(1234)


def narrow(array, dtype, name):
    """A TensorProto of `array` rounded to float16 or bfloat16."""
    t = numpy_helper.from_array(array.astype(np.float32), name)
    if dtype == F16:
        return numpy_helper.from_array(array.astype(np.float16), name)
    common.to_bfloat16(t)
    return t


def widen_stored(model):
    """Reference: every float16/bfloat16 initializer and Constant widened by hand."""
    ref = onnx.ModelProto()
    ref.CopyFrom(model)
    def fix_graph(g):
        for i, t in enumerate(g.initializer):
            if t.data_type in (F16, BF16):
                g.initializer[i].CopyFrom(numpy_helper.from_array(common.widened(t), t.name))
        for n in g.node:
            for a in n.attribute:
                if n.op_type == "Constant" and a.name == "value" and a.t.data_type in (F16, BF16):
                    a.t.CopyFrom(numpy_helper.from_array(common.widened(a.t), a.t.name))
                if a.type == onnx.AttributeProto.GRAPH:
                    fix_graph(a.g)
    fix_graph(ref.graph)
    for g in [ref.graph]:
        for vi in list(g.input):
            if vi.type.tensor_type.elem_type in (F16, BF16) and vi.name in {t.name for t in g.initializer}:
                vi.type.tensor_type.elem_type = F32
    return ref


def model(nodes, inputs, outputs, inits, opset=17, functions=(), ir=8, extra_opsets=()):
    g = helper.make_graph(nodes, "g", inputs, outputs, inits)
    m = helper.make_model(g, opset_imports=[helper.make_opsetid("", opset), *extra_opsets], functions=list(functions))
    m.ir_version = ir
    return m


def vi(name, dtype, shape):
    return helper.make_tensor_value_info(name, dtype, shape)


def synthetic_cases():
    """name -> (conflicting model, reference model)."""
    w1, w2, b = RNG.standard_normal((4, 8)), RNG.standard_normal((8, 3)), RNG.standard_normal(8)
    cases = {}
    m = model([helper.make_node("MatMul", ["x", "W1"], ["h"], name="fc1"),
               helper.make_node("Add", ["h", "b"], ["hb"]),
               helper.make_node("Relu", ["hb"], ["a"]),
               helper.make_node("Gemm", ["a", "W2", "c"], ["y"], name="fc2")],
              [vi("x", F32, [2, 4])], [vi("y", F32, [2, 3])],
              [narrow(w1, BF16, "W1"), numpy_helper.from_array(b.astype(np.float32), "b"),
               narrow(w2, F16, "W2"), narrow(RNG.standard_normal(3), BF16, "c")])
    cases["mlp_bf16_f16_weights"] = (m, widen_stored(m))

    # W is float16 for a float16 Add as well: it must be duplicated, not retyped.
    wh = narrow(RNG.standard_normal((4, 4)), F16, "W")
    m = model([helper.make_node("MatMul", ["x", "W"], ["p"]),
               helper.make_node("Cast", ["x"], ["xh"], to=F16),
               helper.make_node("Add", ["xh", "W"], ["q16"]),
               helper.make_node("Cast", ["q16"], ["q"], to=F32)],
              [vi("x", F32, [4, 4])], [vi("p", F32, [4, 4]), vi("q", F32, [4, 4])], [wh])
    ref = onnx.ModelProto()
    ref.CopyFrom(m)
    ref.graph.initializer.append(numpy_helper.from_array(common.widened(wh), "W_ref"))
    ref.graph.node[0].input[1] = "W_ref"
    cases["shared_float16_initializer"] = (m, ref)

    then_g = helper.make_graph([helper.make_node("MatMul", ["x", "Wt"], ["o"])], "t", [], [vi("o", F32, [2, 3])])
    else_g = helper.make_graph([helper.make_node("MatMul", ["x", "We"], ["o2"])], "e", [], [vi("o2", F32, [2, 3])])
    m = model([helper.make_node("ReduceSum", ["x"], ["s"], keepdims=0),
               helper.make_node("Greater", ["s", "zero"], ["c"]),
               helper.make_node("If", ["c"], ["y"], then_branch=then_g, else_branch=else_g)],
              [vi("x", F32, [2, 4])], [vi("y", F32, [2, 3])],
              [narrow(RNG.standard_normal((4, 3)), BF16, "Wt"), narrow(RNG.standard_normal((4, 3)), BF16, "We"),
               numpy_helper.from_array(np.array(0, np.float32), "zero")])
    cases["if_branch_outer_weights"] = (m, widen_stored(m))

    body = helper.make_graph([helper.make_node("Identity", ["cond"], ["co"]),
                              helper.make_node("Add", ["acc", "bias"], ["acc2"])], "body",
                             [vi("i", TP.INT64, []), vi("cond", TP.BOOL, []), vi("acc", F32, [2, 4])],
                             [vi("co", TP.BOOL, []), vi("acc2", F32, [2, 4])])
    m = model([helper.make_node("Loop", ["n", "t", "x"], ["y"], body=body)],
              [vi("x", F32, [2, 4])], [vi("y", F32, [2, 4])],
              [numpy_helper.from_array(np.array(3, np.int64), "n"), numpy_helper.from_array(np.array(True), "t"),
               narrow(RNG.standard_normal(4), BF16, "bias")])
    cases["loop_body_outer_bias"] = (m, widen_stored(m))

    proj = helper.make_function("local", "Proj", ["a", "w"], ["r"], [helper.make_node("MatMul", ["a", "w"], ["r"])],
                                [helper.make_opsetid("", 17)])
    m = model([helper.make_node("Proj", ["x", "Wf"], ["y"], domain="local"),
               helper.make_node("Proj", ["x", "Wb"], ["z"], domain="local")],
              [vi("x", F32, [2, 4])], [vi("y", F32, [2, 4]), vi("z", F32, [2, 4])],
              [numpy_helper.from_array(RNG.standard_normal((4, 4)).astype(np.float32), "Wf"),
               narrow(RNG.standard_normal((4, 4)), BF16, "Wb")],
              functions=[proj], extra_opsets=[helper.make_opsetid("local", 1)])
    cases["function_call_site"] = (m, widen_stored(m))

    # Weights held in Constant nodes of an opset-9 model.
    k = narrow(RNG.standard_normal((4, 3)), BF16, "k")
    m = model([helper.make_node("Constant", [], ["K"], value=k), helper.make_node("MatMul", ["x", "K"], ["y"])],
              [vi("x", F32, [2, 4])], [vi("y", F32, [2, 3])], [], opset=9, ir=4)
    cases["opset9_constant_weight"] = (m, widen_stored(m))

    # A float16 activation against a float32 weight: the reference casts by hand.
    w = numpy_helper.from_array(RNG.standard_normal((4, 3)).astype(np.float32), "W")
    m = model([helper.make_node("Cast", ["x"], ["h"], to=F16), helper.make_node("MatMul", ["h", "W"], ["y"])],
              [vi("x", F32, [2, 4])], [vi("y", F32, [2, 3])], [w])
    ref = model([helper.make_node("Cast", ["x"], ["h"], to=F16), helper.make_node("Cast", ["h"], ["hf"], to=F32),
                 helper.make_node("MatMul", ["hf", "W"], ["y"])], [vi("x", F32, [2, 4])], [vi("y", F32, [2, 3])], [w])
    cases["float16_activation"] = (m, ref)

    # control-flow-dtype-mismatch. The else branch (always taken) returns bfloat16.
    def if_model(else_nodes, else_out):
        then_g = helper.make_graph([helper.make_node("Neg", ["x"], ["o"])], "t", [], [vi("o", F32, [2, 4])])
        else_g = helper.make_graph(else_nodes, "e", [], [else_out])
        return model([helper.make_node("ReduceSum", ["x"], ["s"], keepdims=0),
                      helper.make_node("Greater", ["s", "big"], ["c"]),
                      helper.make_node("If", ["c"], ["y"], then_branch=then_g, else_branch=else_g)],
                     [vi("x", F32, [2, 4])], [vi("y", F32, [2, 4])],
                     [numpy_helper.from_array(np.array(1e30, np.float32), "big")])
    m = if_model([helper.make_node("Cast", ["x"], ["xb"], to=BF16)], vi("xb", BF16, [2, 4]))
    ref = if_model([helper.make_node("Cast", ["x"], ["xb"], to=BF16), helper.make_node("Cast", ["xb"], ["xf"], to=F32)],
                   vi("xf", F32, [2, 4]))
    cases["if_branches_disagree"] = (m, ref)

    # A Loop whose initial value is a bfloat16 initializer while its body computes float.
    body = helper.make_graph([helper.make_node("Identity", ["cond"], ["co"]),
                              helper.make_node("Add", ["acc", "x"], ["acc2"])], "body",
                             [vi("i", TP.INT64, []), vi("cond", TP.BOOL, []), vi("acc", F32, [2, 4])],
                             [vi("co", TP.BOOL, []), vi("acc2", F32, [2, 4])])
    m = model([helper.make_node("Loop", ["n", "t", "a0"], ["y"], body=body)],
              [vi("x", F32, [2, 4])], [vi("y", F32, [2, 4])],
              [numpy_helper.from_array(np.array(3, np.int64), "n"), numpy_helper.from_array(np.array(True), "t"),
               narrow(RNG.standard_normal((2, 4)), BF16, "a0")])
    cases["loop_initial_value_narrower"] = (m, widen_stored(m))
    return cases


def shuffled(m, seed, subgraphs=False):
    """A copy of `m` with the nodes of its main graph (and, if asked, of every subgraph)
    in a seeded random order. onnx's checker refuses it; onnxruntime 1.30 sorts a main
    graph itself but refuses an unsorted If/Loop body."""
    out = onnx.ModelProto()
    out.CopyFrom(m)
    rng = random.Random(seed)

    def shuffle(g):
        nodes = list(g.node)
        for n in nodes:
            for a in n.attribute:
                if a.type == onnx.AttributeProto.GRAPH and subgraphs:
                    shuffle(a.g)
        rng.shuffle(nodes)
        del g.node[:]
        g.node.extend(nodes)
    shuffle(out.graph)
    return out


def unsorted_mlp():
    """MatMul/Add/Relu, an If whose branches read an outer value, Gemm and Softmax."""
    w1, b, w2, c = (RNG.standard_normal(s).astype(np.float32) for s in ((4, 8), (8,), (8, 3), (3,)))
    then = helper.make_graph([helper.make_node("Mul", ["a", "two"], ["am"]), helper.make_node("Relu", ["am"], ["r"])],
                             "then", [], [vi("r", F32, [2, 8])])
    other = helper.make_graph([helper.make_node("Neg", ["a"], ["an"]), helper.make_node("Abs", ["an"], ["q"])],
                              "else", [], [vi("q", F32, [2, 8])])
    return model([helper.make_node("MatMul", ["x", "W1"], ["h"]),
                  helper.make_node("Add", ["h", "b"], ["hb"]),
                  helper.make_node("Relu", ["hb"], ["a"]),
                  helper.make_node("ReduceSum", ["x"], ["s"], keepdims=0),
                  helper.make_node("Greater", ["s", "zero"], ["pos"]),
                  helper.make_node("If", ["pos"], ["branch"], then_branch=then, else_branch=other),
                  helper.make_node("Gemm", ["branch", "W2", "c"], ["logits"]),
                  helper.make_node("Softmax", ["logits"], ["y"])],
                 [vi("x", F32, [2, 4])], [vi("y", F32, [2, 3])],
                 [numpy_helper.from_array(w1, "W1"), numpy_helper.from_array(b, "b"),
                  numpy_helper.from_array(w2, "W2"), numpy_helper.from_array(c, "c"),
                  numpy_helper.from_array(np.array(2, np.float32), "two"),
                  numpy_helper.from_array(np.array(0, np.float32), "zero")])


def feeds_for(m):
    inits = {t.name for t in m.graph.initializer}
    feeds = {}
    for i in m.graph.input:
        if i.name in inits:
            continue
        dims = [d.dim_value if d.dim_value > 0 else 1 for d in i.type.tensor_type.shape.dim]
        feeds[i.name] = RNG.standard_normal(dims).astype(np.float32)
    return feeds


class FixOrtTest(unittest.TestCase):
    maxDiff = None

    @classmethod
    def setUpClass(cls):
        ort.ensure()
        cls.tmp = common.tempdir()

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def path(self, name):
        return os.path.join(self.tmp.name, name)

    def fix(self, src, dst, *flags):
        proc = common.run("fix", src, "-o", dst, *flags)
        self.assertEqual(proc.returncode, 0, proc.stdout + proc.stderr)
        again = common.run("fix", dst, "-o", dst + ".again.onnx", *flags)
        self.assertEqual(again.returncode, 0, again.stdout + again.stderr)
        with open(dst, "rb") as a, open(dst + ".again.onnx", "rb") as b:
            self.assertEqual(a.read(), b.read(), f"fixing {dst} again changed it")
        self.assertTrue(common.checker_accepts(onnx.load(dst)), dst)

    def assert_fixed_equals_reference(self, cases, min_cases):
        jobs_before, jobs_after, refs = [], [], {}
        for name, (broken, ref, feeds) in cases.items():
            src, dst, rp = self.path(name + ".onnx"), self.path(name + ".fixed.onnx"), self.path(name + ".ref.onnx")
            onnx.save(broken, src)
            onnx.save(ref, rp)
            self.fix(src, dst)
            jobs_before.append((src, feeds))
            jobs_after += [(dst, feeds), (rp, feeds)]
            refs[name] = (src, dst, rp)
        before = ort.run(jobs_before)
        after = ort.run(jobs_after)
        compared = 0
        for name, (src, dst, rp) in refs.items():
            self.assertTrue(before[src][0], f"{name}: onnxruntime accepted the broken model")
            ref_err, ref_out = after[rp]
            self.assertEqual(ref_err, "", f"{name}: the reference does not run")
            err, out = after[dst]
            self.assertEqual(err, "", f"{name}: the fixed model does not run")
            self.assertEqual(sorted(out), sorted(ref_out), name)
            for k in out:
                self.assertTrue(common.bits_equal(out[k], ref_out[k]), f"{name}: output {k} differs from the reference")
            compared += 1
        self.assertGreaterEqual(compared, min_cases)

    def test_synthetic_conflicts(self):
        cases = {n: (m, r, feeds_for(m)) for n, (m, r) in synthetic_cases().items()}
        self.assert_fixed_equals_reference(cases, len(cases))

    def test_real_models_with_bfloat16_weights(self):
        cases = {}
        for path in real_models_test.fetch_models():
            original = onnx.load(path)
            feeds = feeds_for(original)
            if ort.run([(path, feeds)])[path][0]:
                continue  # needs inputs we cannot make up (e.g. a fixed audio frame length)
            broken = onnx.load(path)
            real_models_test.bf16_weights(broken)
            cases[os.path.basename(path)[:-5]] = (broken, widen_stored(broken), feeds)
        # Weights in Constant nodes of an opset-9 model: alexa's Gemm/Relu/Flatten/Sigmoid exist at opset 9.
        alexa = onnx.load([p for p in real_models_test.fetch_models() if "alexa" in p][0])
        consts = []
        for t in list(alexa.graph.initializer):
            c = onnx.TensorProto()
            c.CopyFrom(t)
            if c.data_type == F32 and len(c.dims) >= 1:
                common.to_bfloat16(c)
            consts.append(helper.make_node("Constant", [], [t.name], value=c))
        del alexa.graph.initializer[:]
        nodes = consts + list(alexa.graph.node)
        del alexa.graph.node[:]
        alexa.graph.node.extend(nodes)
        alexa.opset_import[0].version = 9
        alexa.ir_version = 4
        cases["alexa_opset9_constants"] = (alexa, widen_stored(alexa), feeds_for(alexa))
        self.assertIn("alexa_v0.1", cases)
        self.assert_fixed_equals_reference(cases, 6)

    def test_removing_no_op_casts_from_silero_vad_changes_no_output_bit(self):
        src = [p for p in real_models_test.fetch_vad_models() if p.endswith("silero_vad_v5.onnx")][0]
        dst = self.path("silero_vad_v5.fixed.onnx")
        self.fix(src, dst)
        casts = lambda m: sum(1 for _, g in real_models_test.graphs(m.graph) for n in g.node if n.op_type == "Cast")
        self.assertEqual(casts(onnx.load(src)) - casts(onnx.load(dst)), 18)
        feeds = {"input": np.sin(np.arange(512, dtype=np.float32) / 7).reshape(1, 512),
                 "state": np.full((2, 1, 128), 0.1, np.float32), "sr": np.array(16000, np.int64)}
        out = ort.run([(src, feeds), (dst, feeds)])
        self.assertEqual(out[src][0], "")
        self.assertEqual(out[dst][0], "")
        self.assertEqual(sorted(out[src][1]), ["output", "stateN"])
        for name, value in out[src][1].items():
            self.assertTrue(common.bits_equal(value, out[dst][1][name]), name)

    def test_unsorted_graphs_run_the_same_before_and_after_sorting(self):
        """`fix` sorts every graph so that onnx's checker accepts it, and no output bit
        moves: onnxruntime runs an unsorted main graph (it sorts it itself) with the same
        outputs before and after; an unsorted If body it refuses until the fix."""
        vad = [p for p in real_models_test.fetch_vad_models() if p.endswith("silero_vad_v5.onnx")][0]
        embedding = [p for p in real_models_test.fetch_models() if "embedding_model" in p][0]
        vad_feeds = {"input": np.sin(np.arange(512, dtype=np.float32) / 7).reshape(1, 512),
                     "state": np.full((2, 1, 128), 0.1, np.float32), "sr": np.array(16000, np.int64)}
        mlp = unsorted_mlp()
        cases = {"mlp": (mlp, feeds_for(mlp), False),
                 "embedding_model": (onnx.load(embedding), feeds_for(onnx.load(embedding)), False),
                 "silero_vad_v5": (onnx.load(vad), vad_feeds, False),
                 "silero_vad_v5_bodies": (onnx.load(vad), vad_feeds, True)}
        jobs, paths = [], {}
        for name, (original, feeds, bodies) in cases.items():
            orig, src, dst = (self.path(f"{name}.{kind}.onnx") for kind in ("sorted", "shuffled", "resorted"))
            onnx.save(original, orig)
            broken = shuffled(original, seed=7, subgraphs=bodies)
            with self.assertRaisesRegex(Exception, "topologically sorted"):
                onnx.checker.check_model(broken)
            onnx.save(broken, src)
            check = common.run("check", src)
            self.assertIn("[unsorted-graph]", check.stdout, name)
            # In dependency order nothing else is wrong (an unsorted body is itself an error:
            # onnxruntime refuses it).
            others = [line for line in check.stdout.splitlines() if ": error:" in line and "[unsorted-graph]" not in line]
            self.assertEqual(others, [], name)
            self.fix(src, dst)  # the checker accepts the result; a second fix changes nothing
            proc = common.run("fix", src, "--dry-run", "--format", "json")
            edits = json.loads(proc.stdout)["models"][0]["edits"]
            self.assertIn("sort-nodes", {e["action"] for e in edits}, name)
            jobs += [(orig, feeds), (src, feeds), (dst, feeds)]
            paths[name] = (orig, src, dst, bodies)
        out = ort.run(jobs)
        for name, (orig, src, dst, bodies) in paths.items():
            self.assertEqual(out[orig][0], "", f"{name}: the original does not run")
            self.assertEqual(out[dst][0], "", f"{name}: the fixed model does not run")
            self.assertEqual(sorted(out[dst][1]), sorted(out[orig][1]), name)
            for k, ref in out[orig][1].items():
                self.assertTrue(common.bits_equal(out[dst][1][k], ref), f"{name}: fixed output {k} differs")
            if bodies:
                self.assertIn("topologically sorted", out[src][0], name)
                continue
            self.assertEqual(out[src][0], "", f"{name}: onnxruntime refused the unsorted main graph")
            for k, ref in out[orig][1].items():
                self.assertTrue(common.bits_equal(out[src][1][k], ref), f"{name}: unsorted output {k} differs")

    def test_external_data(self):
        broken, ref = synthetic_cases()["mlp_bf16_f16_weights"]
        src_dir, other_dir = self.path("ext"), self.path("elsewhere")
        os.makedirs(src_dir)
        os.makedirs(other_dir)
        src = os.path.join(src_dir, "model.onnx")
        onnx.save_model(broken, src, save_as_external_data=True, all_tensors_to_one_file=True,
                        location="weights.bin", size_threshold=0)
        data = os.path.join(src_dir, "weights.bin")
        digest = common.sha256(data)
        rp = self.path("ext.ref.onnx")
        onnx.save(ref, rp)

        # check reads dtypes only: it finds the conflicts with the data file gone.
        os.rename(data, data + ".away")
        proc = common.run("check", src)
        self.assertEqual(proc.returncode, 1, proc.stderr)
        self.assertIn("input B 'W1' is bfloat16 (initializer 'W1')", proc.stdout)
        os.rename(data + ".away", data)

        same = os.path.join(src_dir, "fixed.onnx")
        moved = os.path.join(other_dir, "fixed.onnx")
        for dst in (same, moved):
            proc = common.run("fix", src, "-o", dst)
            self.assertEqual(proc.returncode, 0, proc.stdout + proc.stderr)
        self.assertEqual(common.sha256(data), digest, "the input's data file changed")
        self.assertEqual(sorted(os.listdir(src_dir)), ["fixed.onnx", "fixed.onnx.data", "model.onnx", "weights.bin"])
        self.assertEqual(sorted(os.listdir(other_dir)), ["fixed.onnx", "fixed.onnx.data"])
        # Beside the input, only converted tensors moved to the new file; elsewhere, all did.
        kept = [t.name for t in onnx.load(same, load_external_data=False).graph.initializer
                if any(e.key == "location" and e.value == "weights.bin" for e in t.external_data)]
        self.assertEqual(kept, ["b"])
        feeds = feeds_for(broken)
        out = ort.run([(same, feeds), (moved, feeds), (rp, feeds)])
        for dst in (same, moved):
            self.assertEqual(out[dst][0], "", out[dst][0])
            self.assertTrue(common.bits_equal(out[dst][1]["y"], out[rp][1]["y"]), dst)
        again = common.run("fix", same, "-o", os.path.join(src_dir, "again.onnx"))
        self.assertEqual(again.returncode, 0)
        with open(same, "rb") as a, open(os.path.join(src_dir, "again.onnx"), "rb") as b:
            self.assertEqual(a.read(), b.read())

    def test_pure_bfloat16_model_becomes_runnable_with_precision_float32(self):
        w, b = RNG.standard_normal((4, 8)), RNG.standard_normal(8)
        pure = model([helper.make_node("MatMul", ["x", "W"], ["h"]), helper.make_node("Add", ["h", "b"], ["hb"]),
                      helper.make_node("Relu", ["hb"], ["y"])],
                     [vi("x", BF16, [2, 4])], [vi("y", BF16, [2, 8])], [narrow(w, BF16, "W"), narrow(b, BF16, "b")])
        src, dst, rp = self.path("pure.onnx"), self.path("pure.f32.onnx"), self.path("pure.ref.onnx")
        onnx.save(pure, src)
        ref = widen_stored(pure)
        ref.graph.input[0].type.tensor_type.elem_type = F32
        ref.graph.output[0].type.tensor_type.elem_type = F32
        onnx.save(ref, rp)
        self.fix(src, dst, "--precision", "float32")
        # The same bfloat16-exact input for both.
        x = common.widened(narrow(RNG.standard_normal((2, 4)), BF16, "x"))
        err, _ = ort.sessions([src])[src], None
        self.assertIn("Could not find an implementation", err)
        out = ort.run([(dst, {"x": x}), (rp, {"x": x})])
        self.assertEqual(out[dst][0], "")
        self.assertTrue(common.bits_equal(out[dst][1]["y"], out[rp][1]["y"]))

    def test_float16_and_bfloat16_conversion_of_a_real_model_stay_close(self):
        # Documented in docs/fix.md: relative error of the outputs, max |fixed - original| / max |original|.
        bounds = {"float16": 5e-3, "bfloat16": 5e-2}
        src = [p for p in real_models_test.fetch_models() if "embedding_model" in p][0]
        feeds = feeds_for(onnx.load(src))
        for precision, bound in bounds.items():
            dst = self.path(f"embedding.{precision}.onnx")
            self.fix(src, dst, "--precision", precision, "--keep-io-types", "--target", "onnxruntime-cpu")
            res = ort.run([(src, feeds), (dst, feeds)])
            self.assertEqual(res[dst][0], "", res[dst][0])
            for k, ref in res[src][1].items():
                got = res[dst][1][k]
                rel = float(np.max(np.abs(got - ref)) / max(np.max(np.abs(ref)), 1e-6))
                print(f"{precision}: output {k} relative error {rel:.2e} (bound {bound:.0e})")
                self.assertLessEqual(rel, bound)
                self.assertFalse(common.bits_equal(got, ref), "the conversion changed nothing")


if __name__ == "__main__":
    common.main()
