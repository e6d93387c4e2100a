#!/usr/bin/env bash
# cmake --install into a fresh prefix, then: the man page renders, the docs are there,
# and a consumer project finds the package with find_package(onnxtidy) and lints a
# ModelProto in process.   install_test.sh SOURCE_DIR BUILD_DIR
set -euo pipefail
src=$1 build=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cmake --install "$build" --prefix "$tmp/prefix" >/dev/null
test -x "$tmp/prefix/bin/onnx-tidy"
"$tmp/prefix/bin/onnx-tidy" --version
test -f "$tmp/prefix/include/onnxtidy/lint/linter.h"
test -f "$tmp/prefix/share/doc/onnx-tidy/rules/operand-dtype-mismatch.md"
man=$tmp/prefix/share/man/man1/onnx-tidy.1
grep -q '^\.TH ONNX-TIDY 1' "$man"
grep -q -- '--max-nodes' "$man"   # every flag of --help is in it
if command -v groff >/dev/null; then
  groff -man -Tutf8 -ww -z "$man" 2>"$tmp/groff.err"
  if [ -s "$tmp/groff.err" ]; then cat "$tmp/groff.err" >&2; exit 1; fi
fi
cmake -S "$src/tests/install/consumer" -B "$tmp/consumer" -DCMAKE_PREFIX_PATH="$tmp/prefix" >/dev/null
cmake --build "$tmp/consumer" >/dev/null
out=$("$tmp/consumer/consumer")
echo "$out"
grep -q "^operand-dtype-mismatch: MatMul #0: input A 'x' is float (graph input 'x') but input B 'w' is bfloat16" <<<"$out"
grep -q "^2 findings$" <<<"$out"   # and the mixed-precision summary
