// fix on the shapes real exporters and converters produce: chains of no-op Casts, mixed
// narrow types, the selection, and --precision's plan (what stays wider, and why).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <stdexcept>

#include "fixers/fixer.h"
#include "fixers/fixer_registry.h"
#include "fixers/graph_editor.h"
#include "lint/dtype.h"
#include "lint/target.h"
#include "rules/registry.h"
#include "tests/test_util.h"

namespace onnxtidy {
namespace {

using ::testing::ElementsAre;
using testing::FixClean;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using testing::Lint;
using ::testing::Not;
using testing::Parse;
using testing::ToInitializer;

std::vector<std::string> Ops(const onnx::GraphProto& g) {
  std::vector<std::string> out;
  for (const auto& n : g.node()) out.push_back(n.op_type());
  return out;
}

const onnx::TensorProto* Initializer(const onnx::GraphProto& g, const std::string& name) {
  for (const auto& t : g.initializer()) {
    if (t.name() == name) return &t;
  }
  return nullptr;
}

const onnx::NodeProto* Producer(const onnx::GraphProto& g, const std::string& value) {
  for (const auto& n : g.node()) {
    for (const auto& o : n.output()) {
      if (o == value) return &n;
    }
  }
  return nullptr;
}

int64_t IntAttribute(const onnx::NodeProto& n, const std::string& name) {
  for (const auto& a : n.attribute()) {
    if (a.name() == name) return a.i();
  }
  return -1;
}

TEST(FixPlan, AChainOfNoOpCastsGoesInOnePass) {
  // torch's view(b, t, H, d // H): two Cast(to=int64) in a row, in every attention block.
  onnx::ModelProto m = Parse(R"(<ir_version: 8, opset_import: ["" : 17]>
g (int64[1] s) => (int64[1] r) {
  a = Cast <to = 7> (s)
  b = Cast <to = 7> (a)
  c = Cast <to = 7> (b)
  r = Neg (c)
})");
  FixResult r = FixClean(m);
  EXPECT_THAT(Ops(m.graph()), ElementsAre("Neg"));
  EXPECT_EQ(m.graph().node(0).input(0), "s");
  EXPECT_EQ(r.applied.size(), 3u);
  EXPECT_EQ(r.passes, 2);  // one pass edits, the next finds nothing left
}

TEST(FixPlan, ANarrowingRoundTripGoesUnderPrecisionFloat32) {
  onnx::ModelProto m = Parse(R"(<ir_version: 8, opset_import: ["" : 17]>
g (float[2] x) => (float[2] y) {
  h = Cast <to = 10> (x)
  w = Cast <to = 1> (h)
  y = Relu (w)
})");
  FixOptions opts;
  opts.precision = kFloat;
  FixClean(m, opts);
  EXPECT_THAT(Ops(m.graph()), ElementsAre("Relu"));
  EXPECT_EQ(m.graph().node(0).input(0), "x");
}

TEST(FixPlan, Float16AgainstBfloat16WidensBothToFloat) {
  onnx::ModelProto m = Parse(R"(<ir_version: 8, opset_import: ["" : 17]>
g (float[2] x, float16[2] a, bfloat16[2] b) => (float[2] y) {
  s = Add (a, b)
  y = Mul (x, s)
})");
  ToInitializer(m, "a");
  ToInitializer(m, "b");
  const auto findings = Lint(m);
  ASSERT_GE(findings.size(), 1u);  // Add, and Mul downstream of it
  ASSERT_EQ(findings[0].location.node_index, 0);
  ASSERT_TRUE(findings[0].fix);
  EXPECT_EQ(findings[0].fix->safety, FixSafety::kSafe);
  EXPECT_EQ(findings[0].fix->to, kFloat);
  EXPECT_THAT(findings[0].fix->title, HasSubstr("neither type holds the other"));
  FixClean(m);
  EXPECT_EQ(Initializer(m.graph(), "a")->data_type(), kFloat);
  EXPECT_EQ(Initializer(m.graph(), "b")->data_type(), kFloat);
}

TEST(FixPlan, AnExactWideningOfAnInitializerDefaultIsSafe) {
  onnx::ModelProto m = Parse(R"(<ir_version: 8, opset_import: ["" : 17]>
g (float[2] x, float[2] w) => (float[2] y) { y = Add (x, w) })");
  ToInitializer(m, "w");
  m.mutable_graph()->add_input()->CopyFrom(m.graph().input(0));
  auto* declared = m.mutable_graph()->mutable_input(1);
  declared->set_name("w");
  m.mutable_graph()->mutable_initializer(0)->set_data_type(kBfloat16);
  m.mutable_graph()->mutable_initializer(0)->set_raw_data(std::string(4, '\0'));
  const auto findings = Lint(m);
  ASSERT_EQ(findings.size(), 1u);
  EXPECT_EQ(findings[0].rule, "declared-type-mismatch");
  EXPECT_EQ(findings[0].fix->safety, FixSafety::kSafe);
  FixResult r = FixClean(m);
  ASSERT_EQ(r.applied.size(), 1u);
  EXPECT_EQ(r.applied[0].effect, EditEffect::kExact);
  EXPECT_EQ(Initializer(m.graph(), "w")->data_type(), kFloat);
}

TEST(FixPlan, AnEmptySelectionFixesNothing) {
  onnx::ModelProto m = Parse(R"(<ir_version: 8, opset_import: ["" : 17]>
g (float[1,4] x, bfloat16[4,2] W) => (float[1,2] y) { y = MatMul (x, W) })");
  ToInitializer(m, "W");
  const std::string before = m.SerializeAsString();
  FixOptions none;
  none.rules = {};
  FixResult r = FixModel(m, none);
  EXPECT_THAT(r.edits, IsEmpty());
  EXPECT_THAT(r.applied, IsEmpty());
  EXPECT_EQ(m.SerializeAsString(), before);
}

TEST(FixPlan, Bfloat16PrecisionBelowOpset13IsDeclinedBeforeAnyEdit) {
  onnx::ModelProto m = Parse(R"(<ir_version: 7, opset_import: ["" : 12]>
g (float[2] x) => (float[2] y) { y = Relu (x) })");
  const std::string before = m.SerializeAsString();
  FixOptions opts;
  opts.precision = kBfloat16;
  FixResult r = FixModel(m, opts);
  EXPECT_THAT(r.verify_error, HasSubstr("opset 13"));
  EXPECT_THAT(r.verify_error, HasSubstr("opset 12"));
  EXPECT_THAT(r.edits, IsEmpty());
  EXPECT_EQ(m.SerializeAsString(), before);
}

TEST(FixPlan, ADeclinedPrecisionStillCountsTheFindingsItLeaves) {
  onnx::ModelProto m = Parse(R"(<ir_version: 7, opset_import: ["" : 12]>
g (float[2] a, double[2] b) => (float[2] c) { c = Add (a, b) })");
  FixOptions opts;
  opts.precision = kBfloat16;
  const FixResult r = FixModel(m, opts);
  EXPECT_THAT(r.verify_error, HasSubstr("opset 12"));
  EXPECT_EQ(r.before.error, 1);
  EXPECT_EQ(r.after().error, 1);  // nothing was changed, so nothing was fixed
}

// A model of training ops alone (the corpus's Adagrad) imports no ai.onnx: a Cast would
// be a node of a domain it does not import, which the checker refuses. Rule and fixer
// both say so, and nothing is edited.
TEST(FixPlan, NoCastIsOfferedOrWrittenWithoutAnAiOnnxImport) {
  onnx::ModelProto m = Parse(R"(<ir_version: 8, opset_import: ["ai.onnx.preview.training" : 1]>
g (float16 R, int64 T, float[2] X, float[2] G, float[2] H) => (float[2] X_new, float[2] H_new) {
  X_new, H_new = ai.onnx.preview.training.Adagrad <epsilon = 1e-5> (R, T, X, G, H)
})");
  const std::string before = m.SerializeAsString();
  auto findings = Lint(m);
  ASSERT_EQ(findings.size(), 1u);
  ASSERT_TRUE(findings[0].fix);
  EXPECT_EQ(findings[0].fix->safety, FixSafety::kDisplayOnly);
  EXPECT_THAT(findings[0].fix->reason, HasSubstr("does not import"));
  FixResult r = FixModel(m, FixOptions{});
  EXPECT_EQ(r.verify_error, "");
  EXPECT_THAT(r.edits, IsEmpty());
  ASSERT_EQ(r.declined.size(), 1u);
  EXPECT_THAT(r.declined[0].reason, HasSubstr("ai.onnx"));
  FixOptions half;
  half.precision = kFloat16;
  r = FixModel(m, half);
  EXPECT_THAT(r.verify_error, HasSubstr("imports no ai.onnx opset"));
  EXPECT_EQ(m.SerializeAsString(), before);
}

TEST(FixPlan, InputsAnOpPinsToFloatKeepIt) {
  onnx::ModelProto m = Parse(R"(<ir_version: 8, opset_import: ["" : 13]>
g (float[1,1,2,2] x) => (float[1,1,4,4] y) {
  roi = Constant <value = float[0] {}> ()
  scales = Constant <value = float[4] {1.0, 1.0, 2.0, 2.0}> ()
  y = Resize (x, roi, scales)
})");
  FixOptions opts;
  opts.precision = kFloat16;
  FixResult r = FixClean(m, opts);
  EXPECT_EQ(Producer(m.graph(), "scales")->attribute(0).t().data_type(), kFloat);  // Resize-13 scales: tensor(float)
  EXPECT_EQ(m.graph().input(0).type().tensor_type().elem_type(), kFloat16);
  EXPECT_GE(r.kept_wide, 1);
}

TEST(FixPlan, ConstantOfShapeWithoutAValueFollowsThePlan) {
  onnx::ModelProto m = Parse(R"(<ir_version: 8, opset_import: ["" : 17]>
g (float[2,3] x, int64[2] shape) => (float[2,3] y) {
  z = ConstantOfShape (shape)
  c = Concat <axis = 0> (x, z)
  y = Slice (c, shape, shape)
})");
  FixOptions opts;
  opts.precision = kFloat16;
  FixResult r = FixClean(m, opts);
  const onnx::NodeProto* cos = Producer(m.graph(), "z");
  ASSERT_EQ(cos->attribute_size(), 1);
  EXPECT_EQ(cos->attribute(0).t().data_type(), kFloat16);
  for (const FixRecord& a : r.applied) EXPECT_NE(a.rule, "operand-dtype-mismatch") << a.title;  // no tug of war
}

TEST(FixPlan, IntegerSumsReachFloatInFloat32) {
  // Dynamic quantization: MatMulInteger's int32 sums pass the float16 range long before
  // the scales bring them back.
  onnx::ModelProto m = Parse(R"(<ir_version: 8, opset_import: ["" : 13]>
g (uint8[2,4] a, uint8[4,3] b, float[1] scale, float[3] bias) => (float[2,3] y) {
  s = MatMulInteger (a, b)
  f = Cast <to = 1> (s)
  m = Mul (f, scale)
  y = Add (m, bias)
})");
  ToInitializer(m, "b");
  ToInitializer(m, "scale");
  ToInitializer(m, "bias");
  FixOptions opts;
  opts.precision = kFloat16;
  opts.keep_io_types = true;
  FixResult r = FixClean(m, opts);
  EXPECT_EQ(IntAttribute(*Producer(m.graph(), "f"), "to"), kFloat);
  EXPECT_EQ(Initializer(m.graph(), "scale")->data_type(), kFloat);
  EXPECT_EQ(Initializer(m.graph(), "bias")->data_type(), kFloat);
  EXPECT_EQ(r.kept_wide, 1);
  bool said = false;
  for (const Edit& e : r.notes) said |= e.action == "keep-wide" && e.detail.find("MatMulInteger") != std::string::npos;
  EXPECT_TRUE(said);
}

TEST(FixPlan, AStoredValueBeyondTheRangeKeepsItsOpInFloat32) {
  onnx::ModelProto m = Parse(R"(<ir_version: 8, opset_import: ["" : 17]>
g (float[2] x) => (float[2] y) {
  big = Constant <value = float[2] {1.0, 98000000.0}> ()
  h = Div (x, big)
  y = Relu (h)
})");
  FixOptions opts;
  opts.precision = kFloat16;
  FixResult r = FixClean(m, opts);
  EXPECT_EQ(Producer(m.graph(), "big")->attribute(0).t().data_type(), kFloat);
  bool said = false;
  for (const Edit& e : r.notes) {
    said |= e.action == "keep-wide" && e.detail.find("beyond float16's range") != std::string::npos;
  }
  EXPECT_TRUE(said);
}

TEST(FixPlan, OpsWithoutAKernelOnTheTargetComputeInFloat32BetweenCasts) {
  onnx::ModelProto m = Parse(R"(<ir_version: 8, opset_import: ["" : 17]>
g (float[2,2] x, float[2,2] w) => (float[2,2] y) {
  h = MatMul (x, w)
  y = Erf (h)
})");
  ToInitializer(m, "w");
  FixOptions opts;
  opts.precision = kBfloat16;
  opts.keep_io_types = true;
  opts.target = FindTarget("onnxruntime-cpu");
  ASSERT_NE(opts.target, nullptr);
  FixResult r = FixClean(m, opts);
  EXPECT_THAT(r.target_gaps, IsEmpty());
  EXPECT_GE(r.kept_wide, 1);
}

TEST(FixPlan, ASecondPrecisionRunChangesNothing) {
  onnx::ModelProto m = Parse(R"(<ir_version: 8, opset_import: ["" : 17]>
g (float[1,1,4,4] x, float[1,1,2,2] w) => (float[1,1,3,3] y) {
  c = Conv (x, w)
  e = Erf (c)
  y = Relu (e)
})");
  ToInitializer(m, "w");
  FixOptions opts;
  opts.precision = kBfloat16;
  opts.target = FindTarget("onnxruntime-cpu");
  FixClean(m, opts);  // FixClean also fixes the result again and expects no edit
}

TEST(FixPlan, AnInputAnOpRefusesIsWidenedWithWhatItsTypeParameterBinds) {
  // HardSwish-14 has no bfloat16: x computes in float, and y with it.
  onnx::ModelProto m = Parse(R"(<ir_version: 8, opset_import: ["" : 14]>
g (bfloat16[2] x) => (float[2] y) { y = HardSwish (x) })");
  const auto findings = Lint(m);
  const auto refused =
      std::find_if(findings.begin(), findings.end(), [](const Finding& f) { return f.rule == "dtype-not-allowed"; });
  ASSERT_NE(refused, findings.end());
  ASSERT_TRUE(refused->fix);
  EXPECT_EQ(refused->fix->safety, FixSafety::kSafe);
  FixResult r = FixClean(m);
  EXPECT_THAT(Ops(m.graph()), ElementsAre("Cast", "HardSwish"));
  for (const FixRecord& a : r.applied) EXPECT_EQ(a.effect, EditEffect::kExact) << a.title;
}

TEST(FixPlan, NoSafeFixIsPromisedThatACastCannotCarry) {
  onnx::ModelProto m = Parse(R"(<ir_version: 6, opset_import: ["" : 10]>
g (bfloat16[2] x) => (bool[2] y) { y = IsInf (x) })");
  const auto findings = Lint(m);
  ASSERT_FALSE(findings.empty());
  ASSERT_TRUE(findings[0].fix);
  EXPECT_EQ(findings[0].fix->safety, FixSafety::kDisplayOnly);
  EXPECT_THAT(findings[0].fix->reason, HasSubstr("opset 13"));
  FixResult r = FixModel(m, {});
  ASSERT_EQ(r.declined.size(), 1u);  // an error no fixer removes still says why
  EXPECT_THAT(r.declined[0].reason, HasSubstr("no automatic fix"));
}

TEST(FixPlan, AWeightThatIsAlsoAGraphInputIsRetypedWhole) {
  // IR 3 lists initializers among the graph inputs; below opset 13 no Cast carries
  // bfloat16, so the weight and its declaration widen together, which callers see.
  onnx::ModelProto m = Parse(R"(<ir_version: 3, opset_import: ["" : 9]>
g (float[1,2] x, bfloat16[2,2] w) => (float[1,2] y) { y = MatMul (x, w) })");
  const onnx::ValueInfoProto declared = m.graph().input(1);
  ToInitializer(m, "w");
  m.mutable_graph()->add_input()->CopyFrom(declared);
  FixResult safe = FixModel(m, {});
  EXPECT_THAT(safe.edits, IsEmpty());
  bool offered = false;
  for (const FixRecord& d : safe.declined) {
    offered |= d.reason.find("declare graph input 'w' and its initializer as float") != std::string::npos;
  }
  EXPECT_TRUE(offered);
  FixOptions unsafe;
  unsafe.unsafe = true;
  FixResult r = FixClean(m, unsafe);
  EXPECT_EQ(Initializer(m.graph(), "w")->data_type(), kFloat);
  EXPECT_EQ(m.graph().input(1).type().tensor_type().elem_type(), kFloat);
  ASSERT_EQ(r.applied.size(), 1u);
  EXPECT_EQ(r.applied[0].effect, EditEffect::kInterface);
}

TEST(FixPlan, AnOpThatCannotMakeTheTypeKeepsItsAttributeAndGetsACast) {
  // ConstantOfShape makes bfloat16 only from opset 20: at 16 it makes float32 zeros, and
  // a Cast after it hands them on (Silero VAD's LSTM state).
  onnx::ModelProto m = Parse(R"(<ir_version: 8, opset_import: ["" : 16]>
g (float[2,3] x, int64[2] shape) => (float[2,3] y) {
  z = ConstantOfShape (shape)
  y = Add (x, z)
})");
  FixOptions opts;
  opts.precision = kBfloat16;
  opts.keep_io_types = true;
  FixResult r = FixClean(m, opts);
  const onnx::NodeProto* cos = Producer(m.graph(), "z_float");
  ASSERT_NE(cos, nullptr);
  EXPECT_EQ(cos->attribute_size(), 0);  // the default float32 zero
  EXPECT_EQ(IntAttribute(*Producer(m.graph(), "z"), "to"), kBfloat16);
}

TEST(FixPlan, IfOutputsTheOpsetRefusesStayFloat) {
  // If-13's outputs take no bfloat16 (If-16 does): the branches keep float32.
  onnx::ModelProto m = Parse(R"(<ir_version: 8, opset_import: ["" : 13]>
g (bool c, float[2] x) => (float[2] y) {
  y = If (c) <
    then_branch = t () => (float[2] r) { r = Relu (x) },
    else_branch = e () => (float[2] q) { q = Neg (x) }
  >
})");
  FixOptions opts;
  opts.precision = kBfloat16;
  opts.keep_io_types = true;
  FixResult r = FixClean(m, opts);
  EXPECT_GE(r.kept_wide, 1);
  bool said = false;
  for (const Edit& n : r.notes)
    said |= n.detail.find("If-13 output 'outputs' does not allow bfloat16") != std::string::npos;
  EXPECT_TRUE(said);
}

TEST(GraphEditor, LaterEditsSeeEarlierReplacements) {
  onnx::ModelProto m = Parse(R"(<ir_version: 8, opset_import: ["" : 17]>
g (float[2] x) => (float[2] y) {
  a = Identity (x)
  y = Relu (a)
})");
  GraphEditor editor(m);
  const auto& nodes = m.graph().node();
  editor.ReplaceUses(nodes, "a", "x", "main");
  editor.SetInput(nodes.Get(1), 0, "a", "main");  // a stale name: resolved
  EXPECT_EQ(m.graph().node(1).input(0), "x");
  EXPECT_EQ(editor.Resolve("a"), "x");
  // A Cast put between a value and its readers reads the value itself.
  editor.ReplaceUses(nodes, "x", "x16", "main");
  editor.InsertCastAs(nodes, 0, "x", kFloat, kFloat16, "x16", "main");
  editor.Commit();
  EXPECT_EQ(m.graph().node(0).op_type(), "Cast");
  EXPECT_EQ(m.graph().node(0).input(0), "x");
  EXPECT_EQ(m.graph().node(2).input(0), "x16");
}

TEST(GraphEditor, RefusesToEditACopy) {
  onnx::ModelProto m = Parse(R"(<ir_version: 8, opset_import: ["" : 17]>
g (float[2] x) => (float[2] y) { y = Relu (x) })");
  GraphEditor editor(m);
  const onnx::NodeProto copy = m.graph().node(0);
  EXPECT_THROW(editor.SetInput(copy, 0, "z", "main"), std::logic_error);
  EXPECT_EQ(m.graph().node(0).input(0), "x");
}

TEST(FixRegistry, EveryKindARuleEmitsHasAFixer) {
  for (FixKind k : {FixKind::kWidenOperands, FixKind::kRetypeGraphInput, FixKind::kWidenJoin, FixKind::kRetypeValueInfo,
                    FixKind::kCastGraphOutput, FixKind::kConvertInitializer, FixKind::kRemoveCast}) {
    EXPECT_NE(FixerFor(k), nullptr) << FixKindName(k);
  }
}

}  // namespace
}  // namespace onnxtidy
