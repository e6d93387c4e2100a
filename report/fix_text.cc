#include <sstream>
#include <string>

#include "lint/dtype.h"
#include "report/reporters.h"

namespace onnxtidy {
namespace {

// "path:graph:#3: ", as check prints a finding's place.
// What comes from the model is printed through PrintableLine: a name with a newline or
// an escape sequence can neither break a line nor drive the terminal.
std::string Where(const std::string& path, const Location& l) {
  return PrintableLine(path + ":" + l.graph + (l.node_index >= 0 ? ":#" + std::to_string(l.node_index) : "")) + ": ";
}

std::string Count(size_t n, const char* one, const char* many) {
  return std::to_string(n) + " " + (n == 1 ? one : many);
}

}  // namespace

namespace {

void WriteFixLines(const FixReport& o, const FixReportOptions& options, std::ostream& out) {
  const FixResult& r = o.result;
  const std::string path = PrintableLine(o.path);
  if (options.diff && r.changed()) {
    out << "--- " << path << "\n+++ " << path << " (fixed)\n";
    std::string graph;
    for (const Edit& e : r.edits) {
      if (e.graph != graph) out << "@@ " << PrintableLine(graph = e.graph) << "\n";
      out << (e.action.rfind("insert", 0) == 0   ? "+ "
              : e.action.rfind("remove", 0) == 0 ? "- "
                                                 : "~ ")
          << e.action << ": " << PrintableLine(e.detail) << "\n";
    }
  }
  // A model nothing was written of has nothing fixed: its fixes come back declined.
  const bool failed = !r.verify_error.empty();
  const char* verb = o.written || !r.changed() ? "fixed" : "would fix";
  for (const FixRecord& a : r.applied) {
    out << Where(o.path, a.location) << verb << ": " << PrintableLine(a.title) << " [" << a.rule << "]\n";
  }
  for (const FixRecord& d : r.declined) {
    out << Where(o.path, d.location) << "not fixed: " << PrintableLine(d.message) << " [" << d.rule
        << "]\n    reason: " << PrintableLine(d.reason) << "\n";
  }
  for (const Edit& n : r.notes) out << PrintableLine(o.path + ":" + n.graph + ": kept: " + n.detail) << "\n";
  out << path << ": " << Count(r.applied.size(), "fix", "fixes") << ", " << Count(r.edits.size(), "edit", "edits");
  std::vector<std::string> extra;
  if (r.tensors_converted > 0) {
    extra.push_back(Count(static_cast<size_t>(r.tensors_converted), "tensor", "tensors") + " converted");
  }
  if (r.kept_wide > 0) extra.push_back(Count(static_cast<size_t>(r.kept_wide), "part", "parts") + " kept wider");
  if (options.precision && r.float_weights > 0) {
    extra.push_back(std::to_string(static_cast<int>(100.0 * r.float_weights_converted / r.float_weights)) +
                    "% of float weights in " + DtypeName(*options.precision));
  }
  for (size_t i = 0; i < extra.size(); ++i)
    out << (i == 0 ? " (" : ", ") << extra[i] << (i + 1 == extra.size() ? ")" : "");
  out << " in " << Count(static_cast<size_t>(r.passes), "pass", "passes") << "; errors: " << r.before.error
      << " before, " << r.after().error << " after; ";
  if (failed) {
    out << "nothing written\n";
  } else if (o.written) {
    out << "wrote " << PrintableLine(o.output) << "\n";
  } else {
    out << (!r.changed()        ? "nothing to change\n"
            : options.in_memory ? "in memory, not written yet\n"
                                : "dry run, nothing written\n");
  }
  // "0 errors after" is not "deployable": say so, with the command that would make it.
  if (!failed && !r.target_gaps.empty() && options.target != nullptr) {
    out << path << ": not deployable on " << options.target->name() << ": "
        << Count(r.target_gaps.size(), "node has", "nodes have")
        << " no kernel there (first: " << PrintableLine(r.target_gaps.front().message)
        << "); to convert: onnx-tidy fix " << path << " -o FIXED.onnx --precision float32 --target "
        << options.target->name() << "\n";
  }
}

}  // namespace

void WriteFixText(const FixReport& o, const FixReportOptions& options, std::ostream& out) {
  std::ostringstream text;
  WriteFixLines(o, options, text);
  out << ValidUtf8(text.str());
}

void WriteFixFailure(const FixReport& o, std::ostream& stream) {
  std::ostringstream err;
  const FixResult& r = o.result;
  if (r.problems.empty()) {
    stream << "onnx-tidy: error: " << PrintableLine(o.path + ": nothing written: " + r.verify_error) << "\n";
    return;
  }
  // Name what is wrong, as check would, before the checker's own words.
  err << "onnx-tidy: error: " << PrintableLine(o.path) << ": nothing written: the result still has "
      << r.problems.size() << " problem(s):\n";
  constexpr size_t kShown = 20;
  for (size_t i = 0; i < r.problems.size() && i < kShown; ++i) {
    const Finding& f = r.problems[i];
    err << "    " << Where(o.path, f.location) << SeverityName(f.severity) << ": " << PrintableLine(f.message) << " ["
        << f.rule << "]\n";
  }
  if (r.problems.size() > kShown) err << "    ... and " << r.problems.size() - kShown << " more\n";
  err << "    " << PrintableLine(r.verify_error) << "\n";
  stream << ValidUtf8(err.str());
}

}  // namespace onnxtidy
