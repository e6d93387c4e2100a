// --baseline: findings already in an earlier JSON report are left out, so a team can
// adopt onnx-tidy on models it already has and fail only on what is new.
#pragma once

#include <map>
#include <string>

#include "lint/diagnostics.h"

namespace onnxtidy {

class Baseline {
 public:
  // Reads a report written by `check --format json`. Throws std::runtime_error with one
  // line naming the file when it is not one.
  static Baseline Load(const std::string& path);

  // Leaves out of `report` every finding the baseline already has for the same model
  // (as many times as it has it), and recomputes the root causes. The model is matched
  // by path, then by sha256, then, when the baseline holds one model, that one.
  void Apply(ModelReport& report) const;

  size_t models() const { return by_path_.size(); }

 private:
  using Counts = std::map<std::string, int>;  // fingerprint -> findings
  std::map<std::string, Counts> by_path_;
  std::map<std::string, std::string> path_by_sha256_;
};

}  // namespace onnxtidy
