#!/usr/bin/env bash
# Runs the fuzz target (tests/fuzz/fuzz_check_and_fix.cc: a model plus its data file
# through check and fix) for SECONDS (default 600) on every core, under ASan and UBSan,
# with the ONNX field-tag dictionary and seeds from tests/fuzz/make_seeds.py.
#
#   bash tests/fuzz/run.sh [seconds]     # scripts/test.sh runs it for 60 s
#
# A crash fails the run and leaves its input in build-san/fuzz/crash-*: add that file to
# tests/fuzz/regressions/ with the fix, and the suite replays it from then on (the unit
# test FuzzRegressions, in the release and the sanitizer build).
set -euo pipefail
cd "$(dirname "$0")/../.."
seconds="${1:-600}"
[ -x build-san/fuzz_check_and_fix ] || bash scripts/build-sanitized.sh >/dev/null
work=build-san/fuzz
mkdir -p "$work/corpus"
[ -d "$work/seeds" ] || /usr/bin/python3 tests/fuzz/make_seeds.py "$work/seeds" 300 >/dev/null
cd "$work"
# Timeouts and memory are findings too: an input that takes 10 s or 2 GB is a hang or
# an allocation from a claimed size.
status=0
../fuzz_check_and_fix -max_total_time="$seconds" -jobs="$(nproc)" -workers="$(nproc)" -max_len=65536 \
  -timeout=10 -rss_limit_mb=2048 -dict=../../tests/fuzz/onnx.dict -print_final_stats=1 \
  corpus seeds ../../tests/fuzz/regressions >fuzz.log 2>&1 || status=$?
if [ "$status" -ne 0 ] || ls crash-* leak-* timeout-* oom-* >/dev/null 2>&1; then
  grep -E "ERROR|SUMMARY|Test unit written" fuzz-*.log fuzz.log 2>/dev/null | head -20 >&2
  echo "fuzzing found a problem: see $work/fuzz-*.log and the input files named above" >&2
  exit 1
fi
execs=$(grep -ho "stat::number_of_executed_units: *[0-9]*" fuzz-*.log 2>/dev/null | awk '{s += $2} END {print s + 0}')
echo "fuzz: ${seconds}s on $(nproc) workers, ${execs} inputs, nothing found"
