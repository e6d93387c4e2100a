#include "tests/fuzz/fuzz_input.h"

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <optional>
#include <stdexcept>

#include "fixers/fixer.h"
#include "fixers/tensor_store.h"
#include "lint/dtype.h"
#include "lint/linter.h"
#include "lint/model_loader.h"
#include "lint/target.h"
#include "rules/registry.h"

namespace onnxtidy::fuzz {
namespace {

// A folder of this process's own (mkdtemp: no other user can plant a link in it),
// removed when the process ends normally.
struct PrivateFolder {
  std::string path;
  PrivateFolder() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "onnxtidy_fuzz_XXXXXX").string();
    if (::mkdtemp(tmpl.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
    path = tmpl;
  }
  ~PrivateFolder() {
    std::error_code ignored;
    std::filesystem::remove_all(path, ignored);
  }
};

const std::string& Folder() {
  static const PrivateFolder folder;
  return folder.path;
}

void WriteFile(const std::string& path, std::string_view bytes) {
  FILE* f = std::fopen(path.c_str(), "wb");
  if (f == nullptr) throw std::runtime_error("cannot write " + path);
  std::fwrite(bytes.data(), 1, bytes.size(), f);
  std::fclose(f);
}

}  // namespace

Split SplitInput(const uint8_t* bytes, size_t size) {
  if (size < 4) return {std::string_view(reinterpret_cast<const char*>(bytes), size), {}};
  const uint32_t claimed = static_cast<uint32_t>(bytes[0]) | static_cast<uint32_t>(bytes[1]) << 8 |
                           static_cast<uint32_t>(bytes[2]) << 16 | static_cast<uint32_t>(bytes[3]) << 24;
  const size_t rest = size - 4;
  const size_t model = claimed < rest ? claimed : rest;
  const char* at = reinterpret_cast<const char*>(bytes) + 4;
  return {std::string_view(at, model), std::string_view(at + model, rest - model)};
}

std::string JoinInput(std::string_view model, std::string_view data) {
  std::string out(4, '\0');
  const auto n = static_cast<uint32_t>(model.size());
  for (int i = 0; i < 4; ++i) out[static_cast<size_t>(i)] = static_cast<char>((n >> (8 * i)) & 0xFF);
  out.append(model);
  out.append(data);
  return out;
}

void RunOne(const uint8_t* bytes, size_t size) {
  const Split in = SplitInput(bytes, size);
  const std::string& dir = Folder();
  WriteFile(dir + "/" + kDataFile, in.data);
  const std::string output = dir + "/out/fixed.onnx";
  std::filesystem::create_directories(dir + "/out");
  try {
    // check: external data reported, never read.
    LoadOptions report;
    report.external_data = ExternalDataPolicy::kReport;
    LoadedModel checked = LoadModel(in.model, dir, report, "fuzz.onnx");
    LintOptions lint;
    lint.context.target = FindTarget("onnxruntime-cpu");
    lint.context.model_dir = dir;
    LintModel(*checked.model, "fuzz.onnx", AllRules(), lint);
  } catch (const LoadError&) {
    return;  // the expected end of bad input
  }
  for (bool precision : {false, true}) {
    // fix: external data followed only where it is safe, its bytes read, the result
    // written (a new data file goes beside the output).
    std::optional<LoadedModel> loaded;
    std::optional<TensorStore> store;
    try {
      loaded.emplace(LoadModel(in.model, dir, LoadOptions{}, "fuzz.onnx"));
      store.emplace(*loaded);
    } catch (const LoadError&) {
      return;  // unsafe external data: fix refuses the model
    }
    FixOptions options;
    if (precision) options.precision = kFloat16;
    const FixResult result = FixModel(*loaded->model, options, &*store);
    if (!result.verify_error.empty() || !result.changed()) continue;
    try {
      store->Write(*loaded->model, output, options.overflow);
    } catch (const std::exception&) {
      // A write refused with its reason (bytes shorter than the tensor claims, a data
      // file that is not ours) is the CLI's exit 2, not a crash.
    }
  }
}

}  // namespace onnxtidy::fuzz
