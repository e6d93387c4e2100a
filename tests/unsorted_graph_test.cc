// Graphs whose nodes are not in topological order: the type pass visits them in
// dependency order (findings still name file positions), and unsorted-graph reports
// the first read of a value produced later.
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
using testing::Lint;
using testing::LintAll;
using testing::Parse;
using testing::ToInitializer;

constexpr const char* kUnsortedConflict = R"(<ir_version: 8, opset_import: ["" : 17]>
g (float[1,4] x, bfloat16[4,2] W) => (float[1,2] y) {
  y = Relu (h)
  h = MatMul (a, W)
  a = Relu (x)
})";

TEST(UnsortedGraph, AConflictIsFoundAtItsNodeAndNothingDownstreamIsFlagged) {
  onnx::ModelProto m = Parse(kUnsortedConflict);
  ToInitializer(m, "W");
  auto f = Lint(m);
  // MatMul (#1) reads 'a' before Relu #2 computes it; the file order alone would leave
  // 'a' undefined and miss the conflict.
  ASSERT_THAT(Keys(f), ElementsAre("unsorted-graph@main#0:in0", "operand-dtype-mismatch@main#1:in1"));
  EXPECT_EQ(f[0].message, "nodes are not in topological order: Relu #0 reads input X 'h' before MatMul #1 produces it");
  EXPECT_EQ(f[0].severity, Severity::kWarning);
  EXPECT_EQ(f[0].location.value, "h");
  ASSERT_TRUE(f[0].fix.has_value());
  EXPECT_EQ(f[0].fix->title, "sort the nodes of main topologically");
  EXPECT_EQ(f[0].fix->safety, FixSafety::kSafe);
  EXPECT_THAT(f[0].notes, ElementsAre(HasSubstr("Nodes in a graph must be topologically sorted"),
                                      "2 of 3 nodes are out of place; onnx-tidy checked them in dependency order"));
  EXPECT_EQ(f[1].message, "MatMul #1: input A 'a' is float (graph input 'x', via Relu #2) but input B 'W' is "
                          "bfloat16 (initializer 'W')");

}

TEST(UnsortedGraph, NegativeSortedGraphHasNoFindingFromAnyRule) {
  onnx::ModelProto m = Parse(R"(<ir_version: 8, opset_import: ["" : 17]>
g (float[1,4] x, float[4,2] W) => (float[1,2] y) {
  a = Relu (x)
  h = MatMul (a, W)
  y = Relu (h)
})");
  ToInitializer(m, "W");
  EXPECT_THAT(Keys(LintAll(m)), IsEmpty());
}

TEST(UnsortedGraph, AnUnsortedIfBody) {
  onnx::ModelProto m = Parse(R"(<ir_version: 8, opset_import: ["" : 17]>
g (bool c, float[2] x) => (float[2] y) {
  y = If (c) <
    then_branch = t () => (float[2] r) { r = Relu (s)  s = Neg (x) },
    else_branch = e () => (float[2] q) { q = Neg (x) }
  >
})");
  auto f = Lint(m);
  ASSERT_THAT(Keys(f), ElementsAre("unsorted-graph@main/#0(If).then_branch#0:in0"));
  EXPECT_EQ(f[0].fix->title, "sort the nodes of main/#0(If).then_branch topologically");
}

constexpr const char* kUnsortedFunction = R"(<ir_version: 8, opset_import: ["" : 17, "local" : 1]>
g (float[2] x, bfloat16[2] b) => (float[2] y, bfloat16[2] z) {
  y = local.F (x)
  z = local.F (b)
}
<domain: "local", opset_import: ["" : 17]>
F (a) => (r) {
  r = Relu (t)
  t = Neg (a)
})";

TEST(UnsortedGraph, AnUnsortedFunctionBodyIsReportedPerCall) {
  onnx::ModelProto m = Parse(kUnsortedFunction);
  auto f = Lint(m);
  ASSERT_THAT(Keys(f), ElementsAre("unsorted-graph@main/#0(F).function#0:in0",
                                   "unsorted-graph@main/#1(F).function#0:in0"));
  EXPECT_EQ(f[0].fix->title, "sort the nodes of function 'F' topologically");
}

TEST(UnsortedGraph, ASubgraphReadingAnOuterValueProducedLater) {
  // The inner If (nested twice) reads 'h', which the main graph computes after the If.
  onnx::ModelProto m = Parse(R"(<ir_version: 8, opset_import: ["" : 17]>
g (bool c, float[2] x) => (float[2] y) {
  y = If (c) <
    then_branch = t () => (float[2] r) {
      r = If (c) <
        then_branch = tt () => (float[2] r2) { r2 = Relu (h) },
        else_branch = te () => (float[2] q2) { q2 = Neg (x) }
      >
    },
    else_branch = e () => (float[2] q) { q = Neg (x) }
  >
  h = Abs (x)
})");
  auto f = Lint(m);
  ASSERT_THAT(Keys(f), ElementsAre("unsorted-graph@main#0"));
  EXPECT_EQ(f[0].message, "nodes are not in topological order: a subgraph of If #0 reads 'h' before Abs #1 "
                          "produces it");
  EXPECT_EQ(f[0].location.input_index, -1);
}

TEST(UnsortedGraph, ACycleEndsAndIsNotFixable) {
  onnx::ModelProto m = Parse(R"(<ir_version: 8, opset_import: ["" : 17]>
g (float[2] x) => (float[2] y) {
  a = Add (x, b)
  b = Relu (a)
  y = Neg (b)
  z = Abs (x)
})");
  auto f = Lint(m);
  ASSERT_THAT(Keys(f), ElementsAre("unsorted-graph@main#0:in1"));
  EXPECT_EQ(f[0].message, "nodes are not in topological order: Add #0 reads input B 'b' before Relu #1 produces it");
  EXPECT_THAT(f[0].notes, ElementsAre(HasSubstr("topologically sorted"),
                                      "3 nodes are in a dependency cycle or read from one: no order of the nodes "
                                      "can run them"));
  EXPECT_FALSE(f[0].fix.has_value());
}

TEST(UnsortedGraph, ANodeReadingItsOwnOutput) {
  onnx::ModelProto m = Parse(R"(<ir_version: 8, opset_import: ["" : 17]>
g (float[2] x) => (float[2] y) {
  a = Add (x, a)
  y = Neg (x)
})");
  auto f = Lint(m);
  ASSERT_THAT(Keys(f), ElementsAre("unsorted-graph@main#0:in1"));
  EXPECT_EQ(f[0].message, "nodes are not in topological order: Add #0 reads input B 'a', its own output");
  EXPECT_FALSE(f[0].fix.has_value());
}

TEST(UnsortedGraph, NamedNodesAreNamedWithTheirPositions) {
  onnx::ModelProto m = Parse(kUnsortedConflict);
  ToInitializer(m, "W");
  m.mutable_graph()->mutable_node(0)->set_name("out");
  m.mutable_graph()->mutable_node(1)->set_name("fc");
  auto f = Lint(m);
  ASSERT_THAT(Keys(f), ElementsAre("unsorted-graph@main#0:in0", "operand-dtype-mismatch@main#1:in1"));
  EXPECT_EQ(f[0].message, "nodes are not in topological order: Relu 'out' reads input X 'h' before MatMul 'fc' (#1) "
                          "produces it");
  EXPECT_EQ(f[0].location.node, "out");
}

}  // namespace
}  // namespace onnxtidy
