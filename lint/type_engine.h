// The type pass: the element type of every value in the model, with where it came
// from. Computed once; rules only read it. It walks the main graph, every graph
// attribute (If/Loop/Scan bodies, with outer-scope lookup) and every call of a
// model-local function, instantiated with the caller's actual types.
#pragma once

#include <deque>
#include <map>
#include <memory>
#include <memory_resource>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "lint/schema_binding.h"
#include "onnx/defs/schema.h"
#include "onnx/onnx_pb.h"

namespace onnxtidy {

enum class OriginKind {
  kGraphInput,         // declared type of a graph input
  kInitializer,        // data_type of an initializer
  kSparseInitializer,  // data_type of a sparse initializer's values
  kConstantNode,       // value attribute of a Constant node
  kNodeOutput,         // computed by a node (binding, schema inference, Cast 'to', ...)
  kValueInfo,          // nothing else knew; a value_info entry declared it
  kFunctionInput,      // formal input of a model-local function: the caller's value
  kSubgraphInput,      // input of a graph attribute, typed by the owner op (Loop/Scan)
  kUndefined,          // a name used but defined nowhere in scope
};

// Every distinct type once, without shapes (a dtype does not depend on them): values
// point into it, so that a model with many values costs no copy per value.
class TypeTable {
 public:
  // The interned copy of `type` without its shape, or nullptr when it is incomplete.
  const onnx::TypeProto* Intern(const onnx::TypeProto& type);
  const onnx::TypeProto* Tensor(int32_t elem_type);
  // The TypeString() of an interned type; "" for nullptr.
  const std::string& Name(const onnx::TypeProto* type) const;

 private:
  struct Entry {
    onnx::TypeProto type;
    std::string name;
  };
  const Entry* Add(onnx::TypeProto type, std::string name);
  std::deque<Entry> entries_;
  std::unordered_map<std::string, const Entry*> by_name_;
  std::unordered_map<int32_t, const Entry*> tensors_;
  std::unordered_map<const onnx::TypeProto*, const std::string*> names_;
};

struct ValueRecord {
  std::string name;
  int graph = -1;
  const onnx::TypeProto* type = nullptr;   // interned, shape-less; nullptr: unknown, never guessed
  const std::string* type_name = nullptr;  // TypeString(*type)
  OriginKind origin = OriginKind::kUndefined;
  int node = -1;          // producer (kConstantNode, kNodeOutput); caller (kFunctionInput); owner (kSubgraphInput)
  int from = -1;          // the value whose type this one took, to follow provenance back
  int root = -1;          // the end of the `from` chain: where the dtype was decided
  int depth = 0;          // steps from here to `root`
  int nodes_passed = 0;   // node outputs on the way to `root`
  bool constant = false;  // computed only from initializers and Constants
  // Its type was decided by a node whose operands disagree (operand-dtype-mismatch):
  // fixing that conflict may change it, so declarations are not judged against it.
  bool after_conflict = false;
  const onnx::TensorProto* initializer = nullptr;  // kInitializer, or a graph input with a default
  bool Known() const { return type != nullptr; }
  const std::string& type_string() const {
    static const std::string kUnknown;
    return type_name != nullptr ? *type_name : kUnknown;
  }
};

enum class GraphKind { kMain, kSubgraph, kFunction };

// How a graph's nodes are ordered in the file. onnx's checker wants producers before
// readers; onnxruntime sorts a main graph itself, and some exporters write any order.
// The type pass visits the nodes in dependency order either way: among the nodes whose
// inputs are all computed, the first in the file goes first, so a sorted graph is
// visited in file order. A node's reads include the outer-scope names its subgraphs
// read, at any depth; a read waits for a node of the graph only when nothing in scope
// (graph inputs, initializers, nodes visited, enclosing graphs) defines the name yet.
struct NodeOrder {
  bool sorted = true;  // every node comes after the producers of what it reads
  // The first node in the file that reads a value produced later (or by itself).
  int reader = -1;  // file index
  int slot = -1;    // its input slot; -1 when one of its subgraphs reads the value
  std::string value;
  int producer = -1;  // file index of the value's (first) producer
  // Nodes no order can run: in a dependency cycle, or reading from one. They are
  // visited last, in file order, with the inputs not computed yet unknown.
  int stuck = 0;
  // File indices in the order the type pass visited them; empty when sorted. A
  // topological order of the graph when nothing is stuck.
  std::vector<int> visit;
};

struct GraphRecord {
  std::string path;  // "main", "main/cond(If).then_branch", "main/#4(Block).function"
  GraphKind kind = GraphKind::kMain;
  int parent = -1;                                // enclosing graph; for a function body, the caller's graph
  int owner_node = -1;                            // the If/Loop/Scan or function call that owns this graph
  const onnx::GraphProto* proto = nullptr;        // null for function bodies
  const onnx::FunctionProto* function = nullptr;  // set for function bodies
  std::vector<int> nodes;                         // node ids by position in the file (nodes[i].index == i)
  std::vector<int> inputs;                        // value ids
  std::vector<int> outputs;                       // value ids
  std::unordered_map<std::string, const onnx::ValueInfoProto*> value_info;
  NodeOrder order;
  // A name defined a second time in this graph (by a node output, an initializer or a
  // graph input): onnx's checker and onnxruntime refuse it. Value ids; the second
  // definition is the one in scope afterwards.
  struct Redefinition {
    int first = -1;
    int second = -1;
  };
  std::vector<Redefinition> redefinitions;
};

struct NodeRecord {
  // The id lists take their memory from `memory` (the TypedModel's, freed at once).
  explicit NodeRecord(std::pmr::memory_resource* memory = std::pmr::get_default_resource())
      : inputs(memory), outputs(memory), subgraphs(memory) {}

  const onnx::NodeProto* proto = nullptr;
  int graph = -1;
  int index = -1;      // position in its graph's file order (not the visiting order)
  std::string domain;  // "" for ai.onnx
  int opset = -1;      // version of `domain` in scope; -1 when not imported
  const onnx::OpSchema* schema = nullptr;
  const onnx::FunctionProto* function = nullptr;  // model-local function called
  std::pmr::vector<int> inputs;                   // value ids; -1 for an omitted optional input
  std::pmr::vector<int> outputs;                  // value ids; -1 for an omitted optional output
  std::vector<ParamBinding> bindings;
  std::string schema_error;         // the node does not match its schema (arity, attributes)
  std::string inference_error;      // onnx's type inference threw
  std::pmr::vector<int> subgraphs;  // graph ids owned by this node

  const std::string& op_type() const { return proto->op_type(); }
  const std::string& name() const { return proto->name(); }
};

class TypedModel {
  // First, so that it is destroyed last: the records below take memory from it.
  std::unique_ptr<std::pmr::monotonic_buffer_resource> memory_ =
      std::make_unique<std::pmr::monotonic_buffer_resource>();

 public:
  explicit TypedModel(const onnx::ModelProto& model) : model_(&model) {}
  const onnx::ModelProto& model() const { return *model_; }
  // Where per-node lists live: many small lists, freed together with the model.
  std::pmr::memory_resource* memory() { return memory_.get(); }

  TypeTable types;
  std::vector<GraphRecord> graphs;  // graphs[0] is main
  std::vector<NodeRecord> nodes;    // every node of every graph and function instance
  std::vector<ValueRecord> values;
  // Model-level warnings about the check itself (e.g. opsets newer than the schemas known).
  std::vector<std::string> notices;
  // Nodes rewritten for a function call site (attribute references resolved).
  std::deque<onnx::NodeProto> owned_nodes;

 private:
  const onnx::ModelProto* model_;
};

// How far the type pass follows model-local functions: calls nested deeper, or calls past
// the number of instantiated nodes, leave their outputs unknown, with a notice naming the
// flag that raises the limit. A hostile model cannot make the pass run without bound.
struct AnalysisLimits {
  int max_call_depth = 32;              // --max-call-depth
  size_t max_function_nodes = 1 << 18;  // nodes instantiated for all calls together
};

// `model` must outlive the result.
TypedModel AnalyzeTypes(const onnx::ModelProto& model, const AnalysisLimits& limits = {});

// The ai.onnx opset in scope in graph `graph` (a function body's own import first, then
// the model's); -1 when neither imports ai.onnx.
int OnnxOpset(const TypedModel& tm, int graph);

// Why no Cast from `from` to `to` can be inserted into graph `graph`, or "" when one can:
// Cast lives in ai.onnx, which the graph may not import, and carries bfloat16 only from
// opset 13. Rules offer, and fixers make, Casts only where this says "".
std::string CastBlocker(const TypedModel& tm, int graph, int32_t from, int32_t to);

// The node's attribute called `name`, or nullptr.
const onnx::AttributeProto* FindAttribute(const onnx::NodeProto& node, const std::string& name);

// "Gemm 'fc1'" or "Gemm #3" when unnamed.
std::string NodeLabel(const NodeRecord& node);

}  // namespace onnxtidy
