// undefined-dtype: element type 0 on the main graph's interface and initializers. onnx
// 1.12's text format cannot write type 0, so each case edits the parsed model.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "lint/dtype.h"
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

onnx::TypeProto::Tensor& TensorOf(onnx::ValueInfoProto& v) { return *v.mutable_type()->mutable_tensor_type(); }

constexpr const char* kAdd = R"(<ir_version: 8, opset_import: ["" : 17]>
g (float[2] x, float[2] b) => (float[2] y) { y = Add (x, b) })";

TEST(UndefinedDtype, AGraphInputDeclaredZero) {
  onnx::ModelProto m = Parse(kAdd);
  TensorOf(*m.mutable_graph()->mutable_input(0)).set_elem_type(kUndefined);
  auto f = Lint(m);
  ASSERT_THAT(Keys(f), ElementsAre("undefined-dtype@main#-1"));
  EXPECT_EQ(f[0].severity, Severity::kError);
  EXPECT_EQ(f[0].location.value, "x");
  EXPECT_EQ(f[0].message,
            "graph input 'x' declares element type 0 (UNDEFINED); onnxruntime refuses it (\"Invalid "
            "tensor data type 0.\")");
  EXPECT_THAT(f[0].notes, ElementsAre(HasSubstr("Element type of input 0 unknown"), "Add #0 reads it as float"));
  ASSERT_TRUE(f[0].fix.has_value());
  EXPECT_EQ(f[0].fix->title, "declare graph input 'x' as float");
  EXPECT_EQ(f[0].fix->safety, FixSafety::kDisplayOnly);
}

TEST(UndefinedDtype, AnUnsetElementTypeIsZeroToo) {
  onnx::ModelProto m = Parse(kAdd);
  TensorOf(*m.mutable_graph()->mutable_input(1)).clear_elem_type();
  auto f = Lint(m);
  ASSERT_THAT(Keys(f), ElementsAre("undefined-dtype@main#-1"));
  EXPECT_EQ(f[0].location.value, "b");
  EXPECT_THAT(f[0].notes[0], HasSubstr("Field 'elem_type' of 'type' is required but missing."));
}

TEST(UndefinedDtype, NoSuggestionWhenTheReadersSayNothing) {
  onnx::ModelProto m = Parse(R"(<ir_version: 8, opset_import: ["" : 17]>
g (float[2] x, float[2] u) => (float[2] y) { y = Relu (x) })");
  TensorOf(*m.mutable_graph()->mutable_input(1)).set_elem_type(kUndefined);
  auto f = Lint(m);
  ASSERT_THAT(Keys(f), ElementsAre("undefined-dtype@main#-1"));
  EXPECT_EQ(f[0].location.value, "u");
  EXPECT_FALSE(f[0].fix.has_value());
}

TEST(UndefinedDtype, AnInitializerStoredWithTypeZero) {
  onnx::ModelProto m = Parse(kAdd);
  ToInitializer(m, "b");
  m.mutable_graph()->mutable_initializer(0)->set_data_type(kUndefined);
  auto f = Lint(m);
  ASSERT_THAT(Keys(f), ElementsAre("undefined-dtype@main#-1"));
  EXPECT_EQ(f[0].location.value, "b");
  EXPECT_EQ(f[0].message,
            "initializer 'b' has data_type 0 (UNDEFINED); onnxruntime refuses it (\"Tensor does not "
            "have type information\")");
  EXPECT_THAT(f[0].notes, ElementsAre(HasSubstr("to UNDEFINED is not allowed"),
                                      "Add #0 reads it as float; what its bytes hold is not recorded"));
  EXPECT_FALSE(f[0].fix.has_value());
}

TEST(UndefinedDtype, ASparseInitializerStoredWithTypeZero) {
  onnx::ModelProto m = Parse(kAdd);
  m.mutable_graph()->mutable_input()->DeleteSubrange(1, 1);
  onnx::SparseTensorProto* sparse = m.mutable_graph()->add_sparse_initializer();
  sparse->add_dims(2);
  sparse->mutable_values()->set_name("b");
  sparse->mutable_values()->add_dims(1);
  sparse->mutable_values()->add_float_data(1.0f);  // data_type left 0
  sparse->mutable_indices()->set_data_type(kInt64);
  sparse->mutable_indices()->add_dims(1);
  sparse->mutable_indices()->add_int64_data(0);
  auto f = Lint(m);
  ASSERT_THAT(Keys(f), ElementsAre("undefined-dtype@main#-1"));
  EXPECT_EQ(f[0].message,
            "sparse initializer 'b' has data_type 0 (UNDEFINED); onnxruntime refuses it (\"tensor "
            "type 0 is not supported\")");
}

TEST(UndefinedDtype, AGraphOutputDeclaredZero) {
  onnx::ModelProto m = Parse(kAdd);
  TensorOf(*m.mutable_graph()->mutable_output(0)).set_elem_type(kUndefined);
  auto f = Lint(m);
  ASSERT_THAT(Keys(f), ElementsAre("undefined-dtype@main#0:out0"));
  EXPECT_EQ(f[0].location.value, "y");
  EXPECT_EQ(f[0].message,
            "graph output 'y' declares element type 0 (UNDEFINED); onnxruntime refuses it (\"Invalid "
            "tensor data type 0.\")");
  EXPECT_THAT(f[0].notes, ElementsAre(HasSubstr("accepts it, even with full_check")));
  ASSERT_TRUE(f[0].fix.has_value());
  EXPECT_EQ(f[0].fix->title, "declare graph output 'y' as float");
  EXPECT_EQ(f[0].fix->safety, FixSafety::kDisplayOnly);
}

TEST(UndefinedDtype, NegativeLoopBodyInputOfTypeZeroHasNoFindingFromAnyRule) {
  // In a subgraph's inputs and outputs, 0 means "unknown": the Loop types them.
  onnx::ModelProto m = Parse(R"(<ir_version: 8, opset_import: ["" : 17]>
g (int64 n, bool c, float[2] x) => (float[2] y) {
  y = Loop (n, c, x) <
    body = b (int64 i, bool ci, float[2] s) => (bool co, float[2] sn) { co = Identity (ci)  sn = Neg (s) }
  >
})");
  onnx::GraphProto& body = *m.mutable_graph()->mutable_node(0)->mutable_attribute(0)->mutable_g();
  TensorOf(*body.mutable_input(2)).set_elem_type(kUndefined);
  TensorOf(*body.mutable_output(1)).set_elem_type(kUndefined);
  EXPECT_THAT(Keys(LintAll(m)), IsEmpty());
}

TEST(UndefinedDtype, FunctionFormalsHaveNoTypesAndAreNotFlagged) {
  onnx::ModelProto m = Parse(R"(<ir_version: 8, opset_import: ["" : 17, "local" : 1]>
g (float[2] x) => (float[2] y) { y = local.F (x) }
<domain: "local", opset_import: ["" : 17]>
F (a) => (r) { r = Relu (a) })");
  EXPECT_THAT(Keys(LintAll(m)), IsEmpty());
}

}  // namespace
}  // namespace onnxtidy
