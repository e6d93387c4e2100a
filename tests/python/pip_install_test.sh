#!/usr/bin/env bash
# `pip install --no-build-isolation .` as docs/python.md gives it, offline (--no-index:
# no registry at all), into a venv that sees Debian's python3-onnx; then the installed
# module is used from another folder. ONNXTIDY_CMAKE_BUILD_DIR points setup.py at the
# build the suite already compiled, so this tests pip, pyproject.toml and setup.py
# without compiling the library a second time.
#
#   bash tests/python/pip_install_test.sh SOURCE_DIR BUILD_DIR
set -euo pipefail
src="$1"
build="$2"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
/usr/bin/python3 -m venv --system-site-packages "$tmp/venv"
ONNXTIDY_CMAKE_BUILD_DIR="$build" "$tmp/venv/bin/pip" install --quiet --no-index --no-build-isolation "$src" \
  >"$tmp/pip.log" 2>&1 || { tail -30 "$tmp/pip.log"; exit 1; }
cd "$tmp"
cp "$src/docs/examples/bf16_weight_matmul.onnx" model.onnx
# Imported from the venv, not from the source tree or the build.
venv/bin/python - <<'PY'
import os, onnx, onnx_tidy
assert onnx_tidy.__file__.startswith(os.getcwd() + "/venv/"), onnx_tidy.__file__
report = onnx_tidy.check(onnx.load("model.onnx"))
assert [f.rule for f in report.errors] == ["operand-dtype-mismatch"], report
onnx_tidy.fix("model.onnx").save("fixed.onnx")
assert onnx_tidy.check("fixed.onnx").ok
assert os.path.exists(os.path.join(os.path.dirname(onnx_tidy.__file__), "py.typed"))
assert os.path.exists(os.path.join(os.path.dirname(onnx_tidy.__file__), "_core.pyi"))
print("import ok", onnx_tidy.__version__)
PY
status=0
venv/bin/python -m onnx_tidy check model.onnx >module.txt || status=$?
[ "$status" -eq 1 ] || { echo "python -m onnx_tidy check: exit $status, expected 1"; exit 1; }
"$build/onnx-tidy" check model.onnx >binary.txt || true
cmp module.txt binary.txt
venv/bin/onnx-tidy-py rules | grep -q operand-dtype-mismatch
venv/bin/pip uninstall --quiet --yes onnx-tidy
if venv/bin/python -c "import onnx_tidy" 2>/dev/null; then echo "still importable after uninstall"; exit 1; fi
echo "pip install, use and uninstall: ok"
