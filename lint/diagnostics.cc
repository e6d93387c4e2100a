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
  // Unicode's well-formed sequences (Table 3-7): no overlong forms (C0, C1, E0 80..9F,
  // F0 80..8F), no surrogates (ED A0..BF), nothing past U+10FFFF (F4 90.., F5..FF).
  const auto b = static_cast<unsigned char>(s[i]);
  if (b < 0x80) return 1;
  size_t n = 0;
  unsigned char lo = 0x80, hi = 0xBF;  // the second byte's range
  if (b >= 0xC2 && b <= 0xDF) {
    n = 2;
  } else if (b >= 0xE0 && b <= 0xEF) {
    n = 3;
    if (b == 0xE0) lo = 0xA0;
    if (b == 0xED) hi = 0x9F;
  } else if (b >= 0xF0 && b <= 0xF4) {
    n = 4;
    if (b == 0xF0) lo = 0x90;
    if (b == 0xF4) hi = 0x8F;
  } else {
    return 0;
  }
  if (i + n > s.size()) return 0;
  const auto second = static_cast<unsigned char>(s[i + 1]);
  if (second < lo || second > hi) return 0;
  for (size_t k = 2; k < n; ++k) {
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

std::string PrintableLine(std::string_view s) {
  const std::string valid = ValidUtf8(s);
  std::string out;
  out.reserve(valid.size());
  for (size_t i = 0; i < valid.size();) {
    const size_t n = Utf8Length(valid, i);
    const auto b = static_cast<unsigned char>(valid[i]);
    const auto b1 = n > 1 ? static_cast<unsigned char>(valid[i + 1]) : 0;
    const auto b2 = n > 2 ? static_cast<unsigned char>(valid[i + 2]) : 0;
    const bool control = (n == 1 && (b < 0x20 || b == 0x7F)) || (n == 2 && b == 0xC2 && b1 <= 0x9F) ||
                         (n == 3 && b == 0xE2 && b1 == 0x80 && (b2 == 0xA8 || b2 == 0xA9));
    if (control) {
      out += ' ';
    } else {
      out.append(valid, i, n);
    }
    i += n;
  }
  return out;
}

}  // namespace onnxtidy
