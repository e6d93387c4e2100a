#include "lint/control_flow.h"

#include "lint/dtype.h"

namespace onnxtidy {
namespace {

bool Known(const TypedModel& tm, int id) { return id >= 0 && tm.values[static_cast<size_t>(id)].Known(); }

std::string Quoted(const TypedModel& tm, int id) {
  return id >= 0 ? " ('" + tm.values[static_cast<size_t>(id)].name + "')" : "";
}

// Loop (initial inputs from slot 2, body inputs from 2, body outputs from 1) and Scan
// (states from 0 everywhere, then scan inputs) share this shape.
void StateJoins(const TypedModel& tm, const NodeRecord& n, int body, int states, int input_base, int body_in_base,
                int body_out_base, std::vector<ControlFlowJoin>& out) {
  const GraphRecord& g = tm.graphs[static_cast<size_t>(body)];
  for (int k = 0; k < states; ++k) {
    const size_t in = static_cast<size_t>(input_base + k);
    const size_t bin = static_cast<size_t>(body_in_base + k);
    const size_t bout = static_cast<size_t>(body_out_base + k);
    if (in >= n.inputs.size() || bin >= g.inputs.size() || bout >= g.outputs.size()) break;
    ControlFlowJoin j;
    j.output_slot = k;
    j.what = std::string(n.op_type() == "Loop" ? "loop-carried value " : "state ") + std::to_string(k) +
             Quoted(tm, n.inputs[in]);
    using K = JoinMember::Kind;
    const int body_input = g.inputs[bin];
    const ValueRecord& bi = tm.values[static_cast<size_t>(body_input)];
    if (Known(tm, n.inputs[in]))
      j.members.push_back({K::kInitial, n.inputs[in], n.graph, static_cast<int>(in), "initial value"});
    // A body input without a declared type takes the initial value's: only a declaration can disagree.
    if (bi.Known() && bi.origin == OriginKind::kGraphInput) {
      j.members.push_back(
          {K::kBodyInput, body_input, body, static_cast<int>(bin), "body input " + std::to_string(bin)});
    }
    const int next = g.outputs[bout];
    if (Known(tm, next)) {
      j.members.push_back({K::kBodyOutput, next, body, static_cast<int>(bout), "body output " + std::to_string(bout)});
    }
    out.push_back(std::move(j));
  }
}

}  // namespace

bool Disagrees(const TypedModel& tm, const ControlFlowJoin& join) {
  for (const JoinMember& m : join.members) {
    // Element types only: a Loop may carry optional(seq(T)) and return seq(T).
    if (ElemType(*tm.values[static_cast<size_t>(m.value)].type) !=
        ElemType(*tm.values[static_cast<size_t>(join.members[0].value)].type)) {
      return true;
    }
  }
  return false;
}

int32_t WidestTensorType(const TypedModel& tm, const ControlFlowJoin& join) {
  int32_t widest = kUndefined;
  for (const JoinMember& m : join.members) {
    const onnx::TypeProto& t = *tm.values[static_cast<size_t>(m.value)].type;
    if (!t.has_tensor_type()) return kUndefined;
    if (DtypeBits(ElemType(t)) > DtypeBits(widest)) widest = ElemType(t);
  }
  return widest;
}

int SubgraphFor(const TypedModel& tm, const NodeRecord& node, const std::string& attr) {
  const onnx::AttributeProto* a = FindAttribute(*node.proto, attr);
  if (a == nullptr || !a->has_g()) return -1;
  for (int gid : node.subgraphs) {
    if (tm.graphs[static_cast<size_t>(gid)].proto == &a->g()) return gid;
  }
  return -1;
}

std::vector<ControlFlowJoin> ControlFlowJoins(const TypedModel& tm, int node) {
  std::vector<ControlFlowJoin> out;
  const NodeRecord& n = tm.nodes[static_cast<size_t>(node)];
  if (!n.domain.empty() || n.schema == nullptr) return out;
  const std::string& op = n.op_type();
  using K = JoinMember::Kind;
  if (op == "If") {
    const int then_g = SubgraphFor(tm, n, "then_branch"), else_g = SubgraphFor(tm, n, "else_branch");
    if (then_g < 0 || else_g < 0) return out;
    const auto& a = tm.graphs[static_cast<size_t>(then_g)].outputs;
    const auto& b = tm.graphs[static_cast<size_t>(else_g)].outputs;
    for (size_t k = 0; k < a.size() && k < b.size(); ++k) {
      ControlFlowJoin j;
      j.output_slot = static_cast<int>(k);
      j.what = "output " + std::to_string(k);
      if (Known(tm, a[k]))
        j.members.push_back(
            {K::kBranchOutput, a[k], then_g, static_cast<int>(k), "then_branch output " + std::to_string(k)});
      if (Known(tm, b[k]))
        j.members.push_back(
            {K::kBranchOutput, b[k], else_g, static_cast<int>(k), "else_branch output " + std::to_string(k)});
      out.push_back(std::move(j));
    }
  } else if (op == "Loop") {
    const int body = SubgraphFor(tm, n, "body");
    if (body < 0) return out;
    StateJoins(tm, n, body, static_cast<int>(n.inputs.size()) - 2, 2, 2, 1, out);
  } else if (op == "Scan" && n.opset >= 9) {
    const int body = SubgraphFor(tm, n, "body");
    const onnx::AttributeProto* m = FindAttribute(*n.proto, "num_scan_inputs");
    if (body < 0 || m == nullptr) return out;
    const int scans = static_cast<int>(m->i());
    const int states = static_cast<int>(n.inputs.size()) - scans;
    if (states < 0) return out;
    StateJoins(tm, n, body, states, 0, 0, 0, out);
    // Scan inputs: the body gets slices of the same element type.
    const GraphRecord& g = tm.graphs[static_cast<size_t>(body)];
    for (int s = 0; s < scans; ++s) {
      const size_t in = static_cast<size_t>(states + s);
      if (in >= g.inputs.size() || in >= n.inputs.size()) break;
      const ValueRecord& bi = tm.values[static_cast<size_t>(g.inputs[in])];
      ControlFlowJoin j;
      j.what = "scan input " + std::to_string(s) + Quoted(tm, n.inputs[in]);
      if (Known(tm, n.inputs[in]))
        j.members.push_back({K::kInitial, n.inputs[in], n.graph, static_cast<int>(in), "scanned tensor"});
      if (bi.Known() && bi.origin == OriginKind::kGraphInput) {
        j.members.push_back(
            {K::kBodyInput, g.inputs[in], body, static_cast<int>(in), "body input " + std::to_string(in)});
      }
      out.push_back(std::move(j));
    }
  }
  return out;
}

}  // namespace onnxtidy
