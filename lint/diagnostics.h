// The findings model shared by rules, reporters and (later) fixers.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "lint/provenance.h"

namespace onnxtidy {

enum class Severity { kInfo, kWarning, kError };
const char* SeverityName(Severity s);

// ruff's applicability levels: Safe keeps every computed value; Unsafe is valid but
// may change values and is opt-in; DisplayOnly is described, never applied.
enum class FixSafety { kSafe, kUnsafe, kDisplayOnly };
const char* FixSafetyName(FixSafety s);

struct FixSuggestion {
  std::string title;
  FixSafety safety = FixSafety::kDisplayOnly;
  std::string reason;  // why it is not Safe, or why it cannot be applied
};

struct Location {
  std::string graph;  // "main", "main/cond(If).then_branch"
  std::string node;   // node name, "" when unnamed or not about a node
  int node_index = -1;
  std::string op_type;
  int input_index = -1;
  int output_index = -1;
  std::string value;
};

struct Finding {
  std::string rule;
  Severity severity = Severity::kError;
  std::string message;
  Location location;
  std::vector<Provenance> provenance;
  std::vector<std::string> notes;
  std::optional<FixSuggestion> fix;
};

// Every finding for one model file, or why it could not be checked.
struct ModelReport {
  std::string path;
  std::string error;  // non-empty: the file could not be loaded; no findings
  std::vector<std::string> notices;
  std::vector<Finding> findings;

  int Count(Severity s) const;
};

// `message` on one line: line breaks (onnx's and protobuf's messages span several)
// become spaces, so that an error stays one line on stderr and in reports.
std::string OneLine(std::string message);

// Graph path, node index, slot, rule, message: identical bytes for identical models.
void SortFindings(std::vector<Finding>& findings);

}  // namespace onnxtidy
