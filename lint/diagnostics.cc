#include "lint/diagnostics.h"

#include <algorithm>
#include <tuple>

namespace onnxtidy {

const char* SeverityName(Severity s) {
  switch (s) {
    case Severity::kInfo: return "info";
    case Severity::kWarning: return "warning";
    case Severity::kError: return "error";
  }
  return "error";
}

std::optional<Severity> ParseSeverity(const std::string& name) {
  if (name == "error") return Severity::kError;
  if (name == "warning") return Severity::kWarning;
  if (name == "info") return Severity::kInfo;
  return std::nullopt;
}

const char* FixSafetyName(FixSafety s) {
  switch (s) {
    case FixSafety::kSafe: return "safe";
    case FixSafety::kUnsafe: return "unsafe";
    case FixSafety::kDisplayOnly: return "display-only";
  }
  return "display-only";
}

const char* FixKindName(FixKind k) {
  switch (k) {
    case FixKind::kNone: return "none";
    case FixKind::kWidenOperands: return "widen-operands";
    case FixKind::kRetypeGraphInput: return "retype-graph-input";
    case FixKind::kWidenJoin: return "widen-join";
    case FixKind::kRetypeValueInfo: return "retype-value-info";
    case FixKind::kCastGraphOutput: return "cast-graph-output";
    case FixKind::kConvertInitializer: return "convert-initializer";
    case FixKind::kRemoveCast: return "remove-cast";
    case FixKind::kSortGraph: return "sort-graph";
  }
  return "none";
}

std::string OneLine(std::string message) {
  for (char& c : message) {
    if (c == '\n' || c == '\r') c = ' ';
  }
  return message;
}

int ModelReport::Count(Severity s) const {
  return static_cast<int>(std::count_if(findings.begin(), findings.end(),
                                        [s](const Finding& f) { return f.severity == s; }));
}

void SortFindings(std::vector<Finding>& findings) {
  auto key = [](const Finding& f) {
    const Location& l = f.location;
    return std::tie(l.graph, l.node_index, l.input_index, l.output_index, f.rule, f.message);
  };
  std::stable_sort(findings.begin(), findings.end(),
                   [&](const Finding& a, const Finding& b) { return key(a) < key(b); });
}

}  // namespace onnxtidy
