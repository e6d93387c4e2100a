// The bits of protobuf wire format onnx-tidy writes by hand: the loader builds a model
// skeleton without weight bytes, the tensor store splices them back in.
#pragma once

#include <google/protobuf/message_lite.h>

#include <cstdint>
#include <string>

namespace onnxtidy {

// Deterministic bytes: the same message always serialises the same way (known fields in
// field order, then unknown fields), which byte-identical re-fixes and splicing rely on.
std::string SerializeDeterministic(const google::protobuf::MessageLite& message);

void AppendVarint(std::string& out, uint64_t v);

// The tag of a length-delimited field, then `length`: what precedes its payload.
std::string LengthDelimitedHeader(uint32_t field, uint64_t length);

}  // namespace onnxtidy
