#include "lint/model_loader.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>

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

}  // namespace
}  // namespace onnxtidy
