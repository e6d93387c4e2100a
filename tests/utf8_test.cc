// Reports and error lines are valid UTF-8 whatever bytes a model holds: ValidUtf8 keeps
// exactly Unicode's well-formed sequences and replaces every other byte with U+FFFD.
#include <gtest/gtest.h>

#include <string>

#include "lint/diagnostics.h"

namespace onnxtidy {
namespace {

const std::string kReplacement = "\xEF\xBF\xBD";

TEST(Utf8, WellFormedSequencesStay) {
  for (const std::string s :
       {"plain", "\xC2\xA0", "\xDF\xBF", "\xE0\xA0\x80", "\xED\x9F\xBF", "\xEF\xBF\xBF", "\xF0\x90\x80\x80",
        "\xF4\x8F\xBF\xBF", "\xC3\xA9t\xC3\xA9 \xE2\x86\x92 \xF0\x9F\x98\x80"}) {
    EXPECT_EQ(ValidUtf8(s), s);
  }
}

std::string Replaced(int n) {
  std::string out;
  for (int i = 0; i < n; ++i) out += kReplacement;
  return out;
}

TEST(Utf8, EveryIllFormedByteIsReplaced) {
  const std::pair<std::string, std::string> cases[] = {
      {"\x80", Replaced(1)},              // a continuation byte alone
      {"\xC0\xAF", Replaced(2)},          // overlong '/'
      {"\xC1\xBF", Replaced(2)},          // overlong
      {"\xE0\x80\xAF", Replaced(3)},      // overlong, three bytes
      {"\xED\xA0\x80", Replaced(3)},      // a surrogate
      {"\xF0\x80\x80\xAF", Replaced(4)},  // overlong, four bytes
      {"\xF4\x90\x80\x80", Replaced(4)},  // past U+10FFFF
      {"\xF5\xA5\xBC\x9E", Replaced(4)},  // no such lead byte (an error line had it)
      {"\xFF", Replaced(1)},
      {"a\xE2\x82", "a" + Replaced(2)},  // cut short
  };
  for (const auto& [in, want] : cases) EXPECT_EQ(ValidUtf8(in), want);
}

TEST(Utf8, PrintableLinesHoldNoControlCharacter) {
  EXPECT_EQ(PrintableLine("a\nb\rc\x1b[31md\x7f\te"), "a b c [31md  e");
  EXPECT_EQ(PrintableLine("x\xC2\x85y\xE2\x80\xA8z\xE2\x80\xA9w"), "x y z w");  // NEL, U+2028, U+2029
  EXPECT_EQ(PrintableLine("caf\xC3\xA9 \xC2\xA0\xE2\x86\x92"), "caf\xC3\xA9 \xC2\xA0\xE2\x86\x92");
  EXPECT_EQ(PrintableLine("\xF5\x1c"), kReplacement + " ");
}

}  // namespace
}  // namespace onnxtidy
