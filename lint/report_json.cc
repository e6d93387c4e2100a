#include <nlohmann/json.hpp>

#include "lint/reporters.h"

namespace onnxtidy {
namespace {

using Json = nlohmann::ordered_json;

Json IndexOrNull(int i) { return i >= 0 ? Json(i) : Json(nullptr); }

Json ToJson(const Location& l) {
  return Json{{"graph", l.graph},
              {"node", l.node},
              {"node_index", IndexOrNull(l.node_index)},
              {"op_type", l.op_type},
              {"input_index", IndexOrNull(l.input_index)},
              {"output_index", IndexOrNull(l.output_index)},
              {"value", l.value}};
}

Json ToJson(const Provenance& p) {
  Json chain = Json::array();
  for (const ProvenanceStep& s : p.chain) {
    chain.push_back(Json{{"value", s.value},
                         {"dtype", s.dtype},
                         {"graph", s.graph},
                         {"kind", s.kind},
                         {"how", s.how},
                         {"node", s.node},
                         {"node_index", IndexOrNull(s.node_index)},
                         {"op_type", s.op_type}});
  }
  return Json{{"role", p.role},         {"value", p.value},        {"dtype", p.dtype},
              {"origin", p.origin},     {"origin_kind", p.origin_kind}, {"chain", std::move(chain)},
              {"chain_elided", p.elided}};
}

Json ToJson(const Finding& f) {
  Json provenance = Json::array();
  for (const Provenance& p : f.provenance) provenance.push_back(ToJson(p));
  Json fix = nullptr;
  if (f.fix) fix = Json{{"title", f.fix->title}, {"safety", FixSafetyName(f.fix->safety)}, {"reason", f.fix->reason}};
  return Json{{"rule", f.rule},
              {"severity", SeverityName(f.severity)},
              {"message", f.message},
              {"location", ToJson(f.location)},
              {"provenance", std::move(provenance)},
              {"notes", f.notes},
              {"fix", std::move(fix)}};
}

}  // namespace

void WriteJsonReport(const std::vector<ModelReport>& reports, std::ostream& out) {
  Json models = Json::array();
  for (const ModelReport& r : reports) {
    Json findings = Json::array();
    for (const Finding& f : r.findings) findings.push_back(ToJson(f));
    Json m{{"path", r.path},
           {"summary",
            {{"error", r.Count(Severity::kError)},
             {"warning", r.Count(Severity::kWarning)},
             {"info", r.Count(Severity::kInfo)}}},
           {"notices", r.notices}};
    if (!r.error.empty()) m["error"] = r.error;
    m["findings"] = std::move(findings);
    models.push_back(std::move(m));
  }
  Json doc{{"tool", {{"name", "onnx-tidy"}, {"version", ONNXTIDY_VERSION}}}, {"models", std::move(models)}};
  // Names in a model are not guaranteed UTF-8; never throw while reporting.
  out << doc.dump(2, ' ', false, Json::error_handler_t::replace) << "\n";
}

}  // namespace onnxtidy
