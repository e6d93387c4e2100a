// Flags inputs bound to the same type parameter of an op schema that disagree on dtype.
// Docs: docs/rules/operand-dtype-mismatch.md
#include "lint/dtype.h"
#include "rules/registry.h"

namespace onnxtidy {
namespace {

// Widening a narrower float operand to the widest one among the bound operands keeps
// every value exactly; that is the fix `onnx-tidy fix` applies.
FixSuggestion WideningFix(const NodeView& node, const ParamBinding& b, const SlotType& dissenter) {
  const ValueRecord* d = node.Input(dissenter.slot);
  int32_t widest = kUndefined;
  bool all_float = true;
  for (const SlotType& s : b.slots) {
    const int32_t e = ElemType(*node.Input(s.slot)->type);
    all_float &= IsFloatingPoint(e) && node.Input(s.slot)->type->has_tensor_type();
    if (DtypeBits(e) > DtypeBits(widest)) widest = e;
  }
  if (!all_float) {
    return {"cast the operands of " + node.Label() + " to one type", FixSafety::kDisplayOnly,
            "not all operands are floating-point tensors; which type is right needs a decision"};
  }
  const int32_t mine = ElemType(*d->type);
  if (mine == widest) {
    return {"widen the narrower operands of " + node.Label() + " to " + DtypeName(widest), FixSafety::kSafe, ""};
  }
  const char* how = d->constant && d->origin != OriginKind::kGraphInput ? "rewrite stored tensor" : "insert a Cast";
  return {"widen '" + d->name + "' to " + DtypeName(widest) + " (" + how + ")", FixSafety::kSafe, ""};
}

class OperandDtypeMismatchRule final : public Rule {
 public:
  const RuleInfo& info() const override {
    static const RuleInfo kInfo{"operand-dtype-mismatch", Severity::kError, FixAvailability::kSafe,
                                "inputs bound to the same type parameter of an op have different dtypes"};
    return kInfo;
  }

  void CheckNode(const NodeView& node, FindingSink& out) const override {
    for (const ParamBinding& b : node.record().bindings) {
      if (!b.conflict) continue;
      const SlotType& ref = b.Chosen();
      const Provenance ref_prov = node.InputProvenance(ref.slot);
      for (const SlotType& s : b.slots) {
        if (s.type == ref.type) continue;
        Provenance prov = node.InputProvenance(s.slot);
        Finding& f = out.Add(node.InputLocation(s.slot),
                             node.Label() + ": " + node.DescribeInput(ref.slot) + " is " + ref_prov.dtype + " (" +
                                 ref_prov.origin + ") but " + node.DescribeInput(s.slot) + " is " + prov.dtype +
                                 " (" + prov.origin + ")");
        f.notes.push_back("both are bound to type parameter '" + b.param + "' of " + node.record().op_type() + "-" +
                          std::to_string(node.record().schema->SinceVersion()) + ", which must be one type");
        f.provenance.reserve(2);  // not an initializer list: that would copy both
        f.provenance.push_back(ref_prov);
        f.provenance.push_back(std::move(prov));
        f.fix = WideningFix(node, b, s);
      }
    }
  }
};

}  // namespace

const Rule& OperandDtypeMismatch() {
  static const OperandDtypeMismatchRule kRule;
  return kRule;
}

}  // namespace onnxtidy
