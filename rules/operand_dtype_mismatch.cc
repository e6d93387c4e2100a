// Flags inputs bound to the same type parameter of an op schema that disagree on dtype.
// Docs: docs/rules/operand-dtype-mismatch.md
#include <algorithm>

#include "lint/dtype.h"
#include "rules/registry.h"

namespace onnxtidy {
namespace {

// Widening every operand to the narrowest type that holds them all keeps every value
// exactly (float16 with bfloat16 meet in float32); the fix says how each one changes.
FixSuggestion WideningFix(const NodeView& node, const ParamBinding& b) {
  std::vector<int32_t> types;
  bool all_float = true;
  for (const SlotType& s : b.slots) {
    const ValueRecord* v = node.Input(s.slot);
    types.push_back(ElemType(*v->type));
    all_float &= v->type->has_tensor_type() && IsConvertibleFloat(types.back());
  }
  const int32_t to = all_float ? CommonExactType(types) : kUndefined;
  if (to == kUndefined) {
    return FixSuggestion::Display("cast the operands of " + node.Label() + " to one type",
                                  "not all operands are float32, float16, bfloat16 or double tensors; which type is "
                                  "right needs a decision");
  }
  FixSuggestion fix = FixSuggestion::Of(FixKind::kWidenOperands, to, "", FixSafety::kSafe);
  // A value that needs a Cast where none can be written (bfloat16 before opset 13, a
  // model without ai.onnx) can be widened only by declaring the model's own input wider.
  const ValueRecord* blocked = nullptr;
  std::string why;
  std::string widened;
  for (const SlotType& s : b.slots) {
    const ValueRecord* v = node.Input(s.slot);
    const int32_t from = ElemType(*v->type);
    if (from == to) continue;
    fix.slots.push_back(s.slot);
    widened += (widened.empty() ? "'" : ", '") + v->name + "'";
    const bool stored = v->constant && v->origin != OriginKind::kGraphInput && v->origin != OriginKind::kNodeOutput;
    if (stored || blocked != nullptr) continue;
    why = CastBlocker(node.model(), node.record().graph, from, to);
    if (!why.empty()) blocked = v;
  }
  const bool mixed = std::find(types.begin(), types.end(), to) == types.end();
  const std::string how = mixed ? " (neither type holds the other; " + DtypeName(to) + " holds both exactly)" : "";
  if (blocked == nullptr) {
    const ValueRecord* d = node.Input(fix.slots.front());
    const bool one = fix.slots.size() == 1;
    const char* method =
        d->constant && d->origin != OriginKind::kGraphInput ? "rewrite stored tensor" : "insert a Cast";
    fix.title = "widen " + widened + " to " + DtypeName(to) + (one && !mixed ? std::string(" (") + method + ")" : how);
    return fix;
  }
  const ValueRecord& g = *blocked;
  if (g.graph != 0 || g.origin != OriginKind::kGraphInput || fix.slots.size() != 1) {
    return FixSuggestion::Display("widen " + widened + " to " + DtypeName(to), why);
  }
  // An initializer that is also a graph input (IR < 4) is a default callers may replace:
  // rewriting it widens the declaration callers see too.
  const std::string what =
      g.initializer != nullptr ? "graph input '" + g.name + "' and its initializer" : "graph input '" + g.name + "'";
  FixSuggestion retype =
      FixSuggestion::Of(FixKind::kRetypeGraphInput, to, "declare " + what + " as " + DtypeName(to), FixSafety::kUnsafe,
                        why + "; declaring the input wider changes what callers must feed");
  retype.value = g.name;
  return retype;
}

class OperandDtypeMismatchRule final : public Rule {
 public:
  const RuleInfo& info() const override {
    static const RuleInfo kInfo{"operand-dtype-mismatch",
                                Severity::kError,
                                FixAvailability::kSafe,
                                "inputs bound to the same type parameter of an op have different dtypes",
                                "0.1.0",
                                /*origin_is_cause=*/true};
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
        Finding& f = out.Add(node.InputLocation(s.slot), node.Label() + ": " + node.DescribeInput(ref.slot) + " is " +
                                                             ref_prov.dtype + " (" + ref_prov.origin + ") but " +
                                                             node.DescribeInput(s.slot) + " is " + prov.dtype + " (" +
                                                             prov.origin + ")");
        f.notes.push_back("both are bound to type parameter '" + b.param + "' of " + node.record().op_type() + "-" +
                          std::to_string(node.record().schema->SinceVersion()) + ", which must be one type");
        f.provenance.reserve(2);  // not an initializer list: that would copy both
        f.provenance.push_back(ref_prov);
        f.provenance.push_back(std::move(prov));
        f.fix = WideningFix(node, b);
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
