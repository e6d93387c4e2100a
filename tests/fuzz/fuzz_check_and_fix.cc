// libFuzzer target: a model and a data file, both from the fuzz input (fuzz_input.h),
// go through what `onnx-tidy check` and `onnx-tidy fix` do, external data included. A
// crash, a sanitizer report or an exception other than a load or write refusal is a bug.
//
// Built by scripts/build-sanitized.sh (clang, ASan + UBSan); scripts/test.sh runs it for
// a minute; tests/fuzz/run.sh [seconds] runs longer sessions (docs/security.md).
#include <cstddef>
#include <cstdint>

#include "tests/fuzz/fuzz_input.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  onnxtidy::fuzz::RunOne(data, size);
  return 0;
}
