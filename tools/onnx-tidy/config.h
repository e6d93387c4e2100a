// onnx-tidy.toml: the settings a repository keeps for `check` and `fix`, so that CI, the
// pre-commit hook and people at a terminal judge models the same way. Found in the
// current folder or the nearest one above it (the first `onnx-tidy.toml` or
// `.onnx-tidy.toml`), or named with --config. Command-line flags win over it.
//
//   select = ["operand-*", "control-flow-*"]   # rule ids or globs; default: every rule
//   ignore = ["mixed-precision"]
//   target = "onnxruntime-cpu"
//   warnings-as-errors = true
//
//   [per-file-ignores]                         # glob on the path relative to this file
//   "legacy/*.onnx" = ["dtype-not-allowed"]
//
//   [severity]                                 # rule id or glob = "error" | "warning" | "info"
//   redundant-cast = "info"
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace onnxtidy {

struct Config {
  std::string path;  // the file read; "" when there is none
  std::optional<std::vector<std::string>> select;
  std::vector<std::string> ignore;
  std::optional<std::string> target;
  bool warnings_as_errors = false;
  // (glob, rule patterns): the glob matches a model's path relative to the config's folder.
  std::vector<std::pair<std::string, std::vector<std::string>>> per_file_ignores;
  // (rule pattern, severity name, line): [severity], in file order.
  std::vector<std::pair<std::string, std::string>> severity;

  // The rule patterns ignored for `model_path` by per-file-ignores.
  std::vector<std::string> IgnoredFor(const std::string& model_path) const;
};

// The config file that applies in `start_dir`, or "" when none.
std::string FindConfig(const std::string& start_dir);

// Reads `path`. Throws std::runtime_error with one line naming the file, the line and
// the problem (TOML syntax, an unknown key, a value of the wrong type).
Config LoadConfig(const std::string& path);

}  // namespace onnxtidy
