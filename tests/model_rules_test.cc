// mixed-precision and unchecked-op (model-wide), and rule selection.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <stdexcept>

#include "lint/dtype.h"
#include "rules/registry.h"
#include "tests/test_util.h"

namespace onnxtidy {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using testing::Keys;
using testing::LintAll;
using testing::Parse;
using testing::ToInitializer;

TEST(MixedPrecision, TalliesStoredPrecisionsAndNarrowIo) {
  onnx::ModelProto m = Parse(R"(<ir_version: 8, opset_import: ["" : 17]>
g (bfloat16[2,2] x, bfloat16[2,2] W, float[256] big) => (bfloat16[2,2] y) { y = MatMul (x, W) })");
  ToInitializer(m, "W");
  ToInitializer(m, "big");
  auto f = LintAll(m);
  ASSERT_THAT(Keys(f), ElementsAre("mixed-precision@main#-1"));
  EXPECT_EQ(f[0].severity, Severity::kInfo);
  EXPECT_EQ(f[0].message,
            "model mixes float precisions in stored tensors: bfloat16 8 B in 1 tensor, float 1.0 KiB in "
            "1 tensor");
  EXPECT_THAT(f[0].notes, ElementsAre(HasSubstr("graph input 'x' is bfloat16: numpy has no bfloat16"),
                                      HasSubstr("graph output 'y' is bfloat16")));
}

TEST(MixedPrecision, OnePrecisionAndFloatIoSayNothing) {
  onnx::ModelProto m = Parse(R"(<ir_version: 8, opset_import: ["" : 17]>
g (float[2,2] x, float[2,2] W) => (float[2,2] y) { y = MatMul (x, W) })");
  ToInitializer(m, "W");
  EXPECT_THAT(Keys(LintAll(m)), IsEmpty());
}

TEST(UncheckedOp, OneNotePerCustomOp) {
  onnx::ModelProto m = Parse(R"(<ir_version: 8, opset_import: ["" : 17, "com.microsoft" : 1]>
g (float[2] x) => (float[2] y) {
  a = com.microsoft.Gelu (x)
  b = com.microsoft.Gelu (a)
  y = com.microsoft.FastGelu (b)
})");
  auto f = LintAll(m);
  ASSERT_THAT(Keys(f), ElementsAre("unchecked-op@main#0", "unchecked-op@main#2"));
  EXPECT_EQ(f[0].message, "com.microsoft.Gelu is not checked: no schema for it in com.microsoft opset 1 (2 nodes)");
  EXPECT_EQ(f[0].severity, Severity::kInfo);
}

TEST(UncheckedOp, DomainNotImported) {
  onnx::ModelProto m = Parse(R"(<ir_version: 8, opset_import: ["" : 17]>
g (float[2] x) => (float[2] y) { y = Relu (x) })");
  auto* n = m.mutable_graph()->add_node();
  n->set_op_type("Thing");
  n->set_domain("vendor");
  n->add_input("x");
  n->add_output("z");
  auto f = LintAll(m);
  ASSERT_THAT(Keys(f), ElementsAre("unchecked-op@main#1"));
  EXPECT_THAT(f[0].message, HasSubstr("domain 'vendor' is not imported by the model"));
}

std::vector<std::string> Ids(const std::vector<const Rule*>& rules) {
  std::vector<std::string> out;
  for (const Rule* r : rules) out.push_back(r->info().id);
  return out;
}

TEST(RuleSelection, GlobsSelectAndIgnore) {
  EXPECT_EQ(SelectRules({}, {}).size(), AllRules().size());
  EXPECT_THAT(Ids(SelectRules({"*-cast*"}, {})), ElementsAre("lossy-cast-round-trip", "redundant-cast"));
  EXPECT_THAT(Ids(SelectRules({"operand-dtype-mismatch", "dtype-*"}, {})),
              ElementsAre("dtype-not-allowed", "operand-dtype-mismatch"));
  auto rest = Ids(SelectRules({}, {"mixed-precision", "unchecked-*"}));
  EXPECT_EQ(rest.size(), AllRules().size() - 2);
  EXPECT_THROW(SelectRules({"no-such-rule"}, {}), std::invalid_argument);
  EXPECT_THROW(SelectRules({}, {"nope*"}), std::invalid_argument);
}

TEST(RuleRegistry, IdsAreKebabCaseAndUnique) {
  std::set<std::string> seen;
  for (const Rule* r : AllRules()) {
    const std::string& id = r->info().id;
    EXPECT_TRUE(seen.insert(id).second) << id;
    EXPECT_THAT(id, ::testing::MatchesRegex("[a-z0-9]+(-[a-z0-9]+)*"));
    EXPECT_EQ(FindRule(id), r);
    EXPECT_FALSE(r->info().summary.empty());
  }
}

}  // namespace
}  // namespace onnxtidy
