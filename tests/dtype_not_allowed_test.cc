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

TEST(DtypeNotAllowed, MatMul9HasNoBfloat16ButMatMul13Does) {
  const std::string graph = R"(g (bfloat16[2,2] x, bfloat16[2,2] w) => (bfloat16[2,2] y) { y = MatMul (x, w) })";
  auto old = Lint(Parse("<ir_version: 7, opset_import: [\"\" : 11]>\n" + graph));
  ASSERT_THAT(Keys(old), ElementsAre("dtype-not-allowed@main#0:in0", "dtype-not-allowed@main#0:in1"));
  EXPECT_EQ(old[0].message,
            "MatMul #0: input A 'x' is bfloat16 (graph input 'x'), which MatMul-9 does not allow "
            "(opset 11)");
  EXPECT_THAT(old[0].notes, ElementsAre(::testing::HasSubstr("MatMul-9 allows T in {tensor(double), tensor(float), "),
                                        "MatMul-13 allows tensor(bfloat16): opset 13 or later would accept it"));
  EXPECT_THAT(Keys(Lint(Parse("<ir_version: 8, opset_import: [\"\" : 13]>\n" + graph))), IsEmpty());
}

TEST(DtypeNotAllowed, PowExponentBfloat16OnlyFromOpset15) {
  // PyTorch 1.13 exported this at opsets 13/14; onnxruntime refuses it.
  const std::string graph = R"(g (float[2] x, bfloat16 e) => (float[2] y) { y = Pow (x, e) })";
  for (int opset : {13, 14}) {
    auto f = Lint(Parse("<ir_version: 8, opset_import: [\"\" : " + std::to_string(opset) + "]>\n" + graph));
    ASSERT_THAT(Keys(f), ElementsAre("dtype-not-allowed@main#0:in1")) << opset;
    EXPECT_NE(f[0].message.find("which Pow-13 does not allow"), std::string::npos) << f[0].message;
  }
  EXPECT_THAT(Keys(Lint(Parse("<ir_version: 8, opset_import: [\"\" : 15]>\n" + graph))), IsEmpty());
}

TEST(DtypeNotAllowed, ConstantOutputTypeAtOldOpset) {
  onnx::ModelProto m = Parse(R"(<ir_version: 3, opset_import: ["" : 6]>
g (int64[1] x) => (int64[1] y) {
  k = Constant <value = int64[1] {1}> ()
  y = Add (x, k)
})");
  auto f = Lint(m);
  // Constant-1 allows only float types; Add-6 allows int64.
  ASSERT_THAT(Keys(f), ElementsAre("dtype-not-allowed@main#0:out0"));
  EXPECT_NE(f[0].message.find("which Constant-1 does not allow (opset 6)"), std::string::npos) << f[0].message;
}

TEST(DtypeNotAllowed, InsideIfBranchesAndFunctions) {
  onnx::ModelProto m = Parse(R"(<ir_version: 7, opset_import: ["" : 11, "local" : 1]>
g (bfloat16[2,2] x, bool c) => (bfloat16[2,2] y, bfloat16[2,2] z) {
  y = If (c) <then_branch = t () => (bfloat16[2,2] o) { o = MatMul (x, x) },
              else_branch = e () => (bfloat16[2,2] o2) { o2 = Identity (x) }>
  z = local.Sq (x)
}
<domain: "local", opset_import: ["" : 11]>
Sq (a) => (r) {
  r = MatMul (a, a)
})");
  EXPECT_THAT(
      Keys(Lint(m)),
      // Identity-1 predates bfloat16 too (Identity-13 added it).
      ElementsAre("dtype-not-allowed@main/#0(If).else_branch#0:in0", "dtype-not-allowed@main/#0(If).then_branch#0:in0",
                  "dtype-not-allowed@main/#0(If).then_branch#0:in1", "dtype-not-allowed@main/#1(Sq).function#0:in0",
                  "dtype-not-allowed@main/#1(Sq).function#0:in1"));
}

TEST(DtypeNotAllowed, OpsetsNewerThanKnownAreNotJudgedByOldTypeLists) {
  // Cast-19 accepts float8; onnx 1.12 knows only Cast-13. Operand checks still run.
  onnx::ModelProto m = Parse(R"(<ir_version: 9, opset_import: ["" : 19]>
g (float[2] x, bfloat16[2] b) => (float[2] y) {
  q = Cast <to = 17> (x)
  y = Add (x, b)
})");
  EXPECT_THAT(Keys(Lint(m)), ElementsAre("operand-dtype-mismatch@main#1:in1"));
}

TEST(DtypeNotAllowed, UnknownOpsAndTypesAreNotChecked) {
  onnx::ModelProto m = Parse(R"(<ir_version: 8, opset_import: ["" : 17, "com.microsoft" : 1]>
g (bfloat16[2] x) => (float[2] y) {
  u = com.microsoft.FusedThing (x)
  y = Relu (u)
})");
  EXPECT_THAT(Keys(Lint(m)), IsEmpty());
}

}  // namespace
}  // namespace onnxtidy
