// undefined-value and duplicate-definition: names read that nothing defines, and names
// defined twice, in main graphs, subgraphs and function bodies.
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
using testing::Parse;

TEST(UndefinedValue, ANodeReadingANameNothingDefines) {
  auto f = Lint(Parse(R"(<ir_version: 8, opset_import: ["" : 17]>
g (float[2] x) => (float[2] y) {
  r = Relu (hidden)
  y = Add (x, r)
})"));
  ASSERT_THAT(Keys(f), ElementsAre("undefined-value@main#0:in0"));
  EXPECT_EQ(f[0].message,
            "Relu #0: input X 'hidden' is not defined: no graph input, initializer or node output of "
            "that name is in scope");
  EXPECT_EQ(f[0].location.value, "hidden");
  EXPECT_FALSE(f[0].fix.has_value());
}

TEST(UndefinedValue, AGraphOutputNothingComputes) {
  auto f = Lint(Parse(R"(<ir_version: 8, opset_import: ["" : 17]>
g (float[2] x) => (float[2] y, float[2] z) { y = Relu (x) })"));
  ASSERT_EQ(f.size(), 1u);
  EXPECT_EQ(f[0].rule, "undefined-value");
  EXPECT_EQ(f[0].location.output_index, 1);
  EXPECT_THAT(f[0].message, HasSubstr("graph output 1 'z' is not defined"));
}

TEST(UndefinedValue, InsideABranchAndAFunctionOuterNamesAreDefined) {
  auto f = Lint(Parse(R"(<ir_version: 8, opset_import: ["" : 17, "local" : 1]>
g (float[2] x, bool c) => (float[2] y, float[2] z) {
  y = If (c) <then_branch = t () => (float[2] o) { o = Relu (x) },
              else_branch = e () => (float[2] o2) { o2 = Relu (ghost) }>
  z = local.F (x)
}
<domain: "local", opset_import: ["" : 17]>
F (a) => (b) {
  b = Add (a, missing)
})"));
  // The If's own inference then fails on the branch it cannot type: onnx says so too.
  ASSERT_THAT(Keys(f), ElementsAre("schema-violation@main#0", "undefined-value@main/#0(If).else_branch#0:in0",
                                   "undefined-value@main/#1(F).function#0:in1"));
}

TEST(UndefinedValue, NotForOrderProblemsNorOmittedInputs) {
  // 'b' is produced, later: unsorted-graph's business. Clip's omitted min is "".
  auto f = Lint(Parse(R"(<ir_version: 8, opset_import: ["" : 17]>
g (float[2] x) => (float[2] y) {
  y = Clip (b, , )
  b = Relu (x)
})"));
  EXPECT_THAT(Keys(f), ElementsAre("unsorted-graph@main#0:in0"));
}

TEST(DuplicateDefinition, TwoNodesWritingOneName) {
  auto f = Lint(Parse(R"(<ir_version: 8, opset_import: ["" : 17]>
g (float[2] x) => (float[2] y) {
  y = Relu (x)
  y = Neg (x)
})"));
  ASSERT_THAT(Keys(f), ElementsAre("duplicate-definition@main#1:out0"));
  EXPECT_EQ(f[0].message, "'y' is defined twice: as output 0 of Relu #0, and again as output 0 of Neg #1");
}

TEST(DuplicateDefinition, ANodeOverAnInputAndTwoInitializers) {
  onnx::ModelProto m = Parse(R"(<ir_version: 8, opset_import: ["" : 17]>
g (float[2] x, float[2] w) => (float[2] y) {
  x = Relu (w)
  y = Add (x, w)
})");
  testing::ToInitializer(m, "w");
  *m.mutable_graph()->add_initializer() = m.graph().initializer(0);  // a second 'w'
  auto f = Lint(m);
  ASSERT_EQ(f.size(), 2u) << Keys(f)[0];
  EXPECT_THAT(f[0].message, HasSubstr("'w' is defined twice: as initializer 'w', and again as initializer 'w'"));
  EXPECT_THAT(f[1].message, HasSubstr("'x' is defined twice: as graph input 'x', and again as output 0 of Relu #0"));
}

TEST(DuplicateDefinition, NotForAnInputsDefaultNorAShadowingSubgraph) {
  onnx::ModelProto m = Parse(R"(<ir_version: 3, opset_import: ["" : 9]>
g (float[2] x, float[2] w, bool c) => (float[2] y) {
  y = If (c) <then_branch = t () => (float[2] x) { x = Relu (w) },
              else_branch = e () => (float[2] o) { o = Neg (w) }>
})");
  // IR 3: the initializer 'w' is also a graph input, its default.
  testing::ToInitializer(m, "w");
  auto* in = m.mutable_graph()->add_input();
  in->set_name("w");
  in->mutable_type()->mutable_tensor_type()->set_elem_type(1);
  EXPECT_THAT(Keys(testing::LintAll(m)), IsEmpty());
}

}  // namespace
}  // namespace onnxtidy
