#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "lint/linter.h"
#include "lint/target.h"
#include "rules/registry.h"
#include "tests/test_util.h"

namespace onnxtidy {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using testing::Keys;
using testing::Parse;

std::vector<Finding> LintForCpu(const onnx::ModelProto& m, bool warnings_as_errors = false) {
  LintOptions opts;
  opts.context.target = FindTarget("onnxruntime-cpu");
  opts.warnings_as_errors = warnings_as_errors;
  return testing::Lint(m, opts);
}

onnx::ModelProto UnaryModel(const std::string& type, const std::string& op, const std::string& attrs = "") {
  return Parse("<ir_version: 8, opset_import: [\"\" : 17]>\ng (" + type + "[2,2] x, " + type + "[2,2] w) => (" + type +
               "[2,2] y) {\n  y = " + op + attrs + " (x, w)\n}");
}

TEST(NoTargetKernel, Bfloat16MatMulHasNoCpuKernel) {
  auto f = LintForCpu(UnaryModel("bfloat16", "MatMul"));
  ASSERT_THAT(Keys(f), ElementsAre("no-target-kernel@main#0:in0"));
  EXPECT_EQ(f[0].severity, Severity::kWarning);
  EXPECT_EQ(f[0].message,
            "MatMul #0: onnxruntime-cpu has no kernel for MatMul-13 with T=bfloat16 (it has: double, "
            "float); convert to float32: onnx-tidy fix --precision float32");
  EXPECT_EQ(f[0].fix->safety, FixSafety::kDisplayOnly);
}

TEST(NoTargetKernel, Bfloat16ClipWithBoundsRunsOnlyFromOpset16) {
  // onnxruntime runs it as ONNX's function body, whose Where takes bfloat16 from Where-16.
  auto clip = [](int opset) {
    return Parse("<ir_version: 8, opset_import: [\"\" : " + std::to_string(opset) +
                 "]>\ng (bfloat16[2] x, bfloat16 lo) => (bfloat16[2] y) { y = Clip (x, lo) }");
  };
  EXPECT_THAT(Keys(LintForCpu(clip(13))), ElementsAre("no-target-kernel@main#0:in0"));
  EXPECT_THAT(Keys(LintForCpu(clip(16))), IsEmpty());
}

TEST(NoTargetKernel, OnlyWithATarget) { EXPECT_THAT(Keys(testing::Lint(UnaryModel("bfloat16", "MatMul"))), IsEmpty()); }

TEST(NoTargetKernel, WarningsAsErrors) {
  auto f = LintForCpu(UnaryModel("bfloat16", "MatMul"), /*warnings_as_errors=*/true);
  ASSERT_EQ(f.size(), 1u);
  EXPECT_EQ(f[0].severity, Severity::kError);
}

TEST(NoTargetKernel, Float16RunsThroughInsertedCasts) {
  EXPECT_THAT(Keys(LintForCpu(UnaryModel("float16", "MatMul"))), IsEmpty());
  EXPECT_THAT(Keys(LintForCpu(UnaryModel("float", "MatMul"))), IsEmpty());
  EXPECT_THAT(Keys(LintForCpu(UnaryModel("double", "MatMul"))), IsEmpty());
}

TEST(NoTargetKernel, DoubleConvHasNoKernel) {
  onnx::ModelProto m = Parse(R"(<ir_version: 8, opset_import: ["" : 17]>
g (double[1,1,4,4] x, double[1,1,2,2] w) => (double[1,1,3,3] y) { y = Conv (x, w) })");
  EXPECT_THAT(Keys(LintForCpu(m)), ElementsAre("no-target-kernel@main#0:in0"));
}

TEST(NoTargetKernel, LayerNormalizationRunsItsFunctionInFloat32) {
  onnx::ModelProto m = Parse(R"(<ir_version: 8, opset_import: ["" : 17]>
g (bfloat16[2,4] x, bfloat16[4] s, bfloat16[4] b) => (bfloat16[2,4] y) { y = LayerNormalization (x, s, b) })");
  EXPECT_THAT(Keys(LintForCpu(m)), IsEmpty());
  // With a bfloat16 stash the function body has no kernels either.
  m.mutable_graph()->mutable_node(0)->add_attribute()->CopyFrom(Parse(R"(<ir_version: 8, opset_import: ["" : 17]>
g (float[2,4] x, float[4] s) => (float[2,4] y) { y = LayerNormalization <stash_type = 16> (x, s) })")
                                                                    .graph()
                                                                    .node(0)
                                                                    .attribute(0));
  EXPECT_THAT(Keys(LintForCpu(m)), ElementsAre("no-target-kernel@main#0:in0"));
}

TEST(NoTargetKernel, InsideIfBranchesAndFunctions) {
  onnx::ModelProto m = Parse(R"(<ir_version: 8, opset_import: ["" : 17, "local" : 1]>
g (bfloat16[2] x, bool c) => (bfloat16[2] y, bfloat16[2] z) {
  y = If (c) <then_branch = t () => (bfloat16[2] o) { o = Relu (x) },
              else_branch = e () => (bfloat16[2] o2) { o2 = Identity (x) }>
  z = local.Act (x)
}
<domain: "local", opset_import: ["" : 17]>
Act (a) => (r) {
  r = Sigmoid (a)
})");
  EXPECT_THAT(Keys(LintForCpu(m)), ElementsAre("no-target-kernel@main/#0(If).then_branch#0:in0",
                                               "no-target-kernel@main/#1(Act).function#0:in0"));
}

TEST(NoTargetKernel, UnknownOpsAndUnknownTypesAreNotJudged) {
  onnx::ModelProto m = Parse(R"(<ir_version: 8, opset_import: ["" : 17, "custom" : 1]>
g (bfloat16[2] x) => (float[2] y) {
  u = custom.Opaque (x)
  y = Relu (u)
})");
  EXPECT_THAT(Keys(LintForCpu(m)), IsEmpty());
}

TEST(Targets, KnownByName) {
  EXPECT_NE(FindTarget("onnxruntime-cpu"), nullptr);
  EXPECT_EQ(FindTarget("tensorrt"), nullptr);
  EXPECT_THAT(TargetNames(), ElementsAre("onnxruntime-cpu"));
}

}  // namespace
}  // namespace onnxtidy
