// Reporters format findings; they decide nothing.
#pragma once

#include <cstdint>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "fixers/fixer.h"
#include "lint/diagnostics.h"
#include "lint/rule.h"
#include "lint/target.h"

namespace onnxtidy {

// Compiler style: "file:graph:#index: error: message [rule-id]" and indented notes,
// then a one-line total. Load errors and notices are for stderr, not here. With
// `color`, severities and rule ids carry ANSI colours (the CLI's --color decides).
struct TextOptions {
  bool color = false;
};
void WriteTextReport(const std::vector<ModelReport>& reports, std::ostream& out, const TextOptions& options = {});

// How a root cause's findings go away: the one command that fixes all of them, or why
// there is none (root_causes.cc). A command is given only when every finding's own fix
// is applied by it, or when --precision float32 removes the 16-bit type they share.
struct RootCauseFix {
  std::string command;  // "onnx-tidy fix MODEL -o FIXED.onnx"; "" when none
  std::string reason;   // when there is no command
};
RootCauseFix FixForRootCause(const RootCause& cause, const ModelReport& report);

// One self-contained HTML page: summary, findings table, a drawing of each finding's
// dtype chains; no network access (html.cc).
void WriteHtmlReport(const std::vector<ModelReport>& reports, std::ostream& out);
// `s` safe inside HTML text and attribute values; invalid UTF-8 becomes U+FFFD.
std::string HtmlEscape(std::string_view s);

// One JSON document (docs/report.schema.json).
void WriteJsonReport(const std::vector<ModelReport>& reports, std::ostream& out);

// SARIF 2.1.0 for code scanning: every rule in tool.driver, a result per finding with
// the model as artifact, the graph and node as logical location, and a fingerprint
// that stays while the model changes around the finding (sarif.cc).
void WriteSarifReport(const std::vector<ModelReport>& reports, const std::vector<const Rule*>& rules,
                      std::ostream& out);

// GitHub workflow annotations, one per finding: "::error file=...,title=rule::message"
// with GitHub's escaping (github.cc).
void WriteGithubReport(const std::vector<ModelReport>& reports, std::ostream& out);

// One model's `fix`, as the command line ran it.
struct FixReport {
  std::string path;
  std::string output;  // where it was to be written
  bool written = false;
  std::string error;  // load or write failure (exit 2)
  FixResult result;
};

// What the fix was asked for, which the reports mention.
struct FixReportOptions {
  bool diff = false;                 // print the edit log as a diff
  std::optional<int32_t> precision;  // --precision
  const Target* target = nullptr;    // --target
  bool in_memory = false;            // the Python binding: a result that may be saved later
};

// "fixed:" (or "would fix:") and "not fixed:" lines, what was kept, and a summary line;
// with --target, whether the result is deployable there (fix_text.cc).
void WriteFixText(const FixReport& report, const FixReportOptions& options, std::ostream& out);
// Why nothing was written, naming the nodes still wrong before the checker's line: for
// stderr.
void WriteFixFailure(const FixReport& report, std::ostream& err);
// One JSON document (docs/fix-report.schema.json), fix_json.cc.
void WriteFixJson(const std::vector<FixReport>& reports, const FixReportOptions& options, std::ostream& out);

// `onnx-tidy rules`: one line per rule, a JSON document, or the Markdown index that
// docs/rules/README.md is (rules_list.cc).
void WriteRulesText(const std::vector<const Rule*>& rules, std::ostream& out);
void WriteRulesJson(const std::vector<const Rule*>& rules, std::ostream& out);
void WriteRulesMarkdown(const std::vector<const Rule*>& rules, std::ostream& out);

}  // namespace onnxtidy
