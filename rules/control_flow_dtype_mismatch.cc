// Flags If branches, and Loop/Scan states and scanned inputs, whose values must share
// one type but do not.
// Docs: docs/rules/control-flow-dtype-mismatch.md
#include "lint/control_flow.h"
#include "lint/dtype.h"
#include "rules/registry.h"

namespace onnxtidy {
namespace {

// Every member widened to the widest keeps every value: the fix `onnx-tidy fix` applies.
FixSuggestion WideningFix(const TypedModel& tm, const NodeView& node, const ControlFlowJoin& join) {
  const int32_t widest = WidestTensorType(tm, join);
  std::string narrow;
  bool exact = widest != kUndefined;
  for (const JoinMember& m : join.members) {
    if (!exact) break;
    const int32_t e = ElemType(*tm.values[static_cast<size_t>(m.value)].type);
    if (e == widest) continue;
    exact &= IsExactConversion(e, widest);
    narrow += (narrow.empty() ? "" : ", ") + m.role;
  }
  if (!exact) {
    return FixSuggestion::Display("give " + node.Label() + " " + join.what + " one type",
                                  "no member's type holds all the others' values exactly; which type is right needs "
                                  "a decision");
  }
  return FixSuggestion::Of(FixKind::kWidenJoin, widest,
                           "widen " + narrow + " to " + DtypeName(widest) + " (insert a Cast)", FixSafety::kSafe);
}

bool DeclaredOtherwise(const TypedModel& tm, const JoinMember& m) {
  if (m.kind != JoinMember::Kind::kBranchOutput && m.kind != JoinMember::Kind::kBodyOutput) return false;
  const onnx::GraphProto* g = tm.graphs[static_cast<size_t>(m.graph)].proto;
  if (g == nullptr || m.slot >= g->output_size()) return false;
  const std::string declared = TypeString(g->output(m.slot).type());
  return !declared.empty() && declared != tm.values[static_cast<size_t>(m.value)].type_string();
}

class ControlFlowDtypeMismatchRule final : public Rule {
 public:
  const RuleInfo& info() const override {
    static const RuleInfo kInfo{"control-flow-dtype-mismatch",
                                Severity::kError,
                                FixAvailability::kSafe,
                                "If branches, or a Loop/Scan state and its body, disagree on a type",
                                "0.2.0",
                                /*origin_is_cause=*/true};
    return kInfo;
  }

  void CheckNode(const NodeView& node, FindingSink& out) const override {
    if (!JoinsValues(node.record())) return;
    const TypedModel& tm = node.model();
    for (const ControlFlowJoin& join : ControlFlowJoins(tm, node.id())) {
      if (join.members.size() < 2) continue;
      if (!Disagrees(tm, join)) continue;
      // A type chosen after an operand conflict is that finding's echo, and an output
      // computed otherwise than its graph declares is declared-type-mismatch's: their
      // fixes come first and may settle this join.
      bool owned_elsewhere = false;
      for (const JoinMember& m : join.members) {
        owned_elsewhere |= tm.values[static_cast<size_t>(m.value)].after_conflict || DeclaredOtherwise(tm, m);
      }
      if (owned_elsewhere) continue;
      std::string parts;
      std::vector<Provenance> provenance;
      for (const JoinMember& m : join.members) {
        Provenance p = TraceDtype(tm, m.value, m.role);
        if (m.kind == JoinMember::Kind::kBodyInput) p.origin = "declared";
        parts += (parts.empty() ? "" : ", ") + m.role + " is " + p.dtype + " (" + p.origin + ")";
        provenance.push_back(std::move(p));
      }
      const Location where =
          join.output_slot >= 0 ? node.OutputLocation(join.output_slot) : node.InputLocation(join.members[0].slot);
      Finding& f = out.Add(where, node.Label() + " " + join.what + " must have one type: " + parts);
      f.notes.push_back(node.record().op_type() == "If"
                            ? "onnx's inference and onnxruntime refuse this at load: \"Mismatched tensor element "
                              "type\"; the If's output has the type of both branches"
                            : "onnx's inference and onnxruntime refuse this at load: \"Input element type of ... does "
                              "not match existing output type of ...\"; each iteration feeds the body's output "
                              "back as its input");
      f.provenance = std::move(provenance);
      f.fix = WideningFix(tm, node, join);
    }
  }
};

}  // namespace

const Rule& ControlFlowDtypeMismatch() {
  static const ControlFlowDtypeMismatchRule kRule;
  return kRule;
}

}  // namespace onnxtidy
