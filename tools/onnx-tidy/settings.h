// What check and fix apply to a model: onnx-tidy.toml merged with what the caller asked
// for (the command line, or the Python binding's keywords), which wins.
#pragma once

#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "lint/diagnostics.h"
#include "lint/linter.h"
#include "lint/rule.h"
#include "lint/target.h"
#include "tools/onnx-tidy/config.h"

namespace onnxtidy {

// One line, naming where the bad value came from ("--target", a config file), fit to
// print after "onnx-tidy: error: ".
class SettingsError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// What the caller asked for; empty fields leave the config's say.
struct SettingsRequest {
  std::string config;  // a settings file; "" looks for onnx-tidy.toml from `config_start` up
  std::string config_start = ".";
  bool find_config = true;  // false: no config file unless `config` names one
  std::vector<std::string> select;
  std::vector<std::string> ignore;
  std::string target;
  bool warnings_as_errors = false;
  std::vector<std::string> severity;  // RULE=LEVEL
};

struct Settings {
  Config config;
  std::vector<std::string> select;  // --select replaces the file's selection
  std::vector<std::string> ignore;  // --ignore adds to its ignores
  std::vector<const Rule*> rules;
  const Target* target = nullptr;
  bool warnings_as_errors = false;
  std::map<std::string, Severity> severity;  // by rule id

  // The rules for one model: per-file-ignores may leave some out.
  std::vector<const Rule*> RulesFor(const std::string& model) const;
};

// Throws SettingsError when the settings cannot be used.
Settings ResolveSettings(const SettingsRequest& request);

// What the settings ask of the linter: the target, warnings as errors, severities.
LintOptions LintOptionsFor(const Settings& settings);

// fix --precision's names (float32, bfloat16, float16) as element types; nullopt for
// any other name.
std::optional<int32_t> PrecisionByName(const std::string& name);

}  // namespace onnxtidy
