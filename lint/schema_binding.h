// How a node's inputs and outputs bind to an op schema's formal parameters
// (onnx's algorithm: the variadic tail reuses the last formal; only homogeneous
// formals bind a type parameter; "" names an omitted optional input).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "onnx/defs/schema.h"

namespace onnxtidy {

// The newest opset of `domain` ("" = ai.onnx) that onnx's schemas know, or -1 for a
// domain they do not know. Past it an op may have changed: not knowing is no evidence.
int NewestKnownOpset(const std::string& domain);

// The formal parameter that input/output `slot` binds to, or nullptr past the end.
const onnx::OpSchema::FormalParameter* InputFormal(const onnx::OpSchema& schema, int slot);
const onnx::OpSchema::FormalParameter* OutputFormal(const onnx::OpSchema& schema, int slot);

// True when the formal's type string names a type constraint ("T"), false for a
// literal type ("tensor(int64)").
bool IsTypeParam(const onnx::OpSchema& schema, const std::string& type_str);

// True when `formal` binds a type parameter that all its slots share.
bool BindsTypeParam(const onnx::OpSchema& schema, const onnx::OpSchema::FormalParameter& formal);

// True when `type_string` ("tensor(bfloat16)") is allowed for `formal`.
bool AllowsType(const onnx::OpSchema::FormalParameter& formal, const std::string& type_string);

// The allowed types of a formal, sorted, for messages.
std::vector<std::string> AllowedTypeStrings(const onnx::OpSchema::FormalParameter& formal);

// A short role for an input slot in messages: "A" for MatMul's first input, "2" for
// the third input of a variadic formal.
std::string InputRole(const onnx::OpSchema* schema, int slot);

struct SlotType {
  int slot = -1;
  const std::string* type = nullptr;  // interned TypeString(): equal types, equal pointers
  bool constant = false;              // the value comes only from initializers / Constants
};

// The inputs bound to one type parameter that have a known type.
struct ParamBinding {
  std::string param;            // "T"
  std::vector<SlotType> slots;  // in slot order
  int chosen = -1;              // index into slots: the type the outputs take
  bool conflict = false;        // the slots disagree
  const SlotType& Chosen() const { return slots[static_cast<size_t>(chosen)]; }
};

// Groups known-typed inputs by type parameter. On a conflict the chosen type is the
// first slot fed by data flow (not a weight), else the first slot: this keeps the
// activation's type flowing so one wrong weight does not cascade downstream.
// `input_types[i]` is null for omitted or unknown inputs; the strings are interned.
std::vector<ParamBinding> BindTypeParams(const onnx::OpSchema& schema,
                                         const std::vector<const std::string*>& input_types,
                                         const std::vector<bool>& input_constant);

}  // namespace onnxtidy
