#include "report/json_writer.h"
#include "report/reporters.h"

namespace onnxtidy {
namespace {

void Write(JsonWriter& w, const FixRecord& r, bool applied) {
  w.BeginObject();
  w.Field("rule", r.rule);
  w.Field("message", r.message);
  w.Field("title", r.title);
  w.Field("safety", r.safety);
  w.Field("reason", r.reason);
  w.Field("effect", applied ? EditEffectName(r.effect) : "");
  w.Key("location");
  Write(w, r.location);
  w.EndObject();
}

void Write(JsonWriter& w, const std::string& key, const std::vector<Finding>& findings) {
  w.Key(key);
  w.BeginArray();
  for (const Finding& f : findings) {
    w.BeginObject();
    w.Field("rule", f.rule);
    w.Field("message", f.message);
    w.Key("location");
    Write(w, f.location);
    w.EndObject();
  }
  w.EndArray();
}

void Write(JsonWriter& w, const std::string& key, const std::vector<Edit>& edits, bool effect) {
  w.Key(key);
  w.BeginArray();
  for (const Edit& e : edits) {
    w.BeginObject();
    w.Field("graph", e.graph);
    w.Field("action", e.action);
    w.Field("detail", e.detail);
    if (effect) w.Field("effect", EditEffectName(e.effect));
    w.EndObject();
  }
  w.EndArray();
}

void Write(JsonWriter& w, const std::string& key, const SeverityCounts& c) {
  w.Key(key);
  w.BeginObject();
  w.Field("error", c.error);
  w.Field("warning", c.warning);
  w.Field("info", c.info);
  w.EndObject();
}

void Write(JsonWriter& w, const FixReport& o, const FixReportOptions& options) {
  w.BeginObject();
  w.Field("path", o.path);
  if (!o.error.empty()) {
    w.Field("error", o.error);
    w.EndObject();
    return;
  }
  const FixResult& r = o.result;
  w.Field("output", o.written ? o.output : "");
  w.Field("written", o.written);
  w.Field("passes", r.passes);
  w.Key("applied");
  w.BeginArray();
  for (const FixRecord& a : r.applied) Write(w, a, true);
  w.EndArray();
  w.Key("declined");
  w.BeginArray();
  for (const FixRecord& d : r.declined) Write(w, d, false);
  w.EndArray();
  Write(w, "edits", r.edits, true);
  Write(w, "notes", r.notes, false);
  w.Strings("notices", r.notices);
  w.Field("verify_error", r.verify_error);
  Write(w, "problems", r.problems);
  Write(w, "target_gaps", r.target_gaps);
  w.Field("tensors_converted", r.tensors_converted);
  w.Field("kept_wide", r.kept_wide);
  w.Key("float_weights_converted");
  if (options.precision && r.float_weights > 0) {
    w.Double(r.float_weights_converted / r.float_weights);
  } else {
    w.Null();
  }
  Write(w, "before", r.before);
  Write(w, "remaining", r.after());
  w.EndObject();
}

}  // namespace

void WriteFixJson(const std::vector<FixReport>& reports, const FixReportOptions& options, std::ostream& out) {
  std::string buf;
  JsonWriter w(buf);
  w.BeginObject();
  WriteTool(w);
  w.Key("models");
  w.BeginArray();
  for (const FixReport& r : reports) Write(w, r, options);
  w.EndArray();
  w.EndObject();
  out << buf << "\n";
}

}  // namespace onnxtidy
