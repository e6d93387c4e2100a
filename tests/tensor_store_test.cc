// Large weights stay in the mapped file: linting never parses them, and writing a model
// back streams them, producing the same bytes as serialising the whole model.
#include "fixers/tensor_store.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <fstream>

#include "fixers/fixer.h"
#include "lint/dtype.h"
#include "lint/linter.h"
#include "rules/registry.h"
#include "tests/test_util.h"

namespace onnxtidy {
namespace {

namespace fs = std::filesystem;

class TensorStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("onnxtidy_store_" + std::to_string(::getpid()));
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  // x (float) @ W (bfloat16, rows x 64: 8 KiB by default, stripped) + b (float, 16
  // bytes: kept). 100,000 rows make outputs of several of the writer's buffers.
  static constexpr int kLargeRows = 100000;
  onnx::ModelProto Model(int rows = 64) {
    const std::string r = std::to_string(rows);
    onnx::ModelProto m = testing::Parse(R"(<ir_version: 8, opset_import: ["" : 17]>
g (float[1,)" + r + R"(] x, bfloat16[)" +
                                        r + R"(,64] W, float[4] b) => (float[1,64] y) {
  h = MatMul (x, W)
  y = Relu (h)
})");
    testing::ToInitializer(m, "W");
    testing::ToInitializer(m, "b");
    std::string& raw = *m.mutable_graph()->mutable_initializer(0)->mutable_raw_data();
    for (size_t i = 0; i < raw.size(); i += 2) {
      const uint16_t v = static_cast<uint16_t>(0x3F80 + i % 1000);  // varied, finite bfloat16 values
      std::memcpy(&raw[i], &v, 2);
    }
    return m;
  }

  std::string Save(const onnx::ModelProto& m, const std::string& name) {
    const std::string path = (dir_ / name).string();
    std::ofstream(path, std::ios::binary) << SerializeDeterministic(m);
    return path;
  }

  static std::string Read(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
  }

  fs::path dir_;
};

TEST_F(TensorStoreTest, LargeRawDataIsLeftInTheFile) {
  const std::string path = Save(Model(), "m.onnx");
  LoadedModel loaded = LoadModel(path);
  ASSERT_EQ(loaded.stripped.size(), 1u);
  EXPECT_EQ(loaded.stripped[0].index, 0);
  EXPECT_EQ(loaded.stripped[0].length, 64u * 64u * 2u);
  EXPECT_FALSE(loaded.model->graph().initializer(0).has_raw_data());
  EXPECT_TRUE(loaded.model->graph().initializer(1).has_raw_data());  // small: parsed
  // Linting needs no bytes.
  auto findings = LintModel(*loaded.model, path, AllRules()).findings;
  EXPECT_THAT(testing::Keys(findings), ::testing::Contains("operand-dtype-mismatch@main#0:in1"));
}

TEST_F(TensorStoreTest, WritingBackUnchangedGivesTheSameBytes) {
  for (int rows : {64, kLargeRows}) {
    SCOPED_TRACE(rows);
    const onnx::ModelProto m = Model(rows);
    const std::string path = Save(m, "m.onnx");
    LoadedModel loaded = LoadModel(path);
    TensorStore store(loaded);
    const std::string out = (dir_ / "copy.onnx").string();
    store.Write(*loaded.model, out, Overflow::kInfinity);
    EXPECT_EQ(Read(out), Read(path));
  }
}

TEST_F(TensorStoreTest, DeferredConversionEqualsConvertingInMemory) {
  for (int rows : {64, kLargeRows}) {
    SCOPED_TRACE(rows);
    onnx::ModelProto in_memory = Model(rows);
    const std::string path = Save(in_memory, "m.onnx");
    FixResult direct = FixModel(in_memory, {});
    ASSERT_EQ(direct.verify_error, "");

    LoadedModel loaded = LoadModel(path);
    TensorStore store(loaded);
    FixResult streamed = FixModel(*loaded.model, {}, &store);
    ASSERT_EQ(streamed.verify_error, "");
    EXPECT_EQ(streamed.applied.size(), direct.applied.size());
    const std::string out = (dir_ / "fixed.onnx").string();
    store.Write(*loaded.model, out, Overflow::kInfinity);
    EXPECT_EQ(Read(out), SerializeDeterministic(in_memory));
    EXPECT_EQ(Read(path), SerializeDeterministic(Model(rows)));  // the input is untouched
  }
}

TEST_F(TensorStoreTest, ExternalDataIsStreamedIntoANewFileAndTheInputDataIsNeverWritten) {
  onnx::ModelProto m = Model();
  onnx::TensorProto* w = m.mutable_graph()->mutable_initializer(0);
  const std::string bytes = w->raw_data();
  std::ofstream(dir_ / "weights.bin", std::ios::binary) << std::string(16, 'x') << bytes;
  w->clear_raw_data();
  w->set_data_location(onnx::TensorProto::EXTERNAL);
  for (const auto& [k, v] : {std::pair<std::string, std::string>{"location", "weights.bin"},
                             {"offset", "16"},
                             {"length", std::to_string(bytes.size())}}) {
    auto* e = w->add_external_data();
    e->set_key(k);
    e->set_value(v);
  }
  const std::string path = Save(m, "ext.onnx");
  const std::string data_before = Read((dir_ / "weights.bin").string());

  LoadedModel loaded = LoadModel(path);
  EXPECT_TRUE(loaded.stripped.empty());
  TensorStore store(loaded);
  FixResult r = FixModel(*loaded.model, {}, &store);
  ASSERT_EQ(r.verify_error, "");
  ASSERT_EQ(r.applied.size(), 1u);
  const std::string out = (dir_ / "fixed.onnx").string();
  store.Write(*loaded.model, out, Overflow::kInfinity);

  EXPECT_EQ(Read((dir_ / "weights.bin").string()), data_before);
  const std::string data = Read((dir_ / "fixed.onnx.data").string());
  ASSERT_EQ(data.size(), bytes.size() * 2);  // bfloat16 -> float
  for (size_t i = 0; i < bytes.size(); i += 2) {
    uint32_t f;
    std::memcpy(&f, &data[i * 2], 4);
    uint16_t b;
    std::memcpy(&b, &bytes[i], 2);
    ASSERT_EQ(f, static_cast<uint32_t>(b) << 16);  // exact widening
  }
  LoadedModel fixed = LoadModel(out);
  const onnx::TensorProto& t = fixed.model->graph().initializer(0);
  EXPECT_EQ(t.data_type(), kFloat);
  EXPECT_EQ(t.external_data(0).value(), "fixed.onnx.data");
  EXPECT_EQ(t.external_data(2).value(), std::to_string(bytes.size() * 2));
}

}  // namespace
}  // namespace onnxtidy
