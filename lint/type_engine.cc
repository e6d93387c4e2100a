#include "lint/type_engine.h"

#include <algorithm>
#include <array>
#include <cstddef>
#include <exception>
#include <functional>
#include <memory>
#include <memory_resource>
#include <optional>
#include <set>
#include <string_view>
#include <unordered_set>

#include "lint/dtype.h"
#include "lint/inference_context.h"
#include "onnx/defs/data_type_utils.h"

namespace onnxtidy {
namespace {

using OpsetMap = std::map<std::string, int>;

std::string NormalizeDomain(const std::string& d) { return d == "ai.onnx" ? "" : d; }

OpsetMap ReadOpsets(const google::protobuf::RepeatedPtrField<onnx::OperatorSetIdProto>& imports,
                    const OpsetMap* fallback) {
  OpsetMap out;
  if (fallback != nullptr) out = *fallback;
  for (const auto& imp : imports) out[NormalizeDomain(imp.domain())] = static_cast<int>(imp.version());
  return out;
}

void ClearShapes(onnx::TypeProto& t) {
  switch (t.value_case()) {
    case onnx::TypeProto::kTensorType: t.mutable_tensor_type()->clear_shape(); break;
    case onnx::TypeProto::kSparseTensorType: t.mutable_sparse_tensor_type()->clear_shape(); break;
    case onnx::TypeProto::kSequenceType: ClearShapes(*t.mutable_sequence_type()->mutable_elem_type()); break;
    case onnx::TypeProto::kOptionalType: ClearShapes(*t.mutable_optional_type()->mutable_elem_type()); break;
    case onnx::TypeProto::kMapType: ClearShapes(*t.mutable_map_type()->mutable_value_type()); break;
    default: break;
  }
}

// The element type a Constant's value attribute holds, or kUndefined.
int32_t ConstantValueType(const onnx::NodeProto& node) {
  for (const auto& a : node.attribute()) {
    const std::string& n = a.name();
    if (n == "value" && a.has_t()) return a.t().data_type();
    if (n == "sparse_value" && a.has_sparse_tensor()) return a.sparse_tensor().values().data_type();
    if (n == "value_float" || n == "value_floats") return kFloat;
    if (n == "value_int" || n == "value_ints") return kInt64;
    if (n == "value_string" || n == "value_strings") return kString;
  }
  return kUndefined;
}

// What a subgraph output of unknown type looks like to an inference function.
const onnx::TypeProto& EmptyType() {
  static const onnx::TypeProto kEmpty;
  return kEmpty;
}

bool HasAttributeRefs(const onnx::NodeProto& node) {
  return std::any_of(node.attribute().begin(), node.attribute().end(),
                     [](const auto& a) { return !a.ref_attr_name().empty(); });
}

// A function body node with its attribute references replaced by the caller's values.
onnx::NodeProto ResolveAttributeRefs(const onnx::NodeProto& body_node, const onnx::NodeProto& caller) {
  onnx::NodeProto out = body_node;
  out.clear_attribute();
  for (const auto& a : body_node.attribute()) {
    if (a.ref_attr_name().empty()) {
      *out.add_attribute() = a;
      continue;
    }
    for (const auto& actual : caller.attribute()) {
      if (actual.name() != a.ref_attr_name()) continue;
      onnx::AttributeProto* copy = out.add_attribute();
      *copy = actual;
      copy->set_name(a.name());
    }
    // Not given by the caller: the op's default applies, so leave it out.
  }
  return out;
}

// Names in scope while a graph is walked. The keys view the model's own strings, which
// do not change during the walk.
class Scope {
 public:
  // `memory` outlives the scope: entries are never freed one by one.
  Scope(const Scope* parent, std::pmr::memory_resource* memory) : parent_(parent), names_(memory) {}
  void Reserve(size_t n) { names_.reserve(n); }
  void Define(std::string_view name, int id) { names_[name] = id; }
  int Lookup(std::string_view name) const {
    for (const Scope* s = this; s != nullptr; s = s->parent_) {
      auto it = s->names_.find(name);
      if (it != s->names_.end()) return it->second;
    }
    return -1;
  }
  bool DefinesLocally(std::string_view name) const { return names_.count(name) != 0; }

 private:
  const Scope* parent_;
  std::pmr::unordered_map<std::string_view, int> names_;
};

using NodeList = google::protobuf::RepeatedPtrField<onnx::NodeProto>;

// The first node of a node list that produces each name, built when first asked: only
// a graph with a read that nothing in scope defines (yet) needs it.
class Producers {
 public:
  explicit Producers(const NodeList& nodes) : nodes_(nodes), arena_(stack_.data(), stack_.size()) {}
  int Of(std::string_view name) {
    if (!first_) {
      first_.emplace(&arena_);
      first_->reserve(static_cast<size_t>(nodes_.size()));
      for (int i = 0; i < nodes_.size(); ++i) {
        for (const auto& out : nodes_.Get(i).output()) {
          if (!out.empty()) first_->try_emplace(out, i);
        }
      }
    }
    auto it = first_->find(name);
    return it == first_->end() ? -1 : it->second;
  }

 private:
  const NodeList& nodes_;
  std::array<std::byte, 2048> stack_;  // small graphs (most subgraphs) need no heap
  std::pmr::monotonic_buffer_resource arena_;
  std::optional<std::pmr::unordered_map<std::string_view, int>> first_;
};

struct OutputPlan {
  const onnx::TypeProto* type = nullptr;  // interned
  OriginKind origin = OriginKind::kNodeOutput;
  int from = -1;
};

class Engine {
 public:
  Engine(const onnx::ModelProto& model, TypedModel& out, const AnalysisLimits& limits)
      : model_(model), out_(out), limits_(limits) {
    for (const auto& fn : model.functions()) functions_[{NormalizeDomain(fn.domain()), fn.name()}] = &fn;
  }

  void Run() {
    OpsetMap opsets = ReadOpsets(model_.opset_import(), nullptr);
    NoteNewerThanKnown(opsets);
    const auto& g = model_.graph();
    out_.nodes.reserve(static_cast<size_t>(g.node_size()));
    out_.values.reserve(static_cast<size_t>(g.input_size() + g.initializer_size() + 2 * g.node_size()));
    GraphRecord main;
    main.path = "main";
    main.kind = GraphKind::kMain;
    WalkGraph(model_.graph(), nullptr, std::move(main), opsets, nullptr);
  }

 private:
  const onnx::TypeProto* Intern(const onnx::TypeProto& t) { return out_.types.Intern(t); }

  int NewValue(const std::string& name, int graph, const onnx::TypeProto* type, OriginKind origin, int node = -1,
               int from = -1, bool constant = false) {
    ValueRecord v;
    v.name = name;
    v.graph = graph;
    v.type = type;
    if (type != nullptr) v.type_name = &out_.types.Name(type);
    v.origin = origin;
    v.node = node;
    v.from = from;
    v.constant = constant;
    const int id = static_cast<int>(out_.values.size());
    v.root = id;
    if (from >= 0) {
      // Kept per value so that tracing a finding is O(1) however deep the graph.
      const ValueRecord& src = out_.values[static_cast<size_t>(from)];
      v.root = src.root;
      v.depth = src.depth + 1;
      v.nodes_passed = src.nodes_passed + (origin == OriginKind::kNodeOutput ? 1 : 0);
      v.after_conflict = src.after_conflict;
    }
    out_.values.push_back(std::move(v));
    return id;
  }

  void NoteNewerThanKnown(const OpsetMap& opsets) {
    std::string newer;
    const auto& known = onnx::OpSchemaRegistry::DomainToVersionRange::Instance().Map();
    for (const auto& [domain, version] : opsets) {
      auto it = known.find(domain.empty() ? onnx::ONNX_DOMAIN : domain);
      if (it == known.end() || version <= it->second.second) continue;
      if (!newer.empty()) newer += ", ";
      newer += (domain.empty() ? "ai.onnx" : domain) + " opset " + std::to_string(version) + " (known up to " +
               std::to_string(it->second.second) + ")";
    }
    if (model_.ir_version() > onnx::IR_VERSION) {
      if (!newer.empty()) newer += ", ";
      newer += "IR version " + std::to_string(model_.ir_version()) + " (known up to " +
               std::to_string(onnx::IR_VERSION) + ")";
    }
    if (newer.empty()) return;
    out_.notices.push_back("model uses " + newer +
                           "; it is checked with the newest schemas onnx-tidy knows, which may be older");
  }

  int WalkGraph(const onnx::GraphProto& g, const Scope* parent, GraphRecord rec, const OpsetMap& opsets,
                const std::vector<const onnx::TypeProto*>* bound_inputs) {
    const int gid = static_cast<int>(out_.graphs.size());
    rec.proto = &g;
    for (const auto& vi : g.value_info()) rec.value_info[vi.name()] = &vi;
    out_.graphs.push_back(std::move(rec));
    Scope scope(parent, &scope_memory_);
    size_t defined = static_cast<size_t>(g.input_size() + g.initializer_size() + g.sparse_initializer_size());
    for (const auto& n : g.node()) defined += static_cast<size_t>(n.output_size());
    scope.Reserve(defined);

    std::unordered_map<std::string, const onnx::TensorProto*> initializers;
    for (const auto& t : g.initializer()) initializers[t.name()] = &t;

    for (int i = 0; i < g.input_size(); ++i) {
      const auto& in = g.input(i);
      auto init = initializers.find(in.name());
      const onnx::TensorProto* init_tensor = init == initializers.end() ? nullptr : init->second;
      const onnx::TypeProto* bound =
          bound_inputs != nullptr && static_cast<size_t>(i) < bound_inputs->size() ? (*bound_inputs)[i] : nullptr;
      int id;
      const onnx::TypeProto* declared = Intern(in.type());
      const onnx::TypeProto* from_owner = bound != nullptr ? Intern(*bound) : nullptr;
      if (declared != nullptr) {
        id = NewValue(in.name(), gid, declared, OriginKind::kGraphInput, -1, -1, init_tensor != nullptr);
      } else if (from_owner != nullptr) {
        const int owner = out_.graphs[gid].owner_node;
        id = NewValue(in.name(), gid, from_owner, OriginKind::kSubgraphInput, owner, -1, false);
      } else if (init_tensor != nullptr) {
        id = NewValue(in.name(), gid, out_.types.Tensor(init_tensor->data_type()), OriginKind::kInitializer, -1, -1,
                      true);
      } else {
        id = NewValue(in.name(), gid, nullptr, OriginKind::kGraphInput);
      }
      out_.values[static_cast<size_t>(id)].initializer = init_tensor;
      scope.Define(in.name(), id);
      out_.graphs[gid].inputs.push_back(id);
    }
    for (const auto& t : g.initializer()) {
      if (scope.DefinesLocally(t.name())) {
        // An initializer that is also a graph input is its default (IR < 4 requires it);
        // two initializers of one name are a second definition.
        const int first = scope.Lookup(t.name());
        const ValueRecord& v = out_.values[static_cast<size_t>(first)];
        if (v.initializer != nullptr && v.initializer != &t) {
          const int again =
              NewValue(t.name(), gid, out_.types.Tensor(t.data_type()), OriginKind::kInitializer, -1, -1, true);
          out_.values[static_cast<size_t>(again)].initializer = &t;
          out_.graphs[gid].redefinitions.push_back({first, again});
        }
        continue;
      }
      int id = NewValue(t.name(), gid, out_.types.Tensor(t.data_type()), OriginKind::kInitializer, -1, -1, true);
      out_.values[static_cast<size_t>(id)].initializer = &t;
      scope.Define(t.name(), id);
    }
    for (const auto& st : g.sparse_initializer()) {
      const std::string& name = st.values().name();
      if (scope.DefinesLocally(name)) continue;
      scope.Define(name, NewValue(name, gid, out_.types.Tensor(st.values().data_type()), OriginKind::kSparseInitializer,
                                  -1, -1, true));
    }

    NodeOrder order =
        VisitInOrder(g.node(), gid, scope, opsets, [&](int i) -> const onnx::NodeProto& { return g.node(i); });
    out_.graphs[gid].order = std::move(order);

    for (const auto& o : g.output()) {
      int id = scope.Lookup(o.name());
      if (id < 0) id = NewValue(o.name(), gid, nullptr, OriginKind::kUndefined);
      out_.graphs[gid].outputs.push_back(id);
    }
    return gid;
  }

  std::string SubgraphPath(int graph, const NodeRecord& node, const std::string& attr) const {
    const std::string label = node.name().empty() ? "#" + std::to_string(node.index) : node.name();
    return out_.graphs[graph].path + "/" + label + "(" + node.op_type() + ")." + attr;
  }

  // Visits a node whose reads ResolveReads() just resolved.
  void VisitNode(const onnx::NodeProto& n, int graph, int index, Scope& scope, const OpsetMap& opsets) {
    const int nid = static_cast<int>(out_.nodes.size());
    out_.nodes.emplace_back(out_.memory());
    out_.graphs[graph].nodes[static_cast<size_t>(index)] = nid;

    NodeRecord rec(out_.memory());
    rec.proto = &n;
    rec.graph = graph;
    rec.index = index;
    rec.domain = NormalizeDomain(n.domain());
    auto op = opsets.find(rec.domain);
    rec.opset = op == opsets.end() ? -1 : op->second;
    rec.inputs.reserve(static_cast<size_t>(n.input_size()));
    rec.outputs.reserve(static_cast<size_t>(n.output_size()));
    // First, before anything visits a subgraph and resolves reads of its own.
    for (size_t s = 0; s < resolved_.size(); ++s) {
      const int id = resolved_[s];
      rec.inputs.push_back(
          id != kUndefinedName ? id : NewValue(n.input(static_cast<int>(s)), graph, nullptr, OriginKind::kUndefined));
    }

    const onnx::FunctionProto* fn = FindFunction(rec.domain, n.op_type());
    std::vector<OutputPlan> plan(static_cast<size_t>(n.output_size()));
    std::map<std::string, int> walked;  // graph attribute -> graph id
    if (fn != nullptr) {
      rec.function = fn;
      plan = InstantiateFunction(nid, rec, *fn, opsets);
    } else {
      PlanFromSchema(nid, rec, scope, opsets, plan, walked);
    }

    // Graph attributes nobody walked yet (unknown op, inference declined): declared types only.
    for (const auto& a : n.attribute()) {
      if (a.has_g() && !walked.count(a.name())) {
        walked[a.name()] = WalkGraph(a.g(), &scope, SubgraphRecord(graph, rec, nid, a.name()), opsets, nullptr);
      }
      for (int k = 0; k < a.graphs_size(); ++k) {
        const std::string key = a.name() + "[" + std::to_string(k) + "]";
        walked[key] = WalkGraph(a.graphs(k), &scope, SubgraphRecord(graph, rec, nid, key), opsets, nullptr);
      }
    }
    for (const auto& [attr, gid] : walked) rec.subgraphs.push_back(gid);
    if (rec.domain.empty() && (n.op_type() == "If" || n.op_type() == "Loop")) LinkSubgraphOutputs(rec, walked, plan);

    bool all_constant = !rec.inputs.empty() && rec.subgraphs.empty();
    for (int id : rec.inputs) all_constant &= id < 0 || out_.values[static_cast<size_t>(id)].constant;
    const bool is_constant_op = rec.domain.empty() && n.op_type() == "Constant";

    const bool conflicted =
        std::any_of(rec.bindings.begin(), rec.bindings.end(), [](const ParamBinding& b) { return b.conflict; });
    const auto& value_info = out_.graphs[graph].value_info;
    for (int j = 0; j < n.output_size(); ++j) {
      const std::string& name = n.output(j);
      if (name.empty()) {
        rec.outputs.push_back(-1);
        continue;
      }
      OutputPlan& p = plan[static_cast<size_t>(j)];
      if (p.type == nullptr) {
        auto vi = value_info.find(name);
        const onnx::TypeProto* declared = vi != value_info.end() ? Intern(vi->second->type()) : nullptr;
        if (declared != nullptr) p = OutputPlan{declared, OriginKind::kValueInfo, -1};
      }
      int id = NewValue(name, graph, p.type, p.origin, nid, p.from, is_constant_op || all_constant);
      out_.values[static_cast<size_t>(id)].after_conflict |= conflicted;
      if (scope.DefinesLocally(name)) out_.graphs[graph].redefinitions.push_back({scope.Lookup(name), id});
      scope.Define(name, id);
      rec.outputs.push_back(id);
    }
    out_.nodes[static_cast<size_t>(nid)] = std::move(rec);
  }

  GraphRecord SubgraphRecord(int graph, const NodeRecord& rec, int nid, const std::string& attr) const {
    GraphRecord g;
    g.path = SubgraphPath(graph, rec, attr);
    g.kind = GraphKind::kSubgraph;
    g.parent = graph;
    g.owner_node = nid;
    return g;
  }

  void PlanFromSchema(int nid, NodeRecord& rec, Scope& scope, const OpsetMap& opsets, std::vector<OutputPlan>& plan,
                      std::map<std::string, int>& walked) {
    const onnx::NodeProto& n = *rec.proto;
    if (rec.domain.empty() && n.op_type() == "Constant" && !plan.empty()) {
      plan[0] = OutputPlan{out_.types.Tensor(ConstantValueType(n)), OriginKind::kConstantNode, -1};
    }
    if (rec.opset < 0) return;
    rec.schema = FindSchema(n.op_type(), rec.opset, rec.domain);
    if (rec.schema == nullptr) return;
    const onnx::OpSchema& schema = *rec.schema;
    try {
      schema.Verify(n);
    } catch (const std::exception& e) {
      rec.schema_error = e.what();
    }

    std::vector<const std::string*>& types = scratch_types_;
    std::vector<bool>& constant = scratch_constant_;
    types.clear();
    constant.clear();
    for (int id : rec.inputs) {
      const ValueRecord* v = id < 0 ? nullptr : &out_.values[static_cast<size_t>(id)];
      types.push_back(v == nullptr ? nullptr : v->type_name);
      constant.push_back(v != nullptr && v->constant);
    }
    rec.bindings = BindTypeParams(schema, types, constant);

    bool need_inference = false;
    for (int j = 0; j < n.output_size(); ++j) {
      OutputPlan& p = plan[static_cast<size_t>(j)];
      if (p.type) continue;
      const auto* formal = OutputFormal(schema, j);
      if (formal != nullptr && BindsTypeParam(schema, *formal)) {
        for (const ParamBinding& b : rec.bindings) {
          if (b.param != formal->GetTypeStr()) continue;
          const int from = rec.inputs[static_cast<size_t>(b.Chosen().slot)];
          p = OutputPlan{out_.values[static_cast<size_t>(from)].type, OriginKind::kNodeOutput, from};
        }
      } else if (formal != nullptr && !IsTypeParam(schema, formal->GetTypeStr()) && formal->GetTypes().size() == 1) {
        p.type = Intern(onnx::Utils::DataTypeUtils::ToTypeProto(*formal->GetTypes().begin()));
      }
      need_inference |= !p.type && !n.output(j).empty();
    }
    for (const auto& a : n.attribute()) need_inference |= a.has_g();
    // With two or more type parameters, onnx's inference may check how they relate
    // (SequenceInsert: the tensor's type is the sequence's element type); run it for
    // that check even when the bindings already gave every output a type.
    need_inference |= schema.typeConstraintParams().size() >= 2;
    if (!need_inference || !schema.has_type_and_shape_inference_function() || !rec.schema_error.empty()) return;

    // Inference functions dereference present inputs: run only when all are known.
    // Interned types have no shapes: a shape check cannot cost us the dtype.
    std::vector<const onnx::TypeProto*> input_ptrs;
    for (int id : rec.inputs) {
      if (id >= 0 && !out_.values[static_cast<size_t>(id)].Known()) return;
      input_ptrs.push_back(id < 0 ? nullptr : out_.values[static_cast<size_t>(id)].type);
    }
    const int graph = rec.graph;
    SubgraphWalker walk = [&](const std::string& attr, const std::vector<const onnx::TypeProto*>& bound) {
      auto done = walked.find(attr);
      int gid = -1;
      if (done != walked.end()) {
        gid = done->second;
      } else {
        const onnx::GraphProto* body = nullptr;
        for (const auto& a : n.attribute()) {
          if (a.name() == attr && a.has_g()) body = &a.g();
        }
        gid = WalkGraph(*body, &scope, SubgraphRecord(graph, rec, nid, attr), opsets, &bound);
        walked[attr] = gid;
      }
      std::vector<const onnx::TypeProto*> outs;
      for (int id : out_.graphs[static_cast<size_t>(gid)].outputs) {
        const ValueRecord& v = out_.values[static_cast<size_t>(id)];
        outs.push_back(v.Known() ? v.type : &EmptyType());
      }
      return outs;
    };
    InferenceResult result = RunSchemaInference(schema, n, input_ptrs, walk);
    rec.inference_error = result.error;
    for (size_t j = 0; j < plan.size() && j < result.outputs.size(); ++j) {
      if (plan[j].type == nullptr) plan[j].type = Intern(result.outputs[j]);
    }
  }

  // If and Loop outputs come from their bodies: point provenance there, and for If
  // fall back to a branch's type when inference declined (e.g. the branches disagree).
  void LinkSubgraphOutputs(const NodeRecord& rec, const std::map<std::string, int>& walked,
                           std::vector<OutputPlan>& plan) {
    auto body_output = [&](const char* attr, size_t k) -> int {
      auto it = walked.find(attr);
      if (it == walked.end()) return -1;
      const auto& outs = out_.graphs[static_cast<size_t>(it->second)].outputs;
      return k < outs.size() ? outs[k] : -1;
    };
    const bool is_if = rec.op_type() == "If";
    for (size_t j = 0; j < plan.size(); ++j) {
      // Loop: body outputs are (cond, carried..., scan...), node outputs are (carried..., scan...).
      int src = is_if ? body_output("then_branch", j) : body_output("body", j + 1);
      if (src < 0 || !out_.values[static_cast<size_t>(src)].Known()) {
        src = is_if ? body_output("else_branch", j) : -1;
      }
      if (src < 0 || !out_.values[static_cast<size_t>(src)].Known()) continue;
      const ValueRecord& v = out_.values[static_cast<size_t>(src)];
      OutputPlan& p = plan[j];
      if (p.type == nullptr) {
        if (!is_if) continue;  // Loop scan outputs gain a dimension; leave those to inference
        p.type = v.type;
      }
      if (ElemType(*p.type) == ElemType(*v.type)) p.from = src;
    }
  }

  std::vector<OutputPlan> InstantiateFunction(int nid, NodeRecord& rec, const onnx::FunctionProto& fn,
                                              const OpsetMap& caller_opsets) {
    const onnx::NodeProto& n = *rec.proto;
    std::vector<OutputPlan> plan(static_cast<size_t>(n.output_size()));
    // Function bodies are instantiated per call: deeper calls, or a body calling two
    // functions that each call two more (doubling per level), are not followed.
    if (depth_ >= limits_.max_call_depth) {
      NoticeOnce("model-local function calls nest deeper than " + std::to_string(limits_.max_call_depth) +
                 ": deeper calls are not followed (their outputs are unknown; raise with --max-call-depth)");
      return plan;
    }
    // onnx forbids recursion; a hostile model's recursive call is left unknown, not followed.
    if (std::find(calling_.begin(), calling_.end(), &fn) != calling_.end()) {
      NoticeOnce("model-local function '" + fn.domain() + "." + fn.name() +
                 "' calls itself (directly or through others): recursive calls are not followed");
      return plan;
    }
    if (function_nodes_ + static_cast<size_t>(fn.node_size()) > limits_.max_function_nodes) {
      NoticeOnce("calls of model-local functions expand to more than " + std::to_string(limits_.max_function_nodes) +
                 " nodes: further calls are not followed (their outputs are unknown)");
      return plan;
    }
    function_nodes_ += static_cast<size_t>(fn.node_size());
    calling_.push_back(&fn);
    ++depth_;
    GraphRecord g;
    g.path = SubgraphPath(rec.graph, rec, "function");
    g.kind = GraphKind::kFunction;
    g.parent = rec.graph;
    g.owner_node = nid;
    g.function = &fn;
    const int gid = static_cast<int>(out_.graphs.size());
    out_.graphs.push_back(std::move(g));
    rec.subgraphs.push_back(gid);

    const OpsetMap opsets = ReadOpsets(fn.opset_import(), &caller_opsets);
    Scope scope(nullptr, &scope_memory_);  // a function body sees only its formal inputs
    for (int i = 0; i < fn.input_size(); ++i) {
      const int actual = static_cast<size_t>(i) < rec.inputs.size() ? rec.inputs[static_cast<size_t>(i)] : -1;
      const onnx::TypeProto* type = nullptr;
      bool constant = false;
      if (actual >= 0) {
        type = out_.values[static_cast<size_t>(actual)].type;
        constant = out_.values[static_cast<size_t>(actual)].constant;
      }
      const int id = NewValue(fn.input(i), gid, type, OriginKind::kFunctionInput, nid, actual, constant);
      scope.Define(fn.input(i), id);
      out_.graphs[gid].inputs.push_back(id);
    }
    NodeOrder order = VisitInOrder(fn.node(), gid, scope, opsets, [&](int i) -> const onnx::NodeProto& {
      const onnx::NodeProto& body = fn.node(i);
      if (!HasAttributeRefs(body)) return body;
      out_.owned_nodes.push_back(ResolveAttributeRefs(body, n));
      return out_.owned_nodes.back();
    });
    out_.graphs[gid].order = std::move(order);
    for (int j = 0; j < fn.output_size(); ++j) {
      int id = scope.Lookup(fn.output(j));
      if (id < 0) id = NewValue(fn.output(j), gid, nullptr, OriginKind::kUndefined);
      out_.graphs[gid].outputs.push_back(id);
      if (j < n.output_size() && out_.values[static_cast<size_t>(id)].Known()) {
        plan[static_cast<size_t>(j)] =
            OutputPlan{out_.values[static_cast<size_t>(id)].type, OriginKind::kNodeOutput, id};
      }
    }
    --depth_;
    calling_.pop_back();
    return plan;
  }

  void NoticeOnce(const std::string& notice) {
    if (std::find(out_.notices.begin(), out_.notices.end(), notice) == out_.notices.end()) {
      out_.notices.push_back(notice);
    }
  }

  // Visits `nodes` in dependency order (see NodeOrder); `scope` already holds the
  // graph's inputs and initializers. `node_at(i)` is the node to visit at position i
  // (for a function body, maybe a per-call copy). Until the first node that reads a value
  // produced further down, dependency order is file order: a sorted graph is visited in
  // one pass with the lookups it always needed, and a read only costs more when nothing
  // in scope defines its name. From the first late read on, the rest is planned at
  // O(nodes + reads), plus a heap operation per node that waits for a producer further
  // down the file.
  template <typename NodeAt>
  NodeOrder VisitInOrder(const NodeList& nodes, int graph, Scope& scope, const OpsetMap& opsets, NodeAt&& node_at) {
    const int n = nodes.size();
    out_.graphs[static_cast<size_t>(graph)].nodes.assign(static_cast<size_t>(n), -1);
    NodeOrder order;
    Producers producers(nodes);
    int i = 0;
    for (; i < n && ResolveReads(nodes.Get(i), i, scope, &producers, &order); ++i) {
      VisitNode(node_at(i), graph, i, scope, opsets);
    }
    if (i == n) return order;
    PlanRest(nodes, scope, producers, i, order);
    for (size_t k = static_cast<size_t>(i); k < order.visit.size(); ++k) {
      const int v = order.visit[k];
      ResolveReads(nodes.Get(v), v, scope, nullptr, nullptr);
      VisitNode(node_at(v), graph, v, scope, opsets);
    }
    return order;
  }

  // Resolves the node's inputs into resolved_ (-1 omitted, kUndefinedName defined
  // nowhere in scope). With `order`: false, noted there, when the node or one of its
  // subgraphs reads a name nothing in scope defines but a node of this graph (not visited
  // yet, or the node itself) produces.
  bool ResolveReads(const onnx::NodeProto& node, int index, const Scope& scope, Producers* producers,
                    NodeOrder* order) {
    resolved_.clear();
    for (int s = 0; s < node.input_size(); ++s) {
      const std::string& name = node.input(s);
      const int id = name.empty() ? -1 : scope.Lookup(name);
      if (id >= 0 || name.empty()) {
        resolved_.push_back(id);
        continue;
      }
      const int p = order != nullptr ? producers->Of(name) : -1;
      if (p >= 0) return NoteLateRead(*order, index, s, name, p);
      resolved_.push_back(kUndefinedName);
    }
    if (order == nullptr) return true;
    const bool has_subgraphs = std::any_of(node.attribute().begin(), node.attribute().end(),
                                           [](const auto& a) { return a.has_g() || a.graphs_size() > 0; });
    if (!has_subgraphs) return true;
    bool late = false;
    ForEachRead(node, [&](std::string_view name, int slot) {
      if (late || slot >= 0 || scope.Lookup(name) >= 0) return;  // the inputs are resolved above
      const int p = producers->Of(name);
      if (p >= 0) late = !NoteLateRead(*order, index, -1, name, p);
    });
    return !late;
  }

  static bool NoteLateRead(NodeOrder& order, int reader, int slot, std::string_view value, int producer) {
    order.sorted = false;
    order.reader = reader;
    order.slot = slot;
    order.value = std::string(value);
    order.producer = producer;
    return false;
  }

  // Plans the visit of nodes[visited..] after the first `visited`, which are done:
  // order.visit gets 0..visited-1, then the rest. A read waits for its producer when
  // nothing in scope defines the name yet.
  void PlanRest(const NodeList& nodes, const Scope& scope, Producers& producers, int visited, NodeOrder& order) {
    const int n = nodes.size();
    order.visit.reserve(static_cast<size_t>(n));
    for (int i = 0; i < visited; ++i) order.visit.push_back(i);
    std::array<std::byte, 4096> stack;
    std::pmr::monotonic_buffer_resource arena(stack.data(), stack.size());
    // Kahn's algorithm over the reads, as a successor list per producer (CSR).
    std::pmr::vector<int> waiting(static_cast<size_t>(n), 0, &arena);  // producers not visited yet
    std::pmr::vector<int> first(static_cast<size_t>(n) + 1, 0, &arena);
    std::pmr::vector<std::pair<int, int>> edges(&arena);  // (producer, reader)
    edges.reserve(static_cast<size_t>(n - visited));
    for (int i = visited; i < n; ++i) {
      ForEachRead(nodes.Get(i), [&](std::string_view name, int) {
        if (scope.Lookup(name) >= 0) return;
        const int p = producers.Of(name);
        if (p < 0) return;
        edges.emplace_back(p, i);
        ++waiting[static_cast<size_t>(i)];
        ++first[static_cast<size_t>(p) + 1];
      });
    }
    for (int i = 0; i < n; ++i) first[static_cast<size_t>(i) + 1] += first[static_cast<size_t>(i)];
    std::pmr::vector<int> readers(edges.size(), 0, &arena);
    {
      std::pmr::vector<int> fill(first.begin(), first.end() - 1, &arena);
      for (const auto& [p, r] : edges) readers[static_cast<size_t>(fill[static_cast<size_t>(p)]++)] = r;
    }

    // The next ready node is the first in the file. A cursor finds the ready nodes at or
    // after it; nodes it passed while they waited go to a min-heap once ready, and any of
    // those comes before everything at the cursor.
    std::pmr::vector<int> behind(&arena);  // min-heap of ready nodes before the cursor
    int cursor = visited;
    auto take = [&](int v) {
      order.visit.push_back(v);
      for (int e = first[static_cast<size_t>(v)]; e < first[static_cast<size_t>(v) + 1]; ++e) {
        const int r = readers[static_cast<size_t>(e)];
        if (--waiting[static_cast<size_t>(r)] != 0 || r >= cursor) continue;
        behind.push_back(r);
        std::push_heap(behind.begin(), behind.end(), std::greater<int>());
      }
    };
    while (true) {
      if (!behind.empty()) {
        std::pop_heap(behind.begin(), behind.end(), std::greater<int>());
        const int v = behind.back();
        behind.pop_back();
        take(v);
        continue;
      }
      while (cursor < n && waiting[static_cast<size_t>(cursor)] != 0) ++cursor;
      if (cursor == n) break;
      take(cursor++);
    }
    // What never became ready waits on a cycle: visit it last, in file order.
    for (int i = visited; i < n; ++i) {
      if (waiting[static_cast<size_t>(i)] == 0) continue;
      order.visit.push_back(i);
      ++order.stuck;
    }
  }

  // Calls fn(name, slot) for every name the node reads: its inputs (slot), then the
  // outer-scope names its subgraphs read, at any depth (slot -1).
  template <typename Fn>
  void ForEachRead(const onnx::NodeProto& node, Fn&& fn) {
    for (int s = 0; s < node.input_size(); ++s) {
      if (!node.input(s).empty()) fn(std::string_view(node.input(s)), s);
    }
    for (const auto& a : node.attribute()) {
      if (a.has_g()) {
        for (std::string_view name : OuterReads(a.g())) fn(name, -1);
      }
      for (const auto& g : a.graphs()) {
        for (std::string_view name : OuterReads(g)) fn(name, -1);
      }
    }
  }

  // The names a subgraph (or the graphs nested in it) reads from enclosing scopes, once
  // each, in the order first read. Computed once per graph.
  const std::vector<std::string_view>& OuterReads(const onnx::GraphProto& g) {
    auto [it, fresh] = outer_reads_.try_emplace(&g);
    std::vector<std::string_view>& reads = it->second;  // stays valid as the map grows
    if (!fresh) return reads;
    std::unordered_set<std::string_view> defined;
    for (const auto& v : g.input()) defined.insert(v.name());
    for (const auto& t : g.initializer()) defined.insert(t.name());
    for (const auto& t : g.sparse_initializer()) defined.insert(t.values().name());
    for (const auto& node : g.node()) defined.insert(node.output().begin(), node.output().end());
    std::unordered_set<std::string_view> seen;
    auto read = [&](std::string_view name, int) {
      if (!name.empty() && !defined.count(name) && seen.insert(name).second) reads.push_back(name);
    };
    for (const auto& node : g.node()) ForEachRead(node, read);
    for (const auto& o : g.output()) read(o.name(), -1);
    return reads;
  }

  const onnx::FunctionProto* FindFunction(const std::string& domain, const std::string& op) const {
    if (functions_.empty()) return nullptr;
    auto it = functions_.find({domain, op});
    return it == functions_.end() ? nullptr : it->second;
  }

  // The registry's lookup walks three maps; a model repeats few (op, opset, domain).
  const onnx::OpSchema* FindSchema(const std::string& op, int opset, const std::string& domain) {
    auto& by_op = schemas_[{domain, opset}];
    auto it = by_op.find(op);
    if (it != by_op.end()) return it->second;
    const onnx::OpSchema* schema = onnx::OpSchemaRegistry::Schema(op, opset, domain);
    by_op.emplace(op, schema);
    return schema;
  }

  const onnx::ModelProto& model_;
  TypedModel& out_;
  std::map<std::pair<std::string, std::string>, const onnx::FunctionProto*> functions_;
  std::map<std::pair<std::string, int>, std::unordered_map<std::string, const onnx::OpSchema*>> schemas_;
  std::unordered_map<const onnx::GraphProto*, std::vector<std::string_view>> outer_reads_;
  int depth_ = 0;
  const AnalysisLimits limits_;
  std::vector<const onnx::FunctionProto*> calling_;  // the function bodies being instantiated
  size_t function_nodes_ = 0;                        // nodes instantiated from function bodies
  // Every scope's names, freed at once when the walk ends (a name per value: freeing
  // them one by one cost more than looking them up).
  std::pmr::monotonic_buffer_resource scope_memory_;
  // A node's inputs as ResolveReads() found them, for the VisitNode() that follows.
  static constexpr int kUndefinedName = -2;
  std::vector<int> resolved_;
  // Reused from node to node (a node's binding does not outlive its visit).
  std::vector<const std::string*> scratch_types_;
  std::vector<bool> scratch_constant_;
};

}  // namespace

TypedModel AnalyzeTypes(const onnx::ModelProto& model, const AnalysisLimits& limits) {
  TypedModel out(model);
  Engine(model, out, limits).Run();
  return out;
}

const TypeTable::Entry* TypeTable::Add(onnx::TypeProto type, std::string name) {
  entries_.push_back(Entry{std::move(type), std::move(name)});
  const Entry* e = &entries_.back();
  by_name_[e->name] = e;
  names_[&e->type] = &e->name;
  return e;
}

const onnx::TypeProto* TypeTable::Tensor(int32_t elem_type) {
  if (elem_type == kUndefined) return nullptr;
  auto it = tensors_.find(elem_type);
  if (it != tensors_.end()) return &it->second->type;
  onnx::TypeProto t = TensorType(elem_type);
  std::string name = TypeString(t);
  auto known = by_name_.find(name);
  const Entry* e = known != by_name_.end() ? known->second : Add(std::move(t), std::move(name));
  tensors_[elem_type] = e;
  return &e->type;
}

const onnx::TypeProto* TypeTable::Intern(const onnx::TypeProto& type) {
  if (type.has_tensor_type()) return Tensor(type.tensor_type().elem_type());
  std::string name = TypeString(type);
  if (name.empty()) return nullptr;
  auto known = by_name_.find(name);
  if (known != by_name_.end()) return &known->second->type;
  onnx::TypeProto copy = type;
  ClearShapes(copy);
  return &Add(std::move(copy), std::move(name))->type;
}

const std::string& TypeTable::Name(const onnx::TypeProto* type) const {
  static const std::string kUnknown;
  if (type == nullptr) return kUnknown;
  auto it = names_.find(type);
  return it == names_.end() ? kUnknown : *it->second;
}

const onnx::AttributeProto* FindAttribute(const onnx::NodeProto& node, const std::string& name) {
  for (const auto& a : node.attribute()) {
    if (a.name() == name) return &a;
  }
  return nullptr;
}

namespace {

int OnnxVersion(const google::protobuf::RepeatedPtrField<onnx::OperatorSetIdProto>& imports) {
  for (const auto& imp : imports) {
    if (imp.domain().empty() || imp.domain() == "ai.onnx") return static_cast<int>(imp.version());
  }
  return -1;
}

}  // namespace

int OnnxOpset(const TypedModel& tm, int graph) {
  // A function body imports its own opsets; a graph attribute sees the model's.
  for (int g = graph; g >= 0; g = tm.graphs[static_cast<size_t>(g)].parent) {
    const GraphRecord& r = tm.graphs[static_cast<size_t>(g)];
    if (r.function != nullptr) return OnnxVersion(r.function->opset_import());
  }
  return OnnxVersion(tm.model().opset_import());
}

std::string CastBlocker(const TypedModel& tm, int graph, int32_t from, int32_t to) {
  const int opset = OnnxOpset(tm, graph);
  if (opset < 0) return "a Cast belongs to ai.onnx, which this model does not import";
  if ((from == kBfloat16 || to == kBfloat16) && opset < 13) {
    return "a Cast carries bfloat16 only from opset 13 (this graph is at ai.onnx opset " + std::to_string(opset) + ")";
  }
  return "";
}

std::string NodeLabel(const NodeRecord& node) {
  if (!node.name().empty()) return node.op_type() + " '" + node.name() + "'";
  return node.op_type() + " #" + std::to_string(node.index);
}

}  // namespace onnxtidy
