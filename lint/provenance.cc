#include "lint/provenance.h"

#include "lint/dtype.h"

namespace onnxtidy {
namespace {

const char* KindId(OriginKind k) {
  switch (k) {
    case OriginKind::kGraphInput: return "graph_input";
    case OriginKind::kInitializer: return "initializer";
    case OriginKind::kSparseInitializer: return "sparse_initializer";
    case OriginKind::kConstantNode: return "constant_node";
    case OriginKind::kNodeOutput: return "node_output";
    case OriginKind::kValueInfo: return "value_info";
    case OriginKind::kFunctionInput: return "function_input";
    case OriginKind::kSubgraphInput: return "subgraph_input";
    case OriginKind::kUndefined: return "undefined";
  }
  return "undefined";
}

std::string AttrTypeName(const onnx::NodeProto& node, const char* attr) {
  const onnx::AttributeProto* a = FindAttribute(node, attr);
  return a != nullptr && a->has_i() ? DtypeName(static_cast<int32_t>(a->i())) : "";
}

std::string Quote(const std::string& s) { return "'" + s + "'"; }

std::string Describe(const TypedModel& tm, const ValueRecord& v) {
  const NodeRecord* node = v.node >= 0 ? &tm.nodes[static_cast<size_t>(v.node)] : nullptr;
  const bool in_main = v.graph == 0;
  switch (v.origin) {
    case OriginKind::kGraphInput:
      if (v.initializer != nullptr) return "graph input " + Quote(v.name) + " with an initializer default";
      return (in_main ? "graph input " : "subgraph input ") + Quote(v.name);
    case OriginKind::kInitializer: return "initializer " + Quote(v.name);
    case OriginKind::kSparseInitializer: return "sparse initializer " + Quote(v.name);
    case OriginKind::kConstantNode: return node != nullptr ? NodeLabel(*node) : "Constant";
    case OriginKind::kValueInfo: return "value_info " + Quote(v.name);
    case OriginKind::kUndefined: return "undefined value " + Quote(v.name);
    case OriginKind::kFunctionInput:
      return "function input " + Quote(v.name) + (node != nullptr ? " of " + NodeLabel(*node) : "");
    case OriginKind::kSubgraphInput:
      return "subgraph input " + Quote(v.name) + (node != nullptr ? " typed by " + NodeLabel(*node) : "");
    case OriginKind::kNodeOutput: {
      if (node == nullptr) return "output " + Quote(v.name);
      std::string to = node->domain.empty() && node->op_type() == "Cast" ? AttrTypeName(*node->proto, "to") : "";
      return "output of " + NodeLabel(*node) + (to.empty() ? "" : " (to=" + to + ")");
    }
  }
  return Quote(v.name);
}

}  // namespace

std::string DisplayType(const ValueRecord& value) {
  if (!value.Known()) return "unknown";
  if (value.type->has_tensor_type()) return DtypeName(value.type->tensor_type().elem_type());
  return value.type_string();
}

namespace {

ProvenanceStep Step(const TypedModel& tm, const ValueRecord& v) {
  ProvenanceStep step;
  step.value = v.name;
  step.dtype = DisplayType(v);
  step.graph = tm.graphs[static_cast<size_t>(v.graph)].path;
  step.kind = KindId(v.origin);
  step.how = Describe(tm, v);
  if (v.node >= 0) {
    const NodeRecord& n = tm.nodes[static_cast<size_t>(v.node)];
    step.node = n.name();
    step.node_index = n.index;
    step.op_type = n.op_type();
  }
  return step;
}

}  // namespace

Provenance TraceDtype(const TypedModel& tm, int value_id, const std::string& role) {
  Provenance p;
  p.role = role;
  const ValueRecord& start = tm.values[static_cast<size_t>(value_id)];
  const ValueRecord& root = tm.values[static_cast<size_t>(start.root)];
  p.value = start.name;
  p.dtype = DisplayType(start);
  p.origin = Describe(tm, root);
  p.origin_kind = KindId(root.origin);
  int id = value_id;
  for (int shown = 0; id != start.root && shown < kShownSteps; ++shown) {
    const ValueRecord& v = tm.values[static_cast<size_t>(id)];
    p.chain.push_back(Step(tm, v));
    id = v.from;
  }
  p.elided = tm.values[static_cast<size_t>(id)].depth;
  p.chain.push_back(Step(tm, root));
  if (start.nodes_passed == 1) {
    // The one node is the nearest producer that passed the dtype on.
    for (const ProvenanceStep& s : p.chain) {
      if (s.kind == "node_output") {
        p.origin += ", via " + s.op_type + (s.node.empty() ? " #" + std::to_string(s.node_index) : " '" + s.node + "'");
        break;
      }
    }
  }
  if (start.nodes_passed > 1) p.origin += ", via " + std::to_string(start.nodes_passed) + " nodes";
  return p;
}

}  // namespace onnxtidy
