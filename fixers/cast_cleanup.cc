// Fixes redundant-cast: removes only exact no-ops (a Cast to the type its input has, or
// the way back of an exact widening), and never a Cast whose output leaves its graph.
#include "fixers/fix_context.h"

namespace onnxtidy {

std::string RemoveRedundantCast(FixContext& ctx, const Finding& f) {
  const int nid = ctx.NodeAt(f.location);
  if (nid < 0) return "the node was not found";
  const NodeRecord& cast = ctx.Node(nid);
  const GraphRecord& g = ctx.Graph(cast.graph);
  if (std::string why = ctx.FunctionBlocker(cast.graph); !why.empty()) return why;
  if (cast.inputs.empty() || cast.outputs.empty() || cast.inputs[0] < 0 || cast.outputs[0] < 0) {
    return "the Cast has no input or output";
  }
  const std::string& out = ctx.Value(cast.outputs[0]).name;
  ctx.editor.ReplaceUses(ctx.Nodes(cast.graph), out, f.fix->value, g.path);
  ctx.editor.RemoveNode(ctx.Nodes(cast.graph), ctx.EditableNode(nid), g.path, "a no-op");
  // The Cast it read goes too when nothing else reads it (the way back of a widening).
  const ValueRecord& in = ctx.Value(cast.inputs[0]);
  if (in.name == f.fix->value || in.origin != OriginKind::kNodeOutput || in.node < 0) return "";
  const NodeRecord& widening = ctx.Node(in.node);
  if (widening.graph == cast.graph && ctx.Consumers(cast.inputs[0]).size() == 1 && !ctx.IsGraphOutput(cast.inputs[0])) {
    ctx.editor.RemoveNode(ctx.Nodes(cast.graph), ctx.EditableNode(in.node), g.path, "no longer read");
  }
  return "";
}

}  // namespace onnxtidy
