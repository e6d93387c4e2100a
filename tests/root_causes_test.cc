// Root causes and the dashboard's model facts: one origin behind many findings is named
// once, an ambiguous finding joins no group, and facts never trust a tensor's claim.
#include "lint/root_causes.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <limits>

#include "lint/dtype.h"
#include "lint/model_facts.h"
#include "rules/registry.h"
#include "tests/test_util.h"

namespace onnxtidy {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;
using testing::Parse;
using testing::ToInitializer;

ModelReport Report(const onnx::ModelProto& m) { return LintModel(m, "m.onnx", AllRules()); }

// A bfloat16 model whose input is cast to float once: every layer after it disagrees
// with its bfloat16 weights, and all of it is the Cast's doing.
TEST(RootCauses, OneCastExplainsEveryLayerAfterIt) {
  onnx::ModelProto m = Parse(R"(<ir_version: 8, opset_import: ["" : 17]>
g (bfloat16[1,4] x, bfloat16[4,4] W0, bfloat16[4,4] W1, bfloat16[4,4] W2) => (bfloat16[1,4] y) {
  h0 = Cast <to = 1> (x)
  h1 = MatMul (h0, W0)
  h2 = MatMul (h1, W1)
  h3 = MatMul (h2, W2)
  y = Cast <to = 16> (h3)
})");
  for (const char* w : {"W0", "W1", "W2"}) ToInitializer(m, w);
  const ModelReport r = Report(m);
  ASSERT_EQ(r.root_causes.size(), 1u);
  const RootCause& rc = r.root_causes[0];
  EXPECT_EQ(rc.origin, "output of Cast #0 (to=float)");
  EXPECT_EQ(rc.origin_kind, "node_output");
  EXPECT_EQ(rc.dtype, "float");
  EXPECT_THAT(rc.values, ElementsAre("h0"));
  ASSERT_EQ(rc.findings.size(), 3u);
  for (size_t i : rc.findings) EXPECT_EQ(r.findings[i].rule, "operand-dtype-mismatch");
}

// The converse: a float model of which some weights were converted. Each weight is its
// own origin; together they are one class.
TEST(RootCauses, ConvertedWeightsFormAClassOfStoredTensors) {
  onnx::ModelProto m = Parse(R"(<ir_version: 8, opset_import: ["" : 17]>
g (float[1,4] x, bfloat16[4,4] W0, bfloat16[4,4] W1, float[4,4] W2) => (float[1,4] y) {
  h1 = MatMul (x, W0)
  h2 = MatMul (h1, W1)
  y = MatMul (h2, W2)
})");
  for (const char* w : {"W0", "W1", "W2"}) ToInitializer(m, w);
  const ModelReport r = Report(m);
  ASSERT_EQ(r.root_causes.size(), 1u);
  EXPECT_EQ(r.root_causes[0].origin, "2 bfloat16 initializers");
  EXPECT_EQ(r.root_causes[0].graph, "");
  EXPECT_THAT(r.root_causes[0].values, ElementsAre("W0", "W1"));
  EXPECT_EQ(r.root_causes[0].findings.size(), 2u);
}

// One finding is no group, and a finding without provenance belongs to none.
TEST(RootCauses, ASingleFindingOrOneWithoutProvenanceIsNoRootCause) {
  onnx::ModelProto m = Parse(R"(<ir_version: 8, opset_import: ["" : 17]>
g (float[1,4] x, bfloat16[4,4] W0) => (float[1,4] y) { y = MatMul (x, W0) })");
  ToInitializer(m, "W0");
  EXPECT_THAT(Report(m).root_causes, IsEmpty());
  std::vector<Finding> bare(3);
  for (Finding& f : bare) f.rule = "x";
  EXPECT_THAT(FindRootCauses(bare, nullptr, AllRules()), IsEmpty());
}

// Two no-op Casts of one input share its origin, but the input is not what is wrong:
// each Cast is. Only rules whose provenance traces the wrong dtype take part.
TEST(RootCauses, FindingsWhoseNodeIsTheProblemAreNotGroupedByOrigin) {
  onnx::ModelProto m = Parse(R"(<ir_version: 8, opset_import: ["" : 17]>
g (int64[2] x) => (int64[2] a, int64[2] b) {
  a = Cast <to = 7> (x)
  b = Cast <to = 7> (x)
})");
  const ModelReport r = Report(m);
  ASSERT_EQ(r.findings.size(), 2u);
  EXPECT_EQ(r.findings[0].rule, "redundant-cast");
  EXPECT_THAT(r.root_causes, IsEmpty());
}

// Two dtypes meet and nothing says which the model meant (no typed interface, no
// weights, no location value): the finding is left out rather than guessed.
TEST(RootCauses, AnAmbiguousFindingJoinsNoGroup) {
  auto step = [](const std::string& how, const std::string& dtype) {
    Provenance p;
    p.dtype = dtype;
    ProvenanceStep s;
    s.how = how;
    s.dtype = dtype;
    s.graph = "main";
    s.kind = "graph_input";
    p.chain.push_back(s);
    return p;
  };
  std::vector<Finding> findings(2);
  for (Finding& f : findings) f.rule = "operand-dtype-mismatch";
  for (Finding& f : findings) f.provenance = {step("graph input 'a'", "float"), step("graph input 'b'", "float16")};
  EXPECT_THAT(FindRootCauses(findings, nullptr, AllRules()), IsEmpty());
  ModelFacts facts;
  facts.interface_float = kFloat;  // now float16 is the odd one out
  const auto causes = FindRootCauses(findings, &facts, AllRules());
  ASSERT_EQ(causes.size(), 1u);
  EXPECT_EQ(causes[0].origin, "graph input 'b'");
}

TEST(ModelFacts, CountsStoredTensorsOfEveryGraphAndTheInterface) {
  onnx::ModelProto m =
      Parse(R"(<ir_version: 8, opset_import: ["" : 17, "x" : 1], producer_name: "p", producer_version: "9">
g (float[2] a, bool c, bfloat16[2] w) => (float[2] y) {
  k = Constant <value = float[3] {1.0, 2.0, 3.0}> ()
  y = If (c) <then_branch = t () => (float[2] o) { o = Identity (a) },
              else_branch = e () => (float[2] o2) { o2 = Neg (a) }>
})");
  ToInitializer(m, "w");
  const ModelFacts f = ComputeFacts(m);
  EXPECT_EQ(f.ir_version, 8);
  EXPECT_EQ(f.producer_name, "p");
  EXPECT_EQ(f.producer_version, "9");
  ASSERT_EQ(f.opsets.size(), 2u);
  EXPECT_EQ(f.opsets[1].first, "x");
  EXPECT_EQ(f.nodes, 4);
  EXPECT_EQ(f.weights.at(kFloat).tensors, 1);
  EXPECT_EQ(f.weights.at(kFloat).bytes, 12);
  EXPECT_EQ(f.weights.at(kBfloat16).elements, 2);
  EXPECT_EQ(f.weights.at(kBfloat16).bytes, 4);
  EXPECT_EQ(f.interface_float, kFloat);  // the initializer 'w' is not part of it
  EXPECT_EQ(f.sha256, "");
}

TEST(ModelFacts, AClaimedSizeSaturatesAndIsNeverAllocated) {
  onnx::ModelProto m = Parse(R"(<ir_version: 8, opset_import: ["" : 17]>
g (float[2] a) => (float[2] y) { y = Identity (a) })");
  onnx::TensorProto* t = m.mutable_graph()->add_initializer();
  t->set_name("huge");
  t->set_data_type(kFloat);
  for (int i = 0; i < 3; ++i) t->add_dims(std::numeric_limits<int64_t>::max());
  const ModelFacts f = ComputeFacts(m);
  EXPECT_EQ(f.weights.at(kFloat).elements, std::numeric_limits<int64_t>::max());
  EXPECT_EQ(f.weights.at(kFloat).bytes, std::numeric_limits<int64_t>::max());
}

TEST(ModelFacts, Sha256OfKnownBytes) {
  EXPECT_EQ(Sha256Hex("abc", 3), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

}  // namespace
}  // namespace onnxtidy
