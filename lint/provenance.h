// Where a value's dtype came from, read back from the type pass.
#pragma once

#include <string>
#include <vector>

#include "lint/type_engine.h"

namespace onnxtidy {

// One hop of a dtype's history, newest first.
struct ProvenanceStep {
  std::string value;
  std::string dtype;
  std::string graph;
  std::string kind;  // "graph_input", "initializer", "node_output", ... (OriginKind)
  std::string how;   // "graph input 'x'", "initializer 'W'", "output of Relu 'act'", ...
  std::string node;  // producing node's name, "" when unnamed or none
  int node_index = -1;
  std::string op_type;
};

// The history of one operand's dtype, as shown with a finding.
struct Provenance {
  std::string role;  // "input A", "output 0", "" when not about a slot
  std::string value;
  std::string dtype;
  std::string origin;       // short text for messages: "initializer 'W'", "graph input 'x', via Relu 'r'"
  std::string origin_kind;  // "graph_input", "initializer", ... (the root's kind)
  // Newest first; at most kShownSteps before the origin, which is always last.
  std::vector<ProvenanceStep> chain;
  int elided = 0;  // steps left out between the shown ones and the origin
};

constexpr int kShownSteps = 3;

// "float" for tensors, the full type string ("seq(tensor(float))") otherwise.
std::string DisplayType(const ValueRecord& value);

Provenance TraceDtype(const TypedModel& tm, int value_id, const std::string& role);

}  // namespace onnxtidy
