#include "lint/dtype.h"

#include <algorithm>

namespace onnxtidy {

std::string DtypeName(int32_t t) {
  switch (t) {
    case kFloat: return "float";
    case kUint8: return "uint8";
    case kInt8: return "int8";
    case kUint16: return "uint16";
    case kInt16: return "int16";
    case kInt32: return "int32";
    case kInt64: return "int64";
    case kString: return "string";
    case kBool: return "bool";
    case kFloat16: return "float16";
    case kDouble: return "double";
    case kUint32: return "uint32";
    case kUint64: return "uint64";
    case kComplex64: return "complex64";
    case kComplex128: return "complex128";
    case kBfloat16: return "bfloat16";
    case kFloat8E4M3FN: return "float8e4m3fn";
    case kFloat8E4M3FNUZ: return "float8e4m3fnuz";
    case kFloat8E5M2: return "float8e5m2";
    case kFloat8E5M2FNUZ: return "float8e5m2fnuz";
    case kUint4: return "uint4";
    case kInt4: return "int4";
    case kFloat4E2M1: return "float4e2m1";
    default: return "dtype(" + std::to_string(t) + ")";
  }
}

bool IsFloatingPoint(int32_t t) {
  switch (t) {
    case kFloat:
    case kFloat16:
    case kDouble:
    case kBfloat16:
    case kFloat8E4M3FN:
    case kFloat8E4M3FNUZ:
    case kFloat8E5M2:
    case kFloat8E5M2FNUZ:
    case kFloat4E2M1: return true;
    default: return false;
  }
}

int DtypeBits(int32_t t) {
  switch (t) {
    case kBool:
    case kUint8:
    case kInt8:
    case kFloat8E4M3FN:
    case kFloat8E4M3FNUZ:
    case kFloat8E5M2:
    case kFloat8E5M2FNUZ: return 8;
    case kUint4:
    case kInt4:
    case kFloat4E2M1: return 4;
    case kUint16:
    case kInt16:
    case kFloat16:
    case kBfloat16: return 16;
    case kInt32:
    case kUint32:
    case kFloat: return 32;
    case kInt64:
    case kUint64:
    case kDouble:
    case kComplex64: return 64;
    case kComplex128: return 128;
    default: return 0;
  }
}

namespace {

// Significand bits (with the implicit one) of the float types; 0 for others.
int SignificandBits(int32_t t) {
  switch (t) {
    case kFloat16: return 11;
    case kBfloat16: return 8;
    case kFloat: return 24;
    case kDouble: return 53;
    case kFloat8E4M3FN:
    case kFloat8E4M3FNUZ: return 4;
    case kFloat8E5M2:
    case kFloat8E5M2FNUZ: return 3;
    case kFloat4E2M1: return 2;
    default: return 0;
  }
}

// Exponent range rank: a larger rank holds every finite value of a smaller one.
int ExponentRank(int32_t t) {
  switch (t) {
    case kFloat4E2M1: return 0;
    case kFloat8E4M3FN:
    case kFloat8E4M3FNUZ: return 1;
    case kFloat16:
    case kFloat8E5M2:
    case kFloat8E5M2FNUZ: return 2;
    case kFloat:
    case kBfloat16: return 3;
    case kDouble: return 4;
    default: return -1;
  }
}

bool IsSignedInt(int32_t t) { return t == kInt4 || t == kInt8 || t == kInt16 || t == kInt32 || t == kInt64; }
bool IsUnsignedInt(int32_t t) { return t == kUint4 || t == kUint8 || t == kUint16 || t == kUint32 || t == kUint64; }

}  // namespace

bool IsConvertibleFloat(int32_t t) { return t == kFloat || t == kBfloat16 || t == kFloat16 || t == kDouble; }

int32_t CommonExactType(const std::vector<int32_t>& types) {
  std::vector<int32_t> candidates = types;
  std::stable_sort(candidates.begin(), candidates.end(),
                   [](int32_t a, int32_t b) { return DtypeBits(a) < DtypeBits(b); });
  candidates.push_back(kFloat);
  candidates.push_back(kDouble);
  for (int32_t c : candidates) {
    if (std::all_of(types.begin(), types.end(), [&](int32_t t) { return IsExactConversion(t, c); })) return c;
  }
  return kUndefined;
}

bool IsExactConversion(int32_t from, int32_t to) {
  if (from == to) return true;
  if (from == kBool) return IsFloatingPoint(to) || IsSignedInt(to) || IsUnsignedInt(to);
  const int fb = DtypeBits(from), tb = DtypeBits(to);
  if (IsFloatingPoint(from) && IsFloatingPoint(to)) {
    // NaN payloads aside, every value survives when both precision and range grow.
    return SignificandBits(to) >= SignificandBits(from) && ExponentRank(to) >= ExponentRank(from) &&
           !(from == kFloat8E4M3FNUZ || from == kFloat8E5M2FNUZ);  // FNUZ has no -0
  }
  if (IsSignedInt(from) && IsSignedInt(to)) return tb >= fb;
  if (IsUnsignedInt(from) && IsUnsignedInt(to)) return tb >= fb;
  if (IsUnsignedInt(from) && IsSignedInt(to)) return tb > fb;
  if ((IsSignedInt(from) || IsUnsignedInt(from)) && IsFloatingPoint(to)) return SignificandBits(to) >= fb;
  return false;
}

std::string PrecisionLoss(int32_t from, int32_t to) {
  if (IsFloatingPoint(from) && IsFloatingPoint(to)) {
    std::string s = DtypeName(to) + " keeps " + std::to_string(SignificandBits(to)) + " significant bits (" +
                    DtypeName(from) + ": " + std::to_string(SignificandBits(from)) + ")";
    if (ExponentRank(to) < ExponentRank(from)) {
      s += " and overflows sooner";
      if (to == kFloat16) s += " (past 65504)";
    }
    return s;
  }
  if (IsFloatingPoint(from)) return DtypeName(to) + " drops the fraction and saturates or wraps out-of-range values";
  if (IsFloatingPoint(to)) {
    return DtypeName(to) + " keeps " + std::to_string(SignificandBits(to)) + " significant bits, fewer than " +
           DtypeName(from) + "'s " + std::to_string(DtypeBits(from));
  }
  return DtypeName(to) + " cannot hold every " + DtypeName(from) + " value";
}

std::string TypeString(const onnx::TypeProto& type) {
  switch (type.value_case()) {
    case onnx::TypeProto::kTensorType:
      if (type.tensor_type().elem_type() == kUndefined) return "";
      return "tensor(" + DtypeName(type.tensor_type().elem_type()) + ")";
    case onnx::TypeProto::kSparseTensorType:
      if (type.sparse_tensor_type().elem_type() == kUndefined) return "";
      return "sparse_tensor(" + DtypeName(type.sparse_tensor_type().elem_type()) + ")";
    case onnx::TypeProto::kSequenceType: {
      std::string inner = TypeString(type.sequence_type().elem_type());
      return inner.empty() ? "" : "seq(" + inner + ")";
    }
    case onnx::TypeProto::kOptionalType: {
      std::string inner = TypeString(type.optional_type().elem_type());
      return inner.empty() ? "" : "optional(" + inner + ")";
    }
    case onnx::TypeProto::kMapType: {
      std::string inner = TypeString(type.map_type().value_type());
      if (inner.empty() || type.map_type().key_type() == kUndefined) return "";
      return "map(" + DtypeName(type.map_type().key_type()) + "," + inner + ")";
    }
    default: return "";
  }
}

int32_t ElemType(const onnx::TypeProto& type) {
  switch (type.value_case()) {
    case onnx::TypeProto::kTensorType: return type.tensor_type().elem_type();
    case onnx::TypeProto::kSparseTensorType: return type.sparse_tensor_type().elem_type();
    case onnx::TypeProto::kSequenceType: return ElemType(type.sequence_type().elem_type());
    case onnx::TypeProto::kOptionalType: return ElemType(type.optional_type().elem_type());
    default: return kUndefined;
  }
}

onnx::TypeProto TensorType(int32_t elem_type) {
  onnx::TypeProto t;
  t.mutable_tensor_type()->set_elem_type(elem_type);
  return t;
}

}  // namespace onnxtidy
