// What every fixer needs for one pass: the type pass, the editor, and indexes over
// them. Fixers read the model through the TypedModel and write only through `editor`.
#pragma once

#include <map>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "fixers/fixer.h"
#include "fixers/graph_editor.h"
#include "lint/type_engine.h"

namespace onnxtidy {

class FixContext {
 public:
  FixContext(const TypedModel& tm, GraphEditor& editor, const FixOptions& options);

  const TypedModel& tm;
  GraphEditor& editor;
  const FixOptions& options;

  const ValueRecord& Value(int id) const { return tm.values[static_cast<size_t>(id)]; }
  const NodeRecord& Node(int id) const { return tm.nodes[static_cast<size_t>(id)]; }
  const GraphRecord& Graph(int id) const { return tm.graphs[static_cast<size_t>(id)]; }

  // The node id a finding's location names, or -1.
  int NodeAt(const Location& l) const;
  int GraphAt(const std::string& path) const;
  // The NodeProto to edit for a node: a function body's own node, not the per-call copy.
  const onnx::NodeProto& EditableNode(int node) const;
  // The node list of a graph or function body.
  const google::protobuf::RepeatedPtrField<onnx::NodeProto>& Nodes(int graph) const;
  // Can a Cast between these types be written in this graph? ("" if yes, else why not)
  std::string CastBlocker(int graph, int32_t from, int32_t to) const;
  // Where a Cast of `value` goes: right after its producer, or first in its graph.
  int CastPosition(const ValueRecord& value) const;

  // (node, slot) pairs reading a value, and whether a graph returns it.
  const std::vector<std::pair<int, int>>& Consumers(int value) const { return consumers_[static_cast<size_t>(value)]; }
  bool IsGraphOutput(int value) const { return graph_output_[static_cast<size_t>(value)]; }
  // How many instances (call sites) a model-local function has in this pass.
  int Instances(const onnx::FunctionProto* fn) const;
  // Why a graph cannot be edited for one call alone: it is (or is nested in) the body
  // of a model-local function with several calls. "" when it can.
  std::string FunctionBlocker(int graph) const;

 private:
  std::unordered_map<std::string, int> graph_by_path_;
  std::vector<std::vector<std::pair<int, int>>> consumers_;
  std::vector<bool> graph_output_;
  std::map<const onnx::FunctionProto*, int> instances_;
};

// The fixers, one per FixKind (fixers/fixer_registry.cc lists them). Each carries out
// the fix the finding's rule described and returns "" when it applied (or queued) it,
// or why it declined.
void WidenOperands(FixContext& ctx, const std::vector<const Finding*>& findings, std::vector<std::string>& reasons);
std::string RetypeGraphInput(FixContext& ctx, const Finding& finding);
std::string FixControlFlow(FixContext& ctx, const Finding& finding);
std::string RetypeValueInfo(FixContext& ctx, const Finding& finding);
std::string CastGraphOutput(FixContext& ctx, const Finding& finding);
std::string ConvertInitializer(FixContext& ctx, const Finding& finding);
std::string RemoveRedundantCast(FixContext& ctx, const Finding& finding);
std::string SortGraph(FixContext& ctx, const Finding& finding);

// --precision: plans the type of every float value (fixers/precision.cc says how) and
// edits the model to it, ops that cannot compute in `to` wrapped in Casts. Returns how
// many parts stayed wider (each has a "keep-wide" note).
int ConvertPrecision(FixContext& ctx, int32_t to);

}  // namespace onnxtidy
