// Fixes declared-type-mismatch: stale value_info follows the computed type; a graph
// output keeps its declared interface through a Cast; an initializer default takes
// the type its graph input declares.
#include <algorithm>

#include "fixers/fix_context.h"
#include "lint/dtype.h"

namespace onnxtidy {
namespace {

std::string FixValueInfo(FixContext& ctx, int graph, const ValueRecord& v) {
  const GraphRecord& g = ctx.Graph(graph);
  auto vi = g.value_info.find(v.name);
  if (vi == g.value_info.end() || !vi->second->type().has_tensor_type() || !v.type->has_tensor_type()) {
    return "only tensor declarations are updated";
  }
  ctx.editor.SetElemType(*vi->second, ElemType(*v.type), g.path, "value_info");
  return "";
}

// y = P(...) becomes y_<type> = P(...); y = Cast(y_<type>, to=declared); readers inside
// the graph keep reading the computed value.
std::string CastGraphOutput(FixContext& ctx, int graph, int value, int32_t declared) {
  const ValueRecord& v = ctx.Value(value);
  const GraphRecord& g = ctx.Graph(graph);
  const int32_t actual = ElemType(*v.type);
  if (!v.type->has_tensor_type() || !IsConvertibleFloat(actual) || !IsConvertibleFloat(declared)) {
    return "only floating-point tensor outputs are cast";
  }
  if (v.origin != OriginKind::kNodeOutput || v.node < 0 || ctx.Node(v.node).graph != graph) {
    return "the output is not computed by a node of its graph (it is an input, initializer or outer value)";
  }
  if (std::string why = ctx.CastBlocker(graph, actual, declared); !why.empty()) return why;
  const NodeRecord& producer = ctx.Node(v.node);
  const auto& outs = producer.outputs;
  const int slot = static_cast<int>(std::find(outs.begin(), outs.end(), value) - outs.begin());
  const std::string computed = ctx.editor.FreshName(v.name + "_" + DtypeName(actual));
  ctx.editor.ReplaceUses(ctx.Nodes(graph), v.name, computed, g.path);
  ctx.editor.RenameOutput(ctx.EditableNode(v.node), slot, computed, g.path);
  ctx.editor.InsertCastAs(ctx.Nodes(graph), producer.index + 1, computed, declared, v.name, g.path);
  // ReplaceUses also renamed the graph output itself if a nested graph returns it;
  // this graph's own output keeps its name: the Cast produces it.
  return "";
}

}  // namespace

std::string FixDeclaredType(FixContext& ctx, const Finding& f) {
  const int graph = ctx.GraphAt(f.location.graph);
  if (graph < 0) return "the graph was not found";
  const GraphRecord& g = ctx.Graph(graph);
  if (g.proto == nullptr) return "function bodies declare no types";
  const auto find_value = [&](const std::vector<int>& ids) {
    for (int id : ids) {
      if (ctx.Value(id).name == f.location.value) return id;
    }
    return -1;
  };
  if (f.message.rfind("value_info declares", 0) == 0) {
    const int nid = ctx.NodeAt(f.location);
    if (nid < 0 || f.location.output_index < 0) return "the producing node was not found";
    const int value = ctx.Node(nid).outputs[static_cast<size_t>(f.location.output_index)];
    return FixValueInfo(ctx, graph, ctx.Value(value));
  }
  if (f.message.rfind("graph output", 0) == 0) {
    const int value = find_value(g.outputs);
    if (value < 0) return "the graph output was not found";
    for (int i = 0; i < g.proto->output_size(); ++i) {
      if (g.proto->output(i).name() == f.location.value) {
        return CastGraphOutput(ctx, graph, value, g.proto->output(i).type().tensor_type().elem_type());
      }
    }
    return "the graph output was not found";
  }
  if (f.message.rfind("graph input", 0) == 0) {
    const int value = find_value(g.inputs);
    if (value < 0) return "the graph input was not found";
    const ValueRecord& v = ctx.Value(value);
    const int32_t declared = ElemType(*v.type);
    const onnx::TensorProto& tensor = *v.initializer;
    if (!IsExactConversion(tensor.data_type(), declared) && !ctx.options.unsafe) {
      return "converting the initializer to " + DtypeName(declared) + " narrows it (use --unsafe-fixes)";
    }
    if (!ctx.editor.RetypeTensor(tensor, declared, g.path, "initializer '" + v.name + "'")) {
      return "the initializer cannot be converted (external data or a non-float type)";
    }
    return "";
  }
  return "no fix for this finding";
}

}  // namespace onnxtidy
