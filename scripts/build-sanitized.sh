#!/usr/bin/env bash
# The sanitizer build: clang with AddressSanitizer and UndefinedBehaviorSanitizer, every
# finding fatal, in build-san/. It also builds the libFuzzer target (tests/fuzz), whose
# coverage instrumentation is compiled into the same libraries: one extra build serves
# both the sanitized suite and the short fuzz session of scripts/test.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
# -O1 and line tables only: the sanitizers' stack traces need no more, and the build is
# a third faster than RelWithDebInfo's -O2 -g on two cores.
flags="-O1 -gline-tables-only -fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer"
flags+=" -fsanitize=fuzzer-no-link"
CC=clang CXX=clang++ cmake -S . -B build-san -DCMAKE_BUILD_TYPE=Sanitize -DONNXTIDY_FUZZ=ON -DONNXTIDY_PYTHON=OFF \
  -DCMAKE_CXX_FLAGS="$flags" -DCMAKE_EXE_LINKER_FLAGS="-fsanitize=address,undefined" >/dev/null
cmake --build build-san -j"$(nproc)"
