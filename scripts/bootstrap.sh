#!/usr/bin/env bash
# From a fresh Debian 12 machine: install, build, and check the bundled example.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
bash scripts/build.sh >/dev/null
echo "\$ ./build/onnx-tidy check docs/examples/bf16_weight_matmul.onnx"
status=0
./build/onnx-tidy check docs/examples/bf16_weight_matmul.onnx || status=$?
# The example holds a float32-vs-bfloat16 MatMul on purpose: exit 1 is the expected answer.
if [ "$status" -ne 1 ]; then
  echo "unexpected exit code $status from the example" >&2
  exit 1
fi
echo "(exit code 1: an error finding, as expected for this example)"
