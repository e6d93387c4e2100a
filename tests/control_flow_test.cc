// control-flow-dtype-mismatch and its fix: If branches, Loop/Scan states and Scan inputs
// that must share one type.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "fixers/fixer.h"
#include "lint/dtype.h"
#include "rules/registry.h"
#include "tests/test_util.h"

namespace onnxtidy {
namespace {

using ::testing::ElementsAre;
using testing::FixClean;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using testing::Keys;
using testing::Lint;
using testing::Parse;

std::vector<Finding> Rule(const onnx::ModelProto& m) {
  return LintModel(m, "", {&ControlFlowDtypeMismatch()}).findings;
}

constexpr const char* kIf = R"(<ir_version: 8, opset_import: ["" : 17]>
g (bool c, float[2] x, bfloat16[2] y) => (float[2] z) {
  z = If (c) <
    then_branch = t () => (float[2] a) { a = Identity (x) },
    else_branch = e () => (bfloat16[2] b) { b = Identity (y) }
  >
})";

TEST(ControlFlowDtypeMismatch, IfBranchesThatDisagree) {
  auto f = Rule(Parse(kIf));
  ASSERT_THAT(Keys(f), ElementsAre("control-flow-dtype-mismatch@main#0:out0"));
  EXPECT_EQ(f[0].message,
            "If #0 output 0 must have one type: then_branch output 0 is float (graph input 'x', via Identity #0), "
            "else_branch output 0 is bfloat16 (graph input 'y', via Identity #0)");
  ASSERT_EQ(f[0].provenance.size(), 2u);
  EXPECT_EQ(f[0].provenance[1].chain.back().how, "graph input 'y'");
  ASSERT_TRUE(f[0].fix.has_value());
  EXPECT_EQ(f[0].fix->safety, FixSafety::kSafe);
  EXPECT_EQ(f[0].fix->title, "widen else_branch output 0 to float (insert a Cast)");
}

TEST(ControlFlowDtypeMismatch, NegativeBranchesAndStatesThatAgree) {
  EXPECT_THAT(Keys(testing::LintAll(Parse(R"(<ir_version: 8, opset_import: ["" : 17]>
g (bool c, float[2] x, int64 n) => (float[2] z, float[2] v) {
  z = If (c) <
    then_branch = t () => (float[2] a) { a = Identity (x) },
    else_branch = e () => (float[2] b) { b = Neg (x) }
  >
  v = Loop (n, c, x) <
    body = body (int64 i, bool ci, float[2] s) => (bool co, float[2] sn) { co = Identity (ci)  sn = Neg (s) }
  >
})"))),
              IsEmpty());
}

TEST(ControlFlowDtypeMismatch, LoopBodyReturnsAnotherTypeThanItsInitialValue) {
  auto f = Rule(Parse(R"(<ir_version: 8, opset_import: ["" : 17]>
g (int64 n, bool c, float[2] v0, bfloat16[2] w) => (float[2] vout) {
  vout = Loop (n, c, v0) <
    body = b (int64 i, bool ci, float[2] v) => (bool co, bfloat16[2] vn) { co = Identity (ci)  vn = Identity (w) }
  >
})"));
  ASSERT_THAT(Keys(f), ElementsAre("control-flow-dtype-mismatch@main#0:out0"));
  EXPECT_THAT(f[0].message, HasSubstr("Loop #0 loop-carried value 0 ('v0') must have one type: initial value is "
                                      "float (graph input 'v0'), body input 2 is float (declared), body output 1 is "
                                      "bfloat16"));
  EXPECT_EQ(f[0].fix->title, "widen body output 1 to float (insert a Cast)");
}

TEST(ControlFlowDtypeMismatch, ABodyInputDeclaredOtherwiseThanItsInitialValue) {
  auto f = Rule(Parse(R"(<ir_version: 8, opset_import: ["" : 17]>
g (int64 n, bool c, float[2] v0) => (float[2] vout) {
  vout = Loop (n, c, v0) <
    body = b (int64 i, bool ci, bfloat16[2] v) => (bool co, bfloat16[2] vn) { co = Identity (ci)  vn = Neg (v) }
  >
})"));
  ASSERT_THAT(Keys(f), ElementsAre("control-flow-dtype-mismatch@main#0:out0"));
  EXPECT_EQ(f[0].fix->title, "widen body input 2, body output 1 to float (insert a Cast)");
}

TEST(ControlFlowDtypeMismatch, ScanStatesAndScannedInputs) {
  auto f = Rule(Parse(R"(<ir_version: 8, opset_import: ["" : 17]>
g (float[2] s0, float[3,2] xs) => (float[2] s, bfloat16[3,2] ys) {
  s, ys = Scan <num_scan_inputs = 1, body = b (bfloat16[2] st, bfloat16[2] x) => (bfloat16[2] stn, bfloat16[2] y) {
    stn = Add (st, x)
    y = Identity (x)
  }> (s0, xs)
})"));
  EXPECT_THAT(Keys(f),
              ElementsAre("control-flow-dtype-mismatch@main#0:out0", "control-flow-dtype-mismatch@main#0:in1"));
  EXPECT_THAT(f[0].message, HasSubstr("Scan #0 state 0 ('s0') must have one type: initial value is float"));
  EXPECT_THAT(f[1].message, HasSubstr("Scan #0 scan input 0 ('xs') must have one type: scanned tensor is float"));
}

TEST(ControlFlowDtypeMismatch, InsideAFunctionAndANamedNode) {
  auto f = Rule(Parse(R"(<ir_version: 8, opset_import: ["" : 17, "local" : 1]>
g (bool c, float[2] x, bfloat16[2] y) => (float[2] z) { z = local.Pick (c, x, y) }
<domain: "local", opset_import: ["" : 17]>
Pick (c, x, y) => (z) {
  z = If (c) <then_branch = t () => (float[2] a) { a = Identity (x) },
              else_branch = e () => (bfloat16[2] b) { b = Identity (y) }>
})"));
  ASSERT_THAT(Keys(f), ElementsAre("control-flow-dtype-mismatch@main/#0(Pick).function#0:out0"));
}

TEST(ControlFlowDtypeMismatch, UnknownTypesAreNotGuessed) {
  // The else branch's value comes from an op nobody knows: its type is unknown.
  EXPECT_THAT(Keys(Rule(Parse(R"(<ir_version: 8, opset_import: ["" : 17, "custom" : 1]>
g (bool c, float[2] x) => (float[2] z) {
  z = If (c) <then_branch = t () => (float[2] a) { a = Identity (x) },
              else_branch = e () => (b) { b = custom.Thing (x) }>
})"))),
              IsEmpty());
}

TEST(ControlFlowDtypeMismatch, NoExactWideningIsOnlyDescribed) {
  auto f = Rule(Parse(R"(<ir_version: 8, opset_import: ["" : 17]>
g (bool c, float[2] x, int64[2] k) => (float[2] z) {
  z = If (c) <then_branch = t () => (float[2] a) { a = Identity (x) },
              else_branch = e () => (int64[2] b) { b = Identity (k) }>
})"));
  ASSERT_EQ(f.size(), 1u);
  EXPECT_EQ(f[0].fix->safety, FixSafety::kDisplayOnly);
}

TEST(ControlFlowDtypeMismatchFix, TheNarrowBranchReturnsACast) {
  onnx::ModelProto m = Parse(kIf);
  FixResult r = FixClean(m);
  ASSERT_EQ(r.applied.size(), 1u);
  EXPECT_EQ(r.applied[0].rule, "control-flow-dtype-mismatch");
  const onnx::GraphProto& e = m.graph().node(0).attribute(1).g();
  ASSERT_EQ(e.node_size(), 2);
  EXPECT_EQ(e.node(1).op_type(), "Cast");
  EXPECT_EQ(e.output(0).name(), e.node(1).output(0));
  EXPECT_EQ(e.output(0).type().tensor_type().elem_type(), kFloat);
}

TEST(ControlFlowDtypeMismatchFix, ANarrowInitialValueIsCastBeforeTheLoop) {
  onnx::ModelProto m = Parse(R"(<ir_version: 8, opset_import: ["" : 17]>
g (int64 n, bool c, bfloat16[2] v0, float[2] w) => (float[2] vout) {
  vout = Loop (n, c, v0) <
    body = b (int64 i, bool ci, v) => (bool co, float[2] vn) { co = Identity (ci)  vn = Identity (w) }
  >
})");
  FixClean(m);
  ASSERT_EQ(m.graph().node_size(), 2);
  EXPECT_EQ(m.graph().node(0).op_type(), "Cast");
  EXPECT_EQ(m.graph().node(1).input(2), m.graph().node(0).output(0));
}

TEST(ControlFlowDtypeMismatchFix, ABodyInputDeclarationAndTheBodyOutputAreWidened) {
  onnx::ModelProto m = Parse(R"(<ir_version: 8, opset_import: ["" : 17]>
g (int64 n, bool c, float[2] v0) => (float[2] vout) {
  vout = Loop (n, c, v0) <
    body = b (int64 i, bool ci, bfloat16[2] v) => (bool co, bfloat16[2] vn) { co = Identity (ci)  vn = Neg (v) }
  >
})");
  FixClean(m);
  const onnx::GraphProto& body = m.graph().node(0).attribute(0).g();
  EXPECT_EQ(body.input(2).type().tensor_type().elem_type(), kFloat);
  EXPECT_EQ(body.output(1).type().tensor_type().elem_type(), kFloat);
  // Neg now reads a float input and returns float: no Cast is needed.
  for (const auto& n : body.node()) EXPECT_NE(n.op_type(), "Cast");
}

TEST(ControlFlowDtypeMismatchFix, ScanStateAndInputAreFixedTogether) {
  onnx::ModelProto m = Parse(R"(<ir_version: 8, opset_import: ["" : 17]>
g (float[2] s0, float[3,2] xs) => (float[2] s, float[3,2] ys) {
  s, ys = Scan <num_scan_inputs = 1, body = b (bfloat16[2] st, bfloat16[2] x) => (bfloat16[2] stn, bfloat16[2] y) {
    stn = Add (st, x)
    y = Identity (x)
  }> (s0, xs)
})");
  FixClean(m);
  EXPECT_THAT(Keys(Lint(m)), IsEmpty());
  const onnx::GraphProto& body = m.graph().node(0).attribute(0).g();
  for (const auto& n : body.node()) EXPECT_NE(n.op_type(), "Cast");
  // The scan output's declaration in the main graph follows (declared-type-mismatch's fix).
  EXPECT_EQ(m.graph().output(1).type().tensor_type().elem_type(), kFloat);
}

TEST(ControlFlowDtypeMismatchFix, AnOutputThatStaysNarrowIsCastInALaterPass) {
  onnx::ModelProto m = Parse(R"(<ir_version: 8, opset_import: ["" : 17]>
g (int64 n, bool c, float[2] v0, bfloat16[2] w) => (float[2] vout) {
  vout = Loop (n, c, v0) <
    body = b (int64 i, bool ci, bfloat16[2] v) => (bool co, bfloat16[2] vn) { co = Identity (ci)  vn = Identity (w) }
  >
})");
  FixClean(m);
  const onnx::GraphProto& body = m.graph().node(0).attribute(0).g();
  EXPECT_EQ(body.input(2).type().tensor_type().elem_type(), kFloat);
  ASSERT_EQ(body.node_size(), 3);
  EXPECT_EQ(body.node(2).op_type(), "Cast");
  EXPECT_EQ(body.output(1).name(), body.node(2).output(0));
}

TEST(ControlFlowDtypeMismatchFix, ASharedFunctionBodyIsDeclined) {
  onnx::ModelProto m = Parse(R"(<ir_version: 8, opset_import: ["" : 17, "local" : 1]>
g (bool c, float[2] x, bfloat16[2] y) => (float[2] z, float[2] z2) {
  z = local.Pick (c, x, y)
  z2 = local.Pick (c, x, y)
}
<domain: "local", opset_import: ["" : 17]>
Pick (c, x, y) => (z) {
  z = If (c) <then_branch = t () => (float[2] a) { a = Identity (x) },
              else_branch = e () => (bfloat16[2] b) { b = Identity (y) }>
})");
  FixResult r = FixModel(m, {});
  ASSERT_EQ(r.declined.size(), 2u);
  EXPECT_THAT(r.declined[0].reason, HasSubstr("inside model-local function 'Pick'"));
  EXPECT_THAT(r.edits, IsEmpty());
}

}  // namespace
}  // namespace onnxtidy
