#include "fixers/fix_context.h"

#include "lint/dtype.h"

namespace onnxtidy {

FixContext::FixContext(const TypedModel& t, GraphEditor& e, const FixOptions& o)
    : tm(t), editor(e), options(o), consumers_(t.values.size()), graph_output_(t.values.size(), false) {
  for (size_t g = 0; g < tm.graphs.size(); ++g) {
    graph_by_path_[tm.graphs[g].path] = static_cast<int>(g);
    for (int id : tm.graphs[g].outputs) graph_output_[static_cast<size_t>(id)] = true;
    if (tm.graphs[g].function != nullptr) ++instances_[tm.graphs[g].function];
  }
  for (size_t n = 0; n < tm.nodes.size(); ++n) {
    const auto& inputs = tm.nodes[n].inputs;
    for (size_t s = 0; s < inputs.size(); ++s) {
      if (inputs[s] >= 0)
        consumers_[static_cast<size_t>(inputs[s])].push_back({static_cast<int>(n), static_cast<int>(s)});
    }
  }
}

int FixContext::GraphAt(const std::string& path) const {
  auto it = graph_by_path_.find(path);
  return it == graph_by_path_.end() ? -1 : it->second;
}

int FixContext::NodeAt(const Location& l) const {
  const int g = GraphAt(l.graph);
  if (g < 0 || l.node_index < 0) return -1;
  const auto& nodes = Graph(g).nodes;
  return static_cast<size_t>(l.node_index) < nodes.size() ? nodes[static_cast<size_t>(l.node_index)] : -1;
}

const onnx::NodeProto& FixContext::EditableNode(int node) const {
  const NodeRecord& n = Node(node);
  const GraphRecord& g = Graph(n.graph);
  if (g.function != nullptr) return g.function->node(n.index);
  return *n.proto;
}

const google::protobuf::RepeatedPtrField<onnx::NodeProto>& FixContext::Nodes(int graph) const {
  const GraphRecord& g = Graph(graph);
  return g.function != nullptr ? g.function->node() : g.proto->node();
}

std::string FixContext::CastBlocker(int graph, int32_t from, int32_t to) const {
  return onnxtidy::CastBlocker(tm, graph, from, to);
}

int FixContext::CastPosition(const ValueRecord& v) const {
  if (v.node >= 0 && (v.origin == OriginKind::kNodeOutput || v.origin == OriginKind::kConstantNode)) {
    const NodeRecord& producer = Node(v.node);
    if (producer.graph == v.graph) return producer.index + 1;
  }
  return 0;
}

std::string FixContext::FunctionBlocker(int graph) const {
  for (int g = graph; g >= 0; g = Graph(g).parent) {
    const onnx::FunctionProto* fn = Graph(g).function;
    if (fn == nullptr || Instances(fn) <= 1) continue;
    return "it is inside model-local function '" + fn->name() + "', whose " + std::to_string(Instances(fn)) +
           " calls may need it as it is";
  }
  return "";
}

int FixContext::Instances(const onnx::FunctionProto* fn) const {
  auto it = instances_.find(fn);
  return it == instances_.end() ? 0 : it->second;
}

}  // namespace onnxtidy
