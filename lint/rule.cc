#include "lint/rule.h"

#include <algorithm>

#include "lint/schema_binding.h"

namespace onnxtidy {

const char* FixAvailabilityName(FixAvailability f) {
  switch (f) {
    case FixAvailability::kNone: return "none";
    case FixAvailability::kSafe: return "safe";
    case FixAvailability::kUnsafe: return "unsafe";
    case FixAvailability::kDisplayOnly: return "display-only";
  }
  return "none";
}

const ValueRecord* NodeView::ValueAt(const std::pmr::vector<int>& ids, int slot) const {
  if (slot < 0 || static_cast<size_t>(slot) >= ids.size() || ids[static_cast<size_t>(slot)] < 0) return nullptr;
  return &tm_.values[static_cast<size_t>(ids[static_cast<size_t>(slot)])];
}

const NodeRecord* NodeView::InputProducer(int slot) const {
  const ValueRecord* v = Input(slot);
  if (v == nullptr || v->node < 0) return nullptr;
  if (v->origin != OriginKind::kNodeOutput && v->origin != OriginKind::kConstantNode) return nullptr;
  return &tm_.nodes[static_cast<size_t>(v->node)];
}

std::string NodeView::OutputEscapes(int slot) const {
  if (slot < 0 || static_cast<size_t>(slot) >= node_.outputs.size() || node_.outputs[static_cast<size_t>(slot)] < 0) {
    return "";
  }
  const int id = node_.outputs[static_cast<size_t>(slot)];
  const auto& graph_outputs = tm_.graphs[static_cast<size_t>(node_.graph)].outputs;
  if (std::find(graph_outputs.begin(), graph_outputs.end(), id) != graph_outputs.end()) return "a graph output";
  for (const NodeRecord& n : tm_.nodes) {
    if (n.graph == node_.graph) continue;
    if (std::find(n.inputs.begin(), n.inputs.end(), id) != n.inputs.end()) return "read by a subgraph";
  }
  return "";
}

std::string NodeView::DescribeInput(int slot) const {
  const ValueRecord* v = Input(slot);
  return "input " + InputRole(node_.schema, slot) + (v != nullptr ? " '" + v->name + "'" : "");
}

Provenance NodeView::InputProvenance(int slot) const {
  return TraceDtype(tm_, node_.inputs[static_cast<size_t>(slot)], "input " + InputRole(node_.schema, slot));
}

Provenance NodeView::OutputProvenance(int slot) const {
  return TraceDtype(tm_, node_.outputs[static_cast<size_t>(slot)], "output " + std::to_string(slot));
}

Location NodeView::NodeLocation() const {
  Location l;
  l.graph = graph_path();
  l.node = node_.name();
  l.node_index = node_.index;
  l.op_type = node_.op_type();
  return l;
}

Location NodeView::InputLocation(int slot) const {
  Location l = NodeLocation();
  l.input_index = slot;
  if (const ValueRecord* v = Input(slot)) l.value = v->name;
  return l;
}

Location NodeView::OutputLocation(int slot) const {
  Location l = NodeLocation();
  l.output_index = slot;
  if (const ValueRecord* v = Output(slot)) l.value = v->name;
  return l;
}

Location GraphView::ValueLocation(const ValueRecord& v) const {
  Location l;
  l.graph = graph_.path;
  l.value = v.name;
  if (v.node >= 0 && (v.origin == OriginKind::kNodeOutput || v.origin == OriginKind::kConstantNode)) {
    const NodeRecord& n = tm_.nodes[static_cast<size_t>(v.node)];
    l.node = n.name();
    l.node_index = n.index;
    l.op_type = n.op_type();
    for (size_t j = 0; j < n.outputs.size(); ++j) {
      if (n.outputs[j] >= 0 && &tm_.values[static_cast<size_t>(n.outputs[j])] == &v)
        l.output_index = static_cast<int>(j);
    }
  }
  return l;
}

Finding& FindingSink::Add(Location location, std::string message) {
  Finding f;
  f.rule = info_.id;
  f.severity = info_.severity;
  f.message = std::move(message);
  f.location = std::move(location);
  out_.push_back(std::move(f));
  return out_.back();
}

}  // namespace onnxtidy
