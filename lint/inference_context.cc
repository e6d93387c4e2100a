#include "lint/inference_context.h"

#include <exception>

#include "lint/type_engine.h"
#include "onnx/defs/shape_inference.h"

namespace onnxtidy {
namespace {

class SubgraphInferencer final : public onnx::GraphInferencer {
 public:
  SubgraphInferencer(std::string attr, const SubgraphWalker& walk) : attr_(std::move(attr)), walk_(walk) {}
  std::vector<const onnx::TypeProto*> doInferencing(const std::vector<const onnx::TypeProto*>& input_types,
                                                    const std::vector<const onnx::TensorProto*>&) override {
    return walk_(attr_, input_types);
  }

 private:
  std::string attr_;
  const SubgraphWalker& walk_;
};

class NodeInferenceContext final : public onnx::InferenceContext {
 public:
  NodeInferenceContext(const onnx::NodeProto& node, const std::vector<const onnx::TypeProto*>& inputs,
                       const SubgraphWalker& walk)
      : node_(node), inputs_(inputs), outputs_(static_cast<size_t>(node.output_size())), walk_(walk) {}

  const onnx::AttributeProto* getAttribute(const std::string& name) const override {
    return FindAttribute(node_, name);
  }
  size_t getNumInputs() const override { return inputs_.size(); }
  const onnx::TypeProto* getInputType(size_t index) const override {
    if (index >= inputs_.size()) fail_type_inference("input ", index, " is out of range");
    return inputs_[index];
  }
  // Weights are never read to lint: data-dependent shapes stay unknown.
  const onnx::TensorProto* getInputData(size_t) const override { return nullptr; }
  const onnx::SparseTensorProto* getInputSparseData(size_t) const override { return nullptr; }
  const onnx::TensorShapeProto* getSymbolicInput(size_t) const override { return nullptr; }
  size_t getNumOutputs() const override { return outputs_.size(); }
  onnx::TypeProto* getOutputType(size_t index) override {
    if (index >= outputs_.size()) fail_type_inference("output ", index, " is out of range");
    return &outputs_[index];
  }
  onnx::GraphInferencer* getGraphAttributeInferencer(const std::string& name) override {
    const onnx::AttributeProto* attr = getAttribute(name);
    if (attr == nullptr || !attr->has_g()) fail_type_inference("no graph attribute '", name, "'");
    inferencers_.push_back(std::make_unique<SubgraphInferencer>(name, walk_));
    return inferencers_.back().get();
  }

  std::vector<onnx::TypeProto> TakeOutputs() { return std::move(outputs_); }

 private:
  const onnx::NodeProto& node_;
  const std::vector<const onnx::TypeProto*>& inputs_;
  std::vector<onnx::TypeProto> outputs_;
  const SubgraphWalker& walk_;
  std::vector<std::unique_ptr<SubgraphInferencer>> inferencers_;
};

}  // namespace

InferenceResult RunSchemaInference(const onnx::OpSchema& schema, const onnx::NodeProto& node,
                                   const std::vector<const onnx::TypeProto*>& input_types,
                                   const SubgraphWalker& walk_subgraph) {
  InferenceResult result;
  NodeInferenceContext ctx(node, input_types, walk_subgraph);
  try {
    schema.GetTypeAndShapeInferenceFunction()(ctx);
  } catch (const std::exception& e) {
    result.error = e.what();
  }
  result.outputs = ctx.TakeOutputs();
  if (!result.error.empty()) {
    // A half-finished inference is not evidence; keep none of it.
    for (auto& t : result.outputs) t.Clear();
  }
  return result;
}

}  // namespace onnxtidy
