#!/usr/bin/env python3
"""onnx-tidy against the tools people use today, side by side, in one run.

Generates synthetic transformer-style models and times, as separate processes (wall
time and peak RSS from wait4), medians over --repeat runs:
  * `onnx-tidy check` vs `onnx.checker.check_model(onnx.load(m), full_check=True)`;
  * `onnx-tidy fix --precision float32` vs the numpy repair users write (load, widen
    each bfloat16 initializer, save);
  * check of the same model with external data;
  * scaling over ~1k / 10k / 60k nodes.
The models are written by gen_model.py in its own process, and every measured command
runs from this small process, so that no generator memory is counted in a peak RSS.
Run with Debian's python3 (python3-onnx, python3-numpy):
    /usr/bin/python3 bench/bench.py [--quick] [--repeat N] [--workdir DIR]
"""
import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time


HERE = os.path.dirname(os.path.abspath(__file__))
ONNX_TIDY = os.environ.get("ONNX_TIDY", os.path.join(HERE, "..", "build", "onnx-tidy"))
PY = "/usr/bin/python3"

CHECKER = """
import sys, onnx
m = onnx.load(sys.argv[1])
try:
    onnx.checker.check_model(m, full_check=True)
    print("valid")
except Exception as e:
    print("invalid:", str(e).splitlines()[0][:200])
"""

NUMPY_REPAIR = """
import sys, numpy as np, onnx
from onnx import numpy_helper
m = onnx.load(sys.argv[1])
for t in m.graph.initializer:
    if t.data_type == onnx.TensorProto.BFLOAT16:
        bits = np.frombuffer(t.raw_data, dtype=np.uint16).astype(np.uint32) << 16
        t.CopyFrom(numpy_helper.from_array(bits.view(np.float32).reshape(tuple(t.dims)), t.name))
onnx.save(m, sys.argv[2])
"""


def run_measured(cmd, repeat, out_path=os.devnull):
    """Median wall seconds and max peak RSS (bytes) of `cmd` over `repeat` runs, reaped
    with wait4 so that ru_maxrss is the child's alone. Its stdout goes to `out_path`.
    Linux records the parent's high-water mark in a child spawned from it, so this
    process stays small: it never loads a model or a large report."""
    walls, rss = [], []
    for _ in range(repeat):
        start = time.perf_counter()
        pid = os.posix_spawn(cmd[0], cmd, os.environ,
                             file_actions=[(os.POSIX_SPAWN_OPEN, 1, out_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC,
                                            0o644),
                                           (os.POSIX_SPAWN_OPEN, 2, os.devnull, os.O_WRONLY, 0)])
        _, status, usage = os.wait4(pid, 0)
        walls.append(time.perf_counter() - start)
        rss.append(usage.ru_maxrss * 1024)
    return statistics.median(walls), max(rss), out_path


def count_lines(path, needle):
    with open(path) as f:
        return sum(1 for line in f if needle in line)


def first_line(path):
    with open(path) as f:
        return f.readline().strip()


def mib(b):
    return f"{b / 2**20:,.0f} MiB"


def ratio(a, b):
    return f"{a / b:.2f}x"


def row(label, ours, theirs, size=None):
    (tw, tr, _), (cw, cr, _) = ours, theirs
    extra = f"  | RSS/file {tr / size:.2f}x" if size else ""
    print(f"{label:<46} onnx-tidy {tw:7.2f}s {mib(tr):>10} | peer {cw:7.2f}s {mib(cr):>10} | "
          f"speed-up {cw / tw:6.1f}x{extra}", flush=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="tiny sizes: a smoke run of the whole script")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--workdir", default=None)
    args = ap.parse_args()
    work = args.workdir or tempfile.mkdtemp(prefix="onnxtidy_bench_")
    os.makedirs(work, exist_ok=True)
    big_layers, big_hidden = (2, 64) if args.quick else (24, 1024)
    deep = (2000, 32) if not args.quick else (40, 32)
    scaling = [(30, 32), (300, 32), (2000, 32)] if not args.quick else [(3, 32), (10, 32)]
    rep = 1 if args.quick else args.repeat
    tidy = os.path.abspath(ONNX_TIDY)
    versions = subprocess.run([PY, "-c", "import onnx, numpy; print(onnx.__version__, numpy.__version__)"],
                              capture_output=True, text=True).stdout.split()
    print(f"onnx-tidy: {tidy}\nonnx {versions[0]}, numpy {versions[1]}, {os.cpu_count()} cores; "
          f"medians of {rep} runs; peak RSS from wait4\n", flush=True)

    def gen(layers, hidden, kind, name, external=False):
        path = os.path.join(work, name)
        cmd = [PY, os.path.join(HERE, "gen_model.py"), str(layers), str(hidden), kind, path]
        out = subprocess.run(cmd + (["--external"] if external else []), check=True, capture_output=True, text=True)
        return path, int(out.stdout)

    # 1. check, embedded weights
    emb, nodes = gen(big_layers, big_hidden, "float32", "f32_embedded.onnx")
    ext, _ = gen(big_layers, big_hidden, "float32", "f32_external.onnx", external=True)
    size = os.path.getsize(emb)
    print(f"== check: {big_layers} layers, hidden {big_hidden}, {nodes} nodes, float32, {mib(size)} embedded")
    ours = run_measured([tidy, "check", emb], rep)
    theirs = run_measured([PY, "-c", CHECKER, emb], rep)
    row("check (embedded weights)", ours, theirs, size)
    # The JSON report's dashboard fields hash the whole file (sha256): the one check
    # that reads every weight byte. Side by side with sha256sum reading the same file.
    ours_json = run_measured([tidy, "check", "--format", "json", emb], rep, os.path.join(work, "report.json"))
    floor = run_measured([shutil.which("sha256sum"), emb], rep)
    print(f"{'check --format json (sha256 of the file)':<46} onnx-tidy {ours_json[0]:7.2f}s {mib(ours_json[1]):>10}  "
          f"sha256sum {floor[0]:7.2f}s ({ours_json[0] / max(floor[0], 1e-9):.2f}x)")
    ours_ext = run_measured([tidy, "check", ext], rep)
    print(f"{'check (external data)':<46} onnx-tidy {ours_ext[0]:7.2f}s {mib(ours_ext[1]):>10}  "
          f"(data file {mib(os.path.getsize(ext + '.data'))}, never opened)")

    # 2. a deep graph, and a deep mixed graph with one conflict per weight MatMul
    for kind in ("float32", "mixed"):
        path, count = gen(*deep, kind, f"deep_{kind}.onnx")
        print(f"\n== check: {deep[0]} layers, hidden {deep[1]}, {count} nodes, {kind}")
        ours = run_measured([tidy, "check", path], rep, os.path.join(work, "report.txt"))
        theirs = run_measured([PY, "-c", CHECKER, path], rep, os.path.join(work, "checker.txt"))
        found = count_lines(ours[2], "[operand-dtype-mismatch]")
        row(f"check ({kind})", ours, theirs)
        print(f"    onnx-tidy: {found} operand-dtype-mismatch findings (every rule, text report); "
              f"checker: {first_line(theirs[2])[:110]}")
        if kind == "mixed":
            # The HTML page: drawings, the precision map (repeated layers collapsed) and fix
            # previews, all capped; its cost next to the text report of the same run.
            page = os.path.join(work, "report.html")
            html = run_measured([tidy, "check", "--format", "html", path], rep, page)
            print(f"{'check --format html (map, drawings, previews)':<46} onnx-tidy {html[0]:7.2f}s "
                  f"{mib(html[1]):>10}  text report {ours[0]:7.2f}s ({ratio(html[0], ours[0])} of it); "
                  f"page {mib(os.path.getsize(page))}")

    # 3. fix to float32 vs the numpy repair
    mixed, _ = gen(big_layers, big_hidden, "mixed", "mixed.onnx")
    msize = os.path.getsize(mixed)
    print(f"\n== fix --precision float32: {big_layers} layers, hidden {big_hidden}, mixed, {mib(msize)}")
    out_ours, out_np = os.path.join(work, "fixed_tidy.onnx"), os.path.join(work, "fixed_numpy.onnx")
    ours = run_measured([tidy, "fix", "--precision", "float32", mixed, "-o", out_ours], rep)
    theirs = run_measured([PY, "-c", NUMPY_REPAIR, mixed, out_np], rep)
    osize = os.path.getsize(out_ours)
    row("fix to float32 vs numpy repair", ours, theirs)
    print(f"    output {mib(osize)}; onnx-tidy peak RSS / output {ours[1] / osize:.2f}x")
    # What the disk allows: the same number of bytes written by dd, straight to the disk.
    floor_path = os.path.join(work, "floor.bin")
    blocks = -(-osize // (8 << 20))
    floor = run_measured(["/bin/dd", "if=/dev/zero", f"of={floor_path}", "bs=8M", f"count={blocks}", "oflag=direct",
                          "conv=fsync"], rep)
    os.unlink(floor_path)
    print(f"    disk floor: dd writing {mib(blocks * (8 << 20))} with O_DIRECT takes {floor[0]:.2f}s; "
          f"onnx-tidy fix takes {ratio(ours[0], floor[0])} of that")

    # 4. scaling
    print("\n== scaling of check (hidden 32, float32)")
    for layers, hidden in scaling:
        path, count = gen(layers, hidden, "float32", f"scale_{layers}.onnx")
        ours = run_measured([tidy, "check", path], rep)
        theirs = run_measured([PY, "-c", CHECKER, path], rep)
        row(f"{count:>6} nodes", ours, theirs)
    if not args.workdir:
        shutil.rmtree(work)


if __name__ == "__main__":
    sys.exit(main())
