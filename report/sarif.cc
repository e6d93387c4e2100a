#include <cstdint>
#include <map>

#include "report/json_writer.h"
#include "report/reporters.h"

namespace onnxtidy {
namespace {

// SARIF's levels: error, warning, note.
const char* Level(Severity s) {
  switch (s) {
    case Severity::kError: return "error";
    case Severity::kWarning: return "warning";
    case Severity::kInfo: return "note";
  }
  return "warning";
}

void WriteRule(JsonWriter& w, const RuleInfo& i) {
  w.BeginObject();
  w.Field("id", i.id);
  w.Key("shortDescription");
  w.BeginObject();
  w.Field("text", i.summary);
  w.EndObject();
  w.Key("fullDescription");
  w.BeginObject();
  w.Field("text", i.summary + ". Fix: " + FixAvailabilityName(i.fix) + ". See docs/rules/" + i.id + ".md.");
  w.EndObject();
  w.Field("helpUri", "docs/rules/" + i.id + ".md");
  w.Key("defaultConfiguration");
  w.BeginObject();
  w.Field("level", Level(i.severity));
  w.EndObject();
  w.EndObject();
}

void WriteResult(JsonWriter& w, const ModelReport& r, const Finding& f, int rule_index) {
  const Location& l = f.location;
  w.BeginObject();
  w.Field("ruleId", f.rule);
  if (rule_index >= 0) w.Field("ruleIndex", rule_index);
  w.Field("level", Level(f.severity));
  w.Key("message");
  w.BeginObject();
  std::string text = f.message;
  for (const std::string& n : f.notes) text += "\n" + n;
  w.Field("text", text);
  w.EndObject();
  w.Key("locations");
  w.BeginArray();
  w.BeginObject();
  w.Key("physicalLocation");
  w.BeginObject();
  w.Key("artifactLocation");
  w.BeginObject();
  w.Field("uri", r.path);
  w.EndObject();
  w.EndObject();
  w.Key("logicalLocations");
  w.BeginArray();
  w.BeginObject();
  const std::string node = !l.node.empty() ? l.node : l.node_index >= 0 ? "#" + std::to_string(l.node_index) : "";
  w.Field("name", !node.empty() ? node : !l.value.empty() ? l.value : l.graph);
  w.Field("fullyQualifiedName", node.empty() ? l.graph : l.graph + ":" + node);
  w.Field("kind", node.empty() ? "module" : "function");
  w.EndObject();
  w.EndArray();
  w.EndObject();
  w.EndArray();
  w.Key("partialFingerprints");
  w.BeginObject();
  w.Field("onnxTidyFinding/v1", Fingerprint(f));
  w.EndObject();
  w.Key("properties");
  w.BeginObject();
  w.Field("graph", l.graph);
  if (l.node_index >= 0) w.Field("nodeIndex", l.node_index);
  if (!l.op_type.empty()) w.Field("opType", l.op_type);
  if (l.input_index >= 0) w.Field("inputIndex", l.input_index);
  if (l.output_index >= 0) w.Field("outputIndex", l.output_index);
  if (!l.value.empty()) w.Field("value", l.value);
  if (f.fix) {
    // A model is not text: SARIF's fixes (artifact replacements) cannot say what
    // onnx-tidy fix does, so the fix is described here.
    w.Key("fix");
    w.BeginObject();
    w.Field("title", f.fix->title);
    w.Field("safety", FixSafetyName(f.fix->safety));
    if (!f.fix->reason.empty()) w.Field("reason", f.fix->reason);
    w.EndObject();
  }
  w.EndObject();
  w.EndObject();
}

}  // namespace

void WriteSarifReport(const std::vector<ModelReport>& reports, const std::vector<const Rule*>& rules,
                      std::ostream& out) {
  std::string buf;
  JsonWriter w(buf);
  std::map<std::string, int> index;
  w.BeginObject();
  w.Field("$schema", "https://json.schemastore.org/sarif-2.1.0.json");
  w.Field("version", "2.1.0");
  w.Key("runs");
  w.BeginArray();
  w.BeginObject();
  w.Key("tool");
  w.BeginObject();
  w.Key("driver");
  w.BeginObject();
  w.Field("name", "onnx-tidy");
  w.Field("version", ONNXTIDY_VERSION);
  w.Field("semanticVersion", ONNXTIDY_VERSION);
  w.Key("rules");
  w.BeginArray();
  for (const Rule* r : rules) {
    index[r->info().id] = static_cast<int>(index.size());
    WriteRule(w, r->info());
  }
  w.EndArray();
  w.EndObject();
  w.EndObject();
  w.Key("results");
  w.BeginArray();
  for (const ModelReport& r : reports) {
    for (const Finding& f : r.findings) {
      auto it = index.find(f.rule);
      WriteResult(w, r, f, it == index.end() ? -1 : it->second);
      if (buf.size() > (1 << 20)) {
        out.write(buf.data(), static_cast<std::streamsize>(buf.size()));
        buf.clear();
      }
    }
  }
  w.EndArray();
  w.EndObject();
  w.EndArray();
  w.EndObject();
  buf += '\n';
  out.write(buf.data(), static_cast<std::streamsize>(buf.size()));
}

}  // namespace onnxtidy
