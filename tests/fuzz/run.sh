#!/usr/bin/env bash
# Builds the libFuzzer target with clang (ASan + UBSan) in build-fuzz/ and runs it for
# SECONDS (default 300) on both cores, seeded with the ONNX backend test corpus. A crash
# leaves its input in build-fuzz/crash-*; rerun one with build-fuzz/fuzz_check_and_fix FILE.
# Not part of scripts/test.sh: a fuzzing run finds new inputs each time.
set -euo pipefail
cd "$(dirname "$0")/../.."
seconds="${1:-300}"
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO=sudo
dpkg-query -W -f='${Status}' clang libclang-rt-14-dev 2>/dev/null | grep -c "install ok installed" | grep -q 2 ||
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends clang libclang-rt-14-dev >/dev/null
CC=clang CXX=clang++ cmake -S . -B build-fuzz -DCMAKE_BUILD_TYPE=RelWithDebInfo -DONNXTIDY_BUILD_TESTS=OFF \
  -DONNXTIDY_FUZZ=ON -DCMAKE_CXX_FLAGS="-fsanitize=address,undefined,fuzzer-no-link -fno-omit-frame-pointer" >/dev/null
cmake --build build-fuzz -j"$(nproc)" --target fuzz_check_and_fix >/dev/null
seeds=build-fuzz/seeds
if [ ! -d "$seeds" ]; then
  mkdir -p "$seeds"
  i=0
  while IFS= read -r m; do cp "$m" "$seeds/$((i++)).onnx"; done < <(find /usr/share/libonnx-testdata/data -name model.onnx | sort)
fi
mkdir -p build-fuzz/corpus
cd build-fuzz
./fuzz_check_and_fix -max_total_time="$seconds" -jobs="$(nproc)" -workers="$(nproc)" -max_len=65536 \
  -rss_limit_mb=4096 corpus seeds
