// --precision: one float type for the whole model, planned before any edit.
//
// Values that must share a type form classes: the inputs and outputs a node binds to one
// type parameter, an If's outputs and its branches', a Loop/Scan state through its body,
// a function's actual and formal inputs. A class takes the new type unless it is pinned:
//  - to float32, where a schema fixes the type (Resize-11 'scales', the scale output of
//    DynamicQuantizeLinear, DequantizeLinear's output before opset 19), or where a Cast
//    brings integer sums (MatMulInteger, ConvInteger) to float: float16 overflows at 65504;
//  - to the type it has, where an op no schema describes reads or makes it, where it
//    lives in a function body that several calls share, or where it holds double.
// A node that cannot compute in the new type (its schema refuses the type at the
// model's opset, or --target has no kernel for it) joins no class for that type
// parameter: it computes in float32 between Casts. A class of one value that such a
// node reads or makes, or that is the model's own input or output under
// --keep-io-types, keeps its type: that makes a second run change nothing.
#include <algorithm>
#include <cstdio>
#include <map>
#include <numeric>
#include <set>

#include "fixers/fix_context.h"
#include "lint/dtype.h"
#include "lint/schema_binding.h"

namespace onnxtidy {
namespace {

enum class Hold { kNone, kFloat, kAsIs };

const std::set<std::string> kDtypeAttributeOps = {"EyeLike",          "RandomNormal",      "RandomUniform",
                                                  "RandomNormalLike", "RandomUniformLike", "Bernoulli"};
// Ops whose integer output sums products: cast to float, the sums exceed float16.
const std::set<std::string> kIntegerSums = {"MatMulInteger", "ConvInteger"};
// Ops an integer sum passes through on its way to a Cast.
const std::set<std::string> kPassThrough = {"Reshape", "Transpose", "Flatten", "Squeeze", "Unsqueeze", "Identity",
                                            "Add",     "Sub",       "Mul",     "Slice",   "Gather",    "Concat"};

bool IsPlannedFloat(const ValueRecord& v) {
  return v.Known() && v.type->has_tensor_type() && IsConvertibleFloat(ElemType(*v.type));
}

class Plan {
 public:
  Plan(const FixContext& ctx, int32_t to) : ctx_(ctx), to_(to), parent_(ctx.tm.values.size()) {
    std::iota(parent_.begin(), parent_.end(), 0);
    members_.assign(ctx.tm.values.size(), 1);
    pin_.assign(ctx.tm.values.size(), Hold::kNone);
    why_.assign(ctx.tm.values.size(), "");
    bound_.assign(ctx.tm.values.size(), false);
    for (size_t n = 0; n < ctx.tm.nodes.size(); ++n) Visit(static_cast<int>(n));
    if (ctx.options.keep_io_types) {
      for (const std::vector<int>* ids : {&ctx.Graph(0).inputs, &ctx.Graph(0).outputs}) {
        for (int id : *ids) bound_[static_cast<size_t>(id)] = true;
      }
    }
  }

  // The element type value `id` will have; kUndefined for values the plan leaves alone.
  int32_t TypeOf(int id) const {
    if (id < 0) return kUndefined;
    const ValueRecord& v = ctx_.Value(id);
    if (!IsPlannedFloat(v)) return kUndefined;
    const int32_t now = ElemType(*v.type);
    const int root = Find(id);
    if (pin_[static_cast<size_t>(root)] == Hold::kAsIs || now == kDouble) return now;
    if (members_[static_cast<size_t>(root)] == 1 && bound_[static_cast<size_t>(id)]) return now;
    if (pin_[static_cast<size_t>(root)] == Hold::kFloat) return kFloat;
    return to_;
  }

  struct Wrapped {
    int node;
    std::set<std::string> params;
    std::string why;
  };
  const std::vector<Wrapped>& wrapped() const { return wrapped_; }
  // True when `node` computes its output `slot` in float32 between Casts.
  bool WrapsOutput(int node, int slot) const {
    const NodeRecord& n = ctx_.Node(node);
    const auto* formal = n.schema != nullptr ? OutputFormal(*n.schema, slot) : nullptr;
    if (formal == nullptr) return false;
    for (const Wrapped& w : wrapped_) {
      if (w.node == node && w.params.count(formal->GetTypeStr())) return true;
    }
    return false;
  }

  // One line per pinned class that the plan keeps wider than the new type.
  std::vector<std::pair<int, std::string>> Kept() const {
    std::vector<std::pair<int, std::string>> out;
    std::set<int> seen;
    for (size_t id = 0; id < parent_.size(); ++id) {
      const int root = Find(static_cast<int>(id));
      if (pin_[static_cast<size_t>(root)] == Hold::kNone || !IsPlannedFloat(ctx_.Value(static_cast<int>(id)))) continue;
      if (TypeOf(static_cast<int>(id)) == to_ || !seen.insert(root).second) continue;
      out.emplace_back(static_cast<int>(id), why_[static_cast<size_t>(root)]);
    }
    return out;
  }

 private:
  int Find(int id) const {
    while (parent_[static_cast<size_t>(id)] != id) id = parent_[static_cast<size_t>(id)];
    return id;
  }

  void Union(int a, int b) {
    if (a < 0 || b < 0) return;
    if (!IsPlannedFloat(ctx_.Value(a)) || !IsPlannedFloat(ctx_.Value(b))) return;
    int ra = Find(a), rb = Find(b);
    if (ra == rb) return;
    if (members_[static_cast<size_t>(ra)] < members_[static_cast<size_t>(rb)]) std::swap(ra, rb);
    parent_[static_cast<size_t>(rb)] = ra;
    members_[static_cast<size_t>(ra)] += members_[static_cast<size_t>(rb)];
    if (pin_[static_cast<size_t>(rb)] > pin_[static_cast<size_t>(ra)]) {
      pin_[static_cast<size_t>(ra)] = pin_[static_cast<size_t>(rb)];
      why_[static_cast<size_t>(ra)] = why_[static_cast<size_t>(rb)];
    }
  }

  void HoldValue(int id, Hold pin, const std::string& why) {
    if (id < 0 || !IsPlannedFloat(ctx_.Value(id))) return;
    const int root = Find(id);
    if (pin <= pin_[static_cast<size_t>(root)]) return;
    pin_[static_cast<size_t>(root)] = pin;
    why_[static_cast<size_t>(root)] = why;
  }

  void HoldAll(const NodeRecord& n, Hold pin, const std::string& why) {
    for (int id : n.inputs) HoldValue(id, pin, why);
    for (int id : n.outputs) HoldValue(id, pin, why);
  }

  int Subgraph(const NodeRecord& n, const std::string& attr) const {
    for (int g : n.subgraphs) {
      const std::string& path = ctx_.Graph(g).path;
      if (path.size() > attr.size() &&
          path.compare(path.size() - attr.size() - 1, std::string::npos, "." + attr) == 0) {
        return g;
      }
    }
    return -1;
  }

  static int At(const std::vector<int>& ids, size_t i) { return i < ids.size() ? ids[i] : -1; }
  static int At(const std::pmr::vector<int>& ids, size_t i) { return i < ids.size() ? ids[i] : -1; }

  void Visit(int id) {
    const NodeRecord& n = ctx_.Node(id);
    if (std::string why = ctx_.FunctionBlocker(n.graph); !why.empty()) {
      HoldAll(n, Hold::kAsIs, why);
      return;
    }
    if (n.function != nullptr) return VisitCall(id, n);
    if (n.domain.empty() && n.op_type() == "Constant" && FindAttribute(*n.proto, "sparse_value") != nullptr) {
      HoldAll(n, Hold::kAsIs, NodeLabel(n) + " holds a sparse tensor, which is not converted");
      return;
    }
    if (n.schema == nullptr) {
      HoldAll(n, Hold::kAsIs, NodeLabel(n) + " has no schema onnx-tidy knows, so its types stay");
      return;
    }
    if (n.domain.empty() && n.op_type() == "If") {
      const int then_g = Subgraph(n, "then_branch"), else_g = Subgraph(n, "else_branch");
      for (size_t j = 0; j < n.outputs.size(); ++j) {
        if (then_g >= 0) Union(n.outputs[j], At(ctx_.Graph(then_g).outputs, j));
        if (else_g >= 0) Union(n.outputs[j], At(ctx_.Graph(else_g).outputs, j));
      }
    } else if (n.domain.empty() && n.op_type() == "Loop") {
      const int body = Subgraph(n, "body");
      if (body >= 0) {
        const GraphRecord& b = ctx_.Graph(body);
        const size_t carried = n.inputs.size() >= 2 ? n.inputs.size() - 2 : 0;
        for (size_t k = 0; k < carried; ++k) {
          Union(n.inputs[2 + k], At(b.inputs, 2 + k));
          Union(At(b.inputs, 2 + k), At(b.outputs, 1 + k));
        }
        for (size_t j = 0; j < n.outputs.size(); ++j) Union(n.outputs[j], At(b.outputs, 1 + j));
      }
    } else if (n.domain.empty() && n.op_type() == "Scan") {
      const int body = Subgraph(n, "body");
      if (body < 0 || n.schema->SinceVersion() < 9) {
        HoldAll(n, Hold::kAsIs, NodeLabel(n) + " (Scan-8) is left as it is");
      } else {
        const GraphRecord& b = ctx_.Graph(body);
        for (size_t i = 0; i < n.inputs.size(); ++i) Union(n.inputs[i], At(b.inputs, i));
        for (size_t j = 0; j < n.outputs.size(); ++j) Union(n.outputs[j], At(b.outputs, j));
        for (size_t k = 0; k < b.inputs.size() && k < b.outputs.size(); ++k) {
          if (At(n.outputs, k) >= 0 && k < n.inputs.size()) Union(b.inputs[k], b.outputs[k]);
        }
      }
    } else if (!n.subgraphs.empty()) {
      HoldAll(n, Hold::kAsIs, NodeLabel(n) + " has a graph attribute onnx-tidy does not plan through");
    }
    VisitSchema(id, n);
  }

  void VisitCall(int id, const NodeRecord& n) {
    const int body = n.subgraphs.empty() ? -1 : n.subgraphs.front();
    if (body < 0) return HoldAll(n, Hold::kAsIs, NodeLabel(n) + ": its function body was not found");
    const GraphRecord& b = ctx_.Graph(body);
    for (size_t i = 0; i < n.inputs.size(); ++i) Union(n.inputs[i], At(b.inputs, i));
    for (size_t j = 0; j < n.outputs.size(); ++j) Union(n.outputs[j], At(b.outputs, j));
    (void)id;
  }

  // Why `n` cannot compute with `to_` bound to `formal`'s type parameter, or "".
  std::string Unsupported(const NodeRecord& n, const onnx::OpSchema::FormalParameter& formal) const {
    if (!AllowsType(formal, TypeString(TensorType(to_)))) {
      return n.op_type() + "-" + std::to_string(n.schema->SinceVersion()) + " does not allow " + DtypeName(to_);
    }
    if (ctx_.options.target != nullptr) {
      const KernelVerdict v = ctx_.options.target->Check(n, formal.GetTypeStr(), to_);
      if (v.judged && !v.supported) return ctx_.options.target->name() + " has no kernel for it in " + DtypeName(to_);
    }
    return "";
  }

  void VisitSchema(int id, const NodeRecord& n) {
    const onnx::OpSchema& schema = *n.schema;
    // Slots per type parameter; literal formals pin what they fix.
    std::map<std::string, std::vector<int>> by_param;
    std::map<std::string, const onnx::OpSchema::FormalParameter*> formal_of;
    const std::string to_string = TypeString(TensorType(to_));
    auto collect = [&](const std::pmr::vector<int>& ids, bool input) {
      for (size_t s = 0; s < ids.size(); ++s) {
        const int v = ids[s];
        if (v < 0) continue;
        const auto* formal =
            input ? InputFormal(schema, static_cast<int>(s)) : OutputFormal(schema, static_cast<int>(s));
        if (formal == nullptr) continue;
        if (BindsTypeParam(schema, *formal)) {
          by_param[formal->GetTypeStr()].push_back(v);
          formal_of[formal->GetTypeStr()] = formal;
        } else if (!AllowsType(*formal, to_string)) {
          // A literal type (Resize's scales), or a parameter each slot binds on its own
          // (If's outputs) that the new type is not among: the value stays float32.
          const std::string what = IsTypeParam(schema, formal->GetTypeStr()) ? "does not allow " + DtypeName(to_)
                                                                             : "is " + formal->GetTypeStr();
          HoldValue(v, Hold::kFloat,
                    n.op_type() + "-" + std::to_string(schema.SinceVersion()) + " " + (input ? "input" : "output") +
                        " '" + formal->GetName() + "' " + what);
        }
      }
    };
    collect(n.inputs, true);
    collect(n.outputs, false);
    for (const auto& [param, ids] : by_param) {
      const bool floats = std::any_of(ids.begin(), ids.end(), [&](int v) { return IsPlannedFloat(ctx_.Value(v)); });
      std::string why = floats && to_ != kFloat ? Unsupported(n, *formal_of[param]) : "";
      if (floats && to_ != kFloat && why.empty()) why = OutOfRange(ids);
      if (!why.empty()) {
        if (wrapped_.empty() || wrapped_.back().node != id) wrapped_.push_back({id, {}, why});
        wrapped_.back().params.insert(param);
        for (int v : ids) bound_[static_cast<size_t>(v)] = true;
        continue;
      }
      for (size_t i = 1; i < ids.size(); ++i) Union(ids[0], ids[i]);
    }
    if (n.domain.empty() && n.op_type() == "Cast" && !n.inputs.empty() && !n.outputs.empty()) {
      const std::string sums = IntegerSums(n.inputs[0]);
      if (!sums.empty()) {
        HoldValue(n.outputs[0], Hold::kFloat,
                  NodeLabel(n) + " brings the integer sums of " + sums + " to float, and " + DtypeName(to_) +
                      " would overflow");
      }
    }
  }

  // Why a stored tensor among `ids` cannot take the new type: a finite value beyond its
  // range would become infinite. "" when none.
  std::string OutOfRange(const std::vector<int>& ids) const {
    const double limit = to_ == kFloat16 ? 65504.0 : to_ == kBfloat16 ? 3.3895313892515355e38 : 0;
    if (limit == 0 || ctx_.editor.store == nullptr) return "";
    for (int id : ids) {
      const ValueRecord& v = ctx_.Value(id);
      if (!IsPlannedFloat(v) || ElemType(*v.type) == to_) continue;
      const onnx::TensorProto* t = v.initializer;
      if (t == nullptr && v.origin == OriginKind::kConstantNode) {
        const onnx::AttributeProto* a = FindAttribute(*ctx_.Node(v.node).proto, "value");
        if (a != nullptr && a->has_t()) t = &a->t();
      }
      if (t == nullptr) continue;
      const double largest = ctx_.editor.store->LargestMagnitude(*t);
      if (largest > limit) {
        char buf[32];
        std::snprintf(buf, sizeof buf, "%.3g", largest);
        return "'" + v.name + "' holds " + buf + ", beyond " + DtypeName(to_) + "'s range";
      }
    }
    return "";
  }

  // The op whose integer sums reach `value`, or "".
  std::string IntegerSums(int value) const {
    for (int step = 0; step < 16 && value >= 0; ++step) {
      const ValueRecord& v = ctx_.Value(value);
      if (!v.Known() || IsFloatingPoint(ElemType(*v.type)) || v.origin != OriginKind::kNodeOutput || v.node < 0) break;
      const NodeRecord& p = ctx_.Node(v.node);
      if (kIntegerSums.count(p.op_type())) return NodeLabel(p);
      if (!kPassThrough.count(p.op_type()) || p.inputs.empty()) break;
      value = p.inputs[0];
    }
    return "";
  }

  const FixContext& ctx_;
  int32_t to_;
  std::vector<int> parent_;
  std::vector<int> members_;
  std::vector<Hold> pin_;
  std::vector<std::string> why_;
  std::vector<bool> bound_;  // read or made at a wrapped node's parameter, or kept I/O
  std::vector<Wrapped> wrapped_;
};

// Stored tensors and declarations of one graph follow the plan.
void ConvertDeclarations(FixContext& ctx, const Plan& plan, int graph) {
  const GraphRecord& rec = ctx.Graph(graph);
  const onnx::GraphProto& g = *rec.proto;
  const bool interface = graph == 0;
  auto retype = [&](const onnx::ValueInfoProto& vi, int id, const char* what) {
    const int32_t want = plan.TypeOf(id);
    if (want == kUndefined || !vi.type().has_tensor_type()) return;
    const int32_t declared = vi.type().tensor_type().elem_type();
    if (declared == kUndefined || declared == want) return;
    ctx.editor.SetElemType(vi, want, rec.path, what, interface ? EditEffect::kInterface : EditEffect::kLossy);
  };
  if (!(interface && ctx.options.keep_io_types)) {
    for (size_t i = 0; i < rec.inputs.size() && static_cast<int>(i) < g.input_size(); ++i) {
      retype(g.input(static_cast<int>(i)), rec.inputs[i], "graph input");
    }
    for (size_t i = 0; i < rec.outputs.size() && static_cast<int>(i) < g.output_size(); ++i) {
      retype(g.output(static_cast<int>(i)), rec.outputs[i], "graph output");
    }
  }
}

void ConvertStored(FixContext& ctx, const Plan& plan) {
  std::set<const void*> done;
  for (size_t id = 0; id < ctx.tm.values.size(); ++id) {
    const ValueRecord& v = ctx.tm.values[id];
    const int32_t want = plan.TypeOf(static_cast<int>(id));
    if (want == kUndefined || want == ElemType(*v.type)) continue;
    const GraphRecord& g = ctx.Graph(v.graph);
    if (v.initializer != nullptr && done.insert(v.initializer).second) {
      if (!ctx.editor.RetypeTensor(*v.initializer, want, g.path, "initializer '" + v.name + "'")) {
        ctx.editor.Note(g.path, "kept", "initializer '" + v.name + "': its bytes cannot be read, not converted");
      }
    }
    if (g.proto != nullptr) {
      auto vi = g.value_info.find(v.name);
      if (vi != g.value_info.end() && vi->second->type().has_tensor_type() &&
          vi->second->type().tensor_type().elem_type() != want && done.insert(vi->second).second) {
        ctx.editor.SetElemType(*vi->second, want, g.path, "value_info", EditEffect::kLossy);
      }
    }
  }
}

// A node whose output type comes from an attribute takes the planned type there.
void ConvertNode(FixContext& ctx, const Plan& plan, int id) {
  const NodeRecord& rec = ctx.Node(id);
  if (!rec.domain.empty() || rec.outputs.empty()) return;
  const int32_t want = plan.TypeOf(rec.outputs[0]);
  if (want == kUndefined || want == ElemType(*ctx.Value(rec.outputs[0]).type)) return;
  // It computes in float32 and a Cast after it makes the planned type (WrapNode).
  if (plan.WrapsOutput(id, 0)) return;
  const onnx::NodeProto& node = ctx.EditableNode(id);
  const std::string& op = node.op_type();
  const std::string& path = ctx.Graph(rec.graph).path;
  const std::string label = op + " '" + node.name() + "'";
  if (op == "Constant" || op == "ConstantOfShape") {
    const onnx::AttributeProto* value = FindAttribute(node, "value");
    if (value != nullptr && value->has_t()) {
      if (!ctx.editor.RetypeTensor(value->t(), want, path, label)) {
        ctx.editor.Note(path, "kept", label + ": its tensor is stored externally");
      }
      return;
    }
    // A float attribute, or ConstantOfShape's default (a float32 zero), cannot hold
    // another type: the value becomes a tensor of the planned type.
    onnx::TensorProto t;
    t.set_data_type(kFloat);
    if (const onnx::AttributeProto* vf = FindAttribute(node, "value_float")) t.add_float_data(vf->f());
    if (const onnx::AttributeProto* vfs = FindAttribute(node, "value_floats")) {
      t.add_dims(vfs->floats_size());
      for (float x : vfs->floats()) t.add_float_data(x);
    }
    if (op == "ConstantOfShape") {
      t.add_dims(1);
      t.add_float_data(0.0f);
    }
    if (t.float_data_size() == 0) return;
    ConvertTensor(t, want, ctx.editor.overflow);
    ctx.editor.SetConstantValue(node, std::move(t), path, label + ": float value -> " + DtypeName(want),
                                EditEffect::kLossy);
    return;
  }
  if (op == "Cast") {
    ctx.editor.SetCastTarget(node, want, path);
    return;
  }
  if (kDtypeAttributeOps.count(op)) ctx.editor.SetIntAttribute(node, "dtype", want, path, EditEffect::kLossy);
}

// A node that cannot compute in the new type reads float32 through Casts and hands its
// results back in the planned type.
void WrapNode(FixContext& ctx, const Plan& plan, const Plan::Wrapped& w) {
  const NodeRecord& node = ctx.Node(w.node);
  const GraphRecord& g = ctx.Graph(node.graph);
  const onnx::NodeProto& editable = ctx.EditableNode(w.node);
  bool wrapped = false;
  for (size_t s = 0; s < node.inputs.size(); ++s) {
    const auto* formal = InputFormal(*node.schema, static_cast<int>(s));
    const int id = node.inputs[s];
    if (id < 0 || formal == nullptr || !w.params.count(formal->GetTypeStr())) continue;
    const int32_t planned = plan.TypeOf(id);
    if (planned == kUndefined || DtypeBits(planned) >= DtypeBits(kFloat)) continue;
    const ValueRecord& v = ctx.Value(id);
    const std::string wide = ctx.editor.InsertCast(ctx.Nodes(v.graph), ctx.CastPosition(v), v.name, planned, kFloat,
                                                   ctx.Graph(v.graph).path);
    ctx.editor.SetInput(editable, static_cast<int>(s), wide, g.path);
    wrapped = true;
  }
  for (size_t s = 0; s < node.outputs.size(); ++s) {
    const auto* formal = OutputFormal(*node.schema, static_cast<int>(s));
    const int id = node.outputs[s];
    if (id < 0 || formal == nullptr || !w.params.count(formal->GetTypeStr())) continue;
    const int32_t planned = plan.TypeOf(id);
    if (planned == kUndefined || DtypeBits(planned) >= DtypeBits(kFloat)) continue;
    const std::string name = ctx.Value(id).name;
    const std::string wide = ctx.editor.FreshName(name + "_float");
    ctx.editor.RenameOutput(editable, static_cast<int>(s), wide, g.path);
    ctx.editor.InsertCastAs(ctx.Nodes(node.graph), node.index + 1, wide, kFloat, planned, name, g.path);
    wrapped = true;
  }
  ctx.editor.Note(g.path, "keep-wide",
                  NodeLabel(node) + " computes in float32" + (wrapped ? " between Casts: " : ": ") + w.why);
}

bool IsCastTo(const FixContext& ctx, int node, int32_t to) {
  const NodeRecord& n = ctx.Node(node);
  const onnx::AttributeProto* a = FindAttribute(*n.proto, "to");
  return n.domain.empty() && n.op_type() == "Cast" && a != nullptr && a->i() == to;
}

// With --keep-io-types the main graph keeps its interface: a Cast in after each input,
// a Cast out before each output. An interface that already is so is left alone.
void KeepInterface(FixContext& ctx, const Plan& plan) {
  const GraphRecord& main = ctx.Graph(0);
  const auto& nodes = ctx.Nodes(0);
  for (int id : main.inputs) {
    const ValueRecord& v = ctx.Value(id);
    const int32_t want = plan.TypeOf(id);
    if (v.initializer != nullptr || want == kUndefined || want == ElemType(*v.type)) continue;
    const auto& readers = ctx.Consumers(id);
    if (!readers.empty() &&
        std::all_of(readers.begin(), readers.end(), [&](const auto& r) { return IsCastTo(ctx, r.first, want); })) {
      continue;
    }
    const std::string inner = ctx.editor.FreshName(v.name + "_" + DtypeName(want));
    ctx.editor.ReplaceUses(nodes, v.name, inner, main.path);
    ctx.editor.InsertCastAs(nodes, 0, v.name, ElemType(*v.type), want, inner, main.path);
  }
  for (size_t i = 0; i < main.outputs.size(); ++i) {
    const ValueRecord& v = ctx.Value(main.outputs[i]);
    const int32_t want = plan.TypeOf(main.outputs[i]);
    const int32_t declared = main.proto->output(static_cast<int>(i)).type().tensor_type().elem_type();
    if (want == kUndefined || want == declared || v.origin != OriginKind::kNodeOutput || v.node < 0) continue;
    const NodeRecord& producer = ctx.Node(v.node);
    if (producer.graph != 0) continue;
    int slot = 0;
    while (producer.outputs[static_cast<size_t>(slot)] != main.outputs[i]) ++slot;
    const std::string inner = ctx.editor.FreshName(v.name + "_" + DtypeName(want));
    ctx.editor.ReplaceUses(nodes, v.name, inner, main.path);
    ctx.editor.RenameOutput(ctx.EditableNode(v.node), slot, inner, main.path);
    ctx.editor.InsertCastAs(nodes, producer.index + 1, inner, want, declared, v.name, main.path);
  }
}

}  // namespace

int ConvertPrecision(FixContext& ctx, int32_t to) {
  const Plan plan(ctx, to);
  std::set<const void*> done;  // a body node shows up once per call of its function
  ConvertStored(ctx, plan);
  for (size_t g = 0; g < ctx.tm.graphs.size(); ++g) {
    const GraphRecord& rec = ctx.tm.graphs[g];
    if (rec.proto != nullptr && done.insert(rec.proto).second) ConvertDeclarations(ctx, plan, static_cast<int>(g));
    for (int id : rec.nodes) {
      if (done.insert(&ctx.EditableNode(id)).second) ConvertNode(ctx, plan, id);
    }
  }
  int kept = 0;
  for (const Plan::Wrapped& w : plan.wrapped()) WrapNode(ctx, plan, w);
  kept += static_cast<int>(plan.wrapped().size());
  for (const auto& [id, why] : plan.Kept()) {
    const ValueRecord& v = ctx.Value(id);
    ctx.editor.Note(
        ctx.Graph(v.graph).path, "keep-wide",
        "'" + v.name + "' and the values that share its type stay " + DtypeName(plan.TypeOf(id)) + ": " + why);
    ++kept;
  }
  if (ctx.options.keep_io_types) KeepInterface(ctx, plan);
  return kept;
}

}  // namespace onnxtidy
