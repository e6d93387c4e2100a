#include "fixers/graph_editor.h"

#include <algorithm>
#include <stdexcept>

#include "lint/dtype.h"

namespace onnxtidy {

namespace {

onnx::NodeProto MakeCast(const std::string& name, const std::string& input, int32_t to, const std::string& output) {
  onnx::NodeProto cast;
  cast.set_op_type("Cast");
  cast.set_name(name);
  cast.add_input(input);
  cast.add_output(output);
  auto* attr = cast.add_attribute();
  attr->set_name("to");
  attr->set_type(onnx::AttributeProto::INT);
  attr->set_i(to);
  return cast;
}

}  // namespace

GraphEditor::GraphEditor(onnx::ModelProto& model) {
  Collect(model.graph());
  for (const auto& fn : model.functions()) {
    names_.insert(fn.name());
    names_.insert(fn.input().begin(), fn.input().end());
    names_.insert(fn.output().begin(), fn.output().end());
    Collect(fn.node());
  }
}

void GraphEditor::Collect(const onnx::GraphProto& g) {
  for (const auto& v : g.input()) names_.insert(v.name());
  for (const auto& v : g.output()) names_.insert(v.name());
  for (const auto& v : g.value_info()) names_.insert(v.name());
  for (const auto& t : g.initializer()) names_.insert(t.name());
  for (const auto& t : g.sparse_initializer()) names_.insert(t.values().name());
  Collect(g.node());
}

void GraphEditor::Collect(const NodeList& nodes) {
  for (const auto& n : nodes) {
    names_.insert(n.name());
    names_.insert(n.input().begin(), n.input().end());
    names_.insert(n.output().begin(), n.output().end());
    for (const auto& a : n.attribute()) {
      if (a.has_g()) Collect(a.g());
      for (const auto& g : a.graphs()) Collect(g);
    }
  }
}

std::string GraphEditor::FreshName(const std::string& base) {
  std::string name = base;
  for (int i = 1; names_.count(name); ++i) name = base + "_" + std::to_string(i);
  names_.insert(name);
  return name;
}

bool GraphEditor::RetypeTensor(const onnx::TensorProto& stored, int32_t to, const std::string& graph,
                               const std::string& what) {
  auto& tensor = const_cast<onnx::TensorProto&>(stored);
  const int32_t from = tensor.data_type();
  const bool ok = store != nullptr ? store->Convert(tensor, to, overflow) : ConvertTensor(tensor, to, overflow);
  if (!ok) return false;
  edits_.push_back({graph, "retype-tensor", what + ": " + DtypeName(from) + " -> " + DtypeName(to)});
  return true;
}

std::string GraphEditor::DuplicateInitializer(const onnx::GraphProto& graph, const onnx::TensorProto& tensor,
                                              int32_t to, const std::string& graph_path) {
  onnx::TensorProto* copy = const_cast<onnx::GraphProto&>(graph).add_initializer();
  *copy = tensor;
  if (store != nullptr) store->Share(tensor, *copy);
  const bool ok = store != nullptr ? store->Convert(*copy, to, overflow) : ConvertTensor(*copy, to, overflow);
  if (!ok) {
    const_cast<onnx::GraphProto&>(graph).mutable_initializer()->RemoveLast();
    return "";
  }
  copy->set_name(FreshName(tensor.name() + "_" + DtypeName(to)));
  edits_.push_back({graph_path, "duplicate-initializer",
                    "initializer '" + copy->name() + "': " + DtypeName(to) + " copy of '" + tensor.name() + "'"});
  return copy->name();
}

std::string GraphEditor::InsertCast(const NodeList& nodes, int position, const std::string& value, int32_t to,
                                    const std::string& graph_path) {
  auto key = std::make_tuple(&nodes, value, to);
  auto found = casts_.find(key);
  if (found != casts_.end()) return found->second;
  const std::string name = FreshName(value + "_to_" + DtypeName(to) + "_cast");
  const std::string out = FreshName(value + "_" + DtypeName(to));
  inserts_[&nodes].push_back({position, MakeCast(name, value, to, out)});
  casts_[key] = out;
  edits_.push_back({graph_path, "insert-cast", "Cast '" + value + "' to " + DtypeName(to) + " as '" + out + "'"});
  return out;
}

void GraphEditor::InsertCastAs(const NodeList& nodes, int position, const std::string& value, int32_t to,
                               const std::string& output, const std::string& graph_path) {
  inserts_[&nodes].push_back({position, MakeCast(FreshName(output + "_cast"), value, to, output)});
  edits_.push_back({graph_path, "insert-cast", "Cast '" + value + "' to " + DtypeName(to) + " as '" + output + "'"});
}

void GraphEditor::InsertNode(const NodeList& nodes, int position, onnx::NodeProto node,
                             const std::string& graph_path, const std::string& detail) {
  names_.insert(node.name());
  for (const auto& o : node.output()) names_.insert(o);
  inserts_[&nodes].push_back({position, std::move(node)});
  edits_.push_back({graph_path, "insert-node", detail});
}

void GraphEditor::SetInput(const onnx::NodeProto& node, int slot, const std::string& value,
                           const std::string& graph_path) {
  auto& n = const_cast<onnx::NodeProto&>(node);
  edits_.push_back({graph_path, "rewire", node.op_type() + " '" + node.name() + "' input " + std::to_string(slot) +
                                              ": '" + n.input(slot) + "' -> '" + value + "'"});
  n.set_input(slot, value);
}

void GraphEditor::RenameOutput(const onnx::NodeProto& node, int slot, const std::string& name,
                               const std::string& graph_path) {
  auto& n = const_cast<onnx::NodeProto&>(node);
  edits_.push_back({graph_path, "rename", node.op_type() + " '" + node.name() + "' output " + std::to_string(slot) +
                                              ": '" + n.output(slot) + "' -> '" + name + "'"});
  n.set_output(slot, name);
}

void GraphEditor::SetGraphOutput(const onnx::GraphProto& graph, int slot, const std::string& value,
                                 const std::string& graph_path) {
  auto& out = *const_cast<onnx::GraphProto&>(graph).mutable_output(slot);
  edits_.push_back({graph_path, "rename", "graph output " + std::to_string(slot) + ": '" + out.name() + "' -> '" +
                                              value + "'"});
  out.set_name(value);
}

namespace {

// Rewires every read of `from` in `nodes` and the graphs nested in them; returns how many.
int RewireUses(google::protobuf::RepeatedPtrField<onnx::NodeProto>& nodes, const std::string& from,
               const std::string& to) {
  int count = 0;
  for (auto& n : nodes) {
    for (int i = 0; i < n.input_size(); ++i) {
      if (n.input(i) == from) {
        n.set_input(i, to);
        ++count;
      }
    }
    for (auto& a : *n.mutable_attribute()) {
      // A nested graph that defines `from` itself shadows the outer value: stop there.
      auto shadowed = [&](const onnx::GraphProto& g) {
        for (const auto& v : g.input()) if (v.name() == from) return true;
        for (const auto& t : g.initializer()) if (t.name() == from) return true;
        for (const auto& m : g.node()) {
          if (std::find(m.output().begin(), m.output().end(), from) != m.output().end()) return true;
        }
        return false;
      };
      auto rewire_in = [&](onnx::GraphProto& g) {
        if (shadowed(g)) return;
        count += RewireUses(*g.mutable_node(), from, to);
        for (auto& o : *g.mutable_output()) {
          if (o.name() == from) {
            o.set_name(to);
            ++count;
          }
        }
      };
      if (a.has_g()) rewire_in(*a.mutable_g());
      for (auto& g : *a.mutable_graphs()) rewire_in(g);
    }
  }
  return count;
}

}  // namespace

void GraphEditor::ReplaceUses(const NodeList& nodes, const std::string& from, const std::string& to,
                              const std::string& graph_path) {
  const int count = RewireUses(Mutable(nodes), from, to);
  if (count > 0) {
    edits_.push_back({graph_path, "rewire", std::to_string(count) + (count == 1 ? " read" : " reads") + " of '" +
                                                from + "' -> '" + to + "'"});
  }
}

void GraphEditor::RemoveNode(const NodeList& nodes, const onnx::NodeProto& node, const std::string& graph_path,
                             const std::string& why) {
  if (!removals_[&nodes].insert(&node).second) return;
  edits_.push_back({graph_path, "remove-node", node.op_type() + " '" + node.name() + "': " + why});
}

void GraphEditor::SetElemType(const onnx::ValueInfoProto& value, int32_t to, const std::string& graph_path,
                              const std::string& what) {
  auto& v = const_cast<onnx::ValueInfoProto&>(value);
  if (!v.type().has_tensor_type()) return;
  edits_.push_back({graph_path, "retype-declaration", what + " '" + v.name() + "': " +
                                                          DtypeName(v.type().tensor_type().elem_type()) + " -> " +
                                                          DtypeName(to)});
  v.mutable_type()->mutable_tensor_type()->set_elem_type(to);
}

void GraphEditor::SetConstantValue(const onnx::NodeProto& constant, onnx::TensorProto value,
                                   const std::string& graph_path, const std::string& what) {
  auto& n = const_cast<onnx::NodeProto&>(constant);
  n.clear_attribute();
  auto* a = n.add_attribute();
  a->set_name("value");
  a->set_type(onnx::AttributeProto::TENSOR);
  *a->mutable_t() = std::move(value);
  edits_.push_back({graph_path, "retype-tensor", what});
}

void GraphEditor::SetCastTarget(const onnx::NodeProto& cast, int32_t to, const std::string& graph_path) {
  SetIntAttribute(cast, "to", to, graph_path);
}

void GraphEditor::SetIntAttribute(const onnx::NodeProto& node, const std::string& name, int64_t value,
                                  const std::string& graph_path) {
  auto& n = const_cast<onnx::NodeProto&>(node);
  for (auto& a : *n.mutable_attribute()) {
    if (a.name() != name) continue;
    edits_.push_back({graph_path, "set-attribute", node.op_type() + " '" + node.name() + "' " + name + ": " +
                                                       std::to_string(a.i()) + " -> " + std::to_string(value)});
    a.set_i(value);
    return;
  }
  auto* a = n.add_attribute();
  a->set_name(name);
  a->set_type(onnx::AttributeProto::INT);
  a->set_i(value);
  edits_.push_back({graph_path, "set-attribute", node.op_type() + " '" + node.name() + "' " + name + " = " +
                                                     std::to_string(value)});
}

void GraphEditor::Note(const std::string& graph_path, const std::string& action, const std::string& detail) {
  edits_.push_back({graph_path, action, detail});
}

void GraphEditor::SortNodes(const NodeList& nodes, const std::vector<int>& order, const std::string& graph_path) {
  const size_t n = static_cast<size_t>(nodes.size());
  bool permutation = order.size() == n;
  std::vector<bool> seen(n, false);
  for (size_t k = 0; permutation && k < n; ++k) {
    const int i = order[k];
    permutation = i >= 0 && static_cast<size_t>(i) < n && !seen[static_cast<size_t>(i)];
    if (permutation) seen[static_cast<size_t>(i)] = true;
  }
  if (inserts_.count(&nodes) || removals_.count(&nodes) || !permutation) {
    throw std::logic_error("SortNodes: the node list has pending edits or the order does not cover it");
  }
  // The node objects stay where they are (on the heap or in the model's arena): only
  // the list's pointers are put in the new order.
  NodeList& list = Mutable(nodes);
  std::vector<onnx::NodeProto*> old(n);
  list.UnsafeArenaExtractSubrange(0, static_cast<int>(n), old.data());
  int moved = 0;
  for (size_t k = 0; k < n; ++k) {
    list.UnsafeArenaAddAllocated(old[static_cast<size_t>(order[k])]);
    moved += order[k] != static_cast<int>(k);
  }
  edits_.push_back({graph_path, "sort-nodes", "nodes in topological order (" + std::to_string(moved) + " of " +
                                                  std::to_string(n) + " moved)"});
}

size_t GraphEditor::Commit() {
  std::set<const NodeList*> lists;
  for (const auto& [list, _] : inserts_) lists.insert(list);
  for (const auto& [list, _] : removals_) lists.insert(list);
  for (const NodeList* list : lists) {
    NodeList& nodes = Mutable(*list);
    auto& ins = inserts_[list];
    std::stable_sort(ins.begin(), ins.end(), [](const Insertion& a, const Insertion& b) {
      return a.position < b.position;
    });
    const auto& drop = removals_[list];
    // Take every node out (the objects live on, on the heap or in the model's arena),
    // then put the list back in order.
    const bool on_heap = nodes.GetArena() == nullptr;
    std::vector<onnx::NodeProto*> old(static_cast<size_t>(nodes.size()));
    nodes.UnsafeArenaExtractSubrange(0, nodes.size(), old.data());
    size_t next = 0;
    for (size_t i = 0; i <= old.size(); ++i) {
      for (; next < ins.size() && ins[next].position <= static_cast<int>(i); ++next) {
        *nodes.Add() = std::move(ins[next].node);
      }
      if (i == old.size()) break;
      if (drop.count(old[i])) {
        if (on_heap) delete old[i];  // an arena frees its own
      } else {
        nodes.UnsafeArenaAddAllocated(old[i]);
      }
    }
  }
  inserts_.clear();
  removals_.clear();
  casts_.clear();
  return edits_.size();
}

}  // namespace onnxtidy
