#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>

#include "lint/model_loader.h"
#include "lint/wire_format.h"
#include "tests/test_util.h"

namespace onnxtidy {
namespace {

namespace fs = std::filesystem;

class LoaderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("onnxtidy_loader_" + std::to_string(::getpid()));
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::string Write(const std::string& name, const std::string& bytes) {
    fs::path p = dir_ / name;
    std::ofstream(p, std::ios::binary) << bytes;
    return p.string();
  }
  std::string ErrorOf(const std::string& path) {
    try {
      LoadModel(path);
    } catch (const LoadError& e) {
      return e.what();
    }
    return "";
  }
  fs::path dir_;
};

const char* kModel = R"(<ir_version: 8, opset_import: ["" : 17]>
g (float[2] x) => (float[2] y) { y = Relu (x) })";

TEST_F(LoaderTest, ReadsBinaryAndText) {
  onnx::ModelProto m = testing::Parse(kModel);
  std::string bin = Write("m.onnx", m.SerializeAsString());
  EXPECT_EQ(LoadModel(bin).model->graph().node(0).op_type(), "Relu");
  std::string txt = Write("m.onnxtxt", kModel);
  EXPECT_EQ(LoadModel(txt).model->graph().node(0).op_type(), "Relu");
}

TEST_F(LoaderTest, EveryBadInputIsOneLine) {
  onnx::ModelProto m = testing::Parse(kModel);
  std::string bytes = m.SerializeAsString();
  const std::vector<std::pair<std::string, std::string>> cases = {
      {(dir_ / "missing.onnx").string(), "No such file"},
      {dir_.string(), "is a directory"},
      {Write("empty.onnx", ""), "is empty"},
      {Write("truncated.onnx", bytes.substr(0, bytes.size() - 7)), "not a valid ONNX model"},
      {Write("text.onnx", "hello, I am not a model\n"), "not"},
      {Write("bad.onnxtxt", "<ir_version: 8> g (float x) => (y) { y = }"), "not valid ONNX text"},
  };
  for (const auto& [path, expected] : cases) {
    std::string err = ErrorOf(path);
    EXPECT_NE(err.find(expected), std::string::npos) << path << ": " << err;
    EXPECT_EQ(err.find('\n'), std::string::npos) << err;
  }
}

// A model whose subgraphs nest `depth` deep (If in If ...), built as bytes from the inside
// out, so that neither this test nor protobuf recurses over the depth.
std::string NestedModel(int depth) {
  onnx::ModelProto m = testing::Parse(R"(<ir_version: 8, opset_import: ["" : 17]>
g (bool c, float[2] x) => (float[2] y) { y = Identity (x) })");
  std::string graph = m.graph().SerializeAsString();  // the innermost body
  for (int i = 0; i < depth; ++i) {
    onnx::AttributeProto a;
    a.set_name("then_branch");
    a.set_type(onnx::AttributeProto::GRAPH);
    const std::string attr = a.SerializeAsString() + LengthDelimitedHeader(6, graph.size()) + graph;
    onnx::NodeProto n;
    n.set_op_type("If");
    n.add_input("c");
    n.add_output("y");
    const std::string node = n.SerializeAsString() + LengthDelimitedHeader(5, attr.size()) + attr;
    onnx::GraphProto g = m.graph();
    g.clear_node();
    graph = g.SerializeAsString() + LengthDelimitedHeader(1, node.size()) + node;
  }
  onnx::ModelProto head = m;
  head.clear_graph();
  return head.SerializeAsString() + LengthDelimitedHeader(7, graph.size()) + graph;
}

TEST_F(LoaderTest, SubgraphsNestedTooDeepAreRefusedWithTheLimitNamed) {
  EXPECT_NO_THROW(LoadModel(Write("ok.onnx", NestedModel(kDefaultMaxGraphNesting))));
  for (int depth : {kDefaultMaxGraphNesting + 1, 3000}) {
    const std::string bytes = NestedModel(depth);
    const std::string expected = "nested " + std::to_string(depth) + " deep; the limit is 30";
    EXPECT_THAT(ErrorOf(Write("deep.onnx", bytes)), ::testing::HasSubstr(expected));
    EXPECT_THROW(LoadModel(std::string_view(bytes), dir_.string()), LoadError);
  }
  LoadOptions more;
  more.max_graph_nesting = 40;
  EXPECT_NO_THROW(LoadModel(Write("deeper.onnx", NestedModel(40)), more));

  std::string text = R"(<ir_version: 8, opset_import: ["" : 17]> g (bool c) => (float[1] y) { y = )";
  for (int i = 0; i < 5000; ++i) text += "If (c) <then_branch = t () => (float[1] y) { y = ";
  EXPECT_THAT(ErrorOf(Write("deep.onnxtxt", text)), ::testing::HasSubstr("braces are nested"));
}

}  // namespace
}  // namespace onnxtidy
