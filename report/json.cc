#include <map>

#include "lint/dtype.h"
#include "report/json_writer.h"
#include "report/reporters.h"

namespace onnxtidy {

void WriteTool(JsonWriter& w) {
  w.Key("tool");
  w.BeginObject();
  w.Field("name", "onnx-tidy");
  w.Field("version", ONNXTIDY_VERSION);
  w.EndObject();
}

// check's and fix's reports share this shape (null for an absent index).
void Write(JsonWriter& w, const Location& l) {
  w.BeginObject();
  w.Field("graph", l.graph);
  w.Field("node", l.node);
  w.Index("node_index", l.node_index);
  w.Field("op_type", l.op_type);
  w.Index("input_index", l.input_index);
  w.Index("output_index", l.output_index);
  w.Field("value", l.value);
  w.EndObject();
}

namespace {

void Write(JsonWriter& w, const Provenance& p) {
  w.BeginObject();
  w.Field("role", p.role);
  w.Field("value", p.value);
  w.Field("dtype", p.dtype);
  w.Field("origin", p.origin);
  w.Field("origin_kind", p.origin_kind);
  w.Key("chain");
  w.BeginArray();
  for (const ProvenanceStep& s : p.chain) {
    w.BeginObject();
    w.Field("value", s.value);
    w.Field("dtype", s.dtype);
    w.Field("graph", s.graph);
    w.Field("kind", s.kind);
    w.Field("how", s.how);
    w.Field("node", s.node);
    w.Index("node_index", s.node_index);
    w.Field("op_type", s.op_type);
    w.EndObject();
  }
  w.EndArray();
  w.Field("chain_elided", static_cast<int64_t>(p.elided));
  w.EndObject();
}

void Write(JsonWriter& w, const Finding& f) {
  w.BeginObject();
  w.Field("rule", f.rule);
  w.Field("fingerprint", Fingerprint(f));
  w.Field("severity", SeverityName(f.severity));
  w.Field("message", f.message);
  w.Key("location");
  Write(w, f.location);
  w.Key("provenance");
  w.BeginArray();
  for (const Provenance& p : f.provenance) Write(w, p);
  w.EndArray();
  w.Strings("notes", f.notes);
  w.Key("fix");
  if (f.fix) {
    w.BeginObject();
    w.Field("title", f.fix->title);
    w.Field("safety", FixSafetyName(f.fix->safety));
    w.Field("reason", f.fix->reason);
    w.Field("kind", FixKindName(f.fix->kind));
    w.Field("to", f.fix->to != 0 ? DtypeName(f.fix->to) : std::string());
    w.Key("slots");
    w.BeginArray();
    for (int slot : f.fix->slots) w.Int(slot);
    w.EndArray();
    w.Field("value", f.fix->value);
    w.EndObject();
  } else {
    w.Null();
  }
  w.EndObject();
}

void Write(JsonWriter& w, const ModelFacts& m) {
  w.BeginObject();
  w.Key("sha256");
  m.sha256.empty() ? w.Null() : w.String(m.sha256);
  w.Key("size");
  m.size < 0 ? w.Null() : w.Int(m.size);
  w.Field("ir_version", m.ir_version);
  w.Key("opsets");
  w.BeginArray();
  for (const auto& [domain, version] : m.opsets) {
    w.BeginObject();
    w.Field("domain", domain);
    w.Field("version", version);
    w.EndObject();
  }
  w.EndArray();
  w.Key("producer");
  w.BeginObject();
  w.Field("name", m.producer_name);
  w.Field("version", m.producer_version);
  w.EndObject();
  w.Field("nodes", m.nodes);
  w.Key("weights");
  w.BeginObject();
  for (const auto& [type, stats] : m.weights) {
    w.Key(DtypeName(type));
    w.BeginObject();
    w.Field("tensors", stats.tensors);
    w.Field("elements", stats.elements);
    w.Field("bytes", stats.bytes);
    w.EndObject();
  }
  w.EndObject();
  w.EndObject();
}

void Write(JsonWriter& w, const RootCause& rc, const ModelReport& r) {
  w.BeginObject();
  w.Field("origin", rc.origin);
  w.Field("origin_kind", rc.origin_kind);
  w.Key("graph");
  rc.graph.empty() ? w.Null() : w.String(rc.graph);
  w.Field("dtype", rc.dtype);
  w.Strings("values", rc.values);
  w.Field("count", static_cast<int64_t>(rc.findings.size()));
  w.Key("findings");
  w.BeginArray();
  for (size_t i : rc.findings) w.Int(static_cast<int64_t>(i));
  w.EndArray();
  const RootCauseFix fix = FixForRootCause(rc, r);
  w.Key("command");
  fix.command.empty() ? w.Null() : w.String(fix.command);
  if (!fix.reason.empty()) w.Field("reason", fix.reason);
  w.EndObject();
}

void Write(JsonWriter& w, const MapNode& n) {
  w.BeginObject();
  w.Field("index", n.index);
  w.Field("op_type", n.op_type);
  w.Field("name", n.name);
  w.Field("dtype", n.dtype);
  w.Field("cast", n.cast);
  w.Field("boundary", n.boundary);
  w.EndObject();
}

void Write(JsonWriter& w, const PrecisionMap& map) {
  w.BeginObject();
  w.Field("graphs_omitted", map.graphs_omitted);
  w.Key("graphs");
  w.BeginArray();
  for (const GraphMap& g : map.graphs) {
    w.BeginObject();
    w.Field("graph", g.graph);
    w.Field("nodes", g.nodes);
    w.Field("omitted", g.omitted);
    w.Key("order");
    w.BeginArray();
    for (int i : g.order) w.Int(i);
    w.EndArray();
    w.Key("items");
    w.BeginArray();
    for (const MapItem& item : g.items) {
      w.BeginObject();
      w.Field("start", item.start);
      w.Field("length", item.length);
      w.Field("repeat", item.repeat);
      w.Key("nodes");
      w.BeginArray();
      for (const MapNode& n : item.nodes) Write(w, n);
      w.EndArray();
      w.EndObject();
    }
    w.EndArray();
    w.EndObject();
  }
  w.EndArray();
  w.EndObject();
}

}  // namespace

void WriteJsonReport(const std::vector<ModelReport>& reports, std::ostream& out) {
  // Streamed: a report with thousands of findings never exists twice in memory.
  std::string buf;
  JsonWriter w(buf);
  auto flush = [&] {
    out.write(buf.data(), static_cast<std::streamsize>(buf.size()));
    buf.clear();
  };
  w.BeginObject();
  WriteTool(w);
  w.Key("models");
  w.BeginArray();
  for (const ModelReport& r : reports) {
    w.BeginObject();
    w.Field("path", r.path);
    w.Key("summary");
    w.BeginObject();
    w.Field("error", static_cast<int64_t>(r.Count(Severity::kError)));
    w.Field("warning", static_cast<int64_t>(r.Count(Severity::kWarning)));
    w.Field("info", static_cast<int64_t>(r.Count(Severity::kInfo)));
    std::map<std::string, int64_t> by_rule;
    for (const Finding& f : r.findings) ++by_rule[f.rule];
    w.Key("by_rule");
    w.BeginObject();
    for (const auto& [rule, n] : by_rule) w.Field(rule, n);
    w.EndObject();
    w.Field("baseline_suppressed", static_cast<int64_t>(r.baseline_suppressed));
    w.EndObject();
    w.Strings("notices", r.notices);
    if (!r.error.empty()) w.Field("error", r.error);
    if (r.facts) {
      w.Key("model");
      Write(w, *r.facts);
    }
    w.Key("root_causes");
    w.BeginArray();
    for (const RootCause& rc : r.root_causes) Write(w, rc, r);
    w.EndArray();
    if (r.precision_map) {
      w.Key("precision_map");
      Write(w, *r.precision_map);
    }
    w.Key("findings");
    w.BeginArray();
    for (const Finding& f : r.findings) {
      Write(w, f);
      if (buf.size() > (1 << 20)) flush();
    }
    w.EndArray();
    w.EndObject();
  }
  w.EndArray();
  w.EndObject();
  buf += '\n';
  flush();
}

}  // namespace onnxtidy
