// libFuzzer target: any bytes, as a model file, go through what `onnx-tidy check` and
// `onnx-tidy fix --dry-run` do. A crash, a sanitizer report or an exception other than
// the loader's LoadError is a bug: bad input must end in one clear error.
//
// Build and run (clang, libFuzzer and ASan from Debian's clang and libclang-rt-14-dev):
//   bash tests/fuzz/run.sh [seconds]
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <string>

#include "fixers/fixer.h"
#include "lint/linter.h"
#include "lint/model_loader.h"
#include "rules/registry.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const std::string path = "/tmp/onnxtidy_fuzz_" + std::to_string(::getpid()) + ".onnx";
  if (FILE* f = std::fopen(path.c_str(), "wb")) {
    std::fwrite(data, 1, size, f);
    std::fclose(f);
  } else {
    return 0;
  }
  try {
    onnxtidy::LoadedModel loaded = onnxtidy::LoadModel(path);
    onnxtidy::LintOptions options;
    options.context.target = onnxtidy::FindTarget("onnxruntime-cpu");
    onnxtidy::LintModel(*loaded.model, path, onnxtidy::AllRules(), options);
    onnxtidy::TensorStore store(loaded);
    onnxtidy::FixModel(*loaded.model, {}, &store);
  } catch (const onnxtidy::LoadError&) {
    // the expected end of bad input
  }
  return 0;
}
