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
  return static_cast<int>(
      std::count_if(findings.begin(), findings.end(), [s](const Finding& f) { return f.severity == s; }));
}

void SortFindings(std::vector<Finding>& findings) {
  auto key = [](const Finding& f) {
    const Location& l = f.location;
    return std::tie(l.graph, l.node_index, l.input_index, l.output_index, f.rule, f.message);
  };
  std::stable_sort(findings.begin(), findings.end(),
                   [&](const Finding& a, const Finding& b) { return key(a) < key(b); });
}

namespace {

// FNV-1a: the same from run to run and machine to machine.
std::string Hex64(const std::string& s) {
  uint64_t h = 1469598103934665603ull;
  for (unsigned char c : s) {
    h ^= c;
    h *= 1099511628211ull;
  }
  static const char* digits = "0123456789abcdef";
  std::string out(16, '0');
  for (int i = 15; i >= 0; --i, h >>= 4) out[static_cast<size_t>(i)] = digits[h & 0xF];
  return out;
}

}  // namespace

std::string Fingerprint(const Finding& f) {
  const Location& l = f.location;
  const std::string node = !l.node.empty() ? "n:" + l.node : "#" + std::to_string(l.node_index);
  return Hex64(f.rule + "|" + l.graph + "|" + node + "|" + l.op_type + "|" + std::to_string(l.input_index) + "|" +
               std::to_string(l.output_index) + "|" + l.value);
}

size_t Utf8Length(std::string_view s, size_t i) {
  const auto b = static_cast<unsigned char>(s[i]);
  const size_t n = b < 0x80 ? 1 : (b >> 5) == 0x6 ? 2 : (b >> 4) == 0xE ? 3 : (b >> 3) == 0x1E ? 4 : 0;
  if (n == 0 || i + n > s.size()) return 0;
  for (size_t k = 1; k < n; ++k) {
    if ((static_cast<unsigned char>(s[i + k]) & 0xC0) != 0x80) return 0;
  }
  return n;
}

std::string ValidUtf8(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size();) {
    const size_t n = Utf8Length(s, i);
    if (n == 0) {
      out += "\xEF\xBF\xBD";
      ++i;
      continue;
    }
    out.append(s.data() + i, n);
    i += n;
  }
  return out;
}

}  // namespace onnxtidy
