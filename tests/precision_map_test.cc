// The precision map: repeated blocks collapse to one drawn ×k, whatever their place;
// each node carries the dtype it computes in; Casts and precision boundaries are marked;
// unsorted graphs are mapped in run order; the node cap bounds the map.
#include "lint/precision_map.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

#include "lint/linter.h"
#include "rules/registry.h"
#include "tests/test_util.h"

namespace onnxtidy {
namespace {

using testing::Parse;

std::vector<uint64_t> Tokens(const std::string& s) { return std::vector<uint64_t>(s.begin(), s.end()); }

// "start:length×repeat" per run.
std::string Runs(const std::string& s) {
  std::string out;
  for (const BlockRun& r : CollapseRepeats(Tokens(s))) {
    out += (out.empty() ? "" : " ") + std::to_string(r.start) + ":" + std::to_string(r.length) + "x" +
           std::to_string(r.repeat);
  }
  return out;
}

TEST(CollapseRepeats, RepeatedBlocksBetweenOtherNodes) {
  EXPECT_EQ(Runs("XYabcabcabcZ"), "0:1x1 1:1x1 2:3x3 11:1x1");
  EXPECT_EQ(Runs("abcdef"), "0:1x1 1:1x1 2:1x1 3:1x1 4:1x1 5:1x1");
  EXPECT_EQ(Runs(""), "");
}

TEST(CollapseRepeats, TheBlockCoveringMostWinsAndTheShortestOnATie) {
  EXPECT_EQ(Runs("aaaa"), "0:1x4");      // not "aa" x2
  EXPECT_EQ(Runs("abababab"), "0:2x4");  // not "abab" x2
  EXPECT_EQ(Runs("abcabdabcabd"), "0:6x2");
  // A block whose first token recurs inside it, as MatMul does in an attention layer.
  EXPECT_EQ(Runs("mamb"
                 "mamb"
                 "mamb"),
            "0:4x3");
}

TEST(CollapseRepeats, LongBlocksWithinTheLimit) {
  std::string layer;
  for (int i = 0; i < 300; ++i) layer += static_cast<char>('a' + i % 7);
  layer += "Z";  // 301 tokens, 'a' recurring 43 times in it
  std::string model = "P";
  for (int i = 0; i < 24; ++i) model += layer;
  const std::vector<BlockRun> runs = CollapseRepeats(Tokens(model));
  ASSERT_EQ(runs.size(), 2u);
  EXPECT_EQ(runs[1].start, 1);
  EXPECT_EQ(runs[1].length, 301);
  EXPECT_EQ(runs[1].repeat, 24);
  // Beyond max_length a period is not looked for: only the short ones inside a layer are.
  const std::vector<BlockRun> short_runs = CollapseRepeats(Tokens(model), 100);
  EXPECT_GT(short_runs.size(), 24u);
  for (const BlockRun& r : short_runs) EXPECT_LE(r.length, 100);
}

// Two identical layers (MatMul, Add, Relu) after an input Cast from bfloat16.
constexpr const char* kTwoLayers = R"(<ir_version: 8, opset_import: ["" : 17]>
g (bfloat16[1,4] x, float[4,4] W0, float[4,4] W1, float[4] b) => (float[1,4] y) {
  h = Cast <to = 1> (x)
  m0 = MatMul (h, W0)
  a0 = Add (m0, b)
  r0 = Relu (a0)
  m1 = MatMul (r0, W1)
  a1 = Add (m1, b)
  y = Relu (a1)
})";

TEST(PrecisionMap, TwoIdenticalLayersAreOneBlockTimesTwo) {
  const onnx::ModelProto m = Parse(kTwoLayers);  // outlives the type pass
  const PrecisionMap map = ComputePrecisionMap(AnalyzeTypes(m));
  ASSERT_EQ(map.graphs.size(), 1u);
  const GraphMap& g = map.graphs[0];
  EXPECT_EQ(g.graph, "main");
  EXPECT_EQ(g.nodes, 7);
  EXPECT_TRUE(g.order.empty());
  ASSERT_EQ(g.items.size(), 2u);
  EXPECT_EQ(g.items[0].repeat, 1);
  ASSERT_EQ(g.items[0].nodes.size(), 1u);
  const MapNode& cast = g.items[0].nodes[0];
  EXPECT_TRUE(cast.cast);
  EXPECT_TRUE(cast.boundary);  // bfloat16 in, float out
  EXPECT_EQ(cast.dtype, "float");
  EXPECT_EQ(g.items[1].start, 1);
  EXPECT_EQ(g.items[1].length, 3);
  EXPECT_EQ(g.items[1].repeat, 2);
  ASSERT_EQ(g.items[1].nodes.size(), 3u);
  EXPECT_EQ(g.items[1].nodes[0].op_type, "MatMul");
  EXPECT_EQ(g.items[1].nodes[0].index, 1);
  EXPECT_FALSE(g.items[1].nodes[0].boundary);
}

TEST(PrecisionMap, LayersOfAnotherDtypeDoNotCollapseWithFloatOnes) {
  onnx::ModelProto m = Parse(R"(<ir_version: 8, opset_import: ["" : 17]>
g (float[1,4] x, float[4,4] W0, float16[4,4] W1) => (float16[1,4] y) {
  r0 = Relu (x)
  c = Cast <to = 10> (r0)
  r1 = Relu (c)
  y = MatMul (r1, W1)
})");
  const PrecisionMap map = ComputePrecisionMap(AnalyzeTypes(m));
  ASSERT_EQ(map.graphs[0].items.size(), 1u);  // one run of four different nodes
  const std::vector<MapNode>& nodes = map.graphs[0].items[0].nodes;
  ASSERT_EQ(nodes.size(), 4u);
  EXPECT_EQ(nodes[0].dtype, "float");
  EXPECT_EQ(nodes[2].dtype, "float16");
  EXPECT_FALSE(nodes[2].boundary);  // its input is already float16
}

TEST(PrecisionMap, SubgraphsUnsortedGraphsAndUnknownTypes) {
  onnx::ModelProto m = Parse(R"(<ir_version: 8, opset_import: ["" : 17]>
g (bool c, float[2] x, unk) => (float[2] y, z) {
  y = If (c) <then_branch = t () => (float[2] o) { o = Relu (x) },
              else_branch = e () => (float[2] o) { o = Neg (x) }>
  z = Neg (w)
  w = Identity (unk)
})");
  const PrecisionMap map = ComputePrecisionMap(AnalyzeTypes(m));
  ASSERT_EQ(map.graphs.size(), 3u);
  EXPECT_EQ(map.graphs[0].graph, "main");
  EXPECT_THAT(map.graphs[0].order, ::testing::ElementsAre(0, 2, 1));  // run order
  const std::vector<MapNode>& main = map.graphs[0].items[0].nodes;
  ASSERT_EQ(main.size(), 3u);
  EXPECT_EQ(main[1].index, 2);
  EXPECT_EQ(main[1].dtype, "");  // unknown, never guessed
  EXPECT_NE(map.graphs[1].graph.find("then_branch"), std::string::npos);
}

TEST(PrecisionMap, TheNodeCapCountsWhatIsNotDrawn) {
  const onnx::ModelProto m = Parse(kTwoLayers);
  const PrecisionMap map = ComputePrecisionMap(AnalyzeTypes(m), 2);
  const GraphMap& g = map.graphs[0];
  int drawn = 0;
  for (const MapItem& item : g.items) drawn += static_cast<int>(item.nodes.size());
  EXPECT_LE(drawn, 2);
  EXPECT_EQ(g.omitted, 6);  // the block of 3 x2 did not fit after the Cast
}

TEST(PrecisionMap, ReportsCarryIt) {
  const ModelReport r = LintModel(Parse(kTwoLayers), "m.onnx", AllRules());
  ASSERT_TRUE(r.precision_map.has_value());
  EXPECT_EQ(r.precision_map->graphs[0].items[1].repeat, 2);
}

}  // namespace
}  // namespace onnxtidy
