#include "lint/dtype.h"

#include <gtest/gtest.h>

namespace onnxtidy {
namespace {

TEST(Dtype, NamesMatchOnnxTypeStrings) {
  EXPECT_EQ(DtypeName(kFloat), "float");
  EXPECT_EQ(DtypeName(kBfloat16), "bfloat16");
  EXPECT_EQ(DtypeName(kFloat16), "float16");
  EXPECT_EQ(DtypeName(kFloat8E4M3FN), "float8e4m3fn");  // newer than onnx 1.12
  EXPECT_EQ(DtypeName(999), "dtype(999)");
}

TEST(Dtype, TypeStringCoversNestedTypes) {
  onnx::TypeProto seq;
  *seq.mutable_sequence_type()->mutable_elem_type() = TensorType(kBfloat16);
  EXPECT_EQ(TypeString(seq), "seq(tensor(bfloat16))");
  onnx::TypeProto opt;
  *opt.mutable_optional_type()->mutable_elem_type() = seq;
  EXPECT_EQ(TypeString(opt), "optional(seq(tensor(bfloat16)))");
  EXPECT_EQ(ElemType(opt), kBfloat16);
  onnx::TypeProto map;
  map.mutable_map_type()->set_key_type(kInt64);
  *map.mutable_map_type()->mutable_value_type() = TensorType(kFloat);
  EXPECT_EQ(TypeString(map), "map(int64,tensor(float))");
}

TEST(Dtype, IncompleteTypesHaveNoString) {
  EXPECT_EQ(TypeString(onnx::TypeProto()), "");
  EXPECT_EQ(TypeString(TensorType(kUndefined)), "");
  onnx::TypeProto seq;
  seq.mutable_sequence_type();
  EXPECT_EQ(TypeString(seq), "");
}

TEST(Dtype, WidthsAndFloatness) {
  EXPECT_TRUE(IsFloatingPoint(kBfloat16));
  EXPECT_FALSE(IsFloatingPoint(kInt64));
  EXPECT_EQ(DtypeBits(kBfloat16), 16);
  EXPECT_EQ(DtypeBits(kFloat), 32);
  EXPECT_EQ(DtypeBits(kString), 0);
}

}  // namespace
}  // namespace onnxtidy
