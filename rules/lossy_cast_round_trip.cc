// Flags a Cast that converts back to the type a narrowing Cast just left: the round trip
// loses precision; it is not a no-op.
// Docs: docs/rules/lossy-cast-round-trip.md
#include "lint/dtype.h"
#include "rules/cast_chain.h"
#include "rules/registry.h"

namespace onnxtidy {
namespace {

class LossyCastRoundTripRule final : public Rule {
 public:
  const RuleInfo& info() const override {
    static const RuleInfo kInfo{"lossy-cast-round-trip", Severity::kWarning, FixAvailability::kDisplayOnly,
                                "a narrowing Cast and its way back (float32 -> float16 -> float32) lose precision",
                                "0.1.0"};
    return kInfo;
  }

  void CheckNode(const NodeView& node, FindingSink& out) const override {
    const auto cast = ReadCast(node);
    if (!cast || !cast->before || cast->from == cast->to) return;
    const int32_t origin = cast->before->origin;
    if (origin != cast->to || IsExactConversion(origin, cast->from)) return;
    Finding& f = out.Add(node.InputLocation(0), node.Label() + ": converts '" + node.Input(0)->name + "' back to " +
                                                    DtypeName(origin) + " after " + NodeLabel(*cast->before->node) +
                                                    " narrowed it to " + DtypeName(cast->from) +
                                                    "; the round trip loses precision");
    f.notes.push_back(PrecisionLoss(origin, cast->from) + ", so values of '" + cast->before->input +
                      "' change; removing both Casts would change the model's results too");
    f.provenance.push_back(node.InputProvenance(0));
    f.fix = FixSuggestion::Display("remove both Casts only if the precision loss is unintended",
                                   "removing a narrowing round trip changes computed values");
  }
};

}  // namespace

const Rule& LossyCastRoundTrip() {
  static const LossyCastRoundTripRule kRule;
  return kRule;
}

}  // namespace onnxtidy
