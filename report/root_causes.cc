// The one command that fixes a root cause's findings, shared by the text, JSON and
// later reports: worked out from the findings' own fixes, never guessed.
#include <string>

#include "lint/dtype.h"
#include "report/reporters.h"

namespace onnxtidy {
namespace {

std::string ShellQuote(const std::string& s) {
  bool plain = !s.empty();
  for (char c : s) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
                    c == '-' || c == '.' || c == '/' || c == '+' || c == ':' || c == '@' || c == ',' || c == '=';
    plain = plain && ok;
  }
  if (plain) return s;
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

}  // namespace

RootCauseFix FixForRootCause(const RootCause& cause, const ModelReport& report) {
  RootCauseFix out;
  bool all_applied = true, unsafe = false;
  for (size_t i : cause.findings) {
    const Finding& f = report.findings[i];
    const bool applied = f.fix && f.fix->kind != FixKind::kNone && f.fix->safety != FixSafety::kDisplayOnly;
    if (!applied) {
      all_applied = false;
      if (out.reason.empty()) {
        out.reason = f.fix ? f.fix->reason : "no fix is known for " + f.rule;
      }
      continue;
    }
    unsafe = unsafe || f.fix->safety == FixSafety::kUnsafe;
  }
  const std::string model = ShellQuote(report.path);
  if (all_applied) {
    out.command = std::string("onnx-tidy fix ") + (unsafe ? "--unsafe-fixes " : "") + model + " -o FIXED.onnx";
    out.reason.clear();
    return out;
  }
  // A 16-bit float brought into a model: converting the whole model to float32 removes
  // every disagreement it causes (docs/fix.md, --precision).
  if (cause.dtype == DtypeName(kBfloat16) || cause.dtype == DtypeName(kFloat16)) {
    out.command = "onnx-tidy fix --precision float32 " + model + " -o FIXED.onnx";
    out.reason.clear();
  }
  return out;
}

}  // namespace onnxtidy
