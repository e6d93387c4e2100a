// The findings model shared by rules, reporters and (later) fixers.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "lint/provenance.h"

namespace onnxtidy {

enum class Severity { kInfo, kWarning, kError };
const char* SeverityName(Severity s);
// "error", "warning" or "info"; nullopt for anything else.
std::optional<Severity> ParseSeverity(const std::string& name);

// ruff's applicability levels: Safe keeps every computed value; Unsafe is valid but
// may change values and is opt-in; DisplayOnly is described, never applied.
enum class FixSafety { kSafe, kUnsafe, kDisplayOnly };
const char* FixSafetyName(FixSafety s);

// What a fix does, as data (ruff's `Fix`): the rule decides the edit once, and the fixer
// registered for its kind (fixers/fixer_registry) carries it out without working the
// edit or its safety out again. The finding's location says where.
enum class FixKind {
  kNone,                // described only
  kWidenOperands,       // widen the node's inputs at `slots` to `to` (a rewrite or a Cast each)
  kRetypeGraphInput,    // declare main-graph input `location.value` as `to` (callers feed it)
  kWidenJoin,           // widen every member of the If/Loop/Scan join at the location to `to`
  kRetypeValueInfo,     // value_info of `location.value` becomes `to`
  kCastGraphOutput,     // graph output `location.value` is cast to its declared `to`
  kConvertInitializer,  // the initializer default of graph input `location.value` becomes `to`
  kRemoveCast,          // remove the Cast; its readers read `source` instead
  kSortGraph,           // sort the nodes of graph `location.graph` topologically
};
const char* FixKindName(FixKind k);

struct FixSuggestion {
  std::string title;
  FixSafety safety = FixSafety::kDisplayOnly;
  std::string reason;  // why it is not Safe, or why it cannot be applied
  FixKind kind = FixKind::kNone;
  int32_t to = 0;          // the element type the fix leaves (kUndefined when none)
  std::vector<int> slots;  // kWidenOperands: the input slots it widens
  std::string value;       // kRemoveCast: what the Cast's readers read instead; kRetypeGraphInput: the input

  // A fix described only.
  static FixSuggestion Display(std::string title, std::string reason) {
    FixSuggestion f;
    f.title = std::move(title);
    f.reason = std::move(reason);
    return f;
  }
  // A fix a fixer carries out: `kind` to `to`; `reason` says why when it is not Safe.
  static FixSuggestion Of(FixKind kind, int32_t to, std::string title, FixSafety safety, std::string reason = "") {
    FixSuggestion f;
    f.title = std::move(title);
    f.safety = safety;
    f.reason = std::move(reason);
    f.kind = kind;
    f.to = to;
    return f;
  }
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
