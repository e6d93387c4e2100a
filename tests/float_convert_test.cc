#include "fixers/float_convert.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>

#include "lint/dtype.h"

namespace onnxtidy {
namespace {

float F(uint32_t bits) {
  float f;
  std::memcpy(&f, &bits, 4);
  return f;
}

uint32_t B(float f) {
  uint32_t u;
  std::memcpy(&u, &f, 4);
  return u;
}

TEST(Bfloat16, RoundsToNearestEven) {
  EXPECT_EQ(FloatToBfloat16(F(0x3F808000)), 0x3F80);  // tie, even stays
  EXPECT_EQ(FloatToBfloat16(F(0x3F818000)), 0x3F82);  // tie, odd rounds up
  EXPECT_EQ(FloatToBfloat16(F(0x3F808001)), 0x3F81);  // above the tie
  EXPECT_EQ(FloatToBfloat16(F(0x3F807FFF)), 0x3F80);  // below the tie
  EXPECT_EQ(FloatToBfloat16(1.0f), 0x3F80);
  EXPECT_EQ(FloatToBfloat16(-2.0f), 0xC000);
}

TEST(Bfloat16, OverflowIsInfinityOrSaturates) {
  EXPECT_EQ(FloatToBfloat16(std::numeric_limits<float>::max()), 0x7F80);  // FLT_MAX -> +Inf
  EXPECT_EQ(FloatToBfloat16(-std::numeric_limits<float>::max()), 0xFF80);
  EXPECT_EQ(FloatToBfloat16(std::numeric_limits<float>::max(), Overflow::kSaturate), 0x7F7F);
  EXPECT_EQ(FloatToBfloat16(std::numeric_limits<float>::infinity(), Overflow::kSaturate), 0x7F80);
}

TEST(Bfloat16, NanStaysQuietWithItsSign) {
  EXPECT_EQ(FloatToBfloat16(F(0x7FC00000)), 0x7FC0);
  EXPECT_EQ(FloatToBfloat16(F(0xFFC00000)), 0xFFC0);
  // A signalling NaN whose payload sits only in the dropped bits must not become Inf.
  const uint16_t b = FloatToBfloat16(F(0x7F800001));
  EXPECT_EQ(b & 0x7FC0, 0x7FC0);
  EXPECT_TRUE(std::isnan(Bfloat16ToFloat(b)));
}

TEST(Bfloat16, SubnormalsAreRoundedNotFlushed) {
  EXPECT_EQ(FloatToBfloat16(F(0x00010000)), 0x0001);  // smallest bf16 subnormal
  EXPECT_EQ(FloatToBfloat16(F(0x00018000)), 0x0002);  // tie to even
  EXPECT_EQ(FloatToBfloat16(F(0x00008001)), 0x0001);  // above half: rounds up, not to zero
  EXPECT_EQ(FloatToBfloat16(F(0x00008000)), 0x0000);  // tie to even (zero)
}

TEST(Bfloat16, WideningIsExact) {
  for (uint32_t b = 0; b <= 0xFFFF; ++b) {
    const float f = Bfloat16ToFloat(static_cast<uint16_t>(b));
    if (std::isnan(f)) continue;
    ASSERT_EQ(B(f), b << 16);
    ASSERT_EQ(FloatToBfloat16(f), b);  // and back
  }
}

TEST(Float16, RoundsToNearestEven) {
  EXPECT_EQ(FloatToFloat16(1.0f), 0x3C00);
  EXPECT_EQ(FloatToFloat16(F(0x3F801000)), 0x3C00);  // 1 + 2^-11: tie, even stays
  EXPECT_EQ(FloatToFloat16(F(0x3F803000)), 0x3C02);  // 1 + 3*2^-11: tie, odd rounds up
  EXPECT_EQ(FloatToFloat16(F(0x3F801001)), 0x3C01);
  EXPECT_EQ(FloatToFloat16(65504.0f), 0x7BFF);
  EXPECT_EQ(FloatToFloat16(65519.0f), 0x7BFF);  // below the rounding point to Inf
  EXPECT_EQ(FloatToFloat16(65520.0f), 0x7C00);  // rounds up to Inf
}

TEST(Float16, OverflowPolicy) {
  EXPECT_EQ(FloatToFloat16(1e6f), 0x7C00);
  EXPECT_EQ(FloatToFloat16(-1e6f), 0xFC00);
  EXPECT_EQ(FloatToFloat16(1e6f, Overflow::kSaturate), 0x7BFF);
  EXPECT_EQ(FloatToFloat16(-1e6f, Overflow::kSaturate), 0xFBFF);
  EXPECT_EQ(FloatToFloat16(65520.0f, Overflow::kSaturate), 0x7BFF);
  EXPECT_EQ(FloatToFloat16(std::numeric_limits<float>::infinity(), Overflow::kSaturate), 0x7C00);
}

TEST(Float16, SubnormalsAndNan) {
  EXPECT_EQ(FloatToFloat16(std::ldexp(1.0f, -24)), 0x0001);     // smallest subnormal
  EXPECT_EQ(FloatToFloat16(std::ldexp(1.0f, -25)), 0x0000);     // exactly half: tie to even (0)
  EXPECT_EQ(FloatToFloat16(std::ldexp(1.5f, -25)), 0x0001);     // above half rounds up
  EXPECT_EQ(FloatToFloat16(std::ldexp(3.0f, -25)), 0x0002);     // 1.5 units: tie to even (2)
  EXPECT_EQ(FloatToFloat16(std::ldexp(1023.0f, -24)), 0x03FF);  // largest subnormal
  EXPECT_EQ(FloatToFloat16(std::ldexp(1.0f, -14)), 0x0400);     // smallest normal
  EXPECT_EQ(FloatToFloat16(-0.0f), 0x8000);
  EXPECT_EQ(FloatToFloat16(F(0xFFC00000)) & 0xFE00, 0xFE00);  // quiet NaN, negative
  EXPECT_TRUE(std::isnan(Float16ToFloat(FloatToFloat16(F(0x7F800001)))));
}

TEST(Float16, WideningIsExactAndRoundTrips) {
  for (uint32_t h = 0; h <= 0xFFFF; ++h) {
    const float f = Float16ToFloat(static_cast<uint16_t>(h));
    if (std::isnan(f)) continue;
    ASSERT_EQ(FloatToFloat16(f), h) << std::hex << h;
  }
}

TEST(ConvertTensor, RawAndTypedFieldsAlike) {
  onnx::TensorProto typed;
  typed.set_data_type(kFloat);
  typed.add_dims(3);
  for (float v : {1.0f, F(0x3F818000), -0.0f}) typed.add_float_data(v);
  onnx::TensorProto raw = typed;
  raw.clear_float_data();
  std::string bytes(12, '\0');
  for (int i = 0; i < 3; ++i) {
    const float v = typed.float_data(i);
    std::memcpy(&bytes[static_cast<size_t>(i) * 4], &v, 4);
  }
  raw.set_raw_data(bytes);
  ASSERT_TRUE(ConvertTensor(typed, kBfloat16));
  ASSERT_TRUE(ConvertTensor(raw, kBfloat16));
  EXPECT_EQ(typed.raw_data(), raw.raw_data());
  EXPECT_EQ(typed.float_data_size(), 0);
  EXPECT_EQ(typed.data_type(), kBfloat16);
  EXPECT_EQ(typed.raw_data(), std::string("\x80\x3F\x82\x3F\x00\x80", 6));
  // bfloat16 held in int32_data widens exactly.
  onnx::TensorProto h;
  h.set_data_type(kBfloat16);
  h.add_int32_data(0x3F82);
  ASSERT_TRUE(ConvertTensor(h, kFloat));
  float back;
  std::memcpy(&back, h.raw_data().data(), 4);
  EXPECT_EQ(B(back), 0x3F820000u);
}

TEST(ConvertTensor, RefusesWhatItCannotDo) {
  onnx::TensorProto ints;
  ints.set_data_type(kInt64);
  ints.add_int64_data(3);
  EXPECT_FALSE(ConvertTensor(ints, kFloat));
  onnx::TensorProto ext;
  ext.set_data_type(kFloat);
  ext.set_data_location(onnx::TensorProto::EXTERNAL);
  EXPECT_FALSE(ConvertTensor(ext, kFloat16));
  EXPECT_EQ(ext.data_type(), kFloat);
}

}  // namespace
}  // namespace onnxtidy
