// Exact element conversions between the float types onnx-tidy rewrites: float32,
// bfloat16, float16 and double. Narrowing rounds to nearest, ties to even, like the
// Cast op; NaN stays a quiet NaN with its sign; subnormals are rounded, not flushed.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "lint/dtype.h"  // IsConvertibleFloat
#include "onnx/onnx_pb.h"

namespace onnxtidy {

// What narrowing does with finite values beyond the target's range.
enum class Overflow {
  kInfinity,  // +-Inf, as the Cast op does (default)
  kSaturate,  // the largest finite value of the target, keeping the sign
};

uint16_t FloatToBfloat16(float f, Overflow overflow = Overflow::kInfinity);
float Bfloat16ToFloat(uint16_t b);
uint16_t FloatToFloat16(float f, Overflow overflow = Overflow::kInfinity);
float Float16ToFloat(uint16_t h);

// Rewrites `tensor` in place to `to`, reading raw_data or the typed field it uses and
// writing raw_data (little-endian). External data is not handled here: the caller
// streams it. Returns false, leaving the tensor untouched, for unsupported types.
bool ConvertTensor(onnx::TensorProto& tensor, int32_t to, Overflow overflow = Overflow::kInfinity);

// Converts `count` little-endian elements at `in` from `from` to `to` into `out`, which
// has room for them (streams gigabytes of weights chunk by chunk, without allocating).
// Both types must be convertible (IsConvertibleFloat).
void ConvertElements(const char* in, size_t count, int32_t from, int32_t to, Overflow overflow, char* out);

// The same for a whole byte string (a trailing partial element is dropped).
std::string ConvertBytes(const std::string& bytes, int32_t from, int32_t to, Overflow overflow);

}  // namespace onnxtidy
