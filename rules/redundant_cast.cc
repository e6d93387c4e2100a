// Flags a Cast that changes nothing: to the type its input already has, or back to the
// type an exactly-widening Cast just came from.
// Docs: docs/rules/redundant-cast.md
#include "lint/dtype.h"
#include "rules/cast_chain.h"
#include "rules/registry.h"

namespace onnxtidy {
namespace {

// Its readers read `source` instead; the Cast goes.
FixSuggestion RemovalFix(const NodeView& node, const std::string& title, const std::string& source) {
  const std::string escapes = node.OutputEscapes(0);
  if (!escapes.empty()) {
    return FixSuggestion::Display(title, "its output '" + node.Output(0)->name + "' is " + escapes);
  }
  FixSuggestion fix = FixSuggestion::Of(FixKind::kRemoveCast, kUndefined, title, FixSafety::kSafe);
  fix.value = source;
  return fix;
}

class RedundantCastRule final : public Rule {
 public:
  const RuleInfo& info() const override {
    static const RuleInfo kInfo{"redundant-cast", Severity::kWarning, FixAvailability::kSafe,
                                "a Cast that changes nothing (same type, or an exact widen-and-back pair)", "0.1.0"};
    return kInfo;
  }

  void CheckNode(const NodeView& node, FindingSink& out) const override {
    const auto cast = ReadCast(node);
    if (!cast) return;
    if (cast->from == cast->to) {
      Finding& f = out.Add(node.InputLocation(0), node.Label() + ": '" + node.Input(0)->name + "' is already " +
                                                      DtypeName(cast->to) + "; the Cast does nothing");
      f.provenance.push_back(node.InputProvenance(0));
      f.fix = RemovalFix(node, "remove " + node.Label() + " and use '" + node.Input(0)->name + "' directly",
                         node.Input(0)->name);
      return;
    }
    if (!cast->before || cast->before->origin != cast->to || !IsExactConversion(cast->to, cast->from)) return;
    Finding& f =
        out.Add(node.InputLocation(0), node.Label() + ": casts back to " + DtypeName(cast->to) + " what " +
                                           NodeLabel(*cast->before->node) + " widened from " + DtypeName(cast->to) +
                                           " to " + DtypeName(cast->from) + "; the pair is a no-op");
    f.provenance.push_back(node.InputProvenance(0));
    f.fix = RemovalFix(node, "use '" + cast->before->input + "' in place of '" + node.Output(0)->name + "'",
                       cast->before->input);
  }
};

}  // namespace

const Rule& RedundantCast() {
  static const RedundantCastRule kRule;
  return kRule;
}

}  // namespace onnxtidy
