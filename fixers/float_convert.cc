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

namespace {

// One little-endian element of a convertible type, as double (exact for all four).
double ReadElement(const char* p, int32_t from) {
  if (from == kFloat) {
    float f;
    std::memcpy(&f, p, 4);
    return f;
  }
  if (from == kDouble) {
    double d;
    std::memcpy(&d, p, 8);
    return d;
  }
  uint16_t h;
  std::memcpy(&h, p, 2);
  return from == kFloat16 ? Float16ToFloat(h) : Bfloat16ToFloat(h);
}

// Writes `v` as one element of `to` at `out`; returns the bytes written.
size_t WriteElement(double v, int32_t to, Overflow overflow, char* out) {
  if (to == kDouble) {
    std::memcpy(out, &v, 8);
    return 8;
  }
  // double -> float rounds to nearest even; from a 16-bit or float source it is exact.
  const float f = static_cast<float>(v);
  if (to == kFloat) {
    std::memcpy(out, &f, 4);
    return 4;
  }
  const uint16_t h = to == kFloat16 ? FloatToFloat16(f, overflow) : FloatToBfloat16(f, overflow);
  std::memcpy(out, &h, 2);
  return 2;
}

// Every element as double, from whichever field holds it.
bool ReadValues(const onnx::TensorProto& t, std::vector<double>& out) {
  const int32_t from = t.data_type();
  if (t.has_raw_data()) {
    const std::string& raw = t.raw_data();
    const size_t width = static_cast<size_t>(DtypeBits(from) / 8);
    if (width == 0 || raw.size() % width != 0) return false;
    out.resize(raw.size() / width);
    for (size_t i = 0; i < out.size(); ++i) out[i] = ReadElement(raw.data() + i * width, from);
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

}  // namespace

bool ConvertTensor(onnx::TensorProto& tensor, int32_t to, Overflow overflow) {
  const int32_t from = tensor.data_type();
  if (!IsConvertibleFloat(from) || !IsConvertibleFloat(to)) return false;
  if (tensor.data_location() == onnx::TensorProto::EXTERNAL) return false;
  if (from == to) return true;
  std::vector<double> values;
  if (!ReadValues(tensor, values)) return false;
  std::string raw(values.size() * static_cast<size_t>(DtypeBits(to) / 8), '\0');
  char* out = raw.data();
  for (double v : values) out += WriteElement(v, to, overflow, out);
  tensor.clear_float_data();
  tensor.clear_double_data();
  tensor.clear_int32_data();
  tensor.set_data_type(to);
  tensor.set_raw_data(std::move(raw));
  return true;
}

namespace {

// Element loops for the conversions a fix streams through gigabytes of weights; `fn`
// is a lambda so that the loop is inlined and vectorised.
template <typename In, typename Out, typename Fn>
void Map(const char* in, size_t count, char* out, Fn&& fn) {
  for (size_t i = 0; i < count; ++i) {
    In x;
    std::memcpy(&x, in + i * sizeof(In), sizeof(In));
    const Out y = fn(x);
    std::memcpy(out + i * sizeof(Out), &y, sizeof(Out));
  }
}

}  // namespace

void ConvertElements(const char* in, size_t count, int32_t from, int32_t to, Overflow overflow, char* out) {
  if (from == to) {
    std::memcpy(out, in, count * static_cast<size_t>(DtypeBits(from) / 8));
  } else if (from == kBfloat16 && to == kFloat) {
    Map<uint16_t, float>(in, count, out, [](uint16_t b) { return Bfloat16ToFloat(b); });
  } else if (from == kFloat16 && to == kFloat) {
    Map<uint16_t, float>(in, count, out, [](uint16_t h) { return Float16ToFloat(h); });
  } else if (from == kFloat && to == kBfloat16) {
    Map<float, uint16_t>(in, count, out, [&](float f) { return FloatToBfloat16(f, overflow); });
  } else if (from == kFloat && to == kFloat16) {
    Map<float, uint16_t>(in, count, out, [&](float f) { return FloatToFloat16(f, overflow); });
  } else {
    const size_t width = static_cast<size_t>(DtypeBits(from) / 8);
    for (size_t i = 0; i < count; ++i) out += WriteElement(ReadElement(in + i * width, from), to, overflow, out);
  }
}

std::string ConvertBytes(const std::string& bytes, int32_t from, int32_t to, Overflow overflow) {
  const size_t count = bytes.size() / static_cast<size_t>(DtypeBits(from) / 8);
  std::string out(count * static_cast<size_t>(DtypeBits(to) / 8), '\0');
  ConvertElements(bytes.data(), count, from, to, overflow, out.data());
  return out;
}

}  // namespace onnxtidy
