#!/usr/bin/env bash
# House style, as CI checks it: clang-format (.clang-format) on every C++ file, and
# clang-tidy (.clang-tidy) on the C++ files the last commit changed (all of them take
# about ten seconds each on two cores, too long for every run; pass --all for them all).
#   scripts/check-style.sh [--all]      (needs build/compile_commands.json)
set -euo pipefail
cd "$(dirname "$0")/.."
mapfile -t all < <(git ls-files '*.cc' '*.h')
clang-format --dry-run --Werror "${all[@]}"
echo "clang-format: ${#all[@]} files as .clang-format says"
if [ "${1:-}" = "--all" ]; then
  mapfile -t changed < <(git ls-files '*.cc' | grep -v '^tests/')
else
  mapfile -t changed < <(git diff --name-only --diff-filter=AM HEAD~1 -- '*.cc' 2>/dev/null | grep -v '^tests/' || true)
fi
if [ ${#changed[@]} -eq 0 ]; then
  echo "clang-tidy: no C++ source changed in the last commit"
  exit 0
fi
clang-tidy -p build --quiet --warnings-as-errors='*' "${changed[@]}" 2>/dev/null
echo "clang-tidy: ${#changed[@]} files clean"
