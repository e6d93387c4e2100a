// Fixes unsorted-graph: puts a graph's nodes in the order the type pass visited them,
// producers before readers. Computed values do not depend on the order: Safe.
#include "fixers/fix_context.h"

namespace onnxtidy {
namespace {

// Why the node list `graph` was walked from is not the model's own, or "". A subgraph
// of a function body node with attribute references was walked in a per-call copy.
std::string CopyBlocker(const FixContext& ctx, int graph) {
  for (int g = graph; g >= 0 && ctx.Graph(g).kind == GraphKind::kSubgraph; g = ctx.Graph(g).parent) {
    const NodeRecord& owner = ctx.Node(ctx.Graph(g).owner_node);
    for (const onnx::NodeProto& copy : ctx.tm.owned_nodes) {
      if (&copy != owner.proto) continue;
      return "it is in a subgraph of " + NodeLabel(owner) +
             ", a function body node with attribute references, which is checked per call in a copy";
    }
  }
  return "";
}

}  // namespace

std::string SortGraph(FixContext& ctx, const Finding& finding) {
  const int g = ctx.GraphAt(finding.location.graph);
  if (g < 0) return "no graph '" + finding.location.graph + "' in the model";
  const GraphRecord& graph = ctx.Graph(g);
  const NodeOrder& order = graph.order;
  if (order.sorted) return "its nodes are in topological order already";
  if (order.stuck > 0) {
    return std::to_string(order.stuck) + " of its nodes are in a dependency cycle or read from one: no order runs them";
  }
  if (std::string why = CopyBlocker(ctx, g); !why.empty()) return why;
  // A function body, and what is nested in it, has one graph per call but one node
  // list: the first call's graph sorts it, for every call.
  const auto& nodes = ctx.Nodes(g);
  for (int other = 0; other < g; ++other) {
    if (&ctx.Nodes(other) == &nodes) return "";
  }
  // Nothing else may be queued for the list: the fix loop sorts in a pass of its own.
  ctx.editor.SortNodes(nodes, order.visit, graph.path);
  return "";
}

}  // namespace onnxtidy
