// Graphs whose nodes are not in topological order: the type pass visits them in
// dependency order (findings still name file positions), unsorted-graph reports the
// first read of a value produced later, and its fix sorts the nodes.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "fixers/fix_context.h"
#include "lint/dtype.h"
#include "onnx/checker.h"
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
using testing::LintAll;
using testing::Parse;
using testing::ToInitializer;

std::vector<std::string> Outputs(const google::protobuf::RepeatedPtrField<onnx::NodeProto>& nodes) {
  std::vector<std::string> out;
  for (const auto& n : nodes) out.push_back(n.output(0));
  return out;
}

std::string CheckerError(const onnx::ModelProto& m) {
  try {
    onnx::checker::check_model(m);
  } catch (const std::exception& e) {
    return e.what();
  }
  return "";
}

// Runs SortGraph on every unsorted-graph finding, as one fix pass would.
std::vector<std::string> SortAll(onnx::ModelProto& m, std::vector<Edit>* edits = nullptr) {
  const TypedModel tm = AnalyzeTypes(m);
  GraphEditor editor(m);
  FixOptions options;
  FixContext ctx(tm, editor, options);
  std::vector<std::string> reasons;
  for (const Finding& f : LintTyped(tm, "", {&UnsortedGraph()}).findings) reasons.push_back(SortGraph(ctx, f));
  editor.Commit();
  if (edits != nullptr) *edits = editor.edits();
  return reasons;
}

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
  EXPECT_THAT(f[0].notes, ElementsAre("onnx's checker refuses the model (\"Nodes in a graph must be topologically "
                                      "sorted\"); onnxruntime sorts a main graph itself and runs it",
                                      "2 of 3 nodes are out of place; onnx-tidy checked them in dependency order"));
  EXPECT_EQ(f[1].message,
            "MatMul #1: input A 'a' is float (graph input 'x', via Relu #2) but input B 'W' is "
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
  EXPECT_EQ(f[0].severity, Severity::kError);  // onnxruntime refuses an unsorted body
  EXPECT_THAT(f[0].notes[0], HasSubstr("onnxruntime sorts only the main graph"));
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
  ASSERT_THAT(Keys(f),
              ElementsAre("unsorted-graph@main/#0(F).function#0:in0", "unsorted-graph@main/#1(F).function#0:in0"));
  EXPECT_EQ(f[0].fix->title, "sort the nodes of function 'F' topologically");
  EXPECT_THAT(f[0].notes[0], HasSubstr("Nodes in a function must be topologically sorted"));
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
  EXPECT_EQ(f[0].message,
            "nodes are not in topological order: a subgraph of If #0 reads 'h' before Abs #1 "
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
  EXPECT_EQ(f[0].severity, Severity::kError);  // no runtime can order a cycle, the main graph's neither
  EXPECT_THAT(f[0].notes, ElementsAre(HasSubstr("both refuse the model: no order of a dependency cycle"),
                                      "3 nodes are in a dependency cycle or read from one: no order of the nodes "
                                      "can run them"));
  EXPECT_FALSE(f[0].fix.has_value());
  EXPECT_THAT(SortAll(m), ElementsAre(HasSubstr("dependency cycle")));
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
  EXPECT_EQ(f[0].message,
            "nodes are not in topological order: Relu 'out' reads input X 'h' before MatMul 'fc' (#1) "
            "produces it");
  EXPECT_EQ(f[0].location.node, "out");
}

TEST(SortGraph, PutsTheNodesInTheOrderTheTypePassVisitedThem) {
  onnx::ModelProto m = Parse(kUnsortedConflict);
  ToInitializer(m, "W");
  ASSERT_THAT(CheckerError(m), HasSubstr("topologically sorted"));
  std::vector<Edit> edits;
  EXPECT_THAT(SortAll(m, &edits), ElementsAre(""));
  EXPECT_THAT(Outputs(m.graph().node()), ElementsAre("a", "h", "y"));
  ASSERT_EQ(edits.size(), 1u);
  EXPECT_EQ(edits[0].action, "sort-nodes");
  EXPECT_EQ(edits[0].graph, "main");
  EXPECT_EQ(edits[0].detail, "nodes in topological order (2 of 3 moved)");
  EXPECT_EQ(CheckerError(m), "");
  EXPECT_THAT(Keys(LintAll(m)), ElementsAre("operand-dtype-mismatch@main#1:in1"));
}

TEST(SortGraph, AFunctionBodyCalledTwiceIsSortedOnce) {
  onnx::ModelProto m = Parse(kUnsortedFunction);
  std::vector<Edit> edits;
  EXPECT_THAT(SortAll(m, &edits), ElementsAre("", ""));
  ASSERT_EQ(edits.size(), 1u);
  EXPECT_THAT(Outputs(m.functions(0).node()), ElementsAre("t", "r"));
  EXPECT_THAT(Keys(LintAll(m)), ElementsAre("mixed-precision@main#-1"));
}

TEST(SortGraph, OuterReadsOfSubgraphsMoveTheirProducerFirst) {
  onnx::ModelProto m = Parse(R"(<ir_version: 8, opset_import: ["" : 17]>
g (bool c, float[2] x) => (float[2] y) {
  y = If (c) <
    then_branch = t () => (float[2] r) { r = Relu (s)  s = Neg (h) },
    else_branch = e () => (float[2] q) { q = Neg (x) }
  >
  h = Abs (x)
})");
  EXPECT_THAT(SortAll(m), ElementsAre("", ""));
  ASSERT_THAT(Outputs(m.graph().node()), ElementsAre("h", "y"));
  EXPECT_THAT(Outputs(m.graph().node(1).attribute(0).g().node()), ElementsAre("s", "r"));
  EXPECT_EQ(CheckerError(m), "");
  EXPECT_THAT(Keys(LintAll(m)), IsEmpty());
}

TEST(SortGraph, SortNodesRefusesAListWithPendingEditsOrAnOrderThatDoesNotCoverIt) {
  onnx::ModelProto m = Parse(kUnsortedConflict);
  GraphEditor editor(m);
  editor.RemoveNode(m.graph().node(), m.graph().node(0), "main", "test");
  EXPECT_THROW(editor.SortNodes(m.graph().node(), {2, 1, 0}, "main"), std::logic_error);
  GraphEditor fresh(m);
  EXPECT_THROW(fresh.SortNodes(m.graph().node(), {1, 0}, "main"), std::logic_error);
  EXPECT_THAT(fresh.edits(), IsEmpty());
  EXPECT_THAT(Outputs(m.graph().node()), ElementsAre("y", "h", "a"));
}

// `fix` end to end (the fix loop's hook for unsorted-graph): sorting comes first, in a
// pass of its own; the other fixes follow on the sorted graph.
TEST(UnsortedGraphFix, FixWritesASortedModelThatPassesTheCheckerAndASecondFixChangesNothing) {
  onnx::ModelProto m = Parse(kUnsortedConflict);
  ToInitializer(m, "W");
  FixResult r = FixClean(m);
  EXPECT_EQ(CheckerError(m), "");
  EXPECT_THAT(Outputs(m.graph().node()), ElementsAre("a", "h", "y"));
  std::vector<std::string> applied;
  for (const FixRecord& a : r.applied) applied.push_back(a.rule);
  EXPECT_THAT(applied, ElementsAre("unsorted-graph", "operand-dtype-mismatch"));
  ASSERT_FALSE(r.edits.empty());
  EXPECT_EQ(r.edits[0].action, "sort-nodes");
  EXPECT_EQ(r.edits[0].detail, "nodes in topological order (2 of 3 moved)");
  EXPECT_THAT(Keys(LintAll(m)), IsEmpty());
}

TEST(UnsortedGraphFix, SortedGraphsKeepTheirOrder) {
  // Sorted, but not in the order a fresh sort would pick (Exp could go first).
  onnx::ModelProto m = Parse(R"(<ir_version: 8, opset_import: ["" : 17]>
g (float[1,4] x, bfloat16[4,2] W) => (float[1,2] y) {
  a = Relu (x)
  h = MatMul (a, W)
  e = Exp (x)
  y = Relu (h)
})");
  ToInitializer(m, "W");
  FixResult r = FixClean(m);
  EXPECT_THAT(Outputs(m.graph().node()), ElementsAre("a", "h", "e", "y"));
  for (const Edit& e : r.edits) EXPECT_NE(e.action, "sort-nodes");
}

TEST(UnsortedGraphFix, SubgraphsFunctionsAndOuterReadsAreSortedInOneRun) {
  onnx::ModelProto m = Parse(R"(<ir_version: 8, opset_import: ["" : 17, "local" : 1]>
g (bool c, float[2] x) => (float[2] y, float[2] z) {
  y = If (c) <
    then_branch = t () => (float[2] r) { r = Relu (s)  s = local.F (h) },
    else_branch = e () => (float[2] q) { q = Neg (x) }
  >
  z = local.F (x)
  h = Abs (x)
}
<domain: "local", opset_import: ["" : 17]>
F (a) => (o) {
  o = Relu (t)
  t = Neg (a)
})");
  ASSERT_THAT(CheckerError(m), HasSubstr("topologically sorted"));
  FixClean(m);
  EXPECT_EQ(CheckerError(m), "");
  ASSERT_THAT(Outputs(m.graph().node()), ElementsAre("z", "h", "y"));  // among ready nodes, file order
  EXPECT_THAT(Outputs(m.graph().node(2).attribute(0).g().node()), ElementsAre("s", "r"));
  EXPECT_THAT(Outputs(m.functions(0).node()), ElementsAre("t", "o"));
  EXPECT_THAT(Keys(LintAll(m)), IsEmpty());
}

TEST(UnsortedGraphFix, ACycleIsLeftAloneWithoutLooping) {
  onnx::ModelProto m = Parse(R"(<ir_version: 8, opset_import: ["" : 17]>
g (float[2] x) => (float[2] y) {
  a = Add (x, b)
  b = Relu (a)
  y = Neg (b)
})");
  const std::string before = m.SerializeAsString();
  FixResult r = FixModel(m, FixOptions{});
  EXPECT_THAT(r.edits, IsEmpty());
  EXPECT_EQ(r.passes, 1);
  EXPECT_EQ(m.SerializeAsString(), before);
  EXPECT_THAT(Keys(r.remaining), ElementsAre("unsorted-graph@main#0:in1"));
}

}  // namespace
}  // namespace onnxtidy
