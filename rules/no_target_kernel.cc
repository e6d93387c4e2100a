// Flags a node whose op and dtype have no kernel on the deployment target (--target).
// Docs: docs/rules/no-target-kernel.md
#include <map>
#include <set>

#include "lint/dtype.h"
#include "rules/registry.h"

namespace onnxtidy {
namespace {

struct TypedSlot {
  int slot;
  bool is_input;
};

class NoTargetKernelRule final : public Rule {
 public:
  const RuleInfo& info() const override {
    static const RuleInfo kInfo{"no-target-kernel",
                                Severity::kWarning,
                                FixAvailability::kDisplayOnly,
                                "the deployment target (--target) has no kernel for this op and dtype",
                                "0.1.0",
                                /*origin_is_cause=*/true};
    return kInfo;
  }

  void CheckNode(const NodeView& node, FindingSink& out) const override {
    const Target* target = node.context().target;
    const NodeRecord& r = node.record();
    if (target == nullptr || r.schema == nullptr) return;
    // Each (type parameter, dtype) once, at its first slot; types the schema itself
    // refuses are dtype-not-allowed's business.
    std::map<std::pair<std::string, int32_t>, TypedSlot> seen;
    auto collect = [&](const std::pmr::vector<int>& ids, bool is_input) {
      for (int slot = 0; slot < static_cast<int>(ids.size()); ++slot) {
        const ValueRecord* v = is_input ? node.Input(slot) : node.Output(slot);
        const auto* formal = is_input ? InputFormal(*r.schema, slot) : OutputFormal(*r.schema, slot);
        if (v == nullptr || !v->Known() || formal == nullptr || !BindsTypeParam(*r.schema, *formal)) continue;
        if (!AllowsType(*formal, v->type_string()) || !v->type->has_tensor_type()) continue;
        seen.emplace(std::make_pair(formal->GetTypeStr(), ElemType(*v->type)), TypedSlot{slot, is_input});
      }
    };
    collect(r.inputs, true);
    collect(r.outputs, false);
    for (const auto& [key, where] : seen) {
      const auto& [param, type] = key;
      const KernelVerdict verdict = target->Check(r, param, type);
      if (!verdict.judged || verdict.supported) continue;
      Finding& f = out.Add(where.is_input ? node.InputLocation(where.slot) : node.OutputLocation(where.slot),
                           node.Label() + ": " + target->name() + " has no kernel for " + r.op_type() + "-" +
                               std::to_string(r.schema->SinceVersion()) + " with " + param + "=" + DtypeName(type) +
                               " (it has: " + verdict.available +
                               "); convert to float32: onnx-tidy fix "
                               "--precision float32");
      f.notes.push_back("target: " + target->description());
      f.provenance.push_back(where.is_input ? node.InputProvenance(where.slot) : node.OutputProvenance(where.slot));
      // No fixer applies this per finding: it is a whole-model conversion the user asks for.
      f.fix = FixSuggestion::Display("onnx-tidy fix --precision float32 --target " + target->name() +
                                         " converts the model so that every op has a kernel",
                                     "a whole-model precision change, applied only when asked for with --precision");
    }
  }
};

}  // namespace

const Rule& NoTargetKernel() {
  static const NoTargetKernelRule kRule;
  return kRule;
}

}  // namespace onnxtidy
