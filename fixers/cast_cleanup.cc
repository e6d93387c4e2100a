// Fixes redundant-cast: removes only exact no-ops (a Cast to the type its input has, or
// the way back of an exact widening), and never a Cast whose output leaves its graph.
#include "fixers/fix_context.h"
#include "lint/dtype.h"

namespace onnxtidy {

std::string RemoveRedundantCast(FixContext& ctx, const Finding& f) {
  if (!f.fix || f.fix->safety != FixSafety::kSafe) return f.fix ? f.fix->reason : "no fix";
  const int nid = ctx.NodeAt(f.location);
  if (nid < 0) return "the node was not found";
  const NodeRecord& cast = ctx.Node(nid);
  const GraphRecord& g = ctx.Graph(cast.graph);
  if (std::string why = ctx.FunctionBlocker(cast.graph); !why.empty()) return why;
  if (cast.inputs.empty() || cast.outputs.empty() || cast.inputs[0] < 0 || cast.outputs[0] < 0) {
    return "the Cast has no input or output";
  }
  const ValueRecord& in = ctx.Value(cast.inputs[0]);
  const ValueRecord& out = ctx.Value(cast.outputs[0]);
  if (!in.Known() || !out.Known()) return "the Cast's input or output type is unknown";
  // Same-type Cast: read its input. Way back of a widening: read what was widened.
  std::string source = in.name;
  const NodeRecord* widening = nullptr;
  if (ElemType(*in.type) != ElemType(*out.type)) {
    if (in.node < 0 || in.origin != OriginKind::kNodeOutput) return "the earlier Cast was not found";
    widening = &ctx.Node(in.node);
    if (widening->inputs.empty() || widening->inputs[0] < 0) return "the earlier Cast has no input";
    source = ctx.Value(widening->inputs[0]).name;
  }
  ctx.editor.ReplaceUses(ctx.Nodes(cast.graph), out.name, source, g.path);
  ctx.editor.RemoveNode(ctx.Nodes(cast.graph), ctx.EditableNode(nid), g.path, "a no-op");
  // The widening Cast goes too when nothing else reads it.
  if (widening != nullptr && widening->graph == cast.graph && ctx.Consumers(cast.inputs[0]).size() == 1 &&
      !ctx.IsGraphOutput(cast.inputs[0])) {
    const int wid = ctx.GraphAt(g.path) >= 0 ? g.nodes[static_cast<size_t>(widening->index)] : -1;
    if (wid >= 0) ctx.editor.RemoveNode(ctx.Nodes(cast.graph), ctx.EditableNode(wid), g.path, "no longer read");
  }
  return "";
}

}  // namespace onnxtidy
