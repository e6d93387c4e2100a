// Flags main-graph inputs, outputs and initializers whose element type is 0 (UNDEFINED).
// Docs: docs/rules/undefined-dtype.md
#include <set>

#include "lint/dtype.h"
#include "lint/schema_binding.h"
#include "onnx/defs/data_type_utils.h"
#include "rules/registry.h"

namespace onnxtidy {
namespace {

const char* const kRefused = "onnxruntime refuses it (\"Invalid tensor data type 0.\")";

// A tensor type whose element type is missing or 0. Other kinds (sequences, maps) and
// a value declared without any type are not this rule's business.
bool UndefinedTensor(const onnx::TypeProto& t) {
  return t.has_tensor_type() && t.tensor_type().elem_type() == kUndefined;
}

// What the nodes reading value `id` need it to be, by their schemas: the type the
// other operands bound to its type parameter have, or the one type its formal allows.
// Empty when they say nothing, or disagree.
std::string ReadersWant(const TypedModel& tm, int id, std::string& reader) {
  std::set<std::string> wanted;
  for (const NodeRecord& n : tm.nodes) {
    if (n.schema == nullptr) continue;
    for (size_t s = 0; s < n.inputs.size(); ++s) {
      if (n.inputs[s] != id) continue;
      const onnx::OpSchema::FormalParameter* formal = InputFormal(*n.schema, static_cast<int>(s));
      if (formal == nullptr) continue;
      int32_t want = kUndefined;
      if (BindsTypeParam(*n.schema, *formal)) {
        for (const ParamBinding& b : n.bindings) {
          if (b.param != formal->GetTypeStr() || b.slots.empty()) continue;
          const ValueRecord& bound = tm.values[static_cast<size_t>(n.inputs[static_cast<size_t>(b.Chosen().slot)])];
          if (bound.type->has_tensor_type()) want = bound.type->tensor_type().elem_type();
        }
      } else if (!IsTypeParam(*n.schema, formal->GetTypeStr()) && formal->GetTypes().size() == 1) {
        const onnx::TypeProto& t = onnx::Utils::DataTypeUtils::ToTypeProto(*formal->GetTypes().begin());
        if (t.has_tensor_type()) want = t.tensor_type().elem_type();
      }
      if (want == kUndefined) continue;
      if (wanted.insert(DtypeName(want)).second && reader.empty()) reader = NodeLabel(n);
    }
  }
  return wanted.size() == 1 ? *wanted.begin() : "";
}

class UndefinedDtypeRule final : public Rule {
 public:
  const RuleInfo& info() const override {
    static const RuleInfo kInfo{"undefined-dtype", Severity::kError, FixAvailability::kDisplayOnly,
                                "a main-graph input, output or initializer has element type 0 (UNDEFINED)", "0.2.0"};
    return kInfo;
  }

  void CheckGraph(const GraphView& graph, FindingSink& out) const override {
    const GraphRecord& g = graph.record();
    // In subgraph I/O, 0 means "unknown" (the owner op decides); function formals have
    // no types at all.
    if (g.kind != GraphKind::kMain || g.proto == nullptr) return;
    const TypedModel& tm = graph.model();
    for (int i = 0; i < g.proto->input_size() && static_cast<size_t>(i) < g.inputs.size(); ++i) {
      const onnx::ValueInfoProto& in = g.proto->input(i);
      if (!UndefinedTensor(in.type())) continue;
      const ValueRecord& v = graph.Value(g.inputs[static_cast<size_t>(i)]);
      Finding& f = out.Add(graph.ValueLocation(v),
                           "graph input '" + in.name() + "' declares element type 0 (UNDEFINED); " + kRefused);
      f.notes.push_back(Checker(in.type(), false));
      std::string reader;
      const std::string want = ReadersWant(tm, g.inputs[static_cast<size_t>(i)], reader);
      if (want.empty()) continue;
      f.notes.push_back(reader + " reads it as " + want);
      f.fix = FixSuggestion::Display("declare graph input '" + in.name() + "' as " + want,
                                     "what callers feed is theirs to decide; the readers suggest " + want);
    }
    for (int i = 0; i < g.proto->output_size() && static_cast<size_t>(i) < g.outputs.size(); ++i) {
      const onnx::ValueInfoProto& o = g.proto->output(i);
      if (!UndefinedTensor(o.type())) continue;
      const ValueRecord& v = graph.Value(g.outputs[static_cast<size_t>(i)]);
      Finding& f = out.Add(graph.ValueLocation(v),
                           "graph output '" + o.name() + "' declares element type 0 (UNDEFINED); " + kRefused);
      f.notes.push_back(Checker(o.type(), true));
      if (!v.Known() || !v.type->has_tensor_type()) continue;
      const std::string computed = DtypeName(v.type->tensor_type().elem_type());
      Provenance prov = TraceDtype(tm, g.outputs[static_cast<size_t>(i)], "graph output");
      f.provenance.push_back(std::move(prov));
      f.fix = FixSuggestion::Display("declare graph output '" + o.name() + "' as " + computed,
                                     "onnx-tidy fix does not rewrite this declaration");
    }
    for (int id : MainInitializers(graph)) {
      const ValueRecord& v = graph.Value(id);
      const bool sparse = v.origin == OriginKind::kSparseInitializer;
      Finding& f =
          out.Add(graph.ValueLocation(v),
                  std::string(sparse ? "sparse initializer '" : "initializer '") + v.name +
                      "' has data_type 0 (UNDEFINED); onnxruntime refuses "
                      "it (\"" +
                      (sparse ? "tensor type 0 is not supported" : "Tensor does not have type information") + "\")");
      f.notes.push_back("onnx's checker refuses it too (\"setting data_type field (tensor name: " + v.name +
                        ") to UNDEFINED is not allowed\")");
      std::string reader;
      const std::string want = ReadersWant(tm, id, reader);
      if (!want.empty()) f.notes.push_back(reader + " reads it as " + want + "; what its bytes hold is not recorded");
    }
  }

 private:
  // What onnx's checker says about the declaration: an unset elem_type is refused
  // outright; an explicit 0 on an input only by full_check's type inference, at a node
  // reading it; on an output not at all (inference fills the type in).
  static std::string Checker(const onnx::TypeProto& t, bool output) {
    if (!t.tensor_type().has_elem_type()) {
      return "onnx's checker refuses it too (\"Field 'elem_type' of 'type' is required but missing.\")";
    }
    if (output) return "onnx's checker accepts it, even with full_check: only onnxruntime refuses it";
    return "onnx's checker accepts it; with full_check, its type inference fails where a node reads it (e.g. "
           "\"Element type of input 0 unknown\")";
  }

  // The main graph's initializers (and sparse initializers) stored with data_type 0.
  static std::vector<int> MainInitializers(const GraphView& graph) {
    std::vector<int> ids;
    const TypedModel& tm = graph.model();
    for (size_t id = 0; id < tm.values.size(); ++id) {
      const ValueRecord& v = tm.values[id];
      if (v.graph != 0) continue;
      const bool dense = v.initializer != nullptr && v.initializer->data_type() == kUndefined;
      const bool sparse = v.origin == OriginKind::kSparseInitializer && !v.Known();
      if (dense || sparse) ids.push_back(static_cast<int>(id));
    }
    return ids;
  }
};

}  // namespace

const Rule& UndefinedDtype() {
  static const UndefinedDtypeRule kRule;
  return kRule;
}

}  // namespace onnxtidy
