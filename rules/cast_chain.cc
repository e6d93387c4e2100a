#include "rules/cast_chain.h"

#include "lint/dtype.h"

namespace onnxtidy {

std::optional<CastInfo> ReadCast(const NodeView& node) {
  const NodeRecord& r = node.record();
  if (!r.domain.empty() || r.op_type() != "Cast") return std::nullopt;
  const ValueRecord* in = node.Input(0);
  const onnx::AttributeProto* to = FindAttribute(*r.proto, "to");
  // A Cast that breaks its schema ('to' missing or not an int) is schema-violation's.
  if (in == nullptr || !in->Known() || !in->type->has_tensor_type() || to == nullptr ||
      to->type() != onnx::AttributeProto::INT || !r.schema_error.empty()) {
    return std::nullopt;
  }
  CastInfo info;
  info.from = in->type->tensor_type().elem_type();
  info.to = static_cast<int32_t>(to->i());
  const NodeRecord* prev = node.InputProducer(0);
  if (prev != nullptr && prev->domain.empty() && prev->op_type() == "Cast" && !prev->inputs.empty() &&
      prev->inputs[0] >= 0) {
    const ValueRecord& origin = node.model().values[static_cast<size_t>(prev->inputs[0])];
    if (origin.Known() && origin.type->has_tensor_type()) {
      info.before = CastStep{prev, origin.type->tensor_type().elem_type(), origin.name};
    }
  }
  return info;
}

}  // namespace onnxtidy
