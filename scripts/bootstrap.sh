#!/usr/bin/env bash
# From a fresh Debian 12 machine: install, build, and check the bundled example. It says
# what it does as it goes: the first build takes several minutes on two cores.
set -euo pipefail
cd "$(dirname "$0")/.."
echo "[1/3] installing Debian packages (only those missing)"
bash scripts/install-deps.sh
echo "[2/3] building onnx-tidy into ./build (a few minutes on a fresh machine)"
# Only cmake's progress lines, each once: [ 42%] Building CXX object ...
if ! bash scripts/build.sh 2>&1 | { grep --line-buffered -E '^\[ *[0-9]+%\]' || true; }; then
  echo "the build failed: run 'bash scripts/build.sh' to see why" >&2
  exit 1
fi
echo "[3/3] checking the bundled example"
echo "\$ ./build/onnx-tidy check docs/examples/bf16_weight_matmul.onnx"
status=0
./build/onnx-tidy check docs/examples/bf16_weight_matmul.onnx || status=$?
# The example holds a float32-vs-bfloat16 MatMul on purpose: exit 1 is the expected answer.
if [ "$status" -ne 1 ]; then
  echo "unexpected exit code $status from the example" >&2
  exit 1
fi
echo "(exit code 1: an error finding, as expected for this example)"
