// The only code that changes a model. Every edit goes through here and is recorded,
// so that dry runs, diffs and reports come from the same log.
//
// The editor holds the ModelProto it edits. Fixers name what to change with the const
// references a TypedModel gives them; the editor finds the same object in its own model
// (an index built on first use) and refuses anything outside it, so no fixer casts
// const away and an edit of a copy cannot pass for an edit of the model.
//
// Edits within one pass compose: a value whose readers were moved to another value
// (ReplaceUses) resolves to that value in every later edit, so removing a chain of
// no-op Casts in one pass leaves no reader of a removed value. Node insertions and
// removals are queued and applied by Commit(), after which the TypedModel is stale.
#pragma once

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <tuple>
#include <typeindex>
#include <unordered_map>
#include <utility>
#include <vector>

#include "fixers/float_convert.h"
#include "fixers/tensor_store.h"
#include "onnx/onnx_pb.h"

namespace onnxtidy {

// What an edit does to the values the model computes: the promise a Safe fix keeps is
// that it makes exact edits only.
enum class EditEffect {
  kExact,      // every computed value stays as it was (a widening, a no-op removed, a declaration)
  kLossy,      // values may change (a narrowing conversion or Cast)
  kInterface,  // what callers feed or receive changes (a graph input's or output's type)
};
const char* EditEffectName(EditEffect e);

struct Edit {
  std::string graph;   // graph path where the edit happens
  std::string action;  // "insert-cast", "retype-tensor", ...
  std::string detail;  // one line, for people
  EditEffect effect = EditEffect::kExact;
};

class GraphEditor {
 public:
  using NodeList = google::protobuf::RepeatedPtrField<onnx::NodeProto>;

  explicit GraphEditor(onnx::ModelProto& model);

  onnx::ModelProto& model() { return model_; }

  // A name used nowhere in the model (values, nodes, initializers, functions).
  std::string FreshName(const std::string& base);
  // The value that now stands for `name` after this pass's ReplaceUses.
  std::string Resolve(const std::string& name) const;

  // Converts a stored tensor in place (exact when widening).
  bool RetypeTensor(const onnx::TensorProto& tensor, int32_t to, const std::string& graph, const std::string& what);
  // Adds a converted copy of an initializer to `graph`; returns its name ("" if it cannot).
  std::string DuplicateInitializer(const onnx::GraphProto& graph, const onnx::TensorProto& tensor, int32_t to,
                                   const std::string& graph_path);
  // Queues Cast(value -> to) before `position` in `nodes`; returns the new value's name.
  // `from` is the value's element type. One Cast per (node list, value, type): a second
  // request reuses the first.
  std::string InsertCast(const NodeList& nodes, int position, const std::string& value, int32_t from, int32_t to,
                         const std::string& graph_path);
  // Queues Cast(value -> to) producing exactly `output` (a name the caller freed).
  // `to_declared`: `to` is the type the graph declares for `output`, so rounding to it
  // returns what the declaration promises (an exact edit as far as callers can see).
  void InsertCastAs(const NodeList& nodes, int position, const std::string& value, int32_t from, int32_t to,
                    const std::string& output, const std::string& graph_path, bool to_declared = false);
  // Queues a new node before `position`.
  void InsertNode(const NodeList& nodes, int position, onnx::NodeProto node, const std::string& graph_path,
                  const std::string& detail, EditEffect effect = EditEffect::kExact);
  void SetInput(const onnx::NodeProto& node, int slot, const std::string& value, const std::string& graph_path);
  // Renames the output `slot` of `node` (its readers are not touched: see ReplaceUses).
  void RenameOutput(const onnx::NodeProto& node, int slot, const std::string& name, const std::string& graph_path);
  // Makes a graph's output `slot` return `value` instead (the declaration keeps its type).
  void SetGraphOutput(const onnx::GraphProto& graph, int slot, const std::string& value, const std::string& graph_path);
  // Replaces every use of `from` by `to` in the node list and the graphs nested in it;
  // later edits of this pass that name `from` get `to`.
  void ReplaceUses(const NodeList& nodes, const std::string& from, const std::string& to,
                   const std::string& graph_path);
  void RemoveNode(const NodeList& nodes, const onnx::NodeProto& node, const std::string& graph_path,
                  const std::string& why);
  // Reorders a node list at once (not at Commit()): `order[i]` is the old position of
  // the node that goes i-th. Node positions in the TypedModel are stale afterwards, so
  // nothing else may edit the list this pass; throws std::logic_error when an insertion
  // or removal is already queued for it, or `order` is no permutation of it.
  void SortNodes(const NodeList& nodes, const std::vector<int>& order, const std::string& graph_path);
  void SetElemType(const onnx::ValueInfoProto& value, int32_t to, const std::string& graph_path,
                   const std::string& what, EditEffect effect = EditEffect::kExact);
  // Gives a Constant (or ConstantOfShape) node a tensor `value` instead of whatever
  // value attribute it had.
  void SetConstantValue(const onnx::NodeProto& constant, onnx::TensorProto value, const std::string& graph_path,
                        const std::string& what, EditEffect effect);
  void SetCastTarget(const onnx::NodeProto& cast, int32_t to, const std::string& graph_path);
  void SetIntAttribute(const onnx::NodeProto& node, const std::string& name, int64_t value,
                       const std::string& graph_path, EditEffect effect);
  // Not an edit: something the fixer decided to leave as it is, and why ("keep-wide").
  void Note(const std::string& graph_path, const std::string& action, const std::string& detail);
  // Applies queued insertions and removals. Returns the number of edits so far.
  size_t Commit();

  const std::vector<Edit>& edits() const { return edits_; }
  const std::vector<Edit>& notes() const { return notes_; }
  Overflow overflow = Overflow::kInfinity;
  // Where tensors whose bytes are not in memory get converted; null: all in memory.
  TensorStore* store = nullptr;

 private:
  struct Insertion {
    int position;
    onnx::NodeProto node;
  };
  struct KeyHash {
    size_t operator()(const std::pair<const void*, std::type_index>& k) const {
      return std::hash<const void*>()(k.first) ^ k.second.hash_code();
    }
  };

  // The model's own, mutable object behind a reference the type pass handed out.
  template <typename T>
  T& Own(const T& object);
  void IndexGraph(onnx::GraphProto& g);
  void IndexNodes(NodeList& nodes);
  template <typename T>
  void Remember(T& object) {
    index_[{&object, std::type_index(typeid(T))}] = &object;
  }
  void Collect(const onnx::GraphProto& g);
  void Collect(const NodeList& nodes);
  void Log(const std::string& graph, const std::string& action, const std::string& detail,
           EditEffect effect = EditEffect::kExact);

  onnx::ModelProto& model_;
  std::unordered_map<std::pair<const void*, std::type_index>, void*, KeyHash> index_;
  std::set<std::string> names_;
  std::map<std::string, std::string> replaced_;  // ReplaceUses: from -> to
  std::map<const NodeList*, std::vector<Insertion>> inserts_;
  std::map<const NodeList*, std::set<const onnx::NodeProto*>> removals_;
  std::map<std::tuple<const NodeList*, std::string, int32_t>, std::string> casts_;
  std::vector<Edit> edits_;
  std::vector<Edit> notes_;
};

}  // namespace onnxtidy
