// What a rule is: metadata plus read-only checks over the type pass. Rules never
// walk graphs (the linter hands them every node of every graph) and never mutate.
#pragma once

#include <string>
#include <vector>

#include "lint/diagnostics.h"
#include "lint/target.h"
#include "lint/type_engine.h"

namespace onnxtidy {

enum class FixAvailability { kNone, kSafe, kUnsafe, kDisplayOnly };
const char* FixAvailabilityName(FixAvailability f);

struct RuleInfo {
  std::string id;  // kebab-case, names the problem; never changes once released
  Severity severity = Severity::kError;
  FixAvailability fix = FixAvailability::kNone;
  std::string summary;  // one line
  std::string since;    // the onnx-tidy version it first shipped in
  // What its findings' provenance traces is what is wrong (a dtype that does not belong
  // came from there), so findings that share an origin share a root cause. Not so for a
  // no-op Cast or a stale declaration, where the finding's own node is the problem.
  bool origin_is_cause = false;
};

// What a run was asked to check beyond the model itself.
struct LintContext {
  const Target* target = nullptr;  // --target; nullptr when none
  // The folder the model's external data is judged in; "" when there is none (a model
  // in memory): then only the external_data entries themselves are judged.
  std::string model_dir;
};

// A read-only view of one node and its typed operands.
class NodeView {
 public:
  NodeView(const TypedModel& tm, int node, const LintContext& ctx)
      : tm_(tm), id_(node), node_(tm.nodes[static_cast<size_t>(node)]), ctx_(ctx) {}

  int id() const { return id_; }
  const NodeRecord& record() const { return node_; }
  const TypedModel& model() const { return tm_; }
  const LintContext& context() const { return ctx_; }
  const std::string& graph_path() const { return tm_.graphs[static_cast<size_t>(node_.graph)].path; }
  std::string Label() const { return NodeLabel(node_); }

  // The value at an input/output slot, or nullptr when omitted.
  const ValueRecord* Input(int slot) const { return ValueAt(node_.inputs, slot); }
  const ValueRecord* Output(int slot) const { return ValueAt(node_.outputs, slot); }

  // The node that produced input `slot`, or nullptr (graph input, initializer, ...).
  const NodeRecord* InputProducer(int slot) const;
  // Why removing this node's output `slot` could break something outside the node's
  // own graph: "a graph output", "read by a subgraph"; "" when nothing.
  std::string OutputEscapes(int slot) const;

  // "input A 'x'" (schema formal name) or "input 2 'x'" (variadic).
  std::string DescribeInput(int slot) const;
  Provenance InputProvenance(int slot) const;
  Provenance OutputProvenance(int slot) const;
  Location InputLocation(int slot) const;
  Location OutputLocation(int slot) const;
  Location NodeLocation() const;  // the node itself, no slot

 private:
  const ValueRecord* ValueAt(const std::pmr::vector<int>& ids, int slot) const;

  const TypedModel& tm_;
  int id_;
  const NodeRecord& node_;
  const LintContext& ctx_;
};

// A read-only view of one graph (main, subgraph or function instance) and its I/O.
class GraphView {
 public:
  GraphView(const TypedModel& tm, int graph) : tm_(tm), id_(graph), graph_(tm.graphs[static_cast<size_t>(graph)]) {}

  int id() const { return id_; }

  const GraphRecord& record() const { return graph_; }
  const TypedModel& model() const { return tm_; }
  const ValueRecord& Value(int id) const { return tm_.values[static_cast<size_t>(id)]; }
  // A location naming a graph input/output or value, with its producer when there is one.
  Location ValueLocation(const ValueRecord& v) const;

 private:
  const TypedModel& tm_;
  int id_;
  const GraphRecord& graph_;
};

// Collects one rule's findings, stamping its id and default severity.
class FindingSink {
 public:
  FindingSink(const RuleInfo& info, std::vector<Finding>& out) : info_(info), out_(out) {}
  Finding& Add(Location location, std::string message);

 private:
  const RuleInfo& info_;
  std::vector<Finding>& out_;
};

class Rule {
 public:
  virtual ~Rule() = default;
  virtual const RuleInfo& info() const = 0;
  // Called for every node of every graph, subgraph and function instance.
  virtual void CheckNode(const NodeView& /*node*/, FindingSink& /*out*/) const {}
  // Called once for every graph, subgraph and function instance.
  virtual void CheckGraph(const GraphView& /*graph*/, FindingSink& /*out*/) const {}
  // Called once per model, after the graphs.
  virtual void CheckModel(const TypedModel& /*model*/, const LintContext& /*ctx*/, FindingSink& /*out*/) const {}
};

}  // namespace onnxtidy
