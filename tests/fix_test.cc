// onnx-tidy fix, in process: what each fixer decides, that the result verifies, and that
// a second run changes nothing.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>

#include "fixers/fixer.h"
#include "lint/dtype.h"
#include "rules/registry.h"
#include "tests/test_util.h"

namespace onnxtidy {
namespace {

using ::testing::Contains;
using ::testing::ElementsAre;
using testing::FixClean;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using testing::Keys;
using testing::Lint;
using testing::Parse;
using testing::ToInitializer;

const onnx::TensorProto* Initializer(const onnx::GraphProto& g, const std::string& name) {
  for (const auto& t : g.initializer()) {
    if (t.name() == name) return &t;
  }
  return nullptr;
}

std::vector<std::string> Ops(const onnx::GraphProto& g) {
  std::vector<std::string> out;
  for (const auto& n : g.node()) out.push_back(n.op_type());
  return out;
}

TEST(Fix, NarrowWeightIsRewrittenInPlace) {
  onnx::ModelProto m = Parse(R"(<ir_version: 8, opset_import: ["" : 17]>
g (float[1,4] x, bfloat16[4,2] W) => (float[1,2] y) { y = MatMul (x, W) })");
  ToInitializer(m, "W");
  FixResult r = FixClean(m);
  ASSERT_EQ(r.applied.size(), 1u);
  EXPECT_EQ(r.applied[0].rule, "operand-dtype-mismatch");
  EXPECT_EQ(Initializer(m.graph(), "W")->data_type(), kFloat);
  EXPECT_THAT(Ops(m.graph()), ElementsAre("MatMul"));  // no Cast needed
}

TEST(Fix, SharedWeightIsDuplicatedNotRetypedUnderAnotherConsumer) {
  onnx::ModelProto m = Parse(R"(<ir_version: 8, opset_import: ["" : 17]>
g (float[2,2] x, float16[2,2] xh, float16[2,2] W) => (float[2,2] y, float16[2,2] z) {
  y = MatMul (x, W)
  z = Add (xh, W)
})");
  ToInitializer(m, "W");
  FixClean(m);
  EXPECT_EQ(Initializer(m.graph(), "W")->data_type(), kFloat16);
  const onnx::TensorProto* copy = Initializer(m.graph(), "W_float");
  ASSERT_NE(copy, nullptr);
  EXPECT_EQ(copy->data_type(), kFloat);
  EXPECT_EQ(m.graph().node(0).input(1), "W_float");
  EXPECT_EQ(m.graph().node(1).input(1), "W");
}

TEST(Fix, OneCastPerActivationSharedAcrossSubgraphsAndCallSites) {
  onnx::ModelProto m = Parse(R"(<ir_version: 8, opset_import: ["" : 17, "local" : 1]>
g (float[2,2] x, bfloat16[2,2] b, bool c) => (float[2,2] y, float[2,2] z, float[2,2] w) {
  y = Add (x, b)
  z = local.Proj (x, b)
  w = If (c) <then_branch = t () => (float[2,2] o) { o = MatMul (x, b) },
              else_branch = e () => (float[2,2] o2) { o2 = Identity (x) }>
}
<domain: "local", opset_import: ["" : 17]>
Proj (a, v) => (r) {
  r = MatMul (a, v)
})");
  FixResult r = FixClean(m);
  EXPECT_EQ(r.applied.size(), 3u);
  EXPECT_EQ(m.graph().node(0).op_type(), "Cast");  // b is a graph input: first in the graph
  EXPECT_EQ(m.graph().node(0).output(0), "b_float");
  int casts = 0;
  for (const auto& n : m.graph().node()) casts += n.op_type() == "Cast";
  EXPECT_EQ(casts, 1);
  EXPECT_EQ(m.graph().node(1).input(1), "b_float");
  EXPECT_EQ(m.graph().node(2).input(1), "b_float");                           // the call site
  EXPECT_EQ(m.graph().node(3).attribute(0).g().node(0).input(1), "b_float");  // inside the branch
  EXPECT_EQ(m.functions(0).node(0).input(1), "v");                            // the body is untouched
}

TEST(Fix, CastGoesRightAfterTheProducer) {
  onnx::ModelProto m = Parse(R"(<ir_version: 8, opset_import: ["" : 17]>
g (float[2,2] x, float[2,2] W) => (float[2,2] y) {
  r = Relu (x)
  h = Cast <to = 10> (r)
  n = Neg (x)
  y = MatMul (h, W)
})");
  ToInitializer(m, "W");
  FixClean(m);
  EXPECT_THAT(Ops(m.graph()), ElementsAre("Relu", "Cast", "Cast", "Neg", "MatMul"));
  EXPECT_EQ(m.graph().node(2).input(0), "h");
}

TEST(Fix, ConstantWeightAtOpset9IsRewrittenBecauseCastCannotCarryBfloat16) {
  onnx::ModelProto m = Parse(R"(<ir_version: 4, opset_import: ["" : 9]>
g (float[1,2] x) => (float[1,2] y) {
  k = Constant <value = float[2,2] {1.0, 2.0, 3.0, 4.0}> ()
  y = MatMul (x, k)
})");
  testing::SetConstantDtype(*m.mutable_graph(), "k", kBfloat16);
  FixClean(m);
  EXPECT_EQ(m.graph().node(0).attribute(0).t().data_type(), kFloat);
  EXPECT_THAT(Ops(m.graph()), ElementsAre("Constant", "MatMul"));
}

TEST(Fix, OneWideningAnswersEveryFindingThatAsksForIt) {
  // Gemm's B and C both disagree with A: one Cast of A fixes both findings.
  onnx::ModelProto m = Parse(R"(<ir_version: 8, opset_import: ["" : 17]>
g (float[2,2] x, float[2,2] W, float[2] c) => (float[2,2] y) {
  h = Cast <to = 16> (x)
  y = Gemm (h, W, c)
})");
  ToInitializer(m, "W");
  ToInitializer(m, "c");
  FixResult r = FixClean(m);
  EXPECT_EQ(r.applied.size(), 2u);
  int casts = 0;
  for (const auto& n : m.graph().node()) casts += n.op_type() == "Cast";
  EXPECT_EQ(casts, 2);  // the model's own, and one widening Cast
}

TEST(Fix, SharedDeclinesAreReportedForEachFindingAndDoNotLoop) {
  onnx::ModelProto m = Parse(R"(<ir_version: 3, opset_import: ["" : 6]>
g (bfloat16[2,2] a, float[2,2] b, float[2] c) => (float[2,2] y) { y = Gemm (a, b, c) })");
  FixResult r = FixModel(m, {});
  // Each Gemm operand, and the bfloat16 input Gemm-6 does not allow: every error says why.
  ASSERT_EQ(r.declined.size(), 3u);
  for (const FixRecord& d : r.declined) EXPECT_THAT(d.reason, HasSubstr("Cast carries bfloat16 only from opset 13"));
  EXPECT_THAT(r.applied, IsEmpty());
  EXPECT_EQ(r.passes, 1);
}

TEST(Fix, UnsafeFixesMayWidenAGraphInputWhereNoCastCan) {
  onnx::ModelProto m = Parse(R"(<ir_version: 5, opset_import: ["" : 11]>
g (float[2] x, bfloat16[2] xb) => (float[2] y) { y = Add (x, xb) })");
  onnx::ModelProto safe_only = m;
  FixResult declined = FixModel(safe_only, {});
  ASSERT_EQ(declined.declined.size(), 2u);  // the conflict, and Add-7's refusal of bfloat16
  const auto operand = std::find_if(declined.declined.begin(), declined.declined.end(),
                                    [](const FixRecord& d) { return d.rule == "operand-dtype-mismatch"; });
  ASSERT_NE(operand, declined.declined.end());
  EXPECT_THAT(operand->reason, HasSubstr("only with --unsafe-fixes (declare graph input 'xb' as float)"));
  FixOptions unsafe;
  unsafe.unsafe = true;
  FixClean(m, unsafe);
  EXPECT_EQ(m.graph().input(1).type().tensor_type().elem_type(), kFloat);
}

TEST(Fix, DeclinesWithAReasonWhereNothingWorks) {
  onnx::ModelProto m = Parse(R"(<ir_version: 5, opset_import: ["" : 11]>
g (float[2] x, bfloat16[2] xb) => (float[2] y) { y = Add (x, xb) })");
  FixResult r = FixModel(m, {});
  ASSERT_EQ(r.declined.size(), 2u);
  for (const FixRecord& d : r.declined) EXPECT_THAT(d.reason, HasSubstr("Cast carries bfloat16 only from opset 13"));
  EXPECT_THAT(r.edits, IsEmpty());
}

TEST(Fix, AFunctionInputIsWidenedAtTheCallSiteNotInTheSharedBody) {
  onnx::ModelProto m = Parse(R"(<ir_version: 8, opset_import: ["" : 17, "local" : 1]>
g (float[2] x, bfloat16[2] xb) => (float[2] y, bfloat16[2] z) {
  y = local.Scale (x)
  z = local.Scale (xb)
}
<domain: "local", opset_import: ["" : 17]>
Scale (a) => (r) {
  k = Constant <value = float[1] {2.0}> ()
  r = Mul (a, k)
})");
  // The float caller is fine; for the bfloat16 caller the body's float Constant conflicts
  // with the input: that call gets a float input, and its declared bfloat16 output a Cast.
  FixClean(m);
  EXPECT_THAT(Ops(m.graph()), ElementsAre("Cast", "Scale", "Scale", "Cast"));  // xb is an input: Cast first
  EXPECT_EQ(m.graph().node(2).input(0), "xb_float");
  EXPECT_EQ(m.graph().node(3).output(0), "z");
  EXPECT_EQ(m.functions(0).node(0).attribute(0).t().data_type(), kFloat);  // the body is untouched
}

TEST(Fix, AConflictInsideASharedBodyIsDeclined) {
  onnx::ModelProto m = Parse(R"(<ir_version: 8, opset_import: ["" : 17, "local" : 1]>
g (float[2] x, float[2] x2) => (float[2] y, float[2] z) {
  y = local.Odd (x)
  z = local.Odd (x2)
}
<domain: "local", opset_import: ["" : 17]>
Odd (a) => (r) {
  h = Cast <to = 10> (a)
  r = Add (a, h)
})");
  FixResult r = FixModel(m, {});
  ASSERT_EQ(r.declined.size(), 2u);  // once per call
  EXPECT_THAT(r.declined[0].reason, HasSubstr("inside model-local function 'Odd'"));
  EXPECT_THAT(r.edits, IsEmpty());
}

TEST(Fix, StaleValueInfoFollowsAndDeclaredOutputsKeepTheirInterface) {
  onnx::ModelProto m = Parse(R"(<ir_version: 8, opset_import: ["" : 17]>
g (float[2] x) => (float[2] y) {
  h = Cast <to = 10> (x)
  y = Neg (h)
})");
  auto* vi = m.mutable_graph()->add_value_info();
  vi->set_name("h");
  *vi->mutable_type() = TensorType(kFloat);
  FixResult r = FixClean(m);
  EXPECT_EQ(m.graph().value_info(0).type().tensor_type().elem_type(), kFloat16);
  EXPECT_THAT(Ops(m.graph()), ElementsAre("Cast", "Neg", "Cast"));
  EXPECT_EQ(m.graph().node(2).output(0), "y");  // the declared float output, cast at the end
  EXPECT_EQ(m.graph().output(0).type().tensor_type().elem_type(), kFloat);
}

TEST(Fix, RemovesOnlyExactNoOpCasts) {
  onnx::ModelProto m = Parse(R"(<ir_version: 8, opset_import: ["" : 17]>
g (float[2] x, float16[2] h) => (float[2] y, float16[2] z, float[2] l) {
  same = Cast <to = 1> (x)
  y = Relu (same)
  up = Cast <to = 1> (h)
  back = Cast <to = 10> (up)
  z = Neg (back)
  n = Cast <to = 10> (x)
  w = Cast <to = 1> (n)
  l = Abs (w)
})");
  FixResult r = FixClean(m);
  EXPECT_EQ(r.applied.size(), 2u);
  // The same-type Cast and the float16 round trip are gone; the narrowing round trip stays.
  EXPECT_THAT(Ops(m.graph()), ElementsAre("Relu", "Neg", "Cast", "Cast", "Abs"));
  EXPECT_EQ(m.graph().node(0).input(0), "x");
  EXPECT_EQ(m.graph().node(1).input(0), "h");
  EXPECT_THAT(Keys(Lint(m)), ElementsAre("lossy-cast-round-trip@main#3:in0"));
}

TEST(Fix, OnlyTheSelectedRulesAreFixedAndCounted) {
  onnx::ModelProto m = Parse(R"(<ir_version: 8, opset_import: ["" : 17]>
g (float[1,4] x, bfloat16[4,2] W) => (float[1,2] y) {
  same = Cast <to = 1> (x)
  y = MatMul (same, W)
})");
  ToInitializer(m, "W");
  FixOptions opts;
  opts.rules = SelectRules({}, {"redundant-cast"});
  FixResult r = FixModel(m, opts);
  ASSERT_EQ(r.verify_error, "");
  ASSERT_EQ(r.applied.size(), 1u);
  EXPECT_EQ(r.applied[0].rule, "operand-dtype-mismatch");
  EXPECT_THAT(Ops(m.graph()), ElementsAre("Cast", "MatMul"));  // the no-op Cast was left alone
  EXPECT_EQ(r.before.warning, 0);                              // nor counted
}

TEST(Fix, ACastFeedingAGraphOutputStays) {
  onnx::ModelProto m = Parse(R"(<ir_version: 8, opset_import: ["" : 17]>
g (float[2] x) => (float[2] y) { y = Cast <to = 1> (x) })");
  FixResult r = FixModel(m, {});
  EXPECT_THAT(r.edits, IsEmpty());
  EXPECT_THAT(Ops(m.graph()), ElementsAre("Cast"));
}

TEST(Fix, NewNamesNeverCollideAndUnnamedNodesStayDistinct) {
  onnx::ModelProto m = Parse(R"(<ir_version: 8, opset_import: ["" : 17]>
g (float[2] x, bfloat16[2] b, float[2] b_float) => (float[2] y, float[2] z) {
  y = Add (x, b)
  z = Mul (b_float, b)
})");
  FixClean(m);
  std::set<std::string> outputs;
  for (const auto& n : m.graph().node()) {
    for (const auto& o : n.output()) EXPECT_TRUE(outputs.insert(o).second) << o;
  }
  EXPECT_EQ(m.graph().node(0).output(0), "b_float_1");  // 'b_float' was taken
}

TEST(Fix, PrecisionFloat32ConvertsEverythingAndKeepsDoubles) {
  onnx::ModelProto m = Parse(R"(<ir_version: 8, opset_import: ["" : 17]>
g (bfloat16[2,2] x, bfloat16[2,2] W, double[2] d) => (bfloat16[2,2] y, double[2] e) {
  h = MatMul (x, W)
  c = Cast <to = 16> (h)
  k = Constant <value_float = 2.0> ()
  kb = Cast <to = 16> (k)
  y = Mul (c, kb)
  e = Neg (d)
})");
  ToInitializer(m, "W");
  FixOptions opts;
  opts.precision = kFloat;
  FixResult r = FixClean(m, opts);
  EXPECT_EQ(Initializer(m.graph(), "W")->data_type(), kFloat);
  EXPECT_EQ(m.graph().input(0).type().tensor_type().elem_type(), kFloat);
  EXPECT_EQ(m.graph().output(0).type().tensor_type().elem_type(), kFloat);
  EXPECT_EQ(m.graph().output(1).type().tensor_type().elem_type(), kDouble);
  for (const auto& n : m.graph().node()) {
    if (n.op_type() == "Cast") {
      EXPECT_EQ(n.attribute(0).i(), kFloat);
    }
  }
}

TEST(Fix, PrecisionKeepsOpsTheSchemaRefusesWideAndCanKeepTheInterface) {
  onnx::ModelProto m = Parse(R"(<ir_version: 8, opset_import: ["" : 17]>
g (float[1,1,4,4] x, float[1,1,2,2] w) => (float[1,1,3,3] y) {
  c = Conv (x, w)
  y = Relu (c)
})");
  ToInitializer(m, "w");
  FixOptions opts;
  opts.precision = kBfloat16;
  opts.keep_io_types = true;
  FixResult r = FixClean(m, opts);
  EXPECT_EQ(m.graph().input(0).type().tensor_type().elem_type(), kFloat);  // kept
  // Conv-11 has no bfloat16: it computes in float32. Its weight and the kept input are
  // read by nothing else, so they stay float32 and need no Cast; its result goes on in
  // bfloat16 (Relu), and back to float32 at the output.
  EXPECT_EQ(Initializer(m.graph(), "w")->data_type(), kFloat);
  EXPECT_THAT(Ops(m.graph()), ElementsAre("Conv", "Cast", "Relu", "Cast"));
  EXPECT_EQ(m.graph().node(0).input(0), "x");
  EXPECT_THAT(m.graph().node(0).output(0), HasSubstr("_float"));
  EXPECT_EQ(r.kept_wide, 1);
  EXPECT_THAT(Keys(Lint(m)), Contains("lossy-cast-round-trip@main#1:in0").Times(0));
}

TEST(Fix, EditsAreRecordedForDryRunsAndReports) {
  onnx::ModelProto m = Parse(R"(<ir_version: 8, opset_import: ["" : 17]>
g (float[1,4] x, bfloat16[4,2] W) => (float[1,2] y) { y = MatMul (x, W) })");
  ToInitializer(m, "W");
  FixResult r = FixModel(m, {});
  ASSERT_EQ(r.edits.size(), 1u);
  EXPECT_EQ(r.edits[0].action, "retype-tensor");
  EXPECT_EQ(r.edits[0].detail, "initializer 'W': bfloat16 -> float");
}

}  // namespace
}  // namespace onnxtidy
