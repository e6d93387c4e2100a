// redundant-cast and lossy-cast-round-trip, side by side: they split the Cast pairs.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/test_util.h"

namespace onnxtidy {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using testing::Keys;
using testing::Lint;
using testing::LintAll;
using testing::Parse;

TEST(RedundantCast, SameTypeCastIsSafeToRemove) {
  onnx::ModelProto m = Parse(R"(<ir_version: 8, opset_import: ["" : 17]>
g (float[2] x) => (float[2] y) {
  c = Cast <to = 1> (x)
  y = Relu (c)
})");
  auto f = Lint(m);
  ASSERT_THAT(Keys(f), ElementsAre("redundant-cast@main#0:in0"));
  EXPECT_EQ(f[0].severity, Severity::kWarning);
  EXPECT_EQ(f[0].message, "Cast #0: 'x' is already float; the Cast does nothing");
  EXPECT_EQ(f[0].fix->safety, FixSafety::kSafe);
}

TEST(RedundantCast, ACastFeedingTheGraphOutputIsOnlyDescribed) {
  onnx::ModelProto m = Parse(R"(<ir_version: 8, opset_import: ["" : 17]>
g (float[2] x) => (float[2] y) { y = Cast <to = 1> (x) })");
  auto f = Lint(m);
  ASSERT_THAT(Keys(f), ElementsAre("redundant-cast@main#0:in0"));
  EXPECT_EQ(f[0].fix->safety, FixSafety::kDisplayOnly);
  EXPECT_EQ(f[0].fix->reason, "its output 'y' is a graph output");
}

TEST(RedundantCast, ACastReadByASubgraphIsOnlyDescribed) {
  onnx::ModelProto m = Parse(R"(<ir_version: 8, opset_import: ["" : 17]>
g (float[2] x, bool b) => (float[2] y) {
  c = Cast <to = 1> (x)
  y = If (b) <then_branch = t () => (float[2] o) { o = Relu (c) },
              else_branch = e () => (float[2] o2) { o2 = Neg (c) }>
})");
  auto f = Lint(m);
  ASSERT_THAT(Keys(f), ElementsAre("redundant-cast@main#0:in0"));
  EXPECT_EQ(f[0].fix->reason, "its output 'c' is read by a subgraph");
}

TEST(RedundantCast, ExactWidenAndBackIsANoOp) {
  onnx::ModelProto m = Parse(R"(<ir_version: 8, opset_import: ["" : 17]>
g (float16[2] x) => (float16[2] y) {
  w = Cast <to = 1> (x)
  n = Cast <to = 10> (w)
  y = Relu (n)
})");
  m.mutable_graph()->mutable_node(0)->set_name("up");
  auto f = Lint(m);
  ASSERT_THAT(Keys(f), ElementsAre("redundant-cast@main#1:in0"));
  EXPECT_EQ(f[0].message,
            "Cast #1: casts back to float16 what Cast 'up' widened from float16 to float; the pair is "
            "a no-op");
}

TEST(LossyCastRoundTrip, NarrowingRoundTripsAreWarnedNeverRemoved) {
  for (const char* narrow : {"10", "16"}) {  // float16, bfloat16
    onnx::ModelProto m = Parse(std::string(R"(<ir_version: 8, opset_import: ["" : 17]>
g (float[2] x) => (float[2] y) {
  n = Cast <to = )") + narrow + R"(> (x)
  w = Cast <to = 1> (n)
  y = Relu (w)
})");
    auto f = Lint(m);
    ASSERT_THAT(Keys(f), ElementsAre("lossy-cast-round-trip@main#1:in0")) << narrow;
    EXPECT_THAT(f[0].message, HasSubstr("the round trip loses precision"));
    EXPECT_THAT(f[0].notes[0], HasSubstr("significant bits"));
    EXPECT_EQ(f[0].fix->safety, FixSafety::kDisplayOnly);
  }
}

TEST(LossyCastRoundTrip, IntegerNarrowingToo) {
  onnx::ModelProto m = Parse(R"(<ir_version: 8, opset_import: ["" : 17]>
g (int64[2] x) => (int64[2] y) {
  n = Cast <to = 6> (x)
  y = Cast <to = 7> (n)
})");
  EXPECT_THAT(Keys(Lint(m)), ElementsAre("lossy-cast-round-trip@main#1:in0"));
}

TEST(LossyCastRoundTrip, InsideALoopBody) {
  onnx::ModelProto m = Parse(R"(<ir_version: 8, opset_import: ["" : 17]>
g (int64 n, bool c, float[2] v0) => (float[2] v) {
  v = Loop (n, c, v0) <body = b (int64 i, bool cond, float[2] a) => (bool co, float[2] a2) {
    co = Identity (cond)
    h = Cast <to = 10> (a)
    a2 = Cast <to = 1> (h)
  }>
})");
  EXPECT_THAT(Keys(Lint(m)), ElementsAre("lossy-cast-round-trip@main/#0(Loop).body#2:in0"));
}

TEST(CastRules, NegativeOneWayCastsAndUnknownInputs) {
  onnx::ModelProto m = Parse(R"(<ir_version: 8, opset_import: ["" : 17, "custom" : 1]>
g (float[2] x) => (double[2] y, float[2] z) {
  y = Cast <to = 11> (x)
  u = custom.Opaque (x)
  z = Cast <to = 1> (u)
})");
  EXPECT_THAT(Keys(LintAll(m)), ElementsAre("unchecked-op@main#1"));
}

}  // namespace
}  // namespace onnxtidy
