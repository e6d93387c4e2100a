"""Hostile external data (issue 10): for each hand-made model, `check` exits 1 with an
unsafe-external-data finding naming the tensor and never opens the data file (a FIFO
would hang it); `fix` exits 2 with one line on stderr, writes nothing, and the secret's
bytes appear in no output."""
import json
import os
import stat
import unittest

import numpy as np
from onnx import TensorProto, helper

import common

SECRET = b"TOP-SECRET-BYTES"  # 16 bytes: a float[4] tensor's worth
WEIGHTS = np.arange(4, dtype=np.float32).tobytes()


def model_bytes(entries, name="w"):
    t = TensorProto(name=name, data_type=TensorProto.FLOAT, dims=[4], data_location=TensorProto.EXTERNAL)
    for k, v in entries:
        t.external_data.add(key=k, value=v)
    graph = helper.make_graph([helper.make_node("Add", ["x", name], ["y"])], "g",
                              [helper.make_tensor_value_info("x", TensorProto.FLOAT, [4])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, [4])], [t])
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]).SerializeToString()


def read(path):
    with open(path, "rb") as f:
        return f.read()


def write(path, data):
    with open(path, "wb") as f:
        f.write(data)


class ExternalDataTest(unittest.TestCase):
    def setUp(self):
        self.tmp = common.tempdir()
        root = self.root = self.tmp.name
        self.secret = os.path.join(root, "secret.bin")
        write(self.secret, SECRET)
        self.model_dir = os.path.join(root, "model")
        self.out_dir = os.path.join(root, "out")
        os.makedirs(self.model_dir)
        os.makedirs(self.out_dir)
        write(os.path.join(self.model_dir, "w.bin"), WEIGHTS)

    def tearDown(self):
        self.tmp.cleanup()

    def hostile_cases(self):
        """(name, entries, set-up(folder)) for each way external data may not be followed."""
        root = self.root

        def subdir(m):
            os.makedirs(os.path.join(m, "subdir"))

        def symlinked_file(m):
            os.symlink(self.secret, os.path.join(m, "link.bin"))

        def symlinked_folder(m):
            elsewhere = os.path.join(root, "elsewhere")
            os.makedirs(elsewhere)
            write(os.path.join(elsewhere, "w.bin"), SECRET)
            os.symlink(elsewhere, os.path.join(m, "linked"))

        def hard_link(m):
            os.link(self.secret, os.path.join(m, "hard.bin"))

        def fifo(m):
            os.mkfifo(os.path.join(m, "fifo.bin"))

        nothing = None
        return [
            ("dot-dot", [("location", "../secret.bin")], nothing),
            ("subdir-dot-dot", [("location", "subdir/../../secret.bin")], subdir),
            ("absolute", [("location", self.secret)], nothing),
            ("etc-passwd", [("location", "/etc/passwd")], nothing),
            ("symlinked-file", [("location", "link.bin")], symlinked_file),
            ("symlinked-folder", [("location", "linked/w.bin")], symlinked_folder),
            ("hard-link", [("location", "hard.bin")], hard_link),
            ("fifo", [("location", "fifo.bin")], fifo),
            ("negative-offset", [("location", "w.bin"), ("offset", "-4")], nothing),
            ("offset-past-eof", [("location", "w.bin"), ("offset", "17")], nothing),
            ("length-past-eof", [("location", "w.bin"), ("offset", "0"), ("length", "17")], nothing),
            ("overflowing-length", [("location", "w.bin"), ("length", "18446744073709551616")], nothing),
            ("non-numeric-offset", [("location", "w.bin"), ("offset", "sixteen")], nothing),
            ("unknown-key", [("location", "w.bin"), ("basepath", "/")], nothing),
            ("empty-location", [("location", "")], nothing),
            ("no-location", [("offset", "0")], nothing),
        ]

    def assert_no_secret_in(self, *texts):
        for text in texts:
            self.assertNotIn(SECRET.decode(), text)
        for folder, _, files in os.walk(self.out_dir):
            for name in files:
                self.assertNotIn(SECRET, read(os.path.join(folder, name)), name)

    def test_each_hostile_model_is_reported_by_check_and_refused_by_fix(self):
        for name, entries, setup in self.hostile_cases():
            with self.subTest(name):
                # Each case has a folder of its own beside the secret.
                folder = os.path.join(self.root, name)
                os.makedirs(folder)
                write(os.path.join(folder, "w.bin"), WEIGHTS)
                if setup:
                    setup(folder)
                path = os.path.join(folder, "model.onnx")
                write(path, model_bytes(entries))
                before = read(path)

                # check: never opens the data file; a FIFO would hang it.
                proc = common.run("check", "--format", "json", path, timeout=60)
                self.assertEqual(proc.returncode, 1, proc.stderr)
                findings = json.loads(proc.stdout)["models"][0]["findings"]
                unsafe = [f for f in findings if f["rule"] == "unsafe-external-data"]
                self.assertEqual(len(unsafe), 1, findings)
                self.assertEqual(unsafe[0]["severity"], "error")
                self.assertEqual(unsafe[0]["location"]["value"], "w")
                self.assertIn("tensor 'w'", unsafe[0]["message"])
                text = common.run("check", path, timeout=60)
                self.assertIn("[unsafe-external-data]", text.stdout)

                # fix: exit 2, one line, nothing written, whichever way it is asked to write.
                out = os.path.join(self.out_dir, "fixed.onnx")
                for args in (("fix", path, "-o", out), ("fix", "--precision", "bfloat16", path, "-o", out),
                             ("fix", "--in-place", path), ("fix", "--dry-run", path)):
                    proc = common.run(*args, timeout=60)
                    self.assertEqual(proc.returncode, 2, f"{args}: {proc.stdout} {proc.stderr}")
                    self.assertEqual(len(proc.stderr.splitlines()), 1, proc.stderr)
                    self.assertIn("tensor 'w'", proc.stderr)
                    self.assertEqual(os.listdir(self.out_dir), [], args)
                    self.assert_no_secret_in(proc.stdout, proc.stderr)
                self.assertEqual(read(path), before)
                self.assertEqual(read(self.secret), SECRET)

    def test_a_safe_model_is_clean_and_fixed_into_another_folder(self):
        os.makedirs(os.path.join(self.model_dir, "data"))
        write(os.path.join(self.model_dir, "data", "w.bin"), b"\0" * 8 + WEIGHTS)
        path = os.path.join(self.model_dir, "safe.onnx")
        write(path, model_bytes([("location", "data/./w.bin"), ("offset", "8"), ("length", "16")]))
        proc = common.run("check", path)
        self.assertEqual(proc.returncode, 0, proc.stdout + proc.stderr)
        out = os.path.join(self.out_dir, "fixed.onnx")
        proc = common.run("fix", path, "-o", out)
        self.assertEqual(proc.returncode, 0, proc.stderr)
        self.assertEqual(read(out + ".data"), WEIGHTS)
        self.assertEqual(common.run("check", out).returncode, 0)

    def test_a_new_data_file_never_replaces_a_symlink(self):
        path = os.path.join(self.model_dir, "safe.onnx")
        write(path, model_bytes([("location", "w.bin")]))
        out = os.path.join(self.out_dir, "fixed.onnx")
        os.symlink(self.secret, out + ".data")
        proc = common.run("fix", path, "-o", out)
        self.assertEqual(proc.returncode, 2, proc.stdout)
        self.assertEqual(len(proc.stderr.splitlines()), 1, proc.stderr)
        self.assertIn("symlink", proc.stderr)
        self.assertEqual(sorted(os.listdir(self.out_dir)), ["fixed.onnx.data"])
        self.assertTrue(stat.S_ISLNK(os.lstat(out + ".data").st_mode))
        self.assertEqual(read(self.secret), SECRET)


if __name__ == "__main__":
    common.main()
