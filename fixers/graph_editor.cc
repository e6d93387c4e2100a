#include "fixers/graph_editor.h"

#include <algorithm>
#include <stdexcept>

#include "lint/dtype.h"

namespace onnxtidy {

const char* EditEffectName(EditEffect e) {
  switch (e) {
    case EditEffect::kExact: return "exact";
    case EditEffect::kLossy: return "lossy";
    case EditEffect::kInterface: return "interface";
  }
  return "exact";
}

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

EditEffect ConversionEffect(int32_t from, int32_t to) {
  return IsExactConversion(from, to) ? EditEffect::kExact : EditEffect::kLossy;
}

}  // namespace

GraphEditor::GraphEditor(onnx::ModelProto& model) : model_(model) {
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

void GraphEditor::IndexNodes(NodeList& nodes) {
  Remember(nodes);
  for (auto& n : nodes) {
    Remember(n);
    for (auto& a : *n.mutable_attribute()) {
      if (a.has_t()) Remember(*a.mutable_t());
      if (a.has_g()) IndexGraph(*a.mutable_g());
      for (auto& g : *a.mutable_graphs()) IndexGraph(g);
    }
  }
}

void GraphEditor::IndexGraph(onnx::GraphProto& g) {
  Remember(g);
  for (auto* list : {g.mutable_input(), g.mutable_output(), g.mutable_value_info()}) {
    for (auto& v : *list) Remember(v);
  }
  for (auto& t : *g.mutable_initializer()) Remember(t);
  IndexNodes(*g.mutable_node());
}

template <typename T>
T& GraphEditor::Own(const T& object) {
  if (index_.empty()) {
    IndexGraph(*model_.mutable_graph());
    for (auto& fn : *model_.mutable_functions()) IndexNodes(*fn.mutable_node());
  }
  auto it = index_.find({&object, std::type_index(typeid(T))});
  if (it == index_.end()) throw std::logic_error("the graph editor was asked to change an object outside its model");
  return *static_cast<T*>(it->second);
}

void GraphEditor::Log(const std::string& graph, const std::string& action, const std::string& detail,
                      EditEffect effect) {
  edits_.push_back({graph, action, detail, effect});
}

std::string GraphEditor::FreshName(const std::string& base) {
  std::string name = base;
  for (int i = 1; names_.count(name); ++i) name = base + "_" + std::to_string(i);
  names_.insert(name);
  return name;
}

std::string GraphEditor::Resolve(const std::string& name) const {
  std::string at = name;
  // Each step moves to a value defined later in this pass; the bound only guards a
  // cycle that ReplaceUses itself never makes.
  for (size_t steps = 0; steps <= replaced_.size(); ++steps) {
    auto it = replaced_.find(at);
    if (it == replaced_.end()) break;
    at = it->second;
  }
  return at;
}

bool GraphEditor::RetypeTensor(const onnx::TensorProto& stored, int32_t to, const std::string& graph,
                               const std::string& what) {
  onnx::TensorProto& tensor = Own(stored);
  const int32_t from = tensor.data_type();
  const bool ok = store != nullptr ? store->Convert(tensor, to, overflow) : ConvertTensor(tensor, to, overflow);
  if (!ok) return false;
  Log(graph, "retype-tensor", what + ": " + DtypeName(from) + " -> " + DtypeName(to), ConversionEffect(from, to));
  return true;
}

std::string GraphEditor::DuplicateInitializer(const onnx::GraphProto& graph, const onnx::TensorProto& tensor,
                                              int32_t to, const std::string& graph_path) {
  onnx::GraphProto& g = Own(graph);
  onnx::TensorProto* copy = g.add_initializer();
  *copy = tensor;
  if (store != nullptr) store->Share(tensor, *copy);
  const bool ok = store != nullptr ? store->Convert(*copy, to, overflow) : ConvertTensor(*copy, to, overflow);
  if (!ok) {
    g.mutable_initializer()->RemoveLast();
    return "";
  }
  copy->set_name(FreshName(tensor.name() + "_" + DtypeName(to)));
  Remember(*copy);
  Log(graph_path, "duplicate-initializer",
      "initializer '" + copy->name() + "': " + DtypeName(to) + " copy of '" + tensor.name() + "'",
      ConversionEffect(tensor.data_type(), to));
  return copy->name();
}

std::string GraphEditor::InsertCast(const NodeList& nodes, int position, const std::string& value, int32_t from,
                                    int32_t to, const std::string& graph_path) {
  const std::string source = Resolve(value);
  auto key = std::make_tuple(&nodes, source, to);
  auto found = casts_.find(key);
  if (found != casts_.end()) return found->second;
  const std::string name = FreshName(source + "_to_" + DtypeName(to) + "_cast");
  const std::string out = FreshName(source + "_" + DtypeName(to));
  inserts_[&Own(nodes)].push_back({position, MakeCast(name, source, to, out)});
  casts_[key] = out;
  Log(graph_path, "insert-cast", "Cast '" + source + "' to " + DtypeName(to) + " as '" + out + "'",
      ConversionEffect(from, to));
  return out;
}

void GraphEditor::InsertCastAs(const NodeList& nodes, int position, const std::string& value, int32_t from, int32_t to,
                               const std::string& output, const std::string& graph_path, bool to_declared) {
  // Readers of `value` may already have been moved to `output`: the Cast itself reads
  // `value` as it is.
  std::string source = Resolve(value);
  if (source == output) source = value;
  inserts_[&Own(nodes)].push_back({position, MakeCast(FreshName(output + "_cast"), source, to, output)});
  Log(graph_path, "insert-cast", "Cast '" + source + "' to " + DtypeName(to) + " as '" + output + "'",
      to_declared ? EditEffect::kExact : ConversionEffect(from, to));
}

void GraphEditor::InsertNode(const NodeList& nodes, int position, onnx::NodeProto node, const std::string& graph_path,
                             const std::string& detail, EditEffect effect) {
  names_.insert(node.name());
  for (const auto& o : node.output()) names_.insert(o);
  for (auto& in : *node.mutable_input()) in = Resolve(in);
  inserts_[&Own(nodes)].push_back({position, std::move(node)});
  Log(graph_path, "insert-node", detail, effect);
}

void GraphEditor::SetInput(const onnx::NodeProto& node, int slot, const std::string& value,
                           const std::string& graph_path) {
  onnx::NodeProto& n = Own(node);
  const std::string source = Resolve(value);
  Log(graph_path, "rewire",
      n.op_type() + " '" + n.name() + "' input " + std::to_string(slot) + ": '" + n.input(slot) + "' -> '" + source +
          "'");
  n.set_input(slot, source);
}

void GraphEditor::RenameOutput(const onnx::NodeProto& node, int slot, const std::string& name,
                               const std::string& graph_path) {
  onnx::NodeProto& n = Own(node);
  Log(graph_path, "rename",
      n.op_type() + " '" + n.name() + "' output " + std::to_string(slot) + ": '" + n.output(slot) + "' -> '" + name +
          "'");
  n.set_output(slot, name);
}

void GraphEditor::SetGraphOutput(const onnx::GraphProto& graph, int slot, const std::string& value,
                                 const std::string& graph_path) {
  onnx::ValueInfoProto& out = *Own(graph).mutable_output(slot);
  const std::string source = Resolve(value);
  Log(graph_path, "rename", "graph output " + std::to_string(slot) + ": '" + out.name() + "' -> '" + source + "'");
  out.set_name(source);
}

namespace {

// A nested graph that defines `name` itself shadows the outer value.
bool Shadows(const onnx::GraphProto& g, const std::string& name) {
  for (const auto& v : g.input())
    if (v.name() == name) return true;
  for (const auto& t : g.initializer())
    if (t.name() == name) return true;
  for (const auto& m : g.node()) {
    if (std::find(m.output().begin(), m.output().end(), name) != m.output().end()) return true;
  }
  return false;
}

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
      auto rewire_in = [&](onnx::GraphProto& g) {
        if (Shadows(g, from)) return;
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
  const std::string target = Resolve(to);
  if (target == from) return;
  NodeList& list = Own(nodes);
  int count = RewireUses(list, from, target);
  // Nodes queued earlier in this pass read `from` too: they follow, except the one that
  // makes `target` out of `from` (a Cast put between a value and its readers).
  for (auto& ins : inserts_[&list]) {
    const auto& outs = ins.node.output();
    if (std::find(outs.begin(), outs.end(), target) != outs.end()) continue;
    for (auto& in : *ins.node.mutable_input()) {
      if (in == from) {
        in = target;
        ++count;
      }
    }
  }
  replaced_[from] = target;
  if (count > 0) {
    Log(graph_path, "rewire",
        std::to_string(count) + (count == 1 ? " read" : " reads") + " of '" + from + "' -> '" + target + "'");
  }
}

void GraphEditor::RemoveNode(const NodeList& nodes, const onnx::NodeProto& node, const std::string& graph_path,
                             const std::string& why) {
  if (!removals_[&Own(nodes)].insert(&Own(node)).second) return;
  Log(graph_path, "remove-node", node.op_type() + " '" + node.name() + "': " + why);
}

void GraphEditor::SortNodes(const NodeList& nodes, const std::vector<int>& order, const std::string& graph_path) {
  NodeList& list = Own(nodes);
  const size_t n = static_cast<size_t>(list.size());
  bool permutation = order.size() == n;
  std::vector<bool> seen(n, false);
  for (size_t k = 0; permutation && k < n; ++k) {
    const int i = order[k];
    permutation = i >= 0 && static_cast<size_t>(i) < n && !seen[static_cast<size_t>(i)];
    if (permutation) seen[static_cast<size_t>(i)] = true;
  }
  const bool pending =
      (inserts_.count(&list) && !inserts_[&list].empty()) || (removals_.count(&list) && !removals_[&list].empty());
  if (pending || !permutation) {
    throw std::logic_error("SortNodes: the node list has pending edits or the order does not cover it");
  }
  // The node objects stay where they are (on the heap or in the model's arena): only
  // the list's pointers are put in the new order.
  std::vector<onnx::NodeProto*> old(n);
  list.UnsafeArenaExtractSubrange(0, static_cast<int>(n), old.data());
  int moved = 0;
  for (size_t k = 0; k < n; ++k) {
    list.UnsafeArenaAddAllocated(old[static_cast<size_t>(order[k])]);
    moved += order[k] != static_cast<int>(k);
  }
  Log(graph_path, "sort-nodes",
      "nodes in topological order (" + std::to_string(moved) + " of " + std::to_string(n) + " moved)");
}

void GraphEditor::SetElemType(const onnx::ValueInfoProto& value, int32_t to, const std::string& graph_path,
                              const std::string& what, EditEffect effect) {
  onnx::ValueInfoProto& v = Own(value);
  if (!v.type().has_tensor_type()) return;
  Log(graph_path, "retype-declaration",
      what + " '" + v.name() + "': " + DtypeName(v.type().tensor_type().elem_type()) + " -> " + DtypeName(to), effect);
  v.mutable_type()->mutable_tensor_type()->set_elem_type(to);
}

void GraphEditor::SetConstantValue(const onnx::NodeProto& constant, onnx::TensorProto value,
                                   const std::string& graph_path, const std::string& what, EditEffect effect) {
  onnx::NodeProto& n = Own(constant);
  // A Constant holds exactly one value attribute; ConstantOfShape's only attribute is it.
  auto* attrs = n.mutable_attribute();
  for (int i = attrs->size() - 1; i >= 0; --i) {
    if (attrs->Get(i).name().rfind("value", 0) == 0) attrs->DeleteSubrange(i, 1);
  }
  auto* a = n.add_attribute();
  a->set_name("value");
  a->set_type(onnx::AttributeProto::TENSOR);
  *a->mutable_t() = std::move(value);
  Remember(*a->mutable_t());
  Log(graph_path, "retype-tensor", what, effect);
}

void GraphEditor::SetCastTarget(const onnx::NodeProto& cast, int32_t to, const std::string& graph_path) {
  const onnx::AttributeProto* old = nullptr;
  for (const auto& a : cast.attribute()) {
    if (a.name() == "to") old = &a;
  }
  const EditEffect effect =
      old != nullptr && IsExactConversion(static_cast<int32_t>(old->i()), to) ? EditEffect::kExact : EditEffect::kLossy;
  SetIntAttribute(cast, "to", to, graph_path, effect);
}

void GraphEditor::SetIntAttribute(const onnx::NodeProto& node, const std::string& name, int64_t value,
                                  const std::string& graph_path, EditEffect effect) {
  onnx::NodeProto& n = Own(node);
  for (auto& a : *n.mutable_attribute()) {
    if (a.name() != name) continue;
    Log(graph_path, "set-attribute",
        n.op_type() + " '" + n.name() + "' " + name + ": " + std::to_string(a.i()) + " -> " + std::to_string(value),
        effect);
    a.set_i(value);
    return;
  }
  auto* a = n.add_attribute();
  a->set_name(name);
  a->set_type(onnx::AttributeProto::INT);
  a->set_i(value);
  Log(graph_path, "set-attribute", n.op_type() + " '" + n.name() + "' " + name + " = " + std::to_string(value), effect);
}

void GraphEditor::Note(const std::string& graph_path, const std::string& action, const std::string& detail) {
  notes_.push_back({graph_path, action, detail, EditEffect::kExact});
}

size_t GraphEditor::Commit() {
  std::set<const NodeList*> lists;
  for (const auto& [list, queued] : inserts_) {
    if (!queued.empty()) lists.insert(list);
  }
  for (const auto& [list, queued] : removals_) {
    if (!queued.empty()) lists.insert(list);
  }
  for (const NodeList* list : lists) {
    NodeList& nodes = Own(*list);
    auto& ins = inserts_[list];
    std::stable_sort(ins.begin(), ins.end(),
                     [](const Insertion& a, const Insertion& b) { return a.position < b.position; });
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
  replaced_.clear();
  index_.clear();  // nodes were added and freed: index the model anew when asked
  return edits_.size();
}

}  // namespace onnxtidy
