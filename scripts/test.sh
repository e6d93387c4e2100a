#!/usr/bin/env bash
# The whole test suite: unit tests, the ONNX backend corpus, mutations, real npm models;
# then the same unit and end-to-end suites again under ASan and UBSan (clang), and a
# one-minute fuzz session of check and fix on models with external data. Each phase
# says how long it took.
set -euo pipefail
cd "$(dirname "$0")/.."
start=$SECONDS
phase() { echo "== $1 ($((SECONDS - start)) s so far)"; }
bash scripts/install-deps.sh
phase "release build"
bash scripts/build.sh
phase "release suite"
(cd build && ctest --output-on-failure -j"$(nproc)")
phase "sanitizer build (clang, ASan + UBSan)"
bash scripts/build-sanitized.sh >/dev/null
phase "sanitizer suite (ctest -L sanitize)"
(cd build-san && ctest --output-on-failure -j"$(nproc)" -L sanitize)
phase "fuzzing, 60 s"
bash tests/fuzz/run.sh 60
phase "done"
