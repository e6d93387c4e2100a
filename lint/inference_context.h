// Runs an op schema's own type-and-shape inference function on one node, with our
// values' types as inputs and our engine as the walker of its graph attributes.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "onnx/defs/schema.h"
#include "onnx/onnx_pb.h"

namespace onnxtidy {

// Walks graph attribute `attr` with the given input types and returns its output
// types (pointers stay valid for the engine's lifetime; never null).
using SubgraphWalker = std::function<std::vector<const onnx::TypeProto*>(
    const std::string& attr, const std::vector<const onnx::TypeProto*>& input_types)>;

struct InferenceResult {
  std::vector<onnx::TypeProto> outputs;  // one per node output; value_case() unset when not inferred
  std::string error;                     // non-empty when the function threw
};

// `input_types[i]` is null for an omitted optional input. The caller makes sure
// every present input has a known type: inference functions dereference them.
InferenceResult RunSchemaInference(const onnx::OpSchema& schema, const onnx::NodeProto& node,
                                   const std::vector<const onnx::TypeProto*>& input_types,
                                   const SubgraphWalker& walk_subgraph);

}  // namespace onnxtidy
