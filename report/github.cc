#include <string>

#include "report/reporters.h"

namespace onnxtidy {
namespace {

// GitHub's workflow commands: a message escapes %, CR and LF; a property value also
// escapes ':' and ','.
std::string Escape(const std::string& raw, bool property) {
  const std::string s = ValidUtf8(raw);
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    switch (c) {
      case '%': out += "%25"; break;
      case '\r': out += "%0D"; break;
      case '\n': out += "%0A"; break;
      case ':': out += property ? "%3A" : ":"; break;
      case ',': out += property ? "%2C" : ","; break;
      default: out += c;
    }
  }
  return out;
}

const char* Command(Severity s) {
  switch (s) {
    case Severity::kError: return "error";
    case Severity::kWarning: return "warning";
    case Severity::kInfo: return "notice";
  }
  return "warning";
}

}  // namespace

void WriteGithubReport(const std::vector<ModelReport>& reports, std::ostream& out) {
  for (const ModelReport& r : reports) {
    for (const Finding& f : r.findings) {
      const Location& l = f.location;
      std::string where = l.graph + (l.node_index >= 0 ? ":#" + std::to_string(l.node_index) : "");
      std::string message = where + ": " + f.message;
      for (const std::string& n : f.notes) message += "\n" + n;
      if (f.fix) message += "\nfix (" + std::string(FixSafetyName(f.fix->safety)) + "): " + f.fix->title;
      out << "::" << Command(f.severity) << " file=" << Escape(r.path, true) << ",title=" << Escape(f.rule, true)
          << "::" << Escape(message, false) << "\n";
    }
  }
}

}  // namespace onnxtidy
