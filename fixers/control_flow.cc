// Fixes control-flow-dtype-mismatch: every member of the join narrower than the widest
// is widened exactly. An initial value is cast before the node; a body input's
// declaration takes the wider type; a branch or body output gets a Cast at the end of
// its graph, which the graph returns.
#include "lint/control_flow.h"

#include "fixers/fix_context.h"
#include "lint/dtype.h"

namespace onnxtidy {

std::string FixControlFlow(FixContext& ctx, const Finding& f) {
  const int nid = ctx.NodeAt(f.location);
  if (nid < 0) return "the node was not found";
  const NodeRecord& node = ctx.Node(nid);
  const std::vector<ControlFlowJoin> joins = ControlFlowJoins(ctx.tm, nid);
  const ControlFlowJoin* join = nullptr;
  for (const ControlFlowJoin& j : joins) {
    const bool here = f.location.output_index >= 0
                          ? j.output_slot == f.location.output_index
                          : j.output_slot < 0 && !j.members.empty() && j.members[0].slot == f.location.input_index;
    if (here) join = &j;
  }
  if (join == nullptr) return "the join was not found";

  const int32_t widest = f.fix->to;
  // Decide everything before the first edit: a join is fixed whole or not at all.
  for (const JoinMember& m : join->members) {
    const int32_t from = ElemType(*ctx.Value(m.value).type);
    if (from == widest) continue;
    if (!IsExactConversion(from, widest)) {
      return m.role + " (" + DtypeName(from) + ") does not widen exactly to " + DtypeName(widest);
    }
    if (std::string why = ctx.FunctionBlocker(m.graph); !why.empty()) return why;
    if (m.kind != JoinMember::Kind::kBodyInput) {
      if (std::string why = ctx.CastBlocker(m.graph, from, widest); !why.empty()) return why;
    }
    if (m.kind != JoinMember::Kind::kInitial && ctx.Graph(m.graph).proto == nullptr) return "the body was not found";
  }

  // Inputs first: once an initial value or a body input is wider, the body may compute
  // the wider type by itself, and a Cast at its end would be a no-op. Outputs then only
  // declare the wider type; a later pass casts those whose computed type stays narrow.
  bool inputs_first = false;
  for (const JoinMember& m : join->members) {
    const bool input = m.kind == JoinMember::Kind::kInitial || m.kind == JoinMember::Kind::kBodyInput;
    inputs_first |= input && ElemType(*ctx.Value(m.value).type) != widest;
  }
  for (const JoinMember& m : join->members) {
    const ValueRecord& v = ctx.Value(m.value);
    if (ElemType(*v.type) == widest) continue;
    const GraphRecord& g = ctx.Graph(m.graph);
    switch (m.kind) {
      case JoinMember::Kind::kBranchOutput:
      case JoinMember::Kind::kBodyOutput: {
        const onnx::ValueInfoProto& out = g.proto->output(m.slot);
        if (!inputs_first) {
          const auto& nodes = ctx.Nodes(m.graph);
          const std::string cast =
              ctx.editor.InsertCast(nodes, nodes.size(), v.name, ElemType(*v.type), widest, g.path);
          ctx.editor.SetGraphOutput(*g.proto, m.slot, cast, g.path);
        }
        if (out.type().has_tensor_type()) ctx.editor.SetElemType(out, widest, g.path, "graph output");
        break;
      }
      case JoinMember::Kind::kInitial: {
        const std::string cast =
            ctx.editor.InsertCast(ctx.Nodes(m.graph), node.index, v.name, ElemType(*v.type), widest, g.path);
        ctx.editor.SetInput(ctx.EditableNode(nid), m.slot, cast, g.path);
        break;
      }
      case JoinMember::Kind::kBodyInput:
        ctx.editor.SetElemType(g.proto->input(m.slot), widest, g.path, "body input");
        break;
    }
  }
  return "";
}

}  // namespace onnxtidy
