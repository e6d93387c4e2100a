// Runs the rules over the type pass of one model and collects sorted findings.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "lint/diagnostics.h"
#include "lint/model_loader.h"
#include "lint/rule.h"
#include "lint/type_engine.h"
#include "onnx/onnx_pb.h"

namespace onnxtidy {

struct LintOptions {
  LintContext context;
  bool warnings_as_errors = false;
  // Per-rule severity, by rule id: wins over the rule's default and over
  // warnings_as_errors (onnx-tidy.toml's [severity], --severity).
  std::map<std::string, Severity> severity;
  // LintFile also hashes the file (sha256) for the report's dashboard fields: it reads
  // every byte, weights included, which checking alone never does.
  bool hash_file = false;
  // Limits for loading (LintFile; its external-data policy is always kReport) and for
  // the type pass.
  LoadOptions load;
  AnalysisLimits analysis;
};

// Lints a type pass already computed (the fixer re-uses its own): findings only, without
// the facts and root causes LintModel adds for a report.
ModelReport LintTyped(const TypedModel& tm, const std::string& path, const std::vector<const Rule*>& rules,
                      const LintOptions& options = {});

ModelReport LintModel(const onnx::ModelProto& model, const std::string& path, const std::vector<const Rule*>& rules,
                      const LintOptions& options = {});

// Loads and lints; a file that cannot be loaded gives a report with `error` set.
ModelReport LintFile(const std::string& path, const std::vector<const Rule*>& rules, const LintOptions& options = {});

}  // namespace onnxtidy
