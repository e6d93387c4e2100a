// Fixes declared-type-mismatch: stale value_info follows the computed type; a graph
// output keeps its declared interface through a Cast; an initializer default takes
// the type its graph input declares.
#include <algorithm>

#include "fixers/fix_context.h"
#include "lint/dtype.h"

namespace onnxtidy {
namespace {

// The value a finding's location names among `ids`, or -1.
int FindValue(const FixContext& ctx, const std::vector<int>& ids, const std::string& name) {
  for (int id : ids) {
    if (ctx.Value(id).name == name) return id;
  }
  return -1;
}

}  // namespace

std::string RetypeValueInfo(FixContext& ctx, const Finding& f) {
  const int graph = ctx.GraphAt(f.location.graph);
  if (graph < 0) return "the graph was not found";
  const GraphRecord& g = ctx.Graph(graph);
  auto vi = g.value_info.find(f.location.value);
  if (vi == g.value_info.end()) return "the value_info was not found";
  ctx.editor.SetElemType(*vi->second, f.fix->to, g.path, "value_info");
  return "";
}

// y = P(...) becomes y_<type> = P(...); y = Cast(y_<type>, to=declared); readers inside
// the graph keep reading the computed value.
std::string CastGraphOutput(FixContext& ctx, const Finding& f) {
  const int graph = ctx.GraphAt(f.location.graph);
  if (graph < 0) return "the graph was not found";
  const GraphRecord& g = ctx.Graph(graph);
  const int value = FindValue(ctx, g.outputs, f.location.value);
  if (value < 0) return "the graph output was not found";
  const ValueRecord& v = ctx.Value(value);
  if (v.origin != OriginKind::kNodeOutput || v.node < 0 || ctx.Node(v.node).graph != graph) {
    return "the output is not computed by a node of its graph";
  }
  const int32_t actual = ElemType(*v.type);
  if (std::string why = ctx.CastBlocker(graph, actual, f.fix->to); !why.empty()) return why;
  const NodeRecord& producer = ctx.Node(v.node);
  const auto& outs = producer.outputs;
  const int slot = static_cast<int>(std::find(outs.begin(), outs.end(), value) - outs.begin());
  const std::string computed = ctx.editor.FreshName(v.name + "_" + DtypeName(actual));
  ctx.editor.ReplaceUses(ctx.Nodes(graph), v.name, computed, g.path);
  ctx.editor.RenameOutput(ctx.EditableNode(v.node), slot, computed, g.path);
  // ReplaceUses also renamed the graph output itself if a nested graph returns it;
  // this graph's own output keeps its name: the Cast produces it.
  const bool floats = IsConvertibleFloat(actual) && IsConvertibleFloat(f.fix->to);
  ctx.editor.InsertCastAs(ctx.Nodes(graph), producer.index + 1, computed, actual, f.fix->to, v.name, g.path, floats);
  return "";
}

// An initializer default takes the type its graph input declares.
std::string ConvertInitializer(FixContext& ctx, const Finding& f) {
  const int graph = ctx.GraphAt(f.location.graph);
  if (graph < 0) return "the graph was not found";
  const GraphRecord& g = ctx.Graph(graph);
  const int value = FindValue(ctx, g.inputs, f.location.value);
  if (value < 0 || ctx.Value(value).initializer == nullptr) return "the graph input's initializer was not found";
  if (!ctx.editor.RetypeTensor(*ctx.Value(value).initializer, f.fix->to, g.path,
                               "initializer '" + f.location.value + "'")) {
    return "the initializer cannot be converted (its bytes cannot be read)";
  }
  return "";
}

}  // namespace onnxtidy
