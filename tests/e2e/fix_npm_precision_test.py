"""`fix --precision bfloat16 --target onnxruntime-cpu --keep-io-types` and `--precision
float16 --keep-io-types` on every model of the two small npm packages (openWakeWord's
nine, Silero VAD's two, If branches nested two deep): each is written, loads and runs in
onnxruntime 1.30, has no NaN/Inf where the original had none, and stays close to the
original. Measured relative errors (max |fixed - original| / max |original|) are at most
8.3e-3 (bfloat16, Silero v5's state) and 3.3e-3 (float16); the bounds are 5e-2 and 2e-2.
melspectrogram's bfloat16 Clip at opset 13 is what taught the target that onnxruntime
runs it only from opset 16."""
import os
import unittest

import numpy as np
import onnx

import common
import ort
import real_models_test

FLAGS = {
    "bfloat16": ["--precision", "bfloat16", "--target", "onnxruntime-cpu", "--keep-io-types"],
    "float16": ["--precision", "float16", "--keep-io-types"],
}
RNG = np.random.default_rng(7)


def feeds(path):
    """Seeded inputs of the declared shapes (1 for a free dimension); audio-sized where
    a free dimension is the audio's length; int64 inputs are Silero's sample rate."""
    m = onnx.load(path)
    inits = {t.name for t in m.graph.initializer}
    name = os.path.basename(path)
    out = {}
    for i in m.graph.input:
        if i.name in inits:
            continue
        dims = [d.dim_value if d.dim_value > 0 else 1 for d in i.type.tensor_type.shape.dim]
        if i.type.tensor_type.elem_type == onnx.TensorProto.INT64:
            out[i.name] = np.full(dims, 16000, dtype=np.int64)
            continue
        if name == "melspectrogram.onnx":
            dims = [1, 1760]
        elif name == "embedding_model.onnx":
            dims = [1, 76, 32, 1]
        elif "vad" in name and i.name == "input":
            dims = [1, 512]
        scale = 0.1 if "vad" in name else 1.0
        out[i.name] = (RNG.standard_normal(dims) * scale).astype(np.float32)
    return out


def bound(precision):
    return 5e-2 if precision == "bfloat16" else 2e-2


class FixNpmPrecisionTest(unittest.TestCase):
    def test_every_model_converts_runs_and_stays_close(self):
        ort.ensure()
        models = real_models_test.fetch_models() + real_models_test.fetch_vad_models()
        self.assertGreaterEqual(len(models), 11)
        with common.tempdir() as d:
            jobs, written = [], []
            for path in models:
                f = feeds(path)
                jobs.append((path, f))
                for precision, flags in FLAGS.items():
                    dst = os.path.join(d, f"{os.path.basename(path)}.{precision}.onnx")
                    proc = common.run("fix", path, "-o", dst, *flags)
                    self.assertEqual(proc.returncode, 0, f"{path} {precision}: {proc.stdout[-500:]}{proc.stderr}")
                    self.assertTrue(os.path.exists(dst))
                    jobs.append((dst, f))
                    written.append((path, precision, dst))
            results = ort.run_typed(jobs)
            for path, precision, dst in written:
                with self.subTest(model=os.path.basename(path), precision=precision):
                    error, ref, _ = results[path]
                    self.assertEqual(error, "", f"the original does not run: {error}")
                    error, got, _ = results[dst]
                    self.assertEqual(error, "", f"the fixed model does not run: {error}")
                    self.assertEqual(set(got), set(ref))
                    for k in ref:
                        r = ref[k].astype(np.float64)
                        g = got[k].astype(np.float64)
                        self.assertTrue(np.isfinite(g).all() or not np.isfinite(r).all(), k)
                        rel = common.relative_error(g, r)
                        print(f"{os.path.basename(path)} {precision}: {k} relative error {rel:.2e}")
                        self.assertLessEqual(rel, bound(precision), k)


if __name__ == "__main__":
    common.main()
