// Flags a name defined twice in one graph: two nodes writing one output, a node writing
// over a graph input or an initializer, or two initializers of one name.
// Docs: docs/rules/duplicate-definition.md
#include "rules/registry.h"

namespace onnxtidy {
namespace {

// "output 0 of Relu 'r' (#3)", "graph input 'x'", "initializer 'w'".
std::string Definition(const TypedModel& tm, const ValueRecord& v) {
  if (v.node >= 0 && v.origin != OriginKind::kSubgraphInput && v.origin != OriginKind::kFunctionInput) {
    const NodeRecord& n = tm.nodes[static_cast<size_t>(v.node)];
    for (size_t j = 0; j < n.outputs.size(); ++j) {
      if (n.outputs[j] >= 0 && tm.values[static_cast<size_t>(n.outputs[j])].name == v.name) {
        return "output " + std::to_string(j) + " of " + NodeLabel(n) +
               (n.name().empty() ? "" : " (#" + std::to_string(n.index) + ")");
      }
    }
    return "an output of " + NodeLabel(n);
  }
  if (v.origin == OriginKind::kInitializer) return "initializer '" + v.name + "'";
  return "graph input '" + v.name + "'";
}

class DuplicateDefinitionRule final : public Rule {
 public:
  const RuleInfo& info() const override {
    static const RuleInfo kInfo{"duplicate-definition", Severity::kError, FixAvailability::kNone,
                                "a name is defined twice in one graph (two producers, or a node over an input)",
                                "0.3.0"};
    return kInfo;
  }

  void CheckGraph(const GraphView& graph, FindingSink& out) const override {
    const TypedModel& tm = graph.model();
    const GraphRecord& g = graph.record();
    for (const GraphRecord::Redefinition& r : g.redefinitions) {
      const ValueRecord& first = tm.values[static_cast<size_t>(r.first)];
      const ValueRecord& second = tm.values[static_cast<size_t>(r.second)];
      Location where;
      where.graph = g.path;
      where.value = second.name;
      if (second.node >= 0) {
        const NodeRecord& n = tm.nodes[static_cast<size_t>(second.node)];
        where.node = n.name();
        where.node_index = n.index;
        where.op_type = n.op_type();
        for (size_t j = 0; j < n.outputs.size(); ++j) {
          if (n.outputs[j] == r.second) where.output_index = static_cast<int>(j);
        }
      }
      Finding& f = out.Add(where, "'" + second.name + "' is defined twice: as " + Definition(tm, first) +
                                      ", and again as " + Definition(tm, second));
      f.notes.push_back(
          "onnx's checker and onnxruntime refuse the model (SSA form: each name is defined once "
          "per graph); which value a reader gets is not defined");
    }
  }
};

}  // namespace

const Rule& DuplicateDefinition() {
  static const DuplicateDefinitionRule rule;
  return rule;
}

}  // namespace onnxtidy
