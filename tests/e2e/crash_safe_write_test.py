"""fix killed with SIGKILL in the middle of writing a large model: the input, an existing
output and its existing data file are left as they were, and the temporary file the
kill leaves behind does not break the next run."""
import os
import signal
import subprocess
import time
import unittest

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

import common

# Large enough that writing takes far longer than the 1 ms the test polls at.
ELEMENTS = 48 * 1024 * 1024  # 192 MiB of float32


def big_model(folder, name, external):
    rng = np.random.default_rng(1)
    w = numpy_helper.from_array(rng.standard_normal(ELEMENTS, dtype=np.float32).reshape(-1, 1024), "w")
    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 1024])
    y = helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, ELEMENTS // 1024])
    graph = helper.make_graph([helper.make_node("Gemm", ["x", "w"], ["y"], transB=1)], "g", [x], [y], [w])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)], ir_version=8)
    path = os.path.join(folder, name)
    if external:
        onnx.save(model, path, save_as_external_data=True, all_tensors_to_one_file=True, location=name + ".data",
                  size_threshold=0)
    else:
        onnx.save(model, path)
    return path


def temporaries(folder):
    return [f for f in os.listdir(folder) if ".onnx-tidy-" in f]


def snapshot(folder):
    return {f: common.sha256(os.path.join(folder, f)) for f in sorted(os.listdir(folder)) if ".onnx-tidy-" not in f}


class CrashSafeWriteTest(unittest.TestCase):
    def setUp(self):
        self.tmp = common.tempdir()
        self.src = os.path.join(self.tmp.name, "in")
        self.dst = os.path.join(self.tmp.name, "out")
        os.makedirs(self.src)
        os.makedirs(self.dst)

    def tearDown(self):
        self.tmp.cleanup()

    def kill_while_writing(self, model, out, *flags):
        """Starts fix, waits until a temporary file in the output folder has grown past
        1 MiB, then kills it with SIGKILL. Returns how big the temporary file was."""
        proc = subprocess.Popen([common.BINARY, "fix", model, "-o", out, *flags],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        grown = 0
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and proc.poll() is None:
            for t in temporaries(self.dst):
                try:
                    grown = max(grown, os.path.getsize(os.path.join(self.dst, t)))
                except FileNotFoundError:
                    pass
            if grown > (1 << 20):
                os.kill(proc.pid, signal.SIGKILL)
                break
            time.sleep(0.001)
        proc.wait()
        self.assertEqual(proc.returncode, -signal.SIGKILL,
                         "fix ended before it could be killed mid-write: make the model larger")
        return grown

    def check_kill(self, external, *flags):
        model = big_model(self.src, "model.onnx", external)
        out = os.path.join(self.dst, "fixed.onnx")
        # An existing output (with its data file when external), from an earlier run.
        first = common.run("fix", model, "-o", out, *flags)
        self.assertEqual(first.returncode, 0, first.stderr)
        inputs, outputs = snapshot(self.src), snapshot(self.dst)
        self.assertEqual(len(outputs), 2 if external else 1, outputs)

        self.kill_while_writing(model, out, *flags)
        self.assertEqual(snapshot(self.src), inputs)
        self.assertEqual(snapshot(self.dst), outputs)  # the old output and data file, intact
        self.assertTrue(temporaries(self.dst), "the kill should leave a temporary file behind")
        onnx.checker.check_model(out)  # still loads, with its data

        again = common.run("fix", model, "-o", out, *flags)
        self.assertEqual(again.returncode, 0, again.stderr)
        self.assertEqual(snapshot(self.dst), outputs)  # deterministic: the same bytes again
        proc = common.run("check", out)
        self.assertEqual(proc.returncode, 0, proc.stdout)

    def test_kill_while_writing_an_embedded_model(self):
        self.check_kill(False, "--precision", "float16")

    def test_kill_while_writing_a_new_data_file(self):
        self.check_kill(True, "--precision", "float16")


if __name__ == "__main__":
    common.main()
