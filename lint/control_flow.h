// Where If, Loop and Scan join values that must share one type: the two branches of an
// If at each output; a Loop or Scan state's initial value, the body input that receives
// it and the body output that replaces it; a Scan input and the body input that gets
// its slices. onnx's inference and onnxruntime refuse a model where these disagree.
// Read by the control-flow-dtype-mismatch rule and by its fixer.
#pragma once

#include <string>
#include <vector>

#include "lint/type_engine.h"

namespace onnxtidy {

// One value taking part in a join.
struct JoinMember {
  enum class Kind {
    kBranchOutput,  // If: an output of then_branch / else_branch
    kInitial,       // Loop/Scan: the node's input (initial state or scanned tensor)
    kBodyInput,     // Loop/Scan: the body's formal input (its declared type)
    kBodyOutput,    // Loop/Scan: the body's output (the next state)
  };
  Kind kind;
  int value = -1;    // value id
  int graph = -1;    // the graph whose output or input this is (the node's own for kInitial)
  int slot = -1;     // index among that graph's outputs / inputs, or the node input slot
  std::string role;  // "then_branch output 0", "initial value", "body input 2", ...
};

struct ControlFlowJoin {
  int output_slot = -1;             // the node output the join decides; -1 for a Scan input
  std::string what;                 // "output 0", "loop-carried value 1 ('v')", "scan input 0 ('xs')"
  std::vector<JoinMember> members;  // with known types only
};

// True for the ai.onnx ops that join values: If, Loop, Scan.
inline bool JoinsValues(const NodeRecord& n) {
  const std::string& op = n.op_type();
  if (!n.domain.empty() || (op.size() != 2 && op.size() != 4)) return false;  // asked of every node
  return op == "If" || op == "Loop" || op == "Scan";
}

// The joins of an ai.onnx If, Loop or Scan node (none for any other node, or when its
// bodies were not walked).
std::vector<ControlFlowJoin> ControlFlowJoins(const TypedModel& tm, int node);

// True when the join's members do not all have one element type.
bool Disagrees(const TypedModel& tm, const ControlFlowJoin& join);

// The widest element type among the join's members, or kUndefined (0) when a member is
// not a tensor.
int32_t WidestTensorType(const TypedModel& tm, const ControlFlowJoin& join);

// The graph id of the node's graph attribute `attr`, or -1.
int SubgraphFor(const TypedModel& tm, const NodeRecord& node, const std::string& attr);

}  // namespace onnxtidy
