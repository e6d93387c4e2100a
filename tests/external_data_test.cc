// External data: each reason it is refused, on read (loader, check, tensor store) and on write.
#include "lint/external_data.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "fixers/tensor_store.h"
#include "lint/linter.h"
#include "lint/model_loader.h"
#include "rules/registry.h"
#include "tests/test_util.h"

namespace onnxtidy {
namespace {

namespace fs = std::filesystem;

using Entries = std::vector<std::pair<std::string, std::string>>;

onnx::TensorProto External(const Entries& entries, const std::string& name = "w") {
  onnx::TensorProto t;
  t.set_name(name);
  t.set_data_type(onnx::TensorProto::FLOAT);
  t.add_dims(4);
  t.set_data_location(onnx::TensorProto::EXTERNAL);
  for (const auto& [k, v] : entries) {
    auto* e = t.add_external_data();
    e->set_key(k);
    e->set_value(v);
  }
  return t;
}

std::string Why(const Entries& entries) {
  ExternalDataRef ref;
  return ParseExternalData(External(entries), ref);
}

TEST(ParseExternalDataTest, AcceptsTheFourKeysAndNormalisesTheLocation) {
  ExternalDataRef ref;
  EXPECT_EQ(
      ParseExternalData(
          External({{"location", "./a/b/../w.bin"}, {"offset", "16"}, {"length", "8"}, {"checksum", "abc"}}), ref),
      "");
  EXPECT_EQ(ref.location, "a/w.bin");
  EXPECT_EQ(ref.offset, 16u);
  ASSERT_TRUE(ref.length.has_value());
  EXPECT_EQ(*ref.length, 8u);
  EXPECT_EQ(ParseExternalData(External({{"location", "w.bin"}}), ref), "");
  EXPECT_FALSE(ref.length.has_value());
  EXPECT_EQ(ParseExternalData(External({{"location", "w.bin"}, {"offset", "9223372036854775807"}}), ref), "");
}

TEST(ParseExternalDataTest, RefusesEachBadEntry) {
  const std::vector<std::pair<Entries, std::string>> cases = {
      {{{"location", "../secret.bin"}}, "leaves the model's folder"},
      {{{"location", "subdir/../../x"}}, "leaves the model's folder"},
      {{{"location", "a/b/../../../x"}}, "leaves the model's folder"},
      {{{"location", "/etc/passwd"}}, "is absolute"},
      {{{"location", "a/.."}}, "names the model's folder itself"},
      {{{"location", std::string("w\0.bin", 6)}}, "NUL byte"},
      {{{"offset", "0"}}, "no location"},
      {{{"location", ""}}, "an empty location"},
      {{{"location", "w.bin"}, {"owner", "me"}}, "unknown key 'owner'"},
      {{{"location", "w.bin"}, {"location", "x.bin"}}, "given twice"},
      {{{"location", "w.bin"}, {"offset", "-4"}}, "offset '-4' is not a non-negative integer"},
      {{{"location", "w.bin"}, {"offset", "four"}}, "is not a non-negative integer"},
      {{{"location", "w.bin"}, {"offset", " 4"}}, "is not a non-negative integer"},
      {{{"location", "w.bin"}, {"offset", "+4"}}, "is not a non-negative integer"},
      {{{"location", "w.bin"}, {"offset", "0x10"}}, "is not a non-negative integer"},
      {{{"location", "w.bin"}, {"offset", ""}}, "offset is empty"},
      {{{"location", "w.bin"}, {"length", "-1"}}, "length '-1' is not a non-negative integer"},
      {{{"location", "w.bin"}, {"offset", "9223372036854775808"}}, "overflows"},
      {{{"location", "w.bin"}, {"length", "99999999999999999999999"}}, "overflows"},
  };
  for (const auto& [entries, expected] : cases) {
    const std::string why = Why(entries);
    EXPECT_THAT(why, ::testing::HasSubstr(expected)) << entries.front().second;
    EXPECT_EQ(why.find('\n'), std::string::npos);
  }
}

class ExternalFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = fs::temp_directory_path() / ("onnxtidy_extdata_" + std::to_string(::getpid()));
    fs::remove_all(root_);
    dir_ = root_ / "model";
    fs::create_directories(dir_ / "sub");
    WriteFile(root_ / "secret.bin", "SECRET-SECRET-SECRET");
    WriteFile(dir_ / "w.bin", std::string(16, '\x01'));
  }
  void TearDown() override { fs::remove_all(root_); }

  static void WriteFile(const fs::path& p, const std::string& bytes) { std::ofstream(p, std::ios::binary) << bytes; }
  static std::string ReadFile(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
  }

  std::string Why(const Entries& entries) { return ExternalDataProblem(External(entries), dir_.string()); }

  // A model adding `w` (external, as `entries` say) to its input; saved as model/m.onnx.
  std::string SaveModel(const Entries& entries) {
    onnx::ModelProto m = testing::Parse(R"(<ir_version: 8, opset_import: ["" : 17]>
g (float[4] x) => (float[4] y) { y = Add (x, w) })");
    *m.mutable_graph()->add_initializer() = External(entries);
    const std::string path = (dir_ / "m.onnx").string();
    std::ofstream(path, std::ios::binary) << m.SerializeAsString();
    return path;
  }

  fs::path root_, dir_;
};

TEST_F(ExternalFileTest, AcceptsARegularFileInsideTheFolder) {
  EXPECT_EQ(Why({{"location", "w.bin"}}), "");
  EXPECT_EQ(Why({{"location", "w.bin"}, {"offset", "8"}, {"length", "8"}}), "");
  EXPECT_EQ(Why({{"location", "w.bin"}, {"offset", "16"}}), "");  // empty, at the very end
  WriteFile(dir_ / "sub" / "v.bin", "1234");
  EXPECT_EQ(Why({{"location", "sub/v.bin"}}), "");
  EXPECT_EQ(Why({{"location", "sub/../w.bin"}}), "");
}

TEST_F(ExternalFileTest, RefusesSymlinksHardLinksAndFilesThatAreNotRegular) {
  fs::create_symlink(root_ / "secret.bin", dir_ / "link.bin");
  EXPECT_THAT(Why({{"location", "link.bin"}}), ::testing::HasSubstr("'link.bin' is a symlink"));

  fs::create_directory(root_ / "elsewhere");
  WriteFile(root_ / "elsewhere" / "v.bin", "SECRET");
  fs::create_directory_symlink(root_ / "elsewhere", dir_ / "linked");
  EXPECT_THAT(Why({{"location", "linked/v.bin"}}), ::testing::HasSubstr("folder 'linked' on the way"));

  fs::create_hard_link(root_ / "secret.bin", dir_ / "hard.bin");
  EXPECT_THAT(Why({{"location", "hard.bin"}}), ::testing::HasSubstr("has 2 hard links"));

  ASSERT_EQ(::mkfifo((dir_ / "fifo.bin").c_str(), 0600), 0);
  EXPECT_THAT(Why({{"location", "fifo.bin"}}), ::testing::HasSubstr("is a FIFO, not a regular file"));

  EXPECT_THAT(Why({{"location", "sub"}}), ::testing::HasSubstr("is a folder, not a regular file"));
  EXPECT_THAT(Why({{"location", "w.bin/x"}}), ::testing::HasSubstr("'w.bin' on the way to 'w.bin/x' is not a folder"));
  EXPECT_THAT(Why({{"location", "missing.bin"}}), ::testing::HasSubstr("No such file"));
}

TEST_F(ExternalFileTest, RefusesARangePastTheEndOfTheFile) {
  EXPECT_THAT(Why({{"location", "w.bin"}, {"offset", "17"}}),
              ::testing::HasSubstr("past the end of 'w.bin' (16 bytes)"));
  EXPECT_THAT(Why({{"location", "w.bin"}, {"offset", "8"}, {"length", "9"}}),
              ::testing::HasSubstr("reaches past the end"));
  EXPECT_THAT(Why({{"location", "w.bin"}, {"length", "17"}}), ::testing::HasSubstr("reaches past the end"));
  EXPECT_THAT(Why({{"location", "w.bin"}, {"offset", "9223372036854775807"}, {"length", "9223372036854775807"}}),
              ::testing::HasSubstr("past the end"));
}

TEST_F(ExternalFileTest, OpeningRefusesASymlinkSwappedInAfterTheCheck) {
  ExternalDataRef ref;
  ASSERT_EQ(ParseExternalData(External({{"location", "sub/v.bin"}}), ref), "");
  WriteFile(dir_ / "sub" / "v.bin", "1234");
  uint64_t size = 0;
  ASSERT_EQ(CheckExternalFile(dir_.string(), ref, size), "");
  fs::remove_all(dir_ / "sub");
  fs::create_directory_symlink(root_, dir_ / "sub");  // now sub/v.bin would be outside
  WriteFile(root_ / "v.bin", "SECRET");
  EXPECT_THROW(::close(OpenExternalData(dir_.string(), ref, "w", size)), LoadError);

  ExternalDataRef plain;
  ASSERT_EQ(ParseExternalData(External({{"location", "w.bin"}, {"offset", "4"}}), plain), "");
  const int fd = OpenExternalData(dir_.string(), plain, "w", size);
  EXPECT_GE(fd, 0);
  ::close(fd);
  EXPECT_EQ(size, 16u);
  ASSERT_TRUE(plain.length.has_value());
  EXPECT_EQ(*plain.length, 12u);  // to the end of the file
}

TEST_F(ExternalFileTest, FixRefusesAtLoadAndCheckReportsTheTensor) {
  const std::vector<Entries> hostile = {
      {{"location", "../secret.bin"}},
      {{"location", "w.bin"}, {"offset", "-4"}},
      {{"location", (root_ / "secret.bin").string()}},
      {{"location", "w.bin"}, {"junk", "1"}},
  };
  for (const Entries& entries : hostile) {
    const std::string path = SaveModel(entries);
    try {
      LoadModel(path);
      ADD_FAILURE() << "loaded " << entries.front().second;
    } catch (const LoadError& e) {
      EXPECT_THAT(e.what(), ::testing::HasSubstr("refusing its external data: tensor 'w' in main:"));
      EXPECT_EQ(std::string(e.what()).find('\n'), std::string::npos);
    }
    const ModelReport report = LintFile(path, AllRules());
    EXPECT_EQ(report.error, "");
    ASSERT_EQ(report.findings.size(), 1u) << entries.front().second;
    EXPECT_EQ(report.findings[0].rule, "unsafe-external-data");
    EXPECT_EQ(report.findings[0].severity, Severity::kError);
    EXPECT_EQ(report.findings[0].location.value, "w");
    EXPECT_THAT(report.findings[0].message, ::testing::HasSubstr("tensor 'w' is refused"));
  }
}

TEST_F(ExternalFileTest, TheRuleLooksInSubgraphsAndConstantNodes) {
  onnx::ModelProto m = testing::Parse(R"(<ir_version: 8, opset_import: ["" : 17]>
g (bool c) => (float[4] y) {
  y = If (c) <then_branch = t () => (float[4] a) { a = Constant <value = float[4] {1, 2, 3, 4}> () },
              else_branch = e () => (float[4] b) { b = Constant <value = float[4] {1, 2, 3, 4}> () }>
})");
  onnx::GraphProto* then_branch = m.mutable_graph()->mutable_node(0)->mutable_attribute(0)->mutable_g();
  *then_branch->mutable_node(0)->mutable_attribute(0)->mutable_t() = External({{"location", "../../x"}}, "k");
  LintOptions options;
  options.context.model_dir = dir_.string();
  const std::vector<Finding> findings = LintModel(m, "m.onnx", {&UnsafeExternalData()}, options).findings;
  ASSERT_EQ(findings.size(), 1u);
  EXPECT_EQ(findings[0].location.graph, "main/#0(If).then_branch");
  EXPECT_EQ(findings[0].location.node_index, 0);
  EXPECT_EQ(findings[0].location.op_type, "Constant");
  EXPECT_THAT(findings[0].message, ::testing::HasSubstr("tensor 'k' is refused: location '../../x' leaves"));
}

TEST_F(ExternalFileTest, ASafeModelHasNoFinding) {
  const std::string path = SaveModel({{"location", "w.bin"}});
  EXPECT_TRUE(LintFile(path, AllRules()).findings.empty());
  EXPECT_NO_THROW(LoadModel(path));
}

TEST_F(ExternalFileTest, ANewDataFileNeverReplacesASymlinkOrAHardLink) {
  const std::string path = SaveModel({{"location", "w.bin"}});
  const fs::path out_dir = root_ / "out";
  fs::create_directory(out_dir);
  for (const bool hard : {false, true}) {
    SCOPED_TRACE(hard);
    fs::remove(out_dir / "fixed.onnx.data");
    if (hard) {
      fs::create_hard_link(root_ / "secret.bin", out_dir / "fixed.onnx.data");
    } else {
      fs::create_symlink(root_ / "secret.bin", out_dir / "fixed.onnx.data");
    }
    LoadedModel loaded = LoadModel(path);
    TensorStore store(loaded);
    try {
      store.Write(*loaded.model, (out_dir / "fixed.onnx").string(), Overflow::kInfinity);
      ADD_FAILURE() << "wrote through";
    } catch (const std::runtime_error& e) {
      EXPECT_THAT(e.what(), ::testing::HasSubstr(hard ? "hard links" : "is a symlink"));
    }
    EXPECT_FALSE(fs::exists(out_dir / "fixed.onnx"));
    EXPECT_EQ(ReadFile(root_ / "secret.bin"), "SECRET-SECRET-SECRET");
    if (hard) {
      EXPECT_EQ(fs::hard_link_count(out_dir / "fixed.onnx.data"), 2u);
    } else {
      EXPECT_TRUE(fs::is_symlink(out_dir / "fixed.onnx.data"));
    }
  }
  // What is ours is replaced: a second fix to the same place works.
  fs::remove(out_dir / "fixed.onnx.data");
  for (int run = 0; run < 2; ++run) {
    LoadedModel loaded = LoadModel(path);
    TensorStore store(loaded);
    store.Write(*loaded.model, (out_dir / "fixed.onnx").string(), Overflow::kInfinity);
  }
  EXPECT_EQ(ReadFile(out_dir / "fixed.onnx.data"), std::string(16, '\x01'));
}

TEST_F(ExternalFileTest, TheStoreRefusesWhatTheLoaderWasToldToLetThrough) {
  const std::string path = SaveModel({{"location", "w.bin"}, {"offset", "-4"}});
  LoadOptions report;
  report.external_data = ExternalDataPolicy::kReport;
  LoadedModel loaded = LoadModel(path, report);
  EXPECT_THROW(TensorStore store(loaded), LoadError);
}

TEST_F(ExternalFileTest, LoadsFromMemoryWithTheSameChecks) {
  const std::string path = SaveModel({{"location", "w.bin"}});
  const std::string bytes = ReadFile(path);
  LoadedModel loaded = LoadModel(std::string_view(bytes), dir_.string());
  EXPECT_EQ(loaded.dir, dir_.string());
  EXPECT_EQ(loaded.path, "<memory>");
  EXPECT_EQ(loaded.model->graph().initializer(0).name(), "w");
  // Relative to another folder, the same location is missing.
  EXPECT_THROW(LoadModel(std::string_view(bytes), root_.string()), LoadError);
  LoadOptions report;
  report.external_data = ExternalDataPolicy::kReport;
  EXPECT_NO_THROW(LoadModel(std::string_view(bytes), root_.string(), report));

  const std::string hostile = ReadFile(SaveModel({{"location", "../secret.bin"}}));
  EXPECT_THROW(LoadModel(std::string_view(hostile), dir_.string()), LoadError);

  // The external bytes are read from the base folder when fixed.
  TensorStore store(loaded);
  const fs::path out = root_ / "from_memory.onnx";
  store.Write(*loaded.model, out.string(), Overflow::kInfinity);
  EXPECT_EQ(ReadFile(root_ / "from_memory.onnx.data"), std::string(16, '\x01'));

  const char* text = R"(<ir_version: 8, opset_import: ["" : 17]>
g (float[2] x) => (float[2] y) { y = Relu (x) })";
  EXPECT_EQ(LoadModel(std::string_view(text), ".").model->graph().node(0).op_type(), "Relu");
  for (const std::string& bad :
       {std::string(), bytes.substr(0, bytes.size() - 5), std::string(64, '\0'), std::string("hello, not a model")}) {
    try {
      LoadModel(std::string_view(bad), ".", {}, "fuzz input");
      ADD_FAILURE() << "loaded " << bad.size() << " bytes";
    } catch (const LoadError& e) {
      EXPECT_THAT(e.what(), ::testing::HasSubstr("'fuzz input'"));
    }
  }
}

}  // namespace
}  // namespace onnxtidy
