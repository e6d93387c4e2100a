"""Flip one float initializer or graph input of each corpus model to bfloat16 and
assert the conflict is found at the node that consumes it. The expectation comes from
onnx's Python schemas and shape inference, not from onnx-tidy."""
import os
import re
import unittest

import onnx
from onnx import TensorProto, defs, shape_inference

import common


def formal_for(params, slot):
    if slot < len(params):
        return params[slot]
    if params and params[-1].option == defs.OpSchema.FormalParameterOption.Variadic:
        return params[-1]
    return None


def binds(schema, formal):
    if formal.option == defs.OpSchema.FormalParameterOption.Variadic and not formal.isHomogeneous:
        return False
    return formal.typeStr in {c.type_param_str for c in schema.type_constraints}


def allowed(schema, formal):
    for c in schema.type_constraints:
        if c.type_param_str == formal.typeStr:
            return set(c.allowed_type_strs)
    return {formal.typeStr}


def known_types(model):
    inferred = shape_inference.infer_shapes(model)
    g = inferred.graph
    types = {t.name: t.data_type for t in g.initializer}
    for vi in list(g.input) + list(g.value_info) + list(g.output):
        if vi.type.HasField("tensor_type") and vi.type.tensor_type.elem_type:
            types[vi.name] = vi.type.tensor_type.elem_type
    return types


def downstream(model, value):
    """Values whose dtype may follow `value` once it is flipped."""
    reached = {value}
    for node in model.graph.node:
        if reached.intersection(node.input):
            reached.update(node.output)
    return reached


def expectations(model, value, types):
    """(rule, node index, slot or None) that flipping `value` to bfloat16 must produce."""
    opset = next((o.version for o in model.opset_import if o.domain in ("", "ai.onnx")), None)
    follows = downstream(model, value)
    expected = []
    for idx, node in enumerate(model.graph.node):
        if node.domain not in ("", "ai.onnx") or value not in node.input:
            continue
        try:
            schema = defs.get_schema(node.op_type, opset, "")
        except Exception:
            continue
        for slot, name in enumerate(node.input):
            if name != value:
                continue
            formal = formal_for(schema.inputs, slot)
            if formal is None:
                continue
            if "tensor(bfloat16)" not in allowed(schema, formal):
                expected.append(("dtype-not-allowed", idx, slot))
            if not binds(schema, formal):
                continue
            for other, other_name in enumerate(node.input):
                f2 = formal_for(schema.inputs, other)
                if (other_name and other_name not in follows and f2 is not None and binds(schema, f2)
                        and f2.typeStr == formal.typeStr and types.get(other_name) not in (None, TensorProto.BFLOAT16)):
                    expected.append(("operand-dtype-mismatch", idx, None))
                    break
    return sorted(set(expected), key=str)


def mutate(model):
    """Flips the first float initializer, else graph input, that yields an expectation."""
    types = known_types(model)
    inits = {t.name: t for t in model.graph.initializer}
    candidates = [t.name for t in model.graph.initializer if t.data_type == TensorProto.FLOAT]
    candidates += [i.name for i in model.graph.input
                   if i.name not in inits and i.type.tensor_type.elem_type == TensorProto.FLOAT]
    for name in candidates:
        expected = expectations(model, name, types)
        if not expected:
            continue
        if name in inits:
            common.to_bfloat16(inits[name])
        for i in model.graph.input:
            if i.name == name:
                i.type.tensor_type.elem_type = TensorProto.BFLOAT16
        return name, expected
    return None, []


def mutated_corpus(folder):
    """Every corpus model with no finding that onnx's checker accepts and that mutate()
    changes, saved into `folder`; returns {saved path: (flipped value, expectations)}."""
    cases = {}
    originals = common.check_json(common.corpus_models())
    for path, report in sorted(originals.items()):
        if report["findings"]:
            continue
        model = onnx.load(path)
        if not common.checker_accepts(model):
            continue
        name, expected = mutate(model)
        if not expected:
            continue
        out = os.path.join(folder, os.path.relpath(os.path.dirname(path), common.CORPUS_DIR).replace("/", "__") + ".onnx")
        onnx.save(model, out)
        cases[out] = (name, expected)
    return cases


class MutationTest(unittest.TestCase):
    maxDiff = None

    def test_flipped_operands_are_found_at_their_consumer(self):
        with common.tempdir() as tmp:
            cases = mutated_corpus(tmp)
            print(f"{len(cases)} mutated corpus models")
            self.assertGreaterEqual(len(cases), 450)  # 500 with libonnx-testdata 1.12
            reports = common.check_json(sorted(cases))
            missed = {}
            for out, (name, expected) in cases.items():
                found = {(f["rule"], f["location"]["node_index"], f["location"]["input_index"])
                         for f in reports[out]["findings"] if f["location"]["graph"] == "main"}
                for rule, idx, slot in expected:
                    hit = any(r == rule and i == idx and (slot is None or s == slot) for r, i, s in found)
                    if not hit:
                        missed.setdefault(os.path.basename(out), []).append((name, rule, idx, slot))
            self.assertEqual(missed, {})


class FixMutationsTest(unittest.TestCase):
    """`fix` on every mutated corpus model: it converges, what it writes passes onnx's
    checker with no operand conflict left, and what it declines says why."""

    def test_fix_over_the_mutated_corpus(self):
        with common.tempdir() as tmp:
            written = declined = 0
            problems = []
            for src in sorted(mutated_corpus(tmp)):
                out = src + ".fixed.onnx"
                proc = common.run("fix", src, "-o", out)
                text = proc.stdout + proc.stderr
                if "still present after" in text:
                    problems.append((src, "did not converge"))
                if proc.returncode == 0:
                    written += 1
                    fixed = onnx.load(out)
                    if not common.checker_accepts(fixed):
                        problems.append((src, "onnx's checker refuses the fixed model"))
                    if "[operand-dtype-mismatch]" in common.run("check", out).stdout:
                        problems.append((src, "an operand conflict is left"))
                elif proc.returncode == 1:
                    declined += 1
                    # Exit 1 says why: a declined fix's reason, a failed verification, or
                    # errors of rules that have no fix left in the summary line.
                    errors_left = re.search(r"errors: \d+ before, [1-9]\d* after", text)
                    if "reason:" not in text and "failed verification" not in text and not errors_left:
                        problems.append((src, "exit 1 without a reason"))
                else:
                    problems.append((src, f"exit {proc.returncode}: {text[-200:]}"))
            print(f"fixed and verified {written}; left with a reason {declined}")
            self.assertEqual(problems, [])
            self.assertGreaterEqual(written, 150)


if __name__ == "__main__":
    common.main()
