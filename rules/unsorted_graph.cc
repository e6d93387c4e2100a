// Flags a graph, subgraph or function body whose nodes are not in topological order.
// Docs: docs/rules/unsorted-graph.md
#include "lint/dtype.h"
#include "lint/schema_binding.h"
#include "rules/registry.h"

namespace onnxtidy {
namespace {

// "Add #2", or "Add 'p' (#2)": the position is what tells a reader where to look.
std::string Positioned(const NodeRecord& n) {
  return n.name().empty() ? NodeLabel(n) : NodeLabel(n) + " (#" + std::to_string(n.index) + ")";
}

// What onnx's checker and onnxruntime (1.30, measured) make of it: onnxruntime sorts a
// main graph itself, but not If/Loop/Scan bodies or function bodies.
std::string Consequence(GraphKind kind) {
  switch (kind) {
    case GraphKind::kMain:
      return "onnx's checker refuses the model (\"Nodes in a graph must be topologically sorted\"); onnxruntime "
             "sorts a main graph itself and runs it";
    case GraphKind::kSubgraph:
      return "onnx's checker and onnxruntime both refuse the model (\"Nodes in a graph must be topologically "
             "sorted\"): onnxruntime sorts only the main graph";
    case GraphKind::kFunction:
      return "onnx's checker refuses the model (\"Nodes in a function must be topologically sorted\"), and so does "
             "onnxruntime: its type inference of the body fails in this order";
  }
  return "";
}

class UnsortedGraphRule final : public Rule {
 public:
  const RuleInfo& info() const override {
    static const RuleInfo kInfo{"unsorted-graph", Severity::kWarning, FixAvailability::kSafe,
                                "a node reads a value that a later node produces (not in topological order)", "0.2.0"};
    return kInfo;
  }

  void CheckGraph(const GraphView& graph, FindingSink& out) const override {
    const GraphRecord& g = graph.record();
    const NodeOrder& order = g.order;
    if (order.sorted) return;
    const TypedModel& tm = graph.model();
    const NodeRecord& reader = tm.nodes[static_cast<size_t>(g.nodes[static_cast<size_t>(order.reader)])];
    const NodeRecord& producer = tm.nodes[static_cast<size_t>(g.nodes[static_cast<size_t>(order.producer)])];

    Location where;
    where.graph = g.path;
    where.node = reader.name();
    where.node_index = reader.index;
    where.op_type = reader.op_type();
    where.input_index = order.slot;
    where.value = order.value;
    const std::string what = order.slot >= 0 ? NodeLabel(reader) + " reads input " +
                                                   InputRole(reader.schema, order.slot) + " '" + order.value + "'"
                                             : "a subgraph of " + NodeLabel(reader) + " reads '" + order.value + "'";
    std::string message =
        order.reader == order.producer
            ? "nodes are not in topological order: " + what + ", its own output"
            : "nodes are not in topological order: " + what + " before " + Positioned(producer) + " produces it";
    Finding& f = out.Add(where, std::move(message));
    // onnxruntime sorts a main graph itself, but refuses an unsorted body: a deployment
    // failure, so an error there.
    if (g.kind != GraphKind::kMain) f.severity = Severity::kError;
    // Nodes in a cycle: no runtime can order them, the main graph's neither.
    if (order.stuck > 0) f.severity = Severity::kError;
    f.notes.push_back(order.stuck > 0 ? "onnx's checker and onnxruntime both refuse the model: no order of a "
                                        "dependency cycle can run"
                                      : Consequence(g.kind));
    if (order.stuck > 0) {
      f.notes.push_back(std::to_string(order.stuck) + (order.stuck == 1 ? " node is" : " nodes are") +
                        " in a dependency cycle or read from one: no order of the nodes can run " +
                        (order.stuck == 1 ? "it" : "them"));
      return;  // no fix: sorting cannot help
    }
    int moved = 0;
    for (size_t k = 0; k < order.visit.size(); ++k) moved += order.visit[k] != static_cast<int>(k);
    f.notes.push_back(std::to_string(moved) + " of " + std::to_string(g.nodes.size()) +
                      " nodes are out of place; onnx-tidy checked them in dependency order");
    const std::string name = g.function != nullptr ? "function '" + g.function->name() + "'" : g.path;
    f.fix = FixSuggestion::Of(FixKind::kSortGraph, kUndefined, "sort the nodes of " + name + " topologically",
                              FixSafety::kSafe);
  }
};

}  // namespace

const Rule& UnsortedGraph() {
  static const UnsortedGraphRule kRule;
  return kRule;
}

}  // namespace onnxtidy
