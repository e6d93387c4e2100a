// Flags a value_info, graph output or graph input whose declared type disagrees with
// the type the value really has.
// Docs: docs/rules/declared-type-mismatch.md
#include <unordered_map>

#include "lint/dtype.h"
#include "rules/registry.h"

namespace onnxtidy {
namespace {

std::string Show(const onnx::TypeProto& t) {
  return t.has_tensor_type() ? DtypeName(t.tensor_type().elem_type()) : TypeString(t);
}

// A graph output keeps its declared type through a Cast after its producer.
FixSuggestion OutputCastFix(const GraphView& graph, const ValueRecord& v, const onnx::TypeProto& declared) {
  const std::string title = "cast '" + v.name + "' to the declared " + Show(declared) + " at the output";
  if (!declared.has_tensor_type() || !v.type->has_tensor_type()) {
    return FixSuggestion::Display(title, "only tensor outputs are cast");
  }
  if (v.origin != OriginKind::kNodeOutput || v.node < 0 ||
      graph.model().nodes[static_cast<size_t>(v.node)].graph != graph.id()) {
    return FixSuggestion::Display(title,
                                  "the output is not computed by a node of its graph (it is an input, "
                                  "initializer or outer value)");
  }
  const int32_t from = ElemType(*v.type), to = declared.tensor_type().elem_type();
  if (std::string why = CastBlocker(graph.model(), graph.id(), from, to); !why.empty()) {
    return FixSuggestion::Display(title, why);
  }
  // Rounding a float to the float type the graph declares returns what the declaration
  // promises callers; any other inexact Cast changes values.
  if (IsExactConversion(from, to) || (IsConvertibleFloat(from) && IsConvertibleFloat(to))) {
    return FixSuggestion::Of(FixKind::kCastGraphOutput, to, title, FixSafety::kSafe);
  }
  return FixSuggestion::Of(FixKind::kCastGraphOutput, to, title, FixSafety::kUnsafe,
                           PrecisionLoss(from, to) + ": the Cast changes the values returned");
}

// An initializer default takes the type its graph input declares: exact only when
// widening between the float types the fixer converts.
FixSuggestion InitializerFix(const std::string& name, int32_t stored, int32_t declared) {
  const std::string title = "convert initializer '" + name + "' to " + DtypeName(declared);
  if (!IsConvertibleFloat(stored) || !IsConvertibleFloat(declared)) {
    return FixSuggestion::Display(title, "only float32, float16, bfloat16 and double tensors are converted");
  }
  if (IsExactConversion(stored, declared)) {
    return FixSuggestion::Of(FixKind::kConvertInitializer, declared, title, FixSafety::kSafe);
  }
  return FixSuggestion::Of(FixKind::kConvertInitializer, declared, title, FixSafety::kUnsafe,
                           PrecisionLoss(stored, declared) + ": converting the stored values narrows them");
}

// A value_info is a declaration: following the computed type changes no value.
FixSuggestion ValueInfoFix(const ValueRecord& v, const onnx::TypeProto& declared) {
  const std::string title = "update value_info '" + v.name + "' to " + Show(*v.type);
  if (!declared.has_tensor_type() || !v.type->has_tensor_type()) {
    return FixSuggestion::Display(title, "only tensor declarations are updated");
  }
  return FixSuggestion::Of(FixKind::kRetypeValueInfo, ElemType(*v.type), title, FixSafety::kSafe);
}

class DeclaredTypeMismatchRule final : public Rule {
 public:
  const RuleInfo& info() const override {
    static const RuleInfo kInfo{"declared-type-mismatch", Severity::kError, FixAvailability::kSafe,
                                "a value_info, graph output or graph input declares another type than the value has",
                                "0.1.0"};
    return kInfo;
  }

  void CheckGraph(const GraphView& graph, FindingSink& out) const override {
    const GraphRecord& g = graph.record();
    if (g.proto == nullptr) return;  // function bodies declare no types
    CheckValueInfo(graph, out);
    for (size_t i = 0; i < g.outputs.size() && static_cast<int>(i) < g.proto->output_size(); ++i) {
      const onnx::TypeProto& declared = g.proto->output(static_cast<int>(i)).type();
      const ValueRecord& v = graph.Value(g.outputs[i]);
      if (!Disagrees(declared, v)) continue;
      Provenance prov = TraceDtype(graph.model(), g.outputs[i], "graph output");
      Finding& f = out.Add(graph.ValueLocation(v), "graph output '" + v.name + "' is declared " + Show(declared) +
                                                       " but is " + prov.dtype + " (" + prov.origin + ")");
      f.provenance.push_back(std::move(prov));
      f.fix = OutputCastFix(graph, v, declared);
    }
    for (int id : g.inputs) {
      const ValueRecord& v = graph.Value(id);
      if (v.initializer == nullptr || v.origin != OriginKind::kGraphInput) continue;
      const int32_t stored = v.initializer->data_type();
      if (!v.type->has_tensor_type() || v.type->tensor_type().elem_type() == stored) continue;
      Finding& f = out.Add(graph.ValueLocation(v), "graph input '" + v.name + "' is declared " + Show(*v.type) +
                                                       " but its initializer holds " + DtypeName(stored));
      f.notes.push_back(
          "onnxruntime refuses this at load: the initializer's element type does not match the "
          "graph input's");
      f.fix = InitializerFix(v.name, stored, v.type->tensor_type().elem_type());
    }
  }

 private:
  // A value downstream of an operand conflict gets its type from the conflict's policy,
  // not from the model: judging a declaration by it would only echo that finding.
  static bool Disagrees(const onnx::TypeProto& declared, const ValueRecord& v) {
    const std::string want = TypeString(declared);
    return !want.empty() && v.Known() && !v.after_conflict && want != v.type_string();
  }

  static void CheckValueInfo(const GraphView& graph, FindingSink& out) {
    const GraphRecord& g = graph.record();
    if (g.value_info.empty()) return;
    const TypedModel& tm = graph.model();
    for (int nid : g.nodes) {
      const NodeRecord& n = tm.nodes[static_cast<size_t>(nid)];
      for (size_t j = 0; j < n.outputs.size(); ++j) {
        if (n.outputs[j] < 0) continue;
        const ValueRecord& v = graph.Value(n.outputs[j]);
        auto vi = g.value_info.find(v.name);
        if (vi == g.value_info.end() || v.origin == OriginKind::kValueInfo || !Disagrees(vi->second->type(), v)) {
          continue;
        }
        Provenance prov = TraceDtype(tm, n.outputs[j], "output " + std::to_string(j));
        Finding& f = out.Add(graph.ValueLocation(v), "value_info declares '" + v.name + "' as " +
                                                         Show(vi->second->type()) + " but " + NodeLabel(n) +
                                                         " produces " + prov.dtype + " (" + prov.origin + ")");
        f.notes.push_back("onnxruntime: Type (" + v.type_string() + ") of output arg (" + v.name + ") of node (" +
                          n.name() + ") does not match expected type (" + TypeString(vi->second->type()) + ")");
        f.fix = ValueInfoFix(v, vi->second->type());
        f.provenance.push_back(std::move(prov));
      }
    }
  }
};

}  // namespace

const Rule& DeclaredTypeMismatch() {
  static const DeclaredTypeMismatchRule kRule;
  return kRule;
}

}  // namespace onnxtidy
