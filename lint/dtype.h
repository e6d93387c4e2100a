// Element-type names and type strings, independent of onnx's own helpers so that
// data types newer than onnx 1.12 (float8, int4, ...) still get a readable name.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "onnx/onnx_pb.h"

namespace onnxtidy {

// ONNX TensorProto.DataType values, including the ones added after onnx 1.12.
enum DType : int32_t {
  kUndefined = 0,
  kFloat = 1,
  kUint8 = 2,
  kInt8 = 3,
  kUint16 = 4,
  kInt16 = 5,
  kInt32 = 6,
  kInt64 = 7,
  kString = 8,
  kBool = 9,
  kFloat16 = 10,
  kDouble = 11,
  kUint32 = 12,
  kUint64 = 13,
  kComplex64 = 14,
  kComplex128 = 15,
  kBfloat16 = 16,
  kFloat8E4M3FN = 17,
  kFloat8E4M3FNUZ = 18,
  kFloat8E5M2 = 19,
  kFloat8E5M2FNUZ = 20,
  kUint4 = 21,
  kInt4 = 22,
  kFloat4E2M1 = 23,
};

// The name onnx uses inside type strings: "float", "bfloat16", "int64", ...
// Unknown codes give "dtype(N)".
std::string DtypeName(int32_t elem_type);

// True for the IEEE-like floating types (float8 .. double).
bool IsFloatingPoint(int32_t elem_type);

// True for the float types onnx-tidy converts stored tensors between: float32,
// bfloat16, float16 and double (fixers/float_convert).
bool IsConvertibleFloat(int32_t elem_type);

// The narrowest of `types` (or failing that float32, then double) that holds every one
// of them exactly; kUndefined when none does. float16 with bfloat16 gives float32.
int32_t CommonExactType(const std::vector<int32_t>& types);

// Size in bits of one element, 0 when not fixed (string) or unknown.
int DtypeBits(int32_t elem_type);

// True when every value of `from` converts to `to` and back unchanged, so that a Cast
// from -> to -> from is a no-op (float16 -> float, int8 -> int32, bool -> anything).
bool IsExactConversion(int32_t from, int32_t to);

// One line on what `to` loses from `from` ("float16 keeps 11 significant bits and
// overflows past 65504"), for messages.
std::string PrecisionLoss(int32_t from, int32_t to);

// "tensor(float)", "seq(tensor(bfloat16))", "optional(tensor(int64))", "map(int64,tensor(float))".
// Empty when the type is incomplete (no element type somewhere inside).
std::string TypeString(const onnx::TypeProto& type);

// The element type of a tensor/sparse tensor type, or of the innermost tensor of a
// sequence/optional. kUndefined when there is none.
int32_t ElemType(const onnx::TypeProto& type);

// A tensor type with this element type and no shape.
onnx::TypeProto TensorType(int32_t elem_type);

}  // namespace onnxtidy
