// Flags a node that breaks its op's schema (inputs, outputs, attributes) or whose type
// onnx's own inference refuses, where no more specific rule explains why.
// Docs: docs/rules/schema-violation.md
#include "lint/control_flow.h"
#include "onnx/defs/schema.h"
#include "rules/registry.h"

namespace onnxtidy {
namespace {

class SchemaViolationRule final : public Rule {
 public:
  const RuleInfo& info() const override {
    static const RuleInfo kInfo{"schema-violation", Severity::kError, FixAvailability::kNone,
                                "a node breaks its op's schema, or onnx's type inference refuses it", "0.2.0"};
    return kInfo;
  }

  void CheckNode(const NodeView& node, FindingSink& out) const override {
    const NodeRecord& r = node.record();
    if (r.schema == nullptr) return;
    // Past the newest opset onnx 1.12 knows, the op may have changed: not knowing is no
    // evidence of a fault.
    if (r.opset > NewestKnownOpset(r.domain)) return;
    if (r.schema_error.empty() && r.inference_error.empty()) return;
    const std::string op_version = r.op_type() + "-" + std::to_string(r.schema->SinceVersion());
    if (!r.schema_error.empty()) {
      Finding& f =
          out.Add(node.NodeLocation(), node.Label() + " does not match " + op_version + ": " + OneLine(r.schema_error));
      f.notes.push_back("onnx's checker and onnxruntime refuse the model at load");
      return;
    }
    // Type errors only: the type pass keeps no shapes, so shape messages are not ours.
    if (r.inference_error.find("TypeInferenceError") == std::string::npos) return;
    // An operand conflict or a join that disagrees explains it better, with provenance.
    for (const ParamBinding& b : r.bindings) {
      if (b.conflict) return;
    }
    for (int id : r.inputs) {
      if (id >= 0 && node.model().values[static_cast<size_t>(id)].after_conflict) return;
    }
    for (const ControlFlowJoin& j : ControlFlowJoins(node.model(), node.id())) {
      if (Disagrees(node.model(), j)) return;
    }
    Finding& f = out.Add(node.NodeLocation(), node.Label() + ": onnx's type inference for " + op_version +
                                                  " fails: " + OneLine(r.inference_error));
    f.notes.push_back("onnx's checker (full_check) and onnxruntime run this inference at load and stop there");
  }
};

}  // namespace

const Rule& SchemaViolation() {
  static const SchemaViolationRule kRule;
  return kRule;
}

}  // namespace onnxtidy
