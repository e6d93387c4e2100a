// The findings model shared by rules, reporters and (later) fixers.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
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

// What identifies a finding while the model changes around it: the rule, the graph, the
// node by name (by position only when unnamed), the slot and the value; not the message.
// 16 hex digits, the same on every machine (SARIF's partialFingerprints, --baseline).
std::string Fingerprint(const Finding& f);

// The stored tensors of one element type: initializers of every graph and Constant
// values, counted from their dims (never from their bytes, which may be elsewhere).
struct WeightStats {
  int64_t tensors = 0;
  int64_t elements = 0;
  int64_t bytes = 0;  // elements times the type's size; strings: their stored bytes
};

// What a dashboard tracks per model (lint/model_facts.h).
struct ModelFacts {
  std::string sha256;  // of the file; "" when not computed
  int64_t size = -1;   // bytes of the file; -1 when not a file
  int64_t ir_version = 0;
  std::vector<std::pair<std::string, int64_t>> opsets;  // as imported; "" is ai.onnx
  std::string producer_name;
  std::string producer_version;
  int64_t nodes = 0;  // in every graph and subgraph (function bodies once)
  // The float type of every floating main-graph input and output (those callers feed and
  // read), or 0 when they disagree or there are none: the precision the model promises.
  int32_t interface_float = 0;
  std::map<int32_t, WeightStats> weights;  // by element type
};

// The precision map (lint/precision_map.h): each graph's nodes in the order they run,
// with the dtype each computes in, repeated blocks collapsed ("24 alike layers" drawn
// once, ×24).
struct MapNode {
  int index = -1;       // file position in its graph (of the block's first instance)
  std::string op_type;  // "Cast", "MatMul"
  std::string name;
  std::string dtype;      // of its first typed output; "" when unknown
  bool cast = false;      // Cast or CastLike
  bool boundary = false;  // a float input of another float type comes in: precision changes here
};
struct MapItem {
  int start = 0;               // position in the run order of the first node
  int length = 1;              // nodes in one instance
  int repeat = 1;              // instances in a row; > 1: a block drawn once
  std::vector<MapNode> nodes;  // the first instance
};
struct GraphMap {
  std::string graph;       // graph path, as in locations
  int nodes = 0;           // in the graph
  std::vector<int> order;  // file positions in run order when that differs from the file; else empty
  std::vector<MapItem> items;
  int omitted = 0;  // nodes past the drawing cap, not in items
};
struct PrecisionMap {
  std::vector<GraphMap> graphs;  // main first, then subgraphs in the type pass's order
  int graphs_omitted = 0;
};

// Findings that share where their dtype came from (lint/root_causes.h): one Cast, one
// graph input, one initializer, or a class of stored tensors of one type.
struct RootCause {
  std::string origin;               // "output of Cast 'c' (to=float)", "initializer 'W'", "6 bfloat16 initializers"
  std::string origin_kind;          // as in provenance: "node_output", "initializer", ...
  std::string graph;                // where the origin is ("" for a class across graphs)
  std::string dtype;                // the dtype it brings in
  std::vector<std::string> values;  // a class: its tensors (in model order)
  std::vector<size_t> findings;     // indices into ModelReport::findings
};

// Every finding for one model file, or why it could not be checked.
struct ModelReport {
  std::string path;
  std::string error;  // non-empty: the file could not be loaded; no findings
  std::vector<std::string> notices;
  std::vector<Finding> findings;
  std::optional<ModelFacts> facts;            // set when asked for (LintOptions::facts)
  std::vector<RootCause> root_causes;         // most findings first
  std::optional<PrecisionMap> precision_map;  // set for reports (LintModel)
  int baseline_suppressed = 0;                // findings left out as already in a baseline

  int Count(Severity s) const;
};

// `message` on one line: line breaks (onnx's and protobuf's messages span several)
// become spaces, so that an error stays one line on stderr and in reports.
std::string OneLine(std::string message);

// Length of the valid UTF-8 sequence at s[i], or 0 when the byte there starts none.
size_t Utf8Length(std::string_view s, size_t i);
// `s` with every byte that is not valid UTF-8 replaced by U+FFFD: names in a model are
// bytes, and a report is text a terminal, a browser or Python decodes.
std::string ValidUtf8(std::string_view s);
// `s` as one line of valid UTF-8 with no control character: every C0 and C1 control,
// DEL and the Unicode line and paragraph separators become a space. For lines on a
// terminal (errors, warnings), where a model's bytes could break the line or send
// escape sequences.
std::string PrintableLine(std::string_view s);

// Graph path, node index, slot, rule, message: identical bytes for identical models.
void SortFindings(std::vector<Finding>& findings);

}  // namespace onnxtidy
