#include "fixers/float_convert.h"

#include <cmath>
#include <cstring>
#include <limits>

#include "lint/dtype.h"

namespace onnxtidy {
namespace {

uint32_t Bits(float f) {
  uint32_t u;
  std::memcpy(&u, &f, sizeof u);
  return u;
}

float FromBits(uint32_t u) {
  float f;
  std::memcpy(&f, &u, sizeof f);
  return f;
}

}  // namespace

uint16_t FloatToBfloat16(float f, Overflow overflow) {
  const uint32_t u = Bits(f);
  const uint16_t sign = static_cast<uint16_t>((u >> 16) & 0x8000);
  if (std::isnan(f)) return static_cast<uint16_t>(sign | 0x7FC0 | ((u >> 16) & 0x007F));  // quiet, sign kept
  // Round to nearest even on the 16 dropped bits; a carry into the exponent is correct
  // rounding (up to the next binade, or to infinity).
  const uint32_t rounded = u + 0x7FFF + ((u >> 16) & 1);
  uint16_t b = static_cast<uint16_t>(rounded >> 16);
  if (overflow == Overflow::kSaturate && std::isfinite(f) && (b & 0x7FFF) == 0x7F80) b = sign | 0x7F7F;
  return b;
}

float Bfloat16ToFloat(uint16_t b) { return FromBits(static_cast<uint32_t>(b) << 16); }

uint16_t FloatToFloat16(float f, Overflow overflow) {
  const uint32_t u = Bits(f);
  const uint16_t sign = static_cast<uint16_t>((u >> 16) & 0x8000);
  const uint32_t abs = u & 0x7FFFFFFF;
  if (abs > 0x7F800000) return sign | 0x7E00 | static_cast<uint16_t>((abs >> 13) & 0x01FF);  // quiet NaN
  if (abs == 0x7F800000) return sign | 0x7C00;
  const int32_t exp = static_cast<int32_t>(abs >> 23) - 127;
  uint32_t mant = abs & 0x007FFFFF;
  if (exp > 15) return overflow == Overflow::kSaturate ? (sign | 0x7BFF) : (sign | 0x7C00);
  if (exp >= -14) {
    // Normal: keep 10 of 23 mantissa bits, round to nearest even.
    uint32_t h = (static_cast<uint32_t>(exp + 15) << 10) | (mant >> 13);
    const uint32_t rest = mant & 0x1FFF;
    if (rest > 0x1000 || (rest == 0x1000 && (h & 1))) ++h;  // may carry into the exponent
    if (h >= 0x7C00 && overflow == Overflow::kSaturate) h = 0x7BFF;
    return static_cast<uint16_t>(sign | h);
  }
  if (exp < -25) return sign;  // below half the smallest subnormal: rounds to zero
  // Subnormal: value = mant_with_hidden * 2^(exp-23); unit is 2^-24.
  mant |= 0x00800000;
  const int shift = -exp - 1;  // 14..24: bits dropped to reach 2^-24 units
  uint32_t h = mant >> shift;
  const uint32_t rest = mant & ((1u << shift) - 1);
  const uint32_t half = 1u << (shift - 1);
  if (rest > half || (rest == half && (h & 1))) ++h;
  return static_cast<uint16_t>(sign | h);
}

float Float16ToFloat(uint16_t h) {
  const uint32_t sign = static_cast<uint32_t>(h & 0x8000) << 16;
  const uint32_t exp = (h >> 10) & 0x1F;
  const uint32_t mant = h & 0x3FF;
  if (exp == 0x1F) return FromBits(sign | 0x7F800000 | (mant << 13));
  if (exp != 0) return FromBits(sign | ((exp + 112) << 23) | (mant << 13));
  if (mant == 0) return FromBits(sign);
  // Subnormal half: exact in float.
  const float v = std::ldexp(static_cast<float>(mant), -24);
  return sign ? -v : v;
}

bool IsConvertibleFloat(int32_t t) { return t == kFloat || t == kBfloat16 || t == kFloat16 || t == kDouble; }

namespace {

// Every element as double (exact for all four types), from whichever field holds it.
bool ReadValues(const onnx::TensorProto& t, std::vector<double>& out) {
  const int32_t from = t.data_type();
  if (t.has_raw_data()) {
    const std::string& raw = t.raw_data();
    const size_t width = static_cast<size_t>(DtypeBits(from) / 8);
    if (width == 0 || raw.size() % width != 0) return false;
    out.resize(raw.size() / width);
    for (size_t i = 0; i < out.size(); ++i) {
      const char* p = raw.data() + i * width;
      if (from == kFloat) { float f; std::memcpy(&f, p, 4); out[i] = f; }
      if (from == kDouble) { double d; std::memcpy(&d, p, 8); out[i] = d; }
      if (from == kFloat16 || from == kBfloat16) {
        uint16_t h;
        std::memcpy(&h, p, 2);
        out[i] = from == kFloat16 ? Float16ToFloat(h) : Bfloat16ToFloat(h);
      }
    }
    return true;
  }
  if (from == kFloat) out.assign(t.float_data().begin(), t.float_data().end());
  if (from == kDouble) out.assign(t.double_data().begin(), t.double_data().end());
  if (from == kFloat16 || from == kBfloat16) {
    // 16-bit floats live in int32_data, one per entry, in the low bits.
    for (int32_t v : t.int32_data()) {
      const uint16_t h = static_cast<uint16_t>(v & 0xFFFF);
      out.push_back(from == kFloat16 ? Float16ToFloat(h) : Bfloat16ToFloat(h));
    }
  }
  return true;
}

void Append(std::string& out, double v, int32_t to, Overflow overflow) {
  char buf[8];
  if (to == kDouble) {
    std::memcpy(buf, &v, 8);
    out.append(buf, 8);
    return;
  }
  // double -> float rounds to nearest even; from a 16-bit or float source it is exact.
  const float f = static_cast<float>(v);
  if (to == kFloat) {
    std::memcpy(buf, &f, 4);
    out.append(buf, 4);
    return;
  }
  const uint16_t h = to == kFloat16 ? FloatToFloat16(f, overflow) : FloatToBfloat16(f, overflow);
  std::memcpy(buf, &h, 2);
  out.append(buf, 2);
}

}  // namespace

bool ConvertTensor(onnx::TensorProto& tensor, int32_t to, Overflow overflow) {
  const int32_t from = tensor.data_type();
  if (!IsConvertibleFloat(from) || !IsConvertibleFloat(to)) return false;
  if (tensor.data_location() == onnx::TensorProto::EXTERNAL) return false;
  if (from == to) return true;
  std::vector<double> values;
  if (!ReadValues(tensor, values)) return false;
  std::string raw;
  raw.reserve(values.size() * static_cast<size_t>(DtypeBits(to) / 8));
  for (double v : values) Append(raw, v, to, overflow);
  tensor.clear_float_data();
  tensor.clear_double_data();
  tensor.clear_int32_data();
  tensor.set_data_type(to);
  tensor.set_raw_data(std::move(raw));
  return true;
}

namespace {

// Element loops for the conversions a fix streams through gigabytes of weights.
template <typename In, typename Out, typename Fn>
void Map(const char* in, size_t size, std::string& out, Fn&& fn) {
  const size_t n = size / sizeof(In);
  out.resize(n * sizeof(Out));
  char* dst = out.data();
  for (size_t i = 0; i < n; ++i) {
    In x;
    std::memcpy(&x, in + i * sizeof(In), sizeof(In));
    const Out y = fn(x);
    std::memcpy(dst + i * sizeof(Out), &y, sizeof(Out));
  }
}

}  // namespace

void ConvertInto(const char* in, size_t size, int32_t from, int32_t to, Overflow overflow, std::string& out) {
  if (from == to) {
    out.assign(in, size);
  } else if (from == kBfloat16 && to == kFloat) {
    Map<uint16_t, float>(in, size, out, Bfloat16ToFloat);
  } else if (from == kFloat16 && to == kFloat) {
    Map<uint16_t, float>(in, size, out, Float16ToFloat);
  } else if (from == kFloat && to == kBfloat16) {
    Map<float, uint16_t>(in, size, out, [&](float f) { return FloatToBfloat16(f, overflow); });
  } else if (from == kFloat && to == kFloat16) {
    Map<float, uint16_t>(in, size, out, [&](float f) { return FloatToFloat16(f, overflow); });
  } else {
    onnx::TensorProto t;
    t.set_data_type(from);
    t.set_raw_data(in, size);
    ConvertTensor(t, to, overflow);
    out = t.raw_data();
  }
}

std::string ConvertBytes(const std::string& bytes, int32_t from, int32_t to, Overflow overflow) {
  std::string out;
  ConvertInto(bytes.data(), bytes.size(), from, to, overflow, out);
  return out;
}

}  // namespace onnxtidy
