#!/usr/bin/env bash
# The whole test suite: unit tests, the ONNX backend corpus, mutations, real npm models.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
bash scripts/build.sh
cd build
ctest --output-on-failure -j"$(nproc)"
