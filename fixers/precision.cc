// --precision: one float type for the whole model. Stored tensors, Constant and
// ConstantOfShape values, Cast targets, dtype attributes, value_info and (unless
// --keep-io-types) graph I/O change to it; double is left alone. Ops that cannot run in
// it (the schema refuses the type at the model's opset, or --target has no kernel)
// keep computing in float32, between Casts.
#include <algorithm>
#include <set>

#include "fixers/fix_context.h"
#include "lint/dtype.h"
#include "lint/schema_binding.h"

namespace onnxtidy {
namespace {

bool Converts(int32_t from, int32_t to) {
  return from != to && (from == kFloat || from == kFloat16 || from == kBfloat16);
}

const std::set<std::string> kDtypeAttributeOps = {"EyeLike", "RandomNormal", "RandomUniform", "RandomNormalLike",
                                                  "RandomUniformLike", "Bernoulli"};

// A Cast from the target type up to float keeps an op wide on purpose (ours, from an
// earlier run, or the model's own): converting it would undo that.
bool WidensFromTarget(const FixContext& ctx, int cast, int32_t to) {
  const NodeRecord& n = ctx.Node(cast);
  const onnx::AttributeProto* target = FindAttribute(*n.proto, "to");
  if (target == nullptr || DtypeBits(static_cast<int32_t>(target->i())) <= DtypeBits(to)) return false;
  if (n.inputs.empty() || n.inputs[0] < 0) return false;
  const ValueRecord& in = ctx.Value(n.inputs[0]);
  return in.Known() && ElemType(*in.type) == to;
}

void ConvertNode(FixContext& ctx, int id, int32_t to, const std::string& path) {
  const onnx::NodeProto& node = ctx.EditableNode(id);
  if (!node.domain().empty() && node.domain() != "ai.onnx") return;
  const std::string& op = node.op_type();
  if (op == "Constant" || op == "ConstantOfShape") {
    for (const auto& a : node.attribute()) {
      if (a.name() == "value" && a.has_t() && Converts(a.t().data_type(), to)) {
        if (!ctx.editor.RetypeTensor(a.t(), to, path, op + " '" + node.name() + "'")) {
          ctx.editor.Note(path, "kept", op + " '" + node.name() + "': its tensor is stored externally");
        }
      }
    }
    const onnx::AttributeProto* vf = FindAttribute(node, "value_float");
    const onnx::AttributeProto* vfs = FindAttribute(node, "value_floats");
    if ((vf != nullptr || vfs != nullptr) && to != kFloat) {
      // A float attribute cannot hold another type: turn it into a tensor value.
      onnx::TensorProto t;
      t.set_data_type(kFloat);
      if (vf != nullptr) t.add_float_data(vf->f());
      if (vfs != nullptr) {
        t.add_dims(vfs->floats_size());
        for (float x : vfs->floats()) t.add_float_data(x);
      }
      ConvertTensor(t, to, ctx.editor.overflow);
      ctx.editor.SetConstantValue(node, std::move(t), path,
                                  "Constant '" + node.name() + "': float attribute -> " + DtypeName(to));
    }
    return;
  }
  if (op == "Cast") {
    const onnx::AttributeProto* a = FindAttribute(node, "to");
    if (a != nullptr && Converts(static_cast<int32_t>(a->i()), to) && !WidensFromTarget(ctx, id, to)) {
      ctx.editor.SetCastTarget(node, to, path);
    }
    return;
  }
  if (kDtypeAttributeOps.count(op)) {
    const onnx::AttributeProto* a = FindAttribute(node, "dtype");
    if (a != nullptr && Converts(static_cast<int32_t>(a->i()), to)) ctx.editor.SetIntAttribute(node, "dtype", to, path);
  }
}

void ConvertDeclarations(FixContext& ctx, const onnx::GraphProto& g, const std::string& path, bool is_main,
                         int32_t to) {
  for (const auto& t : g.initializer()) {
    if (!Converts(t.data_type(), to)) continue;
    if (!ctx.editor.RetypeTensor(t, to, path, "initializer '" + t.name() + "'")) {
      ctx.editor.Note(path, "kept", "initializer '" + t.name() + "': stored externally, not converted");
    }
  }
  for (const auto& vi : g.value_info()) {
    if (vi.type().has_tensor_type() && Converts(vi.type().tensor_type().elem_type(), to)) {
      ctx.editor.SetElemType(vi, to, path, "value_info");
    }
  }
  if (is_main && ctx.options.keep_io_types) return;
  for (const auto* list : {&g.input(), &g.output()}) {
    for (const auto& vi : *list) {
      if (vi.type().has_tensor_type() && Converts(vi.type().tensor_type().elem_type(), to)) {
        ctx.editor.SetElemType(vi, to, path, list == &g.input() ? "graph input" : "graph output");
      }
    }
  }
}

bool IsCastTo(const FixContext& ctx, int node, int32_t to) {
  const NodeRecord& n = ctx.Node(node);
  const onnx::AttributeProto* a = FindAttribute(*n.proto, "to");
  return n.domain.empty() && n.op_type() == "Cast" && a != nullptr && a->i() == to;
}

// With --keep-io-types the main graph keeps its interface: Cast in after each input,
// Cast out before each output. An interface that already is so is left alone.
void KeepInterface(FixContext& ctx, int32_t to) {
  const GraphRecord& main = ctx.Graph(0);
  const auto& nodes = ctx.Nodes(0);
  for (int id : main.inputs) {
    const ValueRecord& v = ctx.Value(id);
    if (v.initializer != nullptr || !v.Known() || !v.type->has_tensor_type() || !Converts(ElemType(*v.type), to)) {
      continue;
    }
    const auto& readers = ctx.Consumers(id);
    if (!readers.empty() && std::all_of(readers.begin(), readers.end(),
                                        [&](const auto& r) { return IsCastTo(ctx, r.first, to); })) {
      continue;
    }
    const std::string inner = ctx.editor.FreshName(v.name + "_" + DtypeName(to));
    ctx.editor.ReplaceUses(nodes, v.name, inner, main.path);
    ctx.editor.InsertCastAs(nodes, 0, v.name, to, inner, main.path);
  }
  for (size_t i = 0; i < main.outputs.size(); ++i) {
    const ValueRecord& v = ctx.Value(main.outputs[i]);
    const int32_t declared = main.proto->output(static_cast<int>(i)).type().tensor_type().elem_type();
    if (!Converts(declared, to) || v.origin != OriginKind::kNodeOutput || v.node < 0) continue;
    const NodeRecord& producer = ctx.Node(v.node);
    if (producer.graph != 0 || IsCastTo(ctx, v.node, declared)) continue;
    int slot = 0;
    while (producer.outputs[static_cast<size_t>(slot)] != main.outputs[i]) ++slot;
    const std::string inner = ctx.editor.FreshName(v.name + "_" + DtypeName(to));
    ctx.editor.ReplaceUses(nodes, v.name, inner, main.path);
    ctx.editor.RenameOutput(ctx.EditableNode(v.node), slot, inner, main.path);
    ctx.editor.InsertCastAs(nodes, producer.index + 1, inner, declared, v.name, main.path);
  }
}

}  // namespace

void ConvertPrecision(FixContext& ctx, int32_t to) {
  std::set<const void*> done;  // a subgraph of a function body shows up once per call
  for (size_t g = 0; g < ctx.tm.graphs.size(); ++g) {
    const GraphRecord& rec = ctx.tm.graphs[g];
    if (rec.proto != nullptr && done.insert(rec.proto).second) {
      ConvertDeclarations(ctx, *rec.proto, rec.path, g == 0, to);
    }
    if (rec.proto == nullptr && !done.insert(rec.function).second) continue;
    for (int id : rec.nodes) {
      if (done.insert(&ctx.EditableNode(id)).second) ConvertNode(ctx, id, to, rec.path);
    }
  }
  if (ctx.options.keep_io_types) KeepInterface(ctx, to);
}

namespace {

// Why `node` cannot compute with `to` bound to `param`, or "".
std::string Unsupported(const FixContext& ctx, const NodeRecord& node, const onnx::OpSchema::FormalParameter& formal,
                        int32_t to) {
  if (!AllowsType(formal, TypeString(TensorType(to)))) {
    return node.op_type() + "-" + std::to_string(node.schema->SinceVersion()) + " does not allow " + DtypeName(to);
  }
  if (ctx.options.target != nullptr) {
    const KernelVerdict v = ctx.options.target->Check(node, formal.GetTypeStr(), to);
    if (v.judged && !v.supported) return ctx.options.target->name() + " has no kernel for it";
  }
  return "";
}

}  // namespace

int KeepUnsupportedOpsWide(FixContext& ctx, int32_t to) {
  if (to == kFloat) return 0;  // float32 is where they would go: nothing wider to keep
  int wrapped = 0;
  for (size_t n = 0; n < ctx.tm.nodes.size(); ++n) {
    const NodeRecord& node = ctx.tm.nodes[n];
    if (node.schema == nullptr || node.subgraphs.size() > 0) continue;
    if (!ctx.FunctionBlocker(node.graph).empty()) continue;
    const GraphRecord& g = ctx.Graph(node.graph);
    // The type parameters bound to `to` that this op cannot compute in.
    std::set<std::string> params;
    std::string why;
    for (size_t s = 0; s < node.inputs.size(); ++s) {
      const auto* formal = InputFormal(*node.schema, static_cast<int>(s));
      if (node.inputs[s] < 0 || formal == nullptr || !BindsTypeParam(*node.schema, *formal)) continue;
      const ValueRecord& v = ctx.Value(node.inputs[s]);
      if (!v.Known() || !v.type->has_tensor_type() || ElemType(*v.type) != to) continue;
      const std::string reason = Unsupported(ctx, node, *formal, to);
      if (reason.empty()) continue;
      params.insert(formal->GetTypeStr());
      why = reason;
    }
    if (params.empty()) continue;
    ++wrapped;
    const auto& nodes = ctx.Nodes(node.graph);
    const onnx::NodeProto& editable = ctx.EditableNode(static_cast<int>(n));
    ctx.editor.Note(g.path, "keep-wide", NodeLabel(node) + " stays float32: " + why);
    for (size_t s = 0; s < node.inputs.size(); ++s) {
      const auto* formal = InputFormal(*node.schema, static_cast<int>(s));
      if (node.inputs[s] < 0 || formal == nullptr || !params.count(formal->GetTypeStr())) continue;
      const ValueRecord& v = ctx.Value(node.inputs[s]);
      if (!v.Known() || ElemType(*v.type) != to) continue;
      const std::string wide = ctx.editor.InsertCast(ctx.Nodes(v.graph), ctx.CastPosition(v), v.name, kFloat,
                                                     ctx.Graph(v.graph).path);
      ctx.editor.SetInput(editable, static_cast<int>(s), wide, g.path);
    }
    for (size_t s = 0; s < node.outputs.size(); ++s) {
      const auto* formal = OutputFormal(*node.schema, static_cast<int>(s));
      if (node.outputs[s] < 0 || formal == nullptr || !params.count(formal->GetTypeStr())) continue;
      const std::string name = ctx.Value(node.outputs[s]).name;
      const std::string wide = ctx.editor.FreshName(name + "_float");
      ctx.editor.RenameOutput(editable, static_cast<int>(s), wide, g.path);
      ctx.editor.InsertCastAs(nodes, node.index + 1, wide, to, name, g.path);
    }
  }
  return wrapped;
}

}  // namespace onnxtidy
