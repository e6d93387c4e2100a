#include <algorithm>
#include <string>

#include "report/reporters.h"

namespace onnxtidy {
namespace {

std::string Where(const ModelReport& r, const Location& l) {
  std::string s = r.path + ":" + l.graph;
  if (l.node_index >= 0) s += ":#" + std::to_string(l.node_index);
  return s;
}

// A note shows the origin and the nearest few hops; JSON has the longer chain.
constexpr size_t kTextSteps = 3;

// "initializer 'W'" or "graph input 'x' -> Cast 'c' -> Relu #3": oldest first.
std::string History(const Provenance& p) {
  std::string s = p.chain.back().how;
  const size_t shown = std::min(p.chain.size() - 1, kTextSteps);
  const int elided = p.elided + static_cast<int>(p.chain.size() - 1 - shown);
  if (elided > 0) s += " -> ... (" + std::to_string(elided) + " more)";
  for (size_t i = shown; i-- > 0;) {
    const ProvenanceStep& step = p.chain[i];
    if (step.kind != "node_output") {
      s += " -> " + step.how;
      continue;
    }
    s += " -> " + step.op_type + (step.node.empty() ? " #" + std::to_string(step.node_index) : " '" + step.node + "'");
    if (i + 1 < p.chain.size() && step.graph != p.chain[i + 1].graph) s += " in " + step.graph;
  }
  return s;
}

// ANSI SGR: bold red errors, bold magenta warnings, bold cyan infos, dim rule ids.
std::string Paint(const std::string& s, const char* sgr, bool color) {
  return color ? std::string("\x1b[") + sgr + "m" + s + "\x1b[0m" : s;
}

const char* SeverityColor(Severity s) {
  switch (s) {
    case Severity::kError: return "1;31";
    case Severity::kWarning: return "1;35";
    case Severity::kInfo: return "1;36";
  }
  return "1";
}

std::string Plural(int n, const char* word) { return std::to_string(n) + " " + word + (n == 1 ? "" : "s"); }

// At most this many root causes per model in text; JSON has them all.
constexpr size_t kTextRootCauses = 5;
constexpr size_t kTextValues = 3;

void WriteRootCauses(const ModelReport& r, std::string& out) {
  if (r.root_causes.empty()) return;
  size_t explained = 0;
  for (const RootCause& rc : r.root_causes) explained += rc.findings.size();
  out += PrintableLine("Root causes in " + r.path + ": " + Plural(static_cast<int>(r.root_causes.size()), "origin") +
                       (r.root_causes.size() == 1 ? " explains " : " explain ") + std::to_string(explained) + " of " +
                       Plural(static_cast<int>(r.findings.size()), "finding")) +
         "\n";
  for (size_t i = 0; i < r.root_causes.size() && i < kTextRootCauses; ++i) {
    const RootCause& rc = r.root_causes[i];
    std::string line = "  " + Plural(static_cast<int>(rc.findings.size()), "finding") + ": " +
                       (rc.values.size() == 1 ? rc.dtype + " from " : "") + rc.origin;
    if (rc.values.size() > 1) {
      std::string names;
      for (size_t v = 0; v < rc.values.size() && v < kTextValues; ++v) names += (v ? ", '" : "'") + rc.values[v] + "'";
      if (rc.values.size() > kTextValues) names += ", ... " + std::to_string(rc.values.size() - kTextValues) + " more";
      line += " (" + names + ")";
    }
    if (!rc.graph.empty() && rc.graph != "main") line += " in " + rc.graph;
    out += PrintableLine(line) + "\n";
    const RootCauseFix fix = FixForRootCause(rc, r);
    out +=
        PrintableLine(fix.command.empty() ? "    no automatic fix: " + fix.reason : "    fix: " + fix.command) + "\n";
  }
  if (r.root_causes.size() > kTextRootCauses) {
    out += "  ... " + std::to_string(r.root_causes.size() - kTextRootCauses) + " more (--format json lists all)\n";
  }
}

}  // namespace

void WriteTextReport(const std::vector<ModelReport>& reports, std::ostream& stream, const TextOptions& options) {
  // Built in one buffer and written once: thousands of findings print fast.
  std::string out;
  struct Flush {
    std::string& buf;
    std::ostream& to;
    ~Flush() {
      const std::string text = ValidUtf8(buf);
      to.write(text.data(), static_cast<std::streamsize>(text.size()));
    }
  } flush{out, stream};
  int errors = 0, warnings = 0, infos = 0, checked = 0;
  for (const ModelReport& r : reports) {
    if (!r.error.empty()) continue;
    ++checked;
    errors += r.Count(Severity::kError);
    warnings += r.Count(Severity::kWarning);
    infos += r.Count(Severity::kInfo);
    for (const Finding& f : r.findings) {
      // What comes from the model (names in messages, paths) is made printable piece by
      // piece: a name could hold a newline or an escape sequence; our colours stay.
      out += PrintableLine(Where(r, f.location)) + ": " +
             Paint(SeverityName(f.severity), SeverityColor(f.severity), options.color) + ": " +
             PrintableLine(f.message) + " " + Paint("[" + f.rule + "]", "2", options.color) + "\n";
      for (const std::string& n : f.notes) out += "    note: " + PrintableLine(n) + "\n";
      for (const Provenance& p : f.provenance) {
        out += "    note: " +
               PrintableLine((p.role.empty() ? "" : p.role + " ") + "'" + p.value + "' is " + p.dtype + ": " +
                             History(p)) +
               "\n";
      }
      if (f.fix) {
        std::string line = std::string("    fix (") + FixSafetyName(f.fix->safety) + "): " + f.fix->title;
        if (!f.fix->reason.empty()) line += " -- " + f.fix->reason;
        out += PrintableLine(line) + "\n";
      }
    }
  }
  for (const ModelReport& r : reports) {
    if (r.error.empty()) WriteRootCauses(r, out);
  }
  if (checked == 0) return;  // every file failed to load; stderr said why
  if (errors + warnings + infos == 0) {
    out += "All checks passed (" + Plural(checked, "model") + ").\n";
    return;
  }
  out += "Found " + Plural(errors, "error") + ", " + Plural(warnings, "warning") + " and " + Plural(infos, "info") +
         " in " + Plural(checked, "model") + ".\n";
}

}  // namespace onnxtidy
