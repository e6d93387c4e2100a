"""The real onnxruntime, from npm's onnxruntime-node (pinned), driven through Node.js."""
import json
import os
import subprocess

import numpy as np

import common

_NUMPY = {"float32": np.float32, "float16": np.float16, "int64": np.int64}

VERSION = "1.30.0"
PREFIX = os.path.join(common.CACHE_DIR, "onnxruntime-node")
HERE = os.path.dirname(os.path.abspath(__file__))


def ensure():
    """Installs onnxruntime-node once into the cache. Its install script would download
    more binaries from elsewhere, so it is skipped: the CPU build ships in the package."""
    with common.cache_lock():
        _install()


def _install():
    pkg = os.path.join(PREFIX, "node_modules", "onnxruntime-node", "package.json")
    if os.path.exists(pkg):
        with open(pkg) as f:
            if json.load(f)["version"] == VERSION:
                return
    os.makedirs(PREFIX, exist_ok=True)
    env = dict(os.environ, ONNXRUNTIME_NODE_INSTALL="skip")
    subprocess.run(["npm", "install", "--prefix", PREFIX, "--no-audit", "--no-fund", "--ignore-scripts",
                    "--no-save", f"onnxruntime-node@{VERSION}"], check=True, env=env,
                   stdout=subprocess.DEVNULL)


def _node(script, args):
    env = dict(os.environ, NODE_PATH=os.path.join(PREFIX, "node_modules"))
    proc = subprocess.run(["node", os.path.join(HERE, script), *args], capture_output=True, text=True, env=env)
    if proc.returncode != 0:
        raise AssertionError(f"node {script} failed:\n{proc.stderr[-3000:]}")
    return [json.loads(line) for line in proc.stdout.splitlines() if line.startswith("{")]


def sessions(paths, batch=100):
    """{path: error text or ''} after creating a session for each model."""
    out = {}
    for i in range(0, len(paths), batch):
        for r in _node("ort_session.js", paths[i:i + batch]):
            out[r["path"]] = "" if r["ok"] else r["error"]
    return out


def run(jobs):
    """Runs [(model path, {input name: float32 or int64 array})]; returns {model: (error,
    {output: float32 array})}."""
    return {m: (err, {k: a for k, a in arrays.items() if a.dtype == np.float32})
            for m, (err, arrays, _) in run_typed(jobs).items()}


# numpy dtype -> onnxruntime-node type: what run_exact feeds as it is (and str, as strings).
EXACT_TYPES = {np.dtype(np.float32): "float32", np.dtype(np.float16): "float16", np.dtype(np.float64): "float64",
          np.dtype(np.int8): "int8", np.dtype(np.uint8): "uint8", np.dtype(np.int16): "int16",
          np.dtype(np.uint16): "uint16", np.dtype(np.int32): "int32", np.dtype(np.uint32): "uint32",
          np.dtype(np.int64): "int64", np.dtype(np.uint64): "uint64", np.dtype(np.bool_): "bool"}
_EXACT_NUMPY = {v: k for k, v in EXACT_TYPES.items()}


def run_exact(jobs, options=None):
    """Runs [(model path, {input name: numpy array})], each array fed in its own type (any
    numeric type, bool, or str/object for strings; nothing is converted), with session
    `options` (e.g. {"graphOptimizationLevel": "disabled"}); returns {model: (error,
    {output: numpy array})} with every output, so that callers can compare bit for bit."""
    import base64
    def tensor(v):
        a = np.asarray(v)
        if a.dtype.kind in "OUS":
            return {"dims": list(a.shape), "type": "string", "data": "", "strings": [str(s) for s in a.ravel()]}
        if a.dtype not in EXACT_TYPES:
            raise TypeError(f"onnxruntime-node cannot be fed {a.dtype}")
        data = np.ascontiguousarray(a)
        return {"dims": list(a.shape), "type": EXACT_TYPES[a.dtype], "data": base64.b64encode(data.tobytes()).decode()}
    spec = [{"model": m, "inputs": {k: tensor(v) for k, v in feeds.items()}, "all_outputs": True,
             **({"options": options} if options else {})} for m, feeds in jobs]
    out = {}
    for r in _run_spec(spec):
        arrays = {}
        for name, o in r["outputs"].items():
            if o["type"] == "string":
                arrays[name] = np.array(o["strings"], dtype=object).reshape(o["dims"])
            else:
                arrays[name] = np.frombuffer(base64.b64decode(o["data"]), dtype=_EXACT_NUMPY[o["type"]]).reshape(o["dims"])
        out[r["model"]] = (r["error"], arrays)
    return out


def _run_spec(spec):
    import tempfile
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
        json.dump(spec, f)
        path = f.name
    try:
        return _node("ort_run.js", [path])
    finally:
        os.unlink(path)


def run_typed(jobs):
    """Runs [(model path, {input name: float32, float16 or int64 array}[, [output names]])];
    returns {model: (error, {output: float32 or float16 array}, {output: element type})}.
    With output names, only those are fetched."""
    import base64
    def tensor(v):
        dtype = np.asarray(v).dtype
        kind = "int64" if dtype == np.int64 else "float16" if dtype == np.float16 else "float32"
        data = np.ascontiguousarray(v, dtype=_NUMPY[kind])
        return {"dims": list(data.shape), "type": kind, "data": base64.b64encode(data.tobytes()).decode()}
    spec = []
    for job in jobs:
        entry = {"model": job[0], "inputs": {k: tensor(v) for k, v in job[1].items()}}
        if len(job) > 2:
            entry["fetches"] = list(job[2])
        spec.append(entry)
    lines = _run_spec(spec)
    out = {}
    for r in lines:
        arrays, types = {}, {}
        for name, o in r["outputs"].items():
            types[name] = o["type"]
            if o["data"]:
                arrays[name] = np.frombuffer(base64.b64decode(o["data"]), dtype=_NUMPY[o["type"]]).reshape(o["dims"])
        out[r["model"]] = (r["error"], arrays, types)
    return out
