// The only code that changes a model. Every edit goes through here and is recorded,
// so that dry runs, diffs and reports come from the same log.
//
// The editor works on the ModelProto the type pass was computed from: a TypedModel's
// const pointers name the graphs and nodes to edit. Node insertions and removals are
// queued and applied by Commit(), after which the TypedModel is stale.
#pragma once

#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "fixers/float_convert.h"
#include "fixers/tensor_store.h"
#include "lint/type_engine.h"
#include "onnx/onnx_pb.h"

namespace onnxtidy {

struct Edit {
  std::string graph;   // graph path where the edit happens
  std::string action;  // "insert-cast", "retype-initializer", ...
  std::string detail;  // one line, for people
};

class GraphEditor {
 public:
  explicit GraphEditor(onnx::ModelProto& model);

  // A name used nowhere in the model (values, nodes, initializers, functions).
  std::string FreshName(const std::string& base);

  // Converts a stored tensor in place (exact when widening).
  bool RetypeTensor(const onnx::TensorProto& tensor, int32_t to, const std::string& graph, const std::string& what);
  // Adds a converted copy of an initializer to `graph`; returns its name.
  std::string DuplicateInitializer(const onnx::GraphProto& graph, const onnx::TensorProto& tensor, int32_t to,
                                   const std::string& graph_path);
  // Queues Cast(value -> to) before `position` in `nodes`; returns the new value's name.
  // One Cast per (node list, value, type): a second request reuses the first.
  std::string InsertCast(const google::protobuf::RepeatedPtrField<onnx::NodeProto>& nodes, int position,
                         const std::string& value, int32_t to, const std::string& graph_path);
  // Queues Cast(value -> to) producing exactly `output` (a name the caller freed).
  void InsertCastAs(const google::protobuf::RepeatedPtrField<onnx::NodeProto>& nodes, int position,
                    const std::string& value, int32_t to, const std::string& output, const std::string& graph_path);
  // Queues a copy of `node` (new name and outputs given) before `position`.
  void InsertNode(const google::protobuf::RepeatedPtrField<onnx::NodeProto>& nodes, int position,
                  onnx::NodeProto node, const std::string& graph_path, const std::string& detail);
  void SetInput(const onnx::NodeProto& node, int slot, const std::string& value, const std::string& graph_path);
  // Renames the output `slot` of `node` (its readers are not touched: see ReplaceUses).
  void RenameOutput(const onnx::NodeProto& node, int slot, const std::string& name, const std::string& graph_path);
  // Makes a graph's output `slot` return `value` instead (the declaration keeps its type).
  void SetGraphOutput(const onnx::GraphProto& graph, int slot, const std::string& value,
                      const std::string& graph_path);
  // Replaces every use of `from` by `to` in the node list and the graphs nested in it.
  void ReplaceUses(const google::protobuf::RepeatedPtrField<onnx::NodeProto>& nodes, const std::string& from,
                   const std::string& to, const std::string& graph_path);
  void RemoveNode(const google::protobuf::RepeatedPtrField<onnx::NodeProto>& nodes, const onnx::NodeProto& node,
                  const std::string& graph_path, const std::string& why);
  void SetElemType(const onnx::ValueInfoProto& value, int32_t to, const std::string& graph_path,
                   const std::string& what);
  // Gives a Constant node a tensor `value` instead of whatever attribute it had.
  void SetConstantValue(const onnx::NodeProto& constant, onnx::TensorProto value, const std::string& graph_path,
                        const std::string& what);
  void SetCastTarget(const onnx::NodeProto& cast, int32_t to, const std::string& graph_path);
  void SetIntAttribute(const onnx::NodeProto& node, const std::string& name, int64_t value,
                       const std::string& graph_path);
  void Note(const std::string& graph_path, const std::string& action, const std::string& detail);
  // Reorders a node list at once (not at Commit()): `order[i]` is the old position of
  // the node that goes i-th. Node positions in the TypedModel are stale afterwards, so
  // nothing else may edit the list this pass; throws std::logic_error when an insertion
  // or removal is already queued for it, or `order` is no permutation of it.
  void SortNodes(const google::protobuf::RepeatedPtrField<onnx::NodeProto>& nodes, const std::vector<int>& order,
                 const std::string& graph_path);

  // Applies queued insertions and removals. Returns the number of edits so far.
  size_t Commit();

  const std::vector<Edit>& edits() const { return edits_; }
  Overflow overflow = Overflow::kInfinity;
  // Where tensors whose bytes are not in memory get converted; null: all in memory.
  TensorStore* store = nullptr;

 private:
  using NodeList = google::protobuf::RepeatedPtrField<onnx::NodeProto>;
  struct Insertion {
    int position;
    onnx::NodeProto node;
  };
  NodeList& Mutable(const NodeList& nodes) { return const_cast<NodeList&>(nodes); }
  void Collect(const onnx::GraphProto& g);
  void Collect(const NodeList& nodes);

  std::set<std::string> names_;
  std::map<const NodeList*, std::vector<Insertion>> inserts_;
  std::map<const NodeList*, std::set<const onnx::NodeProto*>> removals_;
  std::map<std::tuple<const NodeList*, std::string, int32_t>, std::string> casts_;
  std::vector<Edit> edits_;
};

}  // namespace onnxtidy
