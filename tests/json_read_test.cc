// Saved JSON reports read back (report/json_read.h): the same document comes out, every
// field is checked, and a hostile file is one error line, never a crash.
#include "report/json_read.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>

#include "lint/linter.h"
#include "report/reporters.h"
#include "rules/registry.h"
#include "tests/test_util.h"

namespace onnxtidy {
namespace {

using ::testing::HasSubstr;
using testing::Parse;

std::string Temp(const std::string& text) {
  static int n = 0;
  const std::string path = ::testing::TempDir() + "/json_read_" + std::to_string(n++) + ".json";
  std::ofstream(path, std::ios::binary) << text;
  return path;
}

std::string Json(const std::vector<ModelReport>& reports) {
  std::ostringstream out;
  WriteJsonReport(reports, out);
  return out.str();
}

// Two layers after a bfloat16 Cast: findings with provenance and fixes, a root cause and
// a precision map with a block.
std::string TwoModels() {
  const onnx::ModelProto m = Parse(R"(<ir_version: 8, opset_import: ["" : 17]>
g (bfloat16[1,4] x, bfloat16[4,4] W0, bfloat16[4,4] W1) => (bfloat16[1,4] y) {
  h = Cast <to = 1> (x)
  m0 = MatMul (h, W0)
  r0 = Relu (m0)
  m1 = MatMul (r0, W1)
  y = Relu (m1)
})");
  ModelReport bad;
  bad.path = "missing.onnx";
  bad.error = "cannot read 'missing.onnx'";
  return Json({LintModel(m, "a.onnx", AllRules()), bad});
}

TEST(JsonRead, WritingWhatWasReadGivesTheSameBytes) {
  const std::string doc = TwoModels();
  ASSERT_THAT(doc, HasSubstr("\"precision_map\""));
  ASSERT_THAT(doc, HasSubstr("\"root_causes\": [\n        {"));
  const std::vector<ModelReport> read = ReadJsonReports(Temp(doc));
  ASSERT_EQ(read.size(), 2u);
  EXPECT_EQ(read[1].error, "cannot read 'missing.onnx'");
  EXPECT_EQ(Json(read), doc);
}

std::string Edited(const std::string& from, const std::string& to) {
  std::string doc = TwoModels();
  const size_t at = doc.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  return doc.replace(at, from.size(), to);
}

TEST(JsonRead, HostileFilesAreOneLineNamingTheField) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {TwoModels().substr(0, 500), "is not JSON"},
      {"{\"tool\": {\"name\": \"other\"}, \"models\": []}", "not a report of"},
      {"[]", "not a report of"},
      {Edited("\"node_index\": 1", "\"node_index\": -1"), "node_index: is out of range"},
      {Edited("\"severity\": \"error\"", "\"severity\": \"fatal\""), "severity: is not error"},
      {Edited("\"rule\": \"", "\"rule\": 7, \"x\": \""), "rule: is not a string"},
      {Edited("\"safety\": \"safe\"", "\"safety\": \"maybe\""), "safety: 'maybe' is not one of"},
      {Edited("\"repeat\": 2", "\"repeat\": 0"), "repeat: is out of range"},
      {Edited("\"length\": 2", "\"length\": 3"), "lists another number of nodes"},
      {std::string(10000, '['), "nested deeper"},
      {"\xff\xfe\x00", "is not JSON"},
  };
  for (const auto& [text, why] : cases) {
    const std::string path = Temp(text);
    try {
      ReadJsonReports(path);
      ADD_FAILURE() << "accepted: " << why;
    } catch (const std::runtime_error& e) {
      const std::string what = e.what();
      EXPECT_THAT(what, HasSubstr(why));
      EXPECT_THAT(what, HasSubstr(path));
      EXPECT_EQ(what.find('\n'), std::string::npos) << what;
    }
  }
  EXPECT_THROW(ReadJsonReports("/nonexistent/report.json"), std::runtime_error);
  EXPECT_THROW(ReadJsonReports(::testing::TempDir()), std::runtime_error);  // a folder
}

TEST(JsonRead, FieldsOfLaterVersionsAreIgnored) {
  const std::string doc = Edited("\"path\": \"a.onnx\",", "\"path\": \"a.onnx\", \"new_field\": {\"x\": [1]},");
  EXPECT_EQ(ReadJsonReports(Temp(doc)).size(), 2u);
}

}  // namespace
}  // namespace onnxtidy
