// Flags a node input or graph output that names a value nothing defines: no graph
// input, initializer or node output in its graph or an enclosing one.
// Docs: docs/rules/undefined-value.md
#include <unordered_set>

#include "lint/schema_binding.h"
#include "rules/registry.h"

namespace onnxtidy {
namespace {

// Names some node of the graph produces: a read of one of them that found nothing is
// an order problem (a cycle), which unsorted-graph reports, not an undefined name.
std::unordered_set<std::string> Produced(const TypedModel& tm, const GraphRecord& g) {
  std::unordered_set<std::string> out;
  for (int id : g.nodes) {
    for (const auto& o : tm.nodes[static_cast<size_t>(id)].proto->output()) out.insert(o);
  }
  return out;
}

class UndefinedValueRule final : public Rule {
 public:
  const RuleInfo& info() const override {
    static const RuleInfo kInfo{"undefined-value", Severity::kError, FixAvailability::kNone,
                                "a node or graph output reads a name nothing defines", "0.3.0"};
    return kInfo;
  }

  void CheckGraph(const GraphView& graph, FindingSink& out) const override {
    const TypedModel& tm = graph.model();
    const GraphRecord& g = graph.record();
    std::unordered_set<std::string> produced;
    bool have_produced = false;
    auto undefined = [&](int id) {
      if (id < 0 || tm.values[static_cast<size_t>(id)].origin != OriginKind::kUndefined) return false;
      if (!have_produced) {
        produced = Produced(tm, g);
        have_produced = true;
      }
      return produced.count(tm.values[static_cast<size_t>(id)].name) == 0;
    };
    for (int nid : g.nodes) {
      const NodeRecord& n = tm.nodes[static_cast<size_t>(nid)];
      for (size_t s = 0; s < n.inputs.size(); ++s) {
        if (!undefined(n.inputs[s])) continue;
        const std::string& name = tm.values[static_cast<size_t>(n.inputs[s])].name;
        Location where;
        where.graph = g.path;
        where.node = n.name();
        where.node_index = n.index;
        where.op_type = n.op_type();
        where.input_index = static_cast<int>(s);
        where.value = name;
        Finding& f = out.Add(where, NodeLabel(n) + ": input " + InputRole(n.schema, static_cast<int>(s)) + " '" + name +
                                        "' is not defined: no graph input, initializer or node output "
                                        "of that name is in scope");
        f.notes.push_back("onnx's checker and onnxruntime refuse the model (\"Node input '" + name +
                          "' is not a graph input, initializer, or output of a previous node\")");
      }
    }
    for (size_t k = 0; k < g.outputs.size(); ++k) {
      if (!undefined(g.outputs[k])) continue;
      const std::string& name = tm.values[static_cast<size_t>(g.outputs[k])].name;
      Location where;
      where.graph = g.path;
      where.output_index = static_cast<int>(k);
      where.value = name;
      out.Add(where, "graph output " + std::to_string(k) + " '" + name +
                         "' is not defined: no graph input, initializer or node output of that name is in scope");
    }
  }
};

}  // namespace

const Rule& UndefinedValue() {
  static const UndefinedValueRule rule;
  return rule;
}

}  // namespace onnxtidy
