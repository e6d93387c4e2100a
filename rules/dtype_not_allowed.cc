// Flags an input or output whose dtype the op's schema does not allow at the model's opset.
// Docs: docs/rules/dtype-not-allowed.md
#include <algorithm>
#include <optional>

#include "lint/dtype.h"
#include "onnx/defs/schema.h"
#include "rules/registry.h"

namespace onnxtidy {
namespace {

std::string Join(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& s : items) out += (out.empty() ? "" : ", ") + s;
  return out;
}

// The first later version of the op that allows `type` at the same slot, or 0.
int FirstVersionAllowing(const NodeRecord& node, int slot, bool is_input, const std::string& type) {
  const int newest = NewestKnownOpset(node.domain);
  if (newest < 0) return 0;
  const onnx::OpSchema* current = node.schema;
  for (int v = node.opset + 1; v <= newest; ++v) {
    const onnx::OpSchema* s = onnx::OpSchemaRegistry::Schema(node.op_type(), v, node.domain);
    if (s == nullptr || s == current) continue;
    current = s;
    const auto* formal = is_input ? InputFormal(*s, slot) : OutputFormal(*s, slot);
    if (formal != nullptr && AllowsType(*formal, type)) return s->SinceVersion();
  }
  return 0;
}

// Widening the inputs bound to the formal's type parameter exactly, to the narrowest
// type the op allows that holds them all, keeps every value (torch 1.13's bfloat16 Pow
// exponent at opsets 13/14 becomes float; a bfloat16 HardSwish input computes in float,
// and its output with it).
std::optional<FixSuggestion> WideningFix(const NodeView& node, int slot, const onnx::OpSchema::FormalParameter& formal,
                                         const ValueRecord& v) {
  const NodeRecord& r = node.record();
  if (!v.type->has_tensor_type() || !IsConvertibleFloat(ElemType(*v.type))) return std::nullopt;
  std::vector<int> slots = {slot};
  if (IsTypeParam(*r.schema, formal.GetTypeStr())) {
    slots.clear();
    for (size_t s = 0; s < r.inputs.size(); ++s) {
      const auto* other = InputFormal(*r.schema, static_cast<int>(s));
      if (r.inputs[s] >= 0 && other != nullptr && other->GetTypeStr() == formal.GetTypeStr()) {
        slots.push_back(static_cast<int>(s));
      }
    }
  }
  std::vector<int32_t> types;
  for (int s : slots) {
    const ValueRecord* in = node.Input(s);
    if (in == nullptr || !in->Known() || !in->type->has_tensor_type()) return std::nullopt;
    types.push_back(ElemType(*in->type));
    if (!IsConvertibleFloat(types.back())) return std::nullopt;
  }
  for (int32_t to : {kFloat, kDouble}) {
    if (!AllowsType(formal, TypeString(TensorType(to))) ||
        !std::all_of(types.begin(), types.end(), [&](int32_t t) { return IsExactConversion(t, to); })) {
      continue;
    }
    FixSuggestion fix = FixSuggestion::Of(
        FixKind::kWidenOperands, to,
        "widen '" + v.name + "' to " + DtypeName(to) + ", which " + r.op_type() + " allows", FixSafety::kSafe);
    for (size_t k = 0; k < slots.size(); ++k) {
      if (types[k] == to) continue;
      fix.slots.push_back(slots[k]);
      // A stored tensor is rewritten; anything else needs a Cast, which may not be
      // writable here (bfloat16 before opset 13, a model without ai.onnx).
      const ValueRecord* in = node.Input(slots[k]);
      const bool stored =
          in->constant && (in->origin == OriginKind::kInitializer || in->origin == OriginKind::kConstantNode);
      if (stored) continue;
      if (std::string why = CastBlocker(node.model(), r.graph, types[k], to); !why.empty()) {
        return FixSuggestion::Display(fix.title, why);
      }
    }
    return fix;
  }
  return std::nullopt;
}

class DtypeNotAllowedRule final : public Rule {
 public:
  const RuleInfo& info() const override {
    static const RuleInfo kInfo{"dtype-not-allowed",
                                Severity::kError,
                                FixAvailability::kSafe,
                                "an input or output has a dtype the op does not allow at the model's opset",
                                "0.1.0",
                                /*origin_is_cause=*/true};
    return kInfo;
  }

  void CheckNode(const NodeView& node, FindingSink& out) const override {
    const NodeRecord& r = node.record();
    if (r.schema == nullptr) return;  // unknown op: nothing to check against
    // Past the newest opset onnx 1.12 knows, a newer version of the op may allow more
    // types (float8, int4, ...): not knowing is no evidence of a fault.
    if (r.opset > NewestKnownOpset(r.domain)) return;
    for (int slot = 0; slot < static_cast<int>(r.inputs.size()); ++slot) {
      const ValueRecord* v = node.Input(slot);
      if (v == nullptr || !v->Known()) continue;
      Check(node, slot, /*is_input=*/true, *v, out);
    }
    for (int slot = 0; slot < static_cast<int>(r.outputs.size()); ++slot) {
      const ValueRecord* v = node.Output(slot);
      // An output that took its type from an input repeats that input's finding.
      if (v == nullptr || !v->Known() || v->from >= 0 || v->origin == OriginKind::kValueInfo) continue;
      Check(node, slot, /*is_input=*/false, *v, out);
    }
  }

 private:
  static void Check(const NodeView& node, int slot, bool is_input, const ValueRecord& v, FindingSink& out) {
    const NodeRecord& r = node.record();
    const auto* formal = is_input ? InputFormal(*r.schema, slot) : OutputFormal(*r.schema, slot);
    if (formal == nullptr || AllowsType(*formal, v.type_string())) return;
    const std::string op_version = r.op_type() + "-" + std::to_string(r.schema->SinceVersion());
    Provenance prov = is_input ? node.InputProvenance(slot) : node.OutputProvenance(slot);
    const std::string what =
        is_input ? node.DescribeInput(slot) : "output " + std::to_string(slot) + " '" + v.name + "'";
    Finding& f = out.Add(is_input ? node.InputLocation(slot) : node.OutputLocation(slot),
                         node.Label() + ": " + what + " is " + prov.dtype + " (" + prov.origin + "), which " +
                             op_version + " does not allow (opset " + std::to_string(r.opset) + ")");
    std::string domain = r.domain.empty() ? "" : " in domain '" + r.domain + "'";
    f.notes.push_back(op_version + domain + " allows " + formal->GetTypeStr() + " in {" +
                      Join(AllowedTypeStrings(*formal)) + "}");
    if (int v2 = FirstVersionAllowing(r, slot, is_input, v.type_string())) {
      f.notes.push_back(r.op_type() + "-" + std::to_string(v2) + " allows " + v.type_string() + ": opset " +
                        std::to_string(v2) + " or later would accept it");
    }
    f.provenance.push_back(std::move(prov));
    if (is_input) {
      if (auto fix = WideningFix(node, slot, *formal, v)) f.fix = std::move(*fix);
    }
  }
};

}  // namespace

const Rule& DtypeNotAllowed() {
  static const DtypeNotAllowedRule kRule;
  return kRule;
}

}  // namespace onnxtidy
