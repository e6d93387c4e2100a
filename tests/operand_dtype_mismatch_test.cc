// Each case states its input, the findings it must produce (and no others, from any
// rule), and the message where the wording matters.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "lint/dtype.h"
#include "tests/test_util.h"

namespace onnxtidy {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;
using testing::Keys;
using testing::Lint;
using testing::LintAll;
using testing::Parse;
using testing::ToInitializer;

TEST(OperandDtypeMismatch, MatMulFloatActivationBfloat16Weight) {
  onnx::ModelProto m = Parse(R"(<ir_version: 8, opset_import: ["" : 17]>
g (float[1,4] x, bfloat16[4,2] W) => (float[1,2] y) { y = MatMul (x, W) })");
  ToInitializer(m, "W");
  m.mutable_graph()->mutable_node(0)->set_name("fc");
  auto f = Lint(m);
  ASSERT_THAT(Keys(f), ElementsAre("operand-dtype-mismatch@main#0:in1"));
  EXPECT_EQ(f[0].message,
            "MatMul 'fc': input A 'x' is float (graph input 'x') but input B 'W' is bfloat16 "
            "(initializer 'W')");
  EXPECT_EQ(f[0].location.node, "fc");
  EXPECT_EQ(f[0].location.op_type, "MatMul");
  EXPECT_EQ(f[0].location.value, "W");
  ASSERT_EQ(f[0].provenance.size(), 2u);
  EXPECT_EQ(f[0].provenance[1].origin_kind, "initializer");
  ASSERT_TRUE(f[0].fix.has_value());
  EXPECT_EQ(f[0].fix->safety, FixSafety::kSafe);
  EXPECT_EQ(f[0].fix->title, "widen 'W' to float (rewrite stored tensor)");
}

TEST(OperandDtypeMismatch, NegativeAllFloatHasNoFindingFromAnyRule) {
  onnx::ModelProto m = Parse(R"(<ir_version: 8, opset_import: ["" : 17]>
g (float[1,4] x, float[4,2] W, float[2] b, float[1,2] z) => (float[1,4] y) {
  h = Gemm (x, W, b)
  c = Concat <axis = 1> (h, z, h)
  y = LayerNormalization (c, x, x)
})");
  ToInitializer(m, "W");
  EXPECT_THAT(Keys(LintAll(m)), IsEmpty());
}

TEST(OperandDtypeMismatch, GemmNamesABC) {
  onnx::ModelProto m = Parse(R"(<ir_version: 8, opset_import: ["" : 17]>
g (float[1,4] x, bfloat16[4,2] W, float[2] b) => (float[1,2] y) { y = Gemm (x, W, b) })");
  ToInitializer(m, "W");
  ToInitializer(m, "b");
  auto f = Lint(m);
  ASSERT_THAT(Keys(f), ElementsAre("operand-dtype-mismatch@main#0:in1"));
  EXPECT_EQ(f[0].message,
            "Gemm #0: input A 'x' is float (graph input 'x') but input B 'W' is bfloat16 "
            "(initializer 'W')");
}

TEST(OperandDtypeMismatch, Float16AgainstFloat32) {
  onnx::ModelProto m = Parse(R"(<ir_version: 8, opset_import: ["" : 17]>
g (float16[2] x, float[2] b) => (float16[2] y) { y = Add (x, b) })");
  ToInitializer(m, "b");
  auto f = Lint(m);
  ASSERT_THAT(Keys(f), ElementsAre("operand-dtype-mismatch@main#0:in1"));
  EXPECT_EQ(f[0].message,
            "Add #0: input A 'x' is float16 (graph input 'x') but input B 'b' is float "
            "(initializer 'b')");
}

TEST(OperandDtypeMismatch, CastUpstreamMakesTheActivationBfloat16) {
  onnx::ModelProto m = Parse(R"(<ir_version: 8, opset_import: ["" : 17]>
g (float[1,4] x, float[4,2] W) => (bfloat16[1,2] y) {
  h = Cast <to = 16> (x)
  a = Relu (h)
  y = MatMul (a, W)
})");
  ToInitializer(m, "W");
  m.mutable_graph()->mutable_node(0)->set_name("to_bf16");
  auto f = Lint(m);
  ASSERT_THAT(Keys(f), ElementsAre("operand-dtype-mismatch@main#2:in1"));
  EXPECT_EQ(f[0].message,
            "MatMul #2: input A 'a' is bfloat16 (output of Cast 'to_bf16' (to=bfloat16), via Relu #1) "
            "but input B 'W' is float (initializer 'W')");
}

TEST(OperandDtypeMismatch, ConcatWithOneOddInput) {
  onnx::ModelProto m = Parse(R"(<ir_version: 8, opset_import: ["" : 17]>
g (float[1,2] a, float[1,2] b, bfloat16[1,2] c, float[1,2] d) => (float[1,8] y) {
  y = Concat <axis = 1> (a, b, c, d)
})");
  auto f = Lint(m);
  ASSERT_THAT(Keys(f), ElementsAre("operand-dtype-mismatch@main#0:in2"));
  EXPECT_EQ(f[0].message,
            "Concat #0: input 0 'a' is float (graph input 'a') but input 2 'c' is bfloat16 "
            "(graph input 'c')");
}

TEST(OperandDtypeMismatch, LayerNormalizationScaleAndBias) {
  onnx::ModelProto m = Parse(R"(<ir_version: 8, opset_import: ["" : 17]>
g (float[2,4] x, bfloat16[4] gamma, bfloat16[4] beta) => (float[2,4] y) {
  y = LayerNormalization (x, gamma, beta)
})");
  ToInitializer(m, "gamma");
  ToInitializer(m, "beta");
  auto f = Lint(m);
  ASSERT_THAT(Keys(f), ElementsAre("operand-dtype-mismatch@main#0:in1", "operand-dtype-mismatch@main#0:in2"));
  EXPECT_EQ(f[0].message,
            "LayerNormalization #0: input X 'x' is float (graph input 'x') but input Scale 'gamma' "
            "is bfloat16 (initializer 'gamma')");
}

TEST(OperandDtypeMismatch, ConstantNodeWeight) {
  onnx::ModelProto m = Parse(R"(<ir_version: 8, opset_import: ["" : 17]>
g (float[2] x) => (float[2] y) {
  k = Constant <value = float[2] {1.0, 2.0}> ()
  y = Mul (x, k)
})");
  testing::SetConstantDtype(*m.mutable_graph(), "k", kBfloat16);
  auto f = Lint(m);
  ASSERT_THAT(Keys(f), ElementsAre("operand-dtype-mismatch@main#1:in1"));
  EXPECT_EQ(f[0].message, "Mul #1: input A 'x' is float (graph input 'x') but input B 'k' is bfloat16 (Constant #0)");
  EXPECT_EQ(f[0].fix->title, "widen 'k' to float (rewrite stored tensor)");
}

TEST(OperandDtypeMismatch, IfBranchReadingAnOuterValue) {
  onnx::ModelProto m = Parse(R"(<ir_version: 8, opset_import: ["" : 17]>
g (float[2] x, bfloat16[2] W, bool c) => (float[2] y) {
  y = If (c) <then_branch = t () => (float[2] o) { o = Add (x, W) },
              else_branch = e () => (float[2] o2) { o2 = Sub (x, x) }>
})");
  ToInitializer(m, "W");
  m.mutable_graph()->mutable_node(0)->set_name("branch");
  auto f = Lint(m);
  ASSERT_THAT(Keys(f), ElementsAre("operand-dtype-mismatch@main/branch(If).then_branch#0:in1"));
  EXPECT_EQ(f[0].message,
            "Add #0: input A 'x' is float (graph input 'x') but input B 'W' is bfloat16 "
            "(initializer 'W')");
  EXPECT_EQ(f[0].provenance[1].chain[0].graph, "main");  // the outer initializer
}

TEST(OperandDtypeMismatch, LoopBodyWithOuterWeightAndCarriedState) {
  onnx::ModelProto m = Parse(R"(<ir_version: 8, opset_import: ["" : 17]>
g (int64 n, bool c, float[2] v0, bfloat16[2] W) => (float[2] v) {
  v = Loop (n, c, v0) <body = b (int64 i, bool cond, float[2] acc) => (bool cond_out, float[2] acc_out) {
    cond_out = Identity (cond)
    acc_out = Mul (acc, W)
  }>
})");
  ToInitializer(m, "W");
  EXPECT_THAT(Keys(Lint(m)), ElementsAre("operand-dtype-mismatch@main/#0(Loop).body#1:in1"));
}

TEST(OperandDtypeMismatch, ModelLocalFunctionIsCheckedPerCallSite) {
  onnx::ModelProto m = Parse(R"(<ir_version: 8, opset_import: ["" : 17, "local" : 1]>
g (float[2,2] x, float[2,2] Wf, bfloat16[2,2] Wb) => (float[2,2] y, float[2,2] z) {
  y = local.Proj (x, Wf)
  z = local.Proj (x, Wb)
}
<domain: "local", opset_import: ["" : 17]>
Proj (a, w) => (r) {
  r = MatMul (a, w)
})");
  ToInitializer(m, "Wf");
  ToInitializer(m, "Wb");
  auto f = Lint(m);
  // Only the call that passes a bfloat16 weight is wrong.
  ASSERT_THAT(Keys(f), ElementsAre("operand-dtype-mismatch@main/#1(Proj).function#0:in1"));
  EXPECT_EQ(f[0].message,
            "MatMul #0: input A 'a' is float (graph input 'x') but input B 'w' is bfloat16 "
            "(initializer 'Wb')");
}

TEST(OperandDtypeMismatch, OmittedOptionalInputsAreSkipped) {
  onnx::ModelProto m = Parse(R"(<ir_version: 8, opset_import: ["" : 17]>
g (float[4] x, bfloat16 hi, float lo) => (float[4] y, float[4] z) {
  y = Clip (x, , hi)
  z = Clip (x, lo, )
})");
  auto f = Lint(m);
  ASSERT_THAT(Keys(f), ElementsAre("operand-dtype-mismatch@main#0:in2"));
  EXPECT_EQ(f[0].message,
            "Clip #0: input 0 'x' is float (graph input 'x') but input max 'hi' is bfloat16 "
            "(graph input 'hi')");
}

TEST(OperandDtypeMismatch, UnnamedNodesAreIdentifiedByIndex) {
  onnx::ModelProto m = Parse(R"(<ir_version: 8, opset_import: ["" : 17]>
g (float[2] x, bfloat16[2] b) => (float[2] y) {
  a = Relu (x)
  y = Add (a, b)
})");
  auto f = Lint(m);
  ASSERT_THAT(Keys(f), ElementsAre("operand-dtype-mismatch@main#1:in1"));
  EXPECT_EQ(f[0].location.node, "");
  EXPECT_EQ(f[0].location.node_index, 1);
  EXPECT_EQ(f[0].message.rfind("Add #1: ", 0), 0u);
}

TEST(OperandDtypeMismatch, UnknownTypesAreNeverGuessed) {
  onnx::ModelProto m = Parse(R"(<ir_version: 8, opset_import: ["" : 17, "custom" : 1]>
g (float[2] x, bfloat16[2] b) => (float[2] y) {
  u = custom.Opaque (b)
  y = Add (x, u)
})");
  EXPECT_THAT(Keys(Lint(m)), IsEmpty());
}

TEST(OperandDtypeMismatch, HeterogeneousVariadicsMayDiffer) {
  onnx::ModelProto m = Parse(R"(<ir_version: 8, opset_import: ["" : 17]>
g (int64 n, bool c, float[2] a0, int64[1] k0) => (float[2] a, int64[1] k) {
  a, k = Loop (n, c, a0, k0) <body = b (int64 i, bool cond, float[2] a_in, int64[1] k_in)
                                   => (bool cond_out, float[2] a_out, int64[1] k_out) {
    cond_out = Identity (cond)
    a_out = Identity (a_in)
    k_out = Identity (k_in)
  }>
})");
  EXPECT_THAT(Keys(Lint(m)), IsEmpty());
}

TEST(OperandDtypeMismatch, EveryConflictIsReportedWithoutCascades) {
  // Five blocks; blocks 1 and 3 hold bfloat16 weights. The activation stays float,
  // so later blocks are not blamed for an earlier block's weight.
  std::string body;
  std::string inputs = "float[1,4] x0";
  for (int i = 0; i < 5; ++i) {
    const std::string w = "W" + std::to_string(i);
    const std::string ty = (i == 1 || i == 3) ? "bfloat16" : "float";
    inputs += ", " + ty + "[4,4] " + w;
    body += "  h" + std::to_string(i) + " = MatMul (x" + std::to_string(i) + ", " + w + ")\n";
    body += "  x" + std::to_string(i + 1) + " = Relu (h" + std::to_string(i) + ")\n";
  }
  onnx::ModelProto m =
      Parse("<ir_version: 8, opset_import: [\"\" : 17]>\ng (" + inputs + ") => (float[1,4] x5) {\n" + body + "}");
  for (int i = 0; i < 5; ++i) ToInitializer(m, "W" + std::to_string(i));
  EXPECT_THAT(Keys(Lint(m)), ElementsAre("operand-dtype-mismatch@main#2:in1", "operand-dtype-mismatch@main#6:in1"));
}

TEST(OperandDtypeMismatch, DeepStackFlagsOnlyTheWrongBlock) {
  // 40 transformer-ish blocks (MatMul, Add bias, LayerNorm, Relu); block 27's bias is bfloat16.
  std::string inputs = "float[1,8] x0";
  std::string body;
  for (int i = 0; i < 40; ++i) {
    const std::string s = std::to_string(i);
    inputs += ", float[8,8] W" + s + ", " + (i == 27 ? "bfloat16" : "float") + "[8] b" + s + ", float[8] g" + s +
              ", float[8] e" + s;
    body += "  m" + s + " = MatMul (x" + s + ", W" + s + ")\n";
    body += "  a" + s + " = Add (m" + s + ", b" + s + ")\n";
    body += "  n" + s + " = LayerNormalization (a" + s + ", g" + s + ", e" + s + ")\n";
    body += "  x" + std::to_string(i + 1) + " = Relu (n" + s + ")\n";
  }
  onnx::ModelProto m =
      Parse("<ir_version: 8, opset_import: [\"\" : 17]>\ng (" + inputs + ") => (float[1,8] x40) {\n" + body + "}");
  for (int i = 0; i < 40; ++i) {
    for (const char* p : {"W", "b", "g", "e"}) ToInitializer(m, p + std::to_string(i));
  }
  auto f = Lint(m);
  ASSERT_THAT(Keys(f), ElementsAre("operand-dtype-mismatch@main#109:in1"));
  EXPECT_NE(f[0].message.find("'b27' is bfloat16 (initializer 'b27')"), std::string::npos) << f[0].message;
}

TEST(OperandDtypeMismatch, SameModelGivesIdenticalFindings) {
  onnx::ModelProto m = Parse(R"(<ir_version: 8, opset_import: ["" : 17]>
g (float[2] x, bfloat16[2] b, float16[2] c) => (float[2] y) {
  y = Sum (x, b, c, b)
})");
  auto a = Lint(m);
  auto b = Lint(m);
  ASSERT_THAT(Keys(a), ElementsAre("operand-dtype-mismatch@main#0:in1", "operand-dtype-mismatch@main#0:in2",
                                   "operand-dtype-mismatch@main#0:in3"));
  for (size_t i = 0; i < a.size(); ++i) EXPECT_EQ(a[i].message, b[i].message);
}

}  // namespace
}  // namespace onnxtidy
