#include "report/json_read.h"

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <stdexcept>

#include "lint/dtype.h"
#include "lint/provenance.h"

namespace onnxtidy {
namespace {

using nlohmann::json;

// A JSON value with where it is, so that every error names its field.
class Field {
 public:
  Field(const json& j, std::string where) : j_(j), where_(std::move(where)) {}

  [[noreturn]] void Fail(const std::string& what) const { throw std::runtime_error(where_ + ": " + what); }
  const json& raw() const { return j_; }
  bool is_null() const { return j_.is_null(); }

  Field At(const char* key) const {
    if (!j_.is_object()) Fail("is not an object");
    auto it = j_.find(key);
    if (it == j_.end()) Fail(std::string("has no '") + key + "'");
    return Field(*it, where_ + "." + key);
  }
  bool Has(const char* key) const { return j_.is_object() && j_.contains(key); }
  std::vector<Field> Items() const {
    if (!j_.is_array()) Fail("is not an array");
    std::vector<Field> out;
    for (size_t i = 0; i < j_.size(); ++i) out.emplace_back(j_[i], where_ + "[" + std::to_string(i) + "]");
    return out;
  }
  std::string Text() const {
    if (!j_.is_string()) Fail("is not a string");
    return j_.get<std::string>();
  }
  int64_t Int(int64_t lo, int64_t hi) const {
    if (!j_.is_number_integer()) Fail("is not an integer");
    const int64_t v = j_.is_number_unsigned() && j_.get<uint64_t>() > INT64_MAX ? INT64_MAX : j_.get<int64_t>();
    if (v < lo || v > hi) Fail("is out of range");
    return v;
  }
  int Index() const { return j_.is_null() ? -1 : static_cast<int>(Int(0, INT32_MAX)); }
  bool Bool() const {
    if (!j_.is_boolean()) Fail("is not true or false");
    return j_.get<bool>();
  }
  std::vector<std::string> Strings() const {
    std::vector<std::string> out;
    for (const Field& f : Items()) out.push_back(f.Text());
    return out;
  }

 private:
  const json& j_;
  std::string where_;
};

int32_t DtypeOf(const Field& f) {
  const std::string name = f.Text();
  if (name.empty()) return 0;
  for (int32_t t = 1; t < 64; ++t) {
    if (DtypeName(t) == name) return t;
  }
  f.Fail("'" + name + "' is not an element type");
}

Location ReadLocation(const Field& f) {
  Location l;
  l.graph = f.At("graph").Text();
  l.node = f.At("node").Text();
  l.node_index = f.At("node_index").Index();
  l.op_type = f.At("op_type").Text();
  l.input_index = f.At("input_index").Index();
  l.output_index = f.At("output_index").Index();
  l.value = f.At("value").Text();
  return l;
}

Provenance ReadProvenance(const Field& f) {
  Provenance p;
  p.role = f.At("role").Text();
  p.value = f.At("value").Text();
  p.dtype = f.At("dtype").Text();
  p.origin = f.At("origin").Text();
  p.origin_kind = f.At("origin_kind").Text();
  for (const Field& s : f.At("chain").Items()) {
    ProvenanceStep step;
    step.value = s.At("value").Text();
    step.dtype = s.At("dtype").Text();
    step.graph = s.At("graph").Text();
    step.kind = s.At("kind").Text();
    step.how = s.At("how").Text();
    step.node = s.At("node").Text();
    step.node_index = s.At("node_index").Index();
    step.op_type = s.At("op_type").Text();
    p.chain.push_back(std::move(step));
  }
  p.elided = static_cast<int>(f.At("chain_elided").Int(0, INT32_MAX));
  return p;
}

template <typename Enum>
Enum Named(const Field& f, const std::vector<Enum>& all, const char* (*name)(Enum)) {
  const std::string text = f.Text();
  for (Enum e : all) {
    if (text == name(e)) return e;
  }
  f.Fail("'" + text + "' is not one of the names this version knows");
}

FixSuggestion ReadFix(const Field& f) {
  FixSuggestion fix;
  fix.title = f.At("title").Text();
  fix.safety =
      Named<FixSafety>(f.At("safety"), {FixSafety::kSafe, FixSafety::kUnsafe, FixSafety::kDisplayOnly}, FixSafetyName);
  fix.reason = f.Has("reason") ? f.At("reason").Text() : "";
  if (f.Has("kind")) {
    fix.kind = Named<FixKind>(f.At("kind"),
                              {FixKind::kNone, FixKind::kWidenOperands, FixKind::kRetypeGraphInput, FixKind::kWidenJoin,
                               FixKind::kRetypeValueInfo, FixKind::kCastGraphOutput, FixKind::kConvertInitializer,
                               FixKind::kRemoveCast, FixKind::kSortGraph},
                              FixKindName);
  }
  if (f.Has("to")) fix.to = DtypeOf(f.At("to"));
  if (f.Has("slots")) {
    for (const Field& s : f.At("slots").Items()) fix.slots.push_back(static_cast<int>(s.Int(0, INT32_MAX)));
  }
  if (f.Has("value")) fix.value = f.At("value").Text();
  return fix;
}

Finding ReadFinding(const Field& f) {
  Finding out;
  out.rule = f.At("rule").Text();
  const std::optional<Severity> s = ParseSeverity(f.At("severity").Text());
  if (!s) f.At("severity").Fail("is not error, warning or info");
  out.severity = *s;
  out.message = f.At("message").Text();
  out.location = ReadLocation(f.At("location"));
  for (const Field& p : f.At("provenance").Items()) out.provenance.push_back(ReadProvenance(p));
  out.notes = f.At("notes").Strings();
  const Field fix = f.At("fix");
  if (!fix.is_null()) out.fix = ReadFix(fix);
  return out;
}

ModelFacts ReadFacts(const Field& f) {
  ModelFacts m;
  const Field sha = f.At("sha256");
  m.sha256 = sha.is_null() ? "" : sha.Text();
  const Field size = f.At("size");
  m.size = size.is_null() ? -1 : size.Int(0, INT64_MAX);
  m.ir_version = f.At("ir_version").Int(INT64_MIN, INT64_MAX);
  for (const Field& o : f.At("opsets").Items()) {
    m.opsets.emplace_back(o.At("domain").Text(), o.At("version").Int(INT64_MIN, INT64_MAX));
  }
  m.producer_name = f.At("producer").At("name").Text();
  m.producer_version = f.At("producer").At("version").Text();
  m.nodes = f.At("nodes").Int(0, INT64_MAX);
  const Field weights = f.At("weights");
  if (!weights.raw().is_object()) weights.Fail("is not an object");
  for (const auto& [name, stats] : weights.raw().items()) {
    const Field s(stats, "weights." + name);
    const int32_t type = DtypeOf(Field(json(name), "weights"));
    m.weights[type] = WeightStats{s.At("tensors").Int(0, INT64_MAX), s.At("elements").Int(0, INT64_MAX),
                                  s.At("bytes").Int(0, INT64_MAX)};
  }
  return m;
}

RootCause ReadRootCause(const Field& f, size_t findings) {
  RootCause rc;
  rc.origin = f.At("origin").Text();
  rc.origin_kind = f.At("origin_kind").Text();
  const Field graph = f.At("graph");
  rc.graph = graph.is_null() ? "" : graph.Text();
  rc.dtype = f.At("dtype").Text();
  rc.values = f.At("values").Strings();
  for (const Field& i : f.At("findings").Items()) {
    rc.findings.push_back(static_cast<size_t>(i.Int(0, static_cast<int64_t>(findings) - 1)));
  }
  return rc;
}

PrecisionMap ReadPrecisionMap(const Field& f) {
  PrecisionMap map;
  map.graphs_omitted = static_cast<int>(f.At("graphs_omitted").Int(0, INT32_MAX));
  for (const Field& g : f.At("graphs").Items()) {
    GraphMap gm;
    gm.graph = g.At("graph").Text();
    gm.nodes = static_cast<int>(g.At("nodes").Int(0, INT32_MAX));
    gm.omitted = static_cast<int>(g.At("omitted").Int(0, INT32_MAX));
    for (const Field& i : g.At("order").Items()) gm.order.push_back(static_cast<int>(i.Int(0, gm.nodes - 1)));
    for (const Field& it : g.At("items").Items()) {
      MapItem item;
      item.start = static_cast<int>(it.At("start").Int(0, gm.nodes));
      item.length = static_cast<int>(it.At("length").Int(1, gm.nodes));
      item.repeat = static_cast<int>(it.At("repeat").Int(1, gm.nodes));
      for (const Field& n : it.At("nodes").Items()) {
        MapNode node;
        node.index = static_cast<int>(n.At("index").Int(0, INT32_MAX));
        node.op_type = n.At("op_type").Text();
        node.name = n.At("name").Text();
        node.dtype = n.At("dtype").Text();
        node.cast = n.At("cast").Bool();
        node.boundary = n.At("boundary").Bool();
        item.nodes.push_back(std::move(node));
      }
      // The page indexes an item's nodes by position in the block.
      if (static_cast<int>(item.nodes.size()) != item.length) it.Fail("lists another number of nodes than its length");
      gm.items.push_back(std::move(item));
    }
    map.graphs.push_back(std::move(gm));
  }
  return map;
}

ModelReport ReadModel(const Field& f) {
  ModelReport r;
  r.path = f.At("path").Text();
  r.notices = f.At("notices").Strings();
  if (f.Has("error")) r.error = f.At("error").Text();
  r.baseline_suppressed = static_cast<int>(f.At("summary").At("baseline_suppressed").Int(0, INT32_MAX));
  if (f.Has("model")) r.facts = ReadFacts(f.At("model"));
  for (const Field& x : f.At("findings").Items()) r.findings.push_back(ReadFinding(x));
  for (const Field& rc : f.At("root_causes").Items()) r.root_causes.push_back(ReadRootCause(rc, r.findings.size()));
  if (f.Has("precision_map")) r.precision_map = ReadPrecisionMap(f.At("precision_map"));
  return r;
}

// Nesting past this is no report of ours (they nest 8 deep): refused while parsing.
constexpr int kMaxDepth = 64;

}  // namespace

std::vector<ModelReport> ReadJsonReports(const std::string& path) {
  std::error_code ec;
  const uint64_t size = std::filesystem::file_size(path, ec);
  if (ec || !std::filesystem::is_regular_file(path)) throw std::runtime_error("cannot read the report '" + path + "'");
  if (size > kMaxJsonReportBytes) throw std::runtime_error("'" + path + "' is larger than a report may be (1 GiB)");
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read the report '" + path + "'");
  json doc;
  try {
    doc = json::parse(in, [](int depth, json::parse_event_t, json&) {
      if (depth > kMaxDepth) throw std::runtime_error("nested deeper than a report is");
      return true;
    });
  } catch (const json::exception& e) {
    throw std::runtime_error("'" + path + "' is not JSON: " + OneLine(e.what()));
  } catch (const std::runtime_error& e) {
    throw std::runtime_error("'" + path + "': " + e.what());
  }
  try {
    const Field root(doc, "report");
    if (!doc.is_object() || !root.Has("tool") || !root.At("tool").Has("name") ||
        !root.At("tool").At("name").raw().is_string() || root.At("tool").At("name").Text() != "onnx-tidy") {
      throw std::runtime_error("not a report of 'onnx-tidy check --format json'");
    }
    std::vector<ModelReport> out;
    for (const Field& m : root.At("models").Items()) out.push_back(ReadModel(m));
    return out;
  } catch (const json::exception& e) {
    throw std::runtime_error("'" + path + "': " + OneLine(e.what()));
  } catch (const std::runtime_error& e) {
    throw std::runtime_error("'" + path + "': " + std::string(e.what()));
  }
}

}  // namespace onnxtidy
