// Fixes operand-dtype-mismatch by widening: every operand bound to the conflicting type
// parameter becomes the widest float type among them. Stored tensors are rewritten
// (duplicated when another consumer needs them as they are); activations get one Cast
// per (value, type), shared by their consumers.
#include <algorithm>

#include "fixers/fix_context.h"
#include "lint/dtype.h"

namespace onnxtidy {
namespace {

struct Request {
  int node;
  int slot;
  int32_t to;
  std::vector<size_t> findings;  // every finding this widening answers
};

bool IsExternal(const onnx::TensorProto& t) { return t.data_location() == onnx::TensorProto::EXTERNAL; }

const onnx::TensorProto* ConstantTensor(const onnx::NodeProto& node) {
  const onnx::AttributeProto* value = FindAttribute(node, "value");
  return value != nullptr && value->has_t() && !IsExternal(value->t()) ? &value->t() : nullptr;
}

// True when every reader of `value` asked for `to`: then it may change in place.
bool AllReadersWant(const FixContext& ctx, int value, const std::vector<Request>& reqs) {
  if (ctx.IsGraphOutput(value)) return false;
  for (const std::pair<int, int>& reader : ctx.Consumers(value)) {
    // (A lambda may not capture a structured binding before C++20: clang refuses.)
    const bool asked = std::any_of(reqs.begin(), reqs.end(),
                                   [&](const Request& r) { return r.node == reader.first && r.slot == reader.second; });
    if (!asked) return false;
  }
  return true;
}

void Rewire(FixContext& ctx, const std::vector<Request>& reqs, const std::string& name) {
  for (const Request& r : reqs) {
    ctx.editor.SetInput(ctx.EditableNode(r.node), r.slot, name, ctx.Graph(ctx.Node(r.node).graph).path);
  }
}

std::string WidenValue(FixContext& ctx, int value, const std::vector<Request>& reqs, int32_t to) {
  const ValueRecord& v = ctx.Value(value);
  const GraphRecord& g = ctx.Graph(v.graph);
  const int32_t from = ElemType(*v.type);
  const bool in_place = AllReadersWant(ctx, value, reqs);

  if (v.origin == OriginKind::kInitializer && v.initializer != nullptr) {
    // Rewriting needs the bytes (in memory, or streamed by the tensor store); when they
    // cannot be had, a Cast below does the job.
    if (in_place && ctx.editor.RetypeTensor(*v.initializer, to, g.path, "initializer '" + v.name + "'")) {
      return "";
    }
    if (!in_place) {
      const std::string copy = ctx.editor.DuplicateInitializer(*g.proto, *v.initializer, to, g.path);
      if (!copy.empty()) {
        Rewire(ctx, reqs, copy);
        return "";
      }
    }
  }
  if (v.origin == OriginKind::kConstantNode) {
    if (std::string why = ctx.FunctionBlocker(v.graph); !why.empty()) return why;
    const onnx::NodeProto& constant = ctx.EditableNode(v.node);
    if (const onnx::TensorProto* t = ConstantTensor(constant)) {
      if (in_place) {
        ctx.editor.RetypeTensor(*t, to, g.path, "Constant '" + v.name + "'");
        return "";
      }
      onnx::NodeProto copy = constant;
      copy.set_name(ctx.editor.FreshName(constant.name().empty() ? v.name + "_const" : constant.name()));
      copy.set_output(0, ctx.editor.FreshName(v.name + "_" + DtypeName(to)));
      for (auto& a : *copy.mutable_attribute()) {
        if (a.name() == "value") ConvertTensor(*a.mutable_t(), to, ctx.editor.overflow);
      }
      const std::string name = copy.output(0);
      ctx.editor.InsertNode(ctx.Nodes(v.graph), ctx.Node(v.node).index + 1, std::move(copy), g.path,
                            "Constant '" + name + "': " + DtypeName(to) + " copy of '" + v.name + "'",
                            IsExactConversion(from, to) ? EditEffect::kExact : EditEffect::kLossy);
      Rewire(ctx, reqs, name);
      return "";
    }
  }
  if (v.origin == OriginKind::kFunctionInput && v.from >= 0) {
    // Widen what this call passes in, at the call site: right for this caller, and
    // other callers keep what they pass.
    const int call = v.node;
    const auto& formals = g.inputs;
    const int k = static_cast<int>(std::find(formals.begin(), formals.end(), value) - formals.begin());
    if (std::string why = ctx.FunctionBlocker(ctx.Node(call).graph); !why.empty()) return why;
    return WidenValue(ctx, v.from, {Request{call, k, to, reqs.front().findings}}, to);
  }
  if (std::string why = ctx.FunctionBlocker(v.graph); !why.empty()) return why;
  // No Cast can carry it: the rule offers declaring the model's own input wider instead
  // (retype-graph-input), which is another fix.
  if (std::string why = ctx.CastBlocker(v.graph, from, to); !why.empty()) return why;
  Rewire(ctx, reqs, ctx.editor.InsertCast(ctx.Nodes(v.graph), ctx.CastPosition(v), v.name, from, to, g.path));
  return "";
}

}  // namespace

void WidenOperands(FixContext& ctx, const std::vector<const Finding*>& findings, std::vector<std::string>& reasons) {
  reasons.assign(findings.size(), "");
  // (value, target type) -> requests, in a stable order; one request per (node, slot),
  // shared by the findings it answers (Gemm's B and C both ask to widen A).
  std::map<std::pair<int, int32_t>, std::vector<Request>> requests;
  std::map<std::pair<int, int>, std::pair<std::pair<int, int32_t>, size_t>> asked;
  for (size_t i = 0; i < findings.size(); ++i) {
    const FixSuggestion& fix = *findings[i]->fix;
    const int nid = ctx.NodeAt(findings[i]->location);
    if (nid < 0) {
      reasons[i] = "the node was not found";
      continue;
    }
    const NodeRecord& node = ctx.Node(nid);
    for (int slot : fix.slots) {
      const int value =
          slot >= 0 && static_cast<size_t>(slot) < node.inputs.size() ? node.inputs[static_cast<size_t>(slot)] : -1;
      if (value < 0 || !ctx.Value(value).Known()) {
        reasons[i] = "input " + std::to_string(slot) + " of " + NodeLabel(node) + " is missing or of unknown type";
        break;
      }
      auto known = asked.find({nid, slot});
      if (known != asked.end()) {
        requests[known->second.first][known->second.second].findings.push_back(i);
        continue;
      }
      auto& list = requests[{value, fix.to}];
      asked[{nid, slot}] = {{value, fix.to}, list.size()};
      list.push_back(Request{nid, slot, fix.to, {i}});
    }
  }
  for (const auto& [key, reqs] : requests) {
    const std::string why = WidenValue(ctx, key.first, reqs, key.second);
    if (why.empty()) continue;
    for (const Request& r : reqs) {
      for (size_t f : r.findings) reasons[f] = why;
    }
  }
}

std::string RetypeGraphInput(FixContext& ctx, const Finding& f) {
  const FixSuggestion& fix = *f.fix;
  const GraphRecord& main = ctx.Graph(0);
  for (const auto& in : main.proto->input()) {
    if (in.name() != fix.value) continue;
    if (!in.type().has_tensor_type()) return "graph input '" + fix.value + "' is not a tensor";
    // Its initializer default (IR < 4) takes the declared type too, exactly.
    for (int id : main.inputs) {
      const ValueRecord& v = ctx.Value(id);
      if (v.name != fix.value || v.initializer == nullptr) continue;
      if (!ctx.editor.RetypeTensor(*v.initializer, fix.to, main.path, "initializer '" + v.name + "'")) {
        return "the initializer of graph input '" + fix.value + "' cannot be converted";
      }
    }
    ctx.editor.SetElemType(in, fix.to, main.path, "graph input", EditEffect::kInterface);
    return "";
  }
  return "graph input '" + fix.value + "' was not found";
}

}  // namespace onnxtidy
