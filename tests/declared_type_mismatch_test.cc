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

void Declare(onnx::GraphProto& g, const std::string& name, int32_t type) {
  auto* vi = g.add_value_info();
  vi->set_name(name);
  *vi->mutable_type() = TensorType(type);
}

TEST(DeclaredTypeMismatch, ValueInfoDisagreesWithProducer) {
  onnx::ModelProto m = Parse(R"(<ir_version: 8, opset_import: ["" : 17]>
g (float[2] x) => (bfloat16[2] y) {
  h = Cast <to = 16> (x)
  y = Relu (h)
})");
  m.mutable_graph()->mutable_node(0)->set_name("to_bf16");
  Declare(*m.mutable_graph(), "h", kFloat);
  auto f = Lint(m);
  ASSERT_THAT(Keys(f), ElementsAre("declared-type-mismatch@main#0:out0"));
  EXPECT_EQ(f[0].message,
            "value_info declares 'h' as float but Cast 'to_bf16' produces bfloat16 (output of Cast "
            "'to_bf16' (to=bfloat16))");
  EXPECT_EQ(f[0].fix->safety, FixSafety::kSafe);
}

TEST(DeclaredTypeMismatch, GraphOutputDeclaredOtherwise) {
  onnx::ModelProto m = Parse(R"(<ir_version: 8, opset_import: ["" : 17]>
g (float[2] x) => (float[2] y) { y = Cast <to = 10> (x) })");
  auto f = Lint(m);
  ASSERT_THAT(Keys(f), ElementsAre("declared-type-mismatch@main#0:out0"));
  EXPECT_EQ(f[0].message, "graph output 'y' is declared float but is float16 (output of Cast #0 (to=float16))");
}

TEST(DeclaredTypeMismatch, InitializerDefaultOfAnotherType) {
  // IR 3 style: the weight is a graph input with an initializer of the same name.
  onnx::ModelProto m = Parse(R"(<ir_version: 3, opset_import: ["" : 9]>
g (float[2] x, float[2] W) => (float[2] y) { y = Add (x, W) })");
  auto* init = m.mutable_graph()->add_initializer();
  init->set_name("W");
  init->set_data_type(kBfloat16);
  init->add_dims(2);
  init->set_raw_data(std::string(4, '\0'));
  auto f = Lint(m);
  ASSERT_THAT(Keys(f), ElementsAre("declared-type-mismatch@main#-1"));
  EXPECT_EQ(f[0].message, "graph input 'W' is declared float but its initializer holds bfloat16");
  EXPECT_EQ(f[0].location.value, "W");
}

TEST(DeclaredTypeMismatch, IfBranchOutputDeclaredOtherwise) {
  onnx::ModelProto m = Parse(R"(<ir_version: 8, opset_import: ["" : 17]>
g (float[2] x, bool c) => (float[2] y) {
  y = If (c) <then_branch = t () => (float[2] o) { o = Cast <to = 16> (x) },
              else_branch = e () => (float[2] o2) { o2 = Identity (x) }>
})");
  // The branch's bfloat16 also reaches the If's output, which the main graph declares float.
  auto keys = Keys(Lint(m));
  EXPECT_THAT(
      keys, ElementsAre("declared-type-mismatch@main#0:out0", "declared-type-mismatch@main/#0(If).then_branch#0:out0"));
}

TEST(DeclaredTypeMismatch, NegativeConsistentDeclarationsHaveNoFindingFromAnyRule) {
  onnx::ModelProto m = Parse(R"(<ir_version: 8, opset_import: ["" : 17, "custom" : 1]>
g (float[2] x) => (float[2] y) {
  h = Relu (x)
  u = custom.Opaque (x)
  y = Add (h, x)
})");
  Declare(*m.mutable_graph(), "h", kFloat);
  Declare(*m.mutable_graph(), "u", kBfloat16);  // the only source of u's type: nothing to compare
  auto f = LintAll(m);
  // unchecked-op notes the custom op; nothing else may fire.
  EXPECT_THAT(Keys(f), ElementsAre("unchecked-op@main#1"));
}

TEST(DeclaredTypeMismatch, NotEchoedDownstreamOfAnOperandConflict) {
  // The MatMul's operands disagree; its output's type is the conflict policy's pick, so
  // the float output declaration is not judged against it (fixing the conflict decides).
  onnx::ModelProto m = Parse(R"(<ir_version: 8, opset_import: ["" : 17]>
g (float[2,2] x, float[2,2] w) => (float[2,2] y) {
  c = Cast <to = 16> (x)
  h = MatMul (c, w)
  y = Relu (h)
})");
  EXPECT_THAT(Keys(Lint(m)), ElementsAre("operand-dtype-mismatch@main#1:in1"));
}

TEST(DeclaredTypeMismatch, ShapesAreNotItsBusiness) {
  onnx::ModelProto m = Parse(R"(<ir_version: 8, opset_import: ["" : 17]>
g (float[2] x) => (float[7] y) { y = Relu (x) })");
  EXPECT_THAT(Keys(Lint(m)), IsEmpty());
}

}  // namespace
}  // namespace onnxtidy
