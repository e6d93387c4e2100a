// schema-violation: nodes that break their op's schema, or whose type onnx's inference
// refuses, where no more specific rule explains it.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "rules/registry.h"
#include "tests/test_util.h"

namespace onnxtidy {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using testing::Keys;
using testing::Parse;

std::vector<Finding> Rule(const onnx::ModelProto& m) { return LintModel(m, "", {&SchemaViolation()}).findings; }

TEST(SchemaViolation, AttributesAndArity) {
  auto f = Rule(Parse(R"(<ir_version: 8, opset_import: ["" : 17]>
g (float[2] x) => (float[2] a, float[2] b, float[2] c) {
  a = Cast (x)
  b = Relu (x, x)
  c = Relu <alpha = 0.5> (x)
})"));
  ASSERT_THAT(Keys(f), ElementsAre("schema-violation@main#0", "schema-violation@main#1", "schema-violation@main#2"));
  EXPECT_EQ(f[0].message, "Cast #0 does not match Cast-13: Required attribute 'to' is missing.");
  EXPECT_THAT(f[1].message, HasSubstr("has input size 2 not in range [min=1, max=1]"));
  EXPECT_THAT(f[2].message, HasSubstr("Unrecognized attribute: alpha for operator Relu"));
  EXPECT_FALSE(f[0].fix.has_value());
}

TEST(SchemaViolation, TypeInferenceAcrossTwoTypeParameters) {
  auto f = Rule(Parse(R"(<ir_version: 8, opset_import: ["" : 17]>
g (int32[2] t) => (s2) {
  s = SequenceEmpty <dtype = 1> ()
  s2 = SequenceInsert (s, t)
})"));
  ASSERT_THAT(Keys(f), ElementsAre("schema-violation@main#1"));
  EXPECT_THAT(f[0].message, HasSubstr("SequenceInsert #1: onnx's type inference for SequenceInsert-11 fails: "
                                      "[TypeInferenceError] Input Sequence and Tensor are expected to have the same"));
}

TEST(SchemaViolation, InsideBodiesAndFunctionsWithTheirPaths) {
  auto f = Rule(Parse(R"(<ir_version: 8, opset_import: ["" : 17, "local" : 1]>
g (bool c, float[2] x) => (float[2] y, float[2] z) {
  y = If (c) <then_branch = t () => (float[2] a) { a = Relu (x, x) },
              else_branch = e () => (float[2] b) { b = Neg (x) }>
  z = local.F (x)
}
<domain: "local", opset_import: ["" : 17]>
F (v) => (w) { w = Cast (v) })"));
  EXPECT_THAT(Keys(f),
              ElementsAre("schema-violation@main/#0(If).then_branch#0", "schema-violation@main/#1(F).function#0"));
}

TEST(SchemaViolation, NegativeValidNewerAndUnknownOps) {
  // A valid model; an op of an opset newer than onnx 1.12 knows (ReduceMean-18 takes
  // axes as an input); a custom op. None is judged against a schema it may not follow.
  EXPECT_THAT(Keys(testing::LintAll(Parse(R"(<ir_version: 8, opset_import: ["" : 17]>
g (float[2,3] x) => (float[2] y) { y = ReduceMean <axes = [1], keepdims = 0> (x) })"))),
              IsEmpty());
  EXPECT_THAT(Keys(Rule(Parse(R"(<ir_version: 8, opset_import: ["" : 18, "custom" : 1]>
g (float[2,3] x, int64[1] axes) => (float[2] y, float[2,3] z) {
  y = ReduceMean <keepdims = 0> (x, axes)
  z = custom.Thing <whatever = 1> (x, x, x)
})"))),
              IsEmpty());
}

TEST(SchemaViolation, AJoinThatDisagreesIsControlFlowDtypeMismatchsAlone) {
  // onnx's If inference throws "Mismatched tensor element type" here.
  auto f = LintModel(Parse(R"(<ir_version: 8, opset_import: ["" : 17]>
g (bool c, float[2] x, bfloat16[2] y) => (float[2] z) {
  z = If (c) <then_branch = t () => (float[2] a) { a = Identity (x) },
              else_branch = e () => (bfloat16[2] b) { b = Identity (y) }>
})"),
                     "", {&SchemaViolation(), &ControlFlowDtypeMismatch()})
               .findings;
  EXPECT_THAT(Keys(f), ElementsAre("control-flow-dtype-mismatch@main#0:out0"));
}

}  // namespace
}  // namespace onnxtidy
