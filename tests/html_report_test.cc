// The HTML page: names from the model are hostile (markup, quotes, &, invalid UTF-8)
// and must come out as text; caps are said on the page.
#include <gtest/gtest.h>

#include <sstream>

#include "report/reporters.h"

namespace onnxtidy {
namespace {

TEST(HtmlEscape, MarkupQuotesAmpersandAndInvalidUtf8) {
  EXPECT_EQ(HtmlEscape("<script>alert('x')</script>"), "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;");
  EXPECT_EQ(HtmlEscape("a\"b&c"), "a&quot;b&amp;c");
  EXPECT_EQ(HtmlEscape(std::string("n\xff\xfe", 3)), "n\xEF\xBF\xBD\xEF\xBF\xBD");
}

ModelReport Hostile() {
  ModelReport r;
  r.path = "<b>m&.onnx";
  Finding f;
  f.rule = "operand-dtype-mismatch";
  f.message = "MatMul '<script>x</script>': A is float but B is bfloat16";
  f.location = {"main", "<script>x</script>", 3, "MatMul", 1, -1, "\"w\""};
  for (const char* dtype : {"float", "bfloat16"}) {
    Provenance p;
    p.role = "input";
    p.value = std::string("v\xff<i>") + dtype;
    p.dtype = dtype;
    p.chain.push_back({p.value, dtype, "main", "node_output", "output of Relu", "relu'\"&", 2, "Relu"});
    p.chain.push_back({"W<script>", dtype, "main", "initializer", "initializer 'W<script>'", "", -1, ""});
    p.elided = 13;
    r.findings.push_back({});
    f.provenance.push_back(p);
  }
  r.findings.back() = f;
  return r;
}

TEST(HtmlReport, NothingFromTheModelIsMarkup) {
  std::ostringstream out;
  WriteHtmlReport({Hostile()}, out);
  const std::string page = out.str();
  // The page's own script is the only one.
  size_t scripts = 0;
  for (size_t i = page.find("<script"); i != std::string::npos; i = page.find("<script", i + 1)) ++scripts;
  EXPECT_EQ(scripts, 1u);
  EXPECT_EQ(page.find("<b>m&"), std::string::npos);
  EXPECT_NE(page.find("&lt;b&gt;m&amp;.onnx"), std::string::npos);
  EXPECT_EQ(page.find('\xff'), std::string::npos);
  EXPECT_NE(page.find("relu&#39;&quot;&amp;"), std::string::npos);
  EXPECT_NE(page.find("\xE2\x80\xA6 13 more"), std::string::npos);  // the collapsed chain
  EXPECT_NE(page.find("edge conflict"), std::string::npos);         // float vs bfloat16
  EXPECT_NE(page.find("href=\"docs/rules/operand-dtype-mismatch.md\""), std::string::npos);
  EXPECT_EQ(page.find("http://"), page.find("http://www.w3.org/2000/svg"));  // no network
}

TEST(HtmlReport, CapsRowsAndSaysSo) {
  ModelReport r;
  r.path = "big.onnx";
  Finding f;
  f.rule = "r";
  f.message = "m";
  r.findings.assign(2500, f);
  std::ostringstream out;
  WriteHtmlReport({r}, out);
  EXPECT_NE(out.str().find("Showing 2000 of 2500 findings"), std::string::npos);
}

}  // namespace
}  // namespace onnxtidy
