// `onnx-tidy fix`: applies the fixes that findings carry, through the graph editor,
// until nothing changes; then re-checks the result before anything is written.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "fixers/float_convert.h"
#include "fixers/graph_editor.h"
#include "fixers/tensor_store.h"
#include "lint/diagnostics.h"
#include "lint/rule.h"
#include "lint/target.h"
#include "lint/wire_format.h"
#include "onnx/onnx_pb.h"
#include "rules/registry.h"

namespace onnxtidy {

struct FixOptions {
  bool unsafe = false;               // --unsafe-fixes
  std::optional<int32_t> precision;  // --precision: convert the whole model to this float type
  bool keep_io_types = false;        // --keep-io-types (with --precision)
  const Target* target = nullptr;    // --target: ops without a kernel stay wider
  Overflow overflow = Overflow::kInfinity;
  // The rules whose findings are fixed and reported (--select/--ignore, the config).
  // Empty: none, so only --precision changes anything.
  std::vector<const Rule*> rules = AllRules();
  AnalysisLimits analysis;  // --max-call-depth
};

struct FixRecord {
  std::string rule;
  std::string message;  // the finding's
  std::string title;    // the fix's
  std::string safety;
  std::string reason;  // why it was declined (declined only)
  Location location;
  // What the edits made for it do to computed values (applied only): a Safe fix's are
  // exact, an Unsafe fix's are not.
  EditEffect effect = EditEffect::kExact;
};

struct SeverityCounts {
  int error = 0;
  int warning = 0;
  int info = 0;
};
SeverityCounts CountBySeverity(const std::vector<Finding>& findings);

struct FixResult {
  SeverityCounts before;  // findings of the model as it was given
  std::vector<FixRecord> applied;
  std::vector<FixRecord> declined;
  std::vector<Edit> edits;
  std::vector<Edit> notes;  // what was left as it is on purpose, and why (keep-wide, kept)
  std::vector<std::string> notices;
  std::vector<Finding> remaining;  // findings of the fixed model
  // Non-empty: nothing may be written, and why (declined before any edit, or the result
  // failed verification). `problems` names the nodes and values still wrong.
  std::string verify_error;
  std::vector<Finding> problems;
  // --target: nodes of the result that have no kernel there (no-target-kernel).
  std::vector<Finding> target_gaps;
  int passes = 0;
  int tensors_converted = 0;  // stored tensors rewritten to another type
  int kept_wide = 0;          // --precision: parts that stayed wider, each with a keep-wide note
  // --precision: elements of float initializers before, and how many hold the new type after.
  double float_weights = 0;
  double float_weights_converted = 0;
  bool changed() const { return !edits.empty(); }
  SeverityCounts after() const { return CountBySeverity(remaining); }
};

// Fixes `model` in place. `store` holds the bytes of tensors not in memory (see
// LoadModel); without one every tensor must be in memory. Write the result with
// TensorStore::Write.
FixResult FixModel(onnx::ModelProto& model, const FixOptions& options, TensorStore* store = nullptr);

}  // namespace onnxtidy
