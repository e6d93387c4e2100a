// One self-contained HTML page for `check --format html`: a summary per model, a
// findings table (sortable and filterable with script, readable without), and an SVG
// drawing per finding of each operand's dtype chain back to its origin. No network:
// the style and the script are inline. Everything from the model is escaped.
#include <algorithm>
#include <map>
#include <optional>
#include <set>
#include <sstream>
#include <string>

#include "lint/dtype.h"
#include "lint/precision_map.h"
#include "report/reporters.h"

namespace onnxtidy {

std::string HtmlEscape(std::string_view raw) {
  const std::string s = ValidUtf8(raw);
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out += c;
    }
  }
  return out;
}

namespace {

constexpr size_t kMaxRows = 2000;     // findings table rows per page
constexpr size_t kMaxDrawings = 300;  // SVG drawings per page
constexpr size_t kMaxOperands = 8;    // chains per drawing
constexpr int kMaxLabel = 25;         // characters of a name inside a box

const char* DtypeColour(const std::string& dtype) {
  static const std::map<std::string, const char*> colours = {
      {"float", "#4e79a7"}, {"float16", "#f28e2b"}, {"bfloat16", "#e15759"}, {"double", "#76b7b2"},
      {"int64", "#59a14f"}, {"int32", "#8cd17d"},   {"int8", "#b6992d"},     {"uint8", "#f1ce63"},
      {"bool", "#b07aa1"},  {"string", "#9d7660"},
  };
  auto it = colours.find(dtype);
  return it == colours.end() ? "#999999" : it->second;
}

// A label cut to fit a box, counting UTF-8 characters, never splitting one.
std::string Short(const std::string& raw) {
  const std::string s = ValidUtf8(raw);
  size_t i = 0;
  int chars = 0;
  while (i < s.size() && chars < kMaxLabel) {
    size_t n = Utf8Length(s, i);
    i += n == 0 ? 1 : n;
    ++chars;
  }
  return i < s.size() ? s.substr(0, i) + "\xE2\x80\xA6" : s;
}

std::string Anchor(size_t model, size_t finding) { return "f" + std::to_string(model) + "-" + std::to_string(finding); }

const char* kStyle = R"(
body{font:14px system-ui,sans-serif;margin:1.5em;color:#222}
h1{font-size:1.4em}h2{font-size:1.2em;border-bottom:1px solid #ccc}
table{border-collapse:collapse;margin:.5em 0}td,th{border:1px solid #ddd;padding:2px 6px;text-align:left;vertical-align:top}
th{background:#f4f4f4}th.sortable{cursor:pointer}
.error{color:#b00020;font-weight:bold}.warning{color:#a06000}.info{color:#555}
code{background:#f6f6f6;padding:0 3px}.note{color:#666;font-style:italic}
.legend span{display:inline-block;margin-right:1em}.sw{display:inline-block;width:12px;height:12px;margin-right:3px;vertical-align:middle}
svg text{font:11px monospace}.drawing{margin:.3em 0 1em 0}
.pmap{margin:.3em 0 1em 0}.pmap .row{display:flex;flex-wrap:wrap;gap:2px;align-items:flex-start}
.pn{display:inline-block;min-width:1.2em;padding:1px 3px;font:10px monospace;color:#fff;border:2px solid transparent;
text-decoration:none}.pn.cast{border-color:#000;font-weight:bold}.pn.boundary{box-shadow:-3px 0 0 #000}
.pn.hit{outline:2px solid #d00000;outline-offset:1px}
.block{display:inline-flex;flex-wrap:wrap;gap:2px;border:1px dashed #666;padding:2px;max-width:100%}
.bh{font:bold 11px sans-serif;color:#333;margin-right:4px}
.preview{margin-left:2em;border-left:3px solid #59a14f;padding-left:.6em}
)";

// Sorting by a header click and filtering by rule, severity and graph; the table is
// complete without it.
const char* kScript = R"(
(function(){
document.querySelectorAll('table.findings').forEach(function(t){
  var body=t.tBodies[0];
  t.querySelectorAll('th').forEach(function(th,i){
    th.classList.add('sortable');
    th.addEventListener('click',function(){
      var rows=Array.prototype.slice.call(body.rows);var asc=th.dataset.dir!=='asc';th.dataset.dir=asc?'asc':'desc';
      rows.sort(function(a,b){var x=a.cells[i].textContent,y=b.cells[i].textContent;var nx=parseFloat(x),ny=parseFloat(y);
        var c=(!isNaN(nx)&&!isNaN(ny))?nx-ny:x.localeCompare(y);return asc?c:-c;});
      rows.forEach(function(r){body.appendChild(r);});
    });
  });
  var bar=document.createElement('div');var cols={rule:1,severity:2,graph:3};var sel={};
  Object.keys(cols).forEach(function(k){
    var s=document.createElement('select');s.setAttribute('aria-label',k);var seen={};
    var o=document.createElement('option');o.value='';o.textContent='all '+k;s.appendChild(o);
    Array.prototype.forEach.call(body.rows,function(r){var v=r.cells[cols[k]].textContent;if(!seen[v]){seen[v]=1;var p=document.createElement('option');p.value=v;p.textContent=v;s.appendChild(p);}});
    s.addEventListener('change',apply);sel[k]=s;bar.appendChild(s);
  });
  function apply(){Array.prototype.forEach.call(body.rows,function(r){var show=true;
    Object.keys(cols).forEach(function(k){var v=sel[k].value;if(v&&r.cells[cols[k]].textContent!==v)show=false;});
    r.style.display=show?'':'none';});}
  t.parentNode.insertBefore(bar,t);
});
})();
)";

struct Box {
  std::string label;  // already escaped
  std::string title;  // already escaped
  std::string dtype;
  bool elided = false;
};

// One finding's chains, a row per operand, origin on the left, the finding's node on
// the right; the edge of an operand whose dtype differs from the first is marked.
void WriteDrawing(const Finding& f, std::ostream& out) {
  const size_t n = std::min(f.provenance.size(), kMaxOperands);
  if (n == 0) return;
  std::vector<std::vector<Box>> rows;
  size_t width = 0;
  for (size_t i = 0; i < n; ++i) {
    const Provenance& p = f.provenance[i];
    std::vector<Box> row;
    // chain is newest first and ends with the origin: draw it reversed.
    for (size_t k = p.chain.size(); k-- > 0;) {
      const ProvenanceStep& s = p.chain[k];
      std::string label = s.op_type.empty() ? s.kind : s.op_type;
      if (!s.node.empty())
        label += " " + s.node;
      else if (s.op_type.empty())
        label += " " + s.value;
      row.push_back({HtmlEscape(Short(label)), HtmlEscape(s.how + " : " + s.value + " (" + s.dtype + ")"), s.dtype});
      if (k + 1 == p.chain.size() && p.elided > 0) {
        row.push_back({"\xE2\x80\xA6 " + std::to_string(p.elided) + " more", "steps left out", "", true});
      }
    }
    rows.push_back(std::move(row));
    width = std::max(width, rows.back().size());
  }
  const int bw = 190, bh = 30, gx = 40, gy = 16, pad = 10;
  const int target_x = pad + static_cast<int>(width) * (bw + gx);
  const int height = pad * 2 + static_cast<int>(n) * (bh + gy);
  const int svg_w = target_x + bw + pad;
  std::string target = f.location.op_type.empty() ? "value" : f.location.op_type;
  if (!f.location.node.empty()) target += " " + f.location.node;
  const int ty = height / 2 - bh / 2;
  out << "<svg class=\"chain\" xmlns=\"http://www.w3.org/2000/svg\" width=\"" << svg_w << "\" height=\"" << height
      << "\" viewBox=\"0 0 " << svg_w << " " << height << "\" role=\"img\">\n";
  out << "<defs><marker id=\"arr\" viewBox=\"0 0 10 10\" refX=\"10\" refY=\"5\" markerWidth=\"6\" markerHeight=\"6\" "
         "orient=\"auto\"><path d=\"M0,0L10,5L0,10z\" fill=\"#555\"/></marker></defs>\n";
  const std::string first_dtype = f.provenance[0].dtype;
  for (size_t i = 0; i < n; ++i) {
    const Provenance& p = f.provenance[i];
    const int y = pad + static_cast<int>(i) * (bh + gy);
    const auto& row = rows[i];
    for (size_t j = 0; j < row.size(); ++j) {
      const int x = pad + static_cast<int>(j) * (bw + gx);
      const Box& b = row[j];
      if (b.elided) {
        out << "<g class=\"elided\"><rect x=\"" << x << "\" y=\"" << y << "\" width=\"" << bw << "\" height=\"" << bh
            << "\" rx=\"4\" fill=\"#fff\" stroke=\"#999\" stroke-dasharray=\"4 3\"/><text x=\"" << x + 8 << "\" y=\""
            << y + 19 << "\">" << b.label << "</text></g>\n";
      } else {
        out << "<g class=\"node\"><title>" << b.title << "</title><rect x=\"" << x << "\" y=\"" << y << "\" width=\""
            << bw << "\" height=\"" << bh << "\" rx=\"4\" fill=\"#fff\" stroke=\"" << DtypeColour(b.dtype)
            << "\" stroke-width=\"2\"/><text x=\"" << x + 8 << "\" y=\"" << y + 19 << "\">" << b.label
            << "</text></g>\n";
      }
      const int x2 = j + 1 < row.size() ? x + bw + gx : target_x;
      const int y2 = j + 1 < row.size() ? y + bh / 2 : ty + bh / 2;
      const bool last = j + 1 == row.size();
      const bool conflict = last && i > 0 && p.dtype != first_dtype;
      out << "<line class=\"" << (conflict ? "edge conflict" : "edge") << "\" x1=\"" << x + bw << "\" y1=\""
          << y + bh / 2 << "\" x2=\"" << x2 << "\" y2=\"" << y2 << "\" stroke=\""
          << (conflict ? "#d00000" : DtypeColour(last ? p.dtype : row[j].dtype)) << "\" stroke-width=\""
          << (conflict ? 4 : 2) << "\"" << (conflict ? " stroke-dasharray=\"6 3\"" : "")
          << " marker-end=\"url(#arr)\"><title>" << HtmlEscape(p.role + " " + p.value + " (" + p.dtype + ")")
          << (conflict ? " conflicts with " + HtmlEscape(first_dtype) : "") << "</title></line>\n";
    }
  }
  out << "<g class=\"node target\"><title>" << HtmlEscape(f.location.graph) << "</title><rect x=\"" << target_x
      << "\" y=\"" << ty << "\" width=\"" << bw << "\" height=\"" << bh
      << "\" rx=\"4\" fill=\"#fde8e8\" stroke=\"#b00020\" stroke-width=\"2\"/><text x=\"" << target_x + 8 << "\" y=\""
      << ty + 19 << "\">" << HtmlEscape(Short(target)) << "</text></g>\n</svg>\n";
  if (f.provenance.size() > n) {
    out << "<p class=\"note\">" << f.provenance.size() - n << " more operands not drawn.</p>\n";
  }
}

// The finding as it would read after its fix: the operands the fix widens carry the
// new type (a stored tensor rewritten, or a Cast inserted after an activation), or the
// retyped graph input does. nullopt when the fix changes nothing a drawing shows.
std::optional<Finding> AfterFix(const Finding& f) {
  if (!f.fix || f.fix->to == 0) return std::nullopt;
  const FixSuggestion& fix = *f.fix;
  const std::string to = DtypeName(fix.to);
  Finding after = f;
  bool changed = false;
  for (Provenance& p : after.provenance) {
    if (p.dtype == to || p.chain.empty()) continue;
    ProvenanceStep& origin = p.chain.back();
    const bool stored = origin.kind == "initializer" || origin.kind == "constant";
    if (fix.kind == FixKind::kWidenOperands && stored && p.chain.size() == 1) {
      origin.dtype = to;
      origin.how += ", rewritten as " + to;
    } else if (fix.kind == FixKind::kWidenOperands) {
      ProvenanceStep cast;
      cast.value = p.value;
      cast.dtype = to;
      cast.graph = f.location.graph;
      cast.kind = "node_output";
      cast.op_type = "Cast";
      cast.node = "(new, to " + to + ")";
      cast.how = "a new Cast to " + to;
      p.chain.insert(p.chain.begin(), cast);
    } else if ((fix.kind == FixKind::kRetypeGraphInput || fix.kind == FixKind::kConvertInitializer) &&
               origin.value == f.location.value) {
      for (ProvenanceStep& s : p.chain) s.dtype = to;
      origin.how += ", declared " + to;
    } else {
      continue;
    }
    p.dtype = to;
    changed = true;
  }
  if (!changed) return std::nullopt;
  return after;
}

// Where a fix is known: what it does, and the neighbourhood as it would be after it.
void WriteFixPreview(const Finding& f, std::ostream& out) {
  if (!f.fix || f.fix->kind == FixKind::kNone) return;
  out << "<div class=\"preview\"><p>Fix (" << FixSafetyName(f.fix->safety) << "): " << HtmlEscape(f.fix->title);
  if (!f.fix->reason.empty()) out << " <span class=\"note\">" << HtmlEscape(f.fix->reason) << "</span>";
  out << "</p>\n";
  if (const std::optional<Finding> after = AfterFix(f)) {
    out << "<p class=\"note\">after the fix:</p>\n";
    WriteDrawing(*after, out);
  }
  out << "</div>\n";
}

void WriteLegend(std::ostream& out) {
  out << "<p class=\"legend\">";
  for (const char* d : {"float", "float16", "bfloat16", "double", "int64", "int32", "int8", "uint8", "bool"}) {
    out << "<span><i class=\"sw\" style=\"background:" << DtypeColour(d) << "\"></i>" << d << "</span>";
  }
  out << "<span><i class=\"sw\" style=\"background:#999\"></i>other</span>"
      << "<span><i class=\"sw\" style=\"background:#d00000\"></i>conflicting edge (dashed)</span></p>\n";
}

void WriteSummary(const ModelReport& r, std::ostream& out) {
  if (!r.error.empty()) {
    out << "<p class=\"error\">could not be loaded: " << HtmlEscape(r.error) << "</p>\n";
    return;
  }
  if (r.facts) {
    const ModelFacts& m = *r.facts;
    out << "<table class=\"facts\"><tbody>\n";
    if (!m.sha256.empty()) out << "<tr><th>sha256</th><td><code>" << HtmlEscape(m.sha256) << "</code></td></tr>\n";
    if (m.size >= 0) out << "<tr><th>size</th><td>" << m.size << " bytes</td></tr>\n";
    out << "<tr><th>ir_version</th><td>" << m.ir_version << "</td></tr>\n<tr><th>opsets</th><td>";
    for (const auto& [domain, v] : m.opsets) {
      out << HtmlEscape(domain.empty() ? "ai.onnx" : domain) << " " << v << "; ";
    }
    out << "</td></tr>\n<tr><th>producer</th><td>" << HtmlEscape(m.producer_name + " " + m.producer_version)
        << "</td></tr>\n<tr><th>nodes</th><td>" << m.nodes << "</td></tr>\n<tr><th>weights</th><td>";
    for (const auto& [dtype, w] : m.weights) {
      out << HtmlEscape(DtypeName(dtype)) << ": " << w.tensors << " tensors, " << w.bytes << " bytes; ";
    }
    out << "</td></tr>\n</tbody></table>\n";
  }
  std::map<std::pair<std::string, std::string>, int> counts;
  for (const Finding& f : r.findings) counts[{f.rule, SeverityName(f.severity)}]++;
  out << "<p>" << r.Count(Severity::kError) << " errors, " << r.Count(Severity::kWarning) << " warnings, "
      << r.Count(Severity::kInfo) << " notes";
  if (r.baseline_suppressed > 0) out << "; " << r.baseline_suppressed << " left out as in the baseline";
  out << ".</p>\n";
  if (!counts.empty()) {
    out << "<table class=\"counts\"><thead><tr><th>rule</th><th>severity</th><th>findings</th></tr></thead><tbody>\n";
    for (const auto& [key, c] : counts) {
      out << "<tr><td><a href=\"docs/rules/" << HtmlEscape(key.first) << ".md\">" << HtmlEscape(key.first)
          << "</a></td><td class=\"" << key.second << "\">" << key.second << "</td><td>" << c << "</td></tr>\n";
    }
    out << "</tbody></table>\n";
  }
  if (!r.root_causes.empty()) {
    out << "<h3>Root causes</h3>\n<table class=\"roots\"><thead><tr><th>origin</th><th>dtype</th><th>graph</th>"
           "<th>findings</th><th>fix</th></tr></thead><tbody>\n";
    for (const RootCause& c : r.root_causes) {
      const RootCauseFix fix = FixForRootCause(c, r);
      out << "<tr><td>" << HtmlEscape(c.origin) << "</td><td>" << HtmlEscape(c.dtype) << "</td><td>"
          << HtmlEscape(c.graph) << "</td><td>" << c.findings.size() << "</td><td>";
      if (!fix.command.empty())
        out << "<code>" << HtmlEscape(fix.command) << "</code>";
      else
        out << "<span class=\"note\">" << HtmlEscape(fix.reason) << "</span>";
      out << "</td></tr>\n";
    }
    out << "</tbody></table>\n";
  }
}

// Where a node is on the precision map: the anchor of its box (the first instance's,
// inside a collapsed block) and which instance of the block it is in.
struct MapPlace {
  std::string anchor;  // "" when the node is not drawn
  int instance = 0;    // 1-based; 0 outside a block
  int repeat = 1;
};

std::string MapAnchor(size_t model, size_t graph, int index) {
  return "pm" + std::to_string(model) + "-" + std::to_string(graph) + "-" + std::to_string(index);
}

// Each finding's place on the map, worked out once per model: run positions come from
// each graph's order inverted once, items are found by binary search.
std::vector<MapPlace> PlacesOf(const ModelReport& r, size_t model) {
  std::vector<MapPlace> places(r.findings.size());
  if (!r.precision_map) return places;
  const PrecisionMap& map = *r.precision_map;
  std::map<std::string, size_t> graph_of;
  for (size_t g = 0; g < map.graphs.size(); ++g) graph_of.emplace(map.graphs[g].graph, g);
  std::map<size_t, std::vector<int>> position_of;  // graphs in another order than the file's
  for (size_t i = 0; i < r.findings.size(); ++i) {
    const Location& l = r.findings[i].location;
    auto found = graph_of.find(l.graph);
    if (l.node_index < 0 || found == graph_of.end()) continue;
    const size_t g = found->second;
    const GraphMap& gm = map.graphs[g];
    int pos = l.node_index;
    if (!gm.order.empty()) {
      std::vector<int>& inverse = position_of[g];
      if (inverse.empty()) {
        inverse.assign(static_cast<size_t>(gm.nodes), -1);
        for (size_t k = 0; k < gm.order.size(); ++k) {
          if (gm.order[k] >= 0 && gm.order[k] < gm.nodes)
            inverse[static_cast<size_t>(gm.order[k])] = static_cast<int>(k);
        }
      }
      pos = l.node_index < gm.nodes ? inverse[static_cast<size_t>(l.node_index)] : -1;
      if (pos < 0) continue;
    }
    auto item =
        std::upper_bound(gm.items.begin(), gm.items.end(), pos, [](int p, const MapItem& it) { return p < it.start; });
    if (item == gm.items.begin()) continue;
    --item;
    const int offset = pos - item->start;
    if (offset >= item->length * item->repeat) continue;
    MapPlace& place = places[i];
    place.anchor = MapAnchor(model, g, item->nodes[static_cast<size_t>(offset % item->length)].index);
    place.repeat = item->repeat;
    place.instance = item->repeat > 1 ? offset / item->length + 1 : 0;
  }
  return places;
}

void WriteMapNode(const MapNode& n, const std::string& anchor, bool hit, std::ostream& out) {
  out << "<a class=\"pn" << (n.cast ? " cast" : "") << (n.boundary ? " boundary" : "") << (hit ? " hit" : "")
      << "\" id=\"" << anchor << "\" style=\"background:" << DtypeColour(n.dtype) << "\" title=\"#" << n.index << " "
      << HtmlEscape(n.op_type) << (n.name.empty() ? "" : " '" + HtmlEscape(n.name) + "'") << ": "
      << HtmlEscape(n.dtype.empty() ? "unknown" : n.dtype) << (n.boundary ? ", precision changes here" : "") << "\">"
      << HtmlEscape(Short(n.op_type)) << "</a>";
}

// Every graph's nodes in run order, coloured by the dtype they compute in; Casts are
// framed, a precision boundary is marked on the left, a node with a finding is ringed,
// and a block repeated k times is drawn once with "×k".
void WritePrecisionMap(const ModelReport& r, size_t m, const std::vector<MapPlace>& places, std::ostream& out) {
  if (!r.precision_map || r.precision_map->graphs.empty()) return;
  const PrecisionMap& map = *r.precision_map;
  std::set<std::string> hits;
  for (const MapPlace& p : places) {
    if (!p.anchor.empty()) hits.insert(p.anchor);
  }
  out << "<h3>Precision map</h3>\n<p class=\"note\">Nodes in run order, coloured by the dtype they compute in; "
         "Casts framed in black, a black bar where precision changes, findings ringed in red; a dashed block "
         "stands for a run of identical blocks (×k).</p>\n";
  for (size_t g = 0; g < map.graphs.size(); ++g) {
    const GraphMap& gm = map.graphs[g];
    out << "<div class=\"pmap\" id=\"map" << m << "-" << g << "\"><p><b>" << HtmlEscape(gm.graph) << "</b> " << gm.nodes
        << " nodes</p><div class=\"row\">";
    for (const MapItem& item : gm.items) {
      if (item.repeat > 1) {
        out << "<div class=\"block\" data-repeat=\"" << item.repeat << "\"><span class=\"bh\">\u00d7" << item.repeat
            << "</span>";
      }
      for (const MapNode& n : item.nodes) {
        const std::string anchor = MapAnchor(m, g, n.index);
        WriteMapNode(n, anchor, hits.count(anchor) != 0, out);
      }
      if (item.repeat > 1) out << "</div>";
    }
    out << "</div>";
    if (gm.omitted > 0) {
      out << "<p class=\"note cap\">" << gm.omitted << " more nodes not drawn (the map draws at most " << kMapNodeCap
          << " per model).</p>";
    }
    out << "</div>\n";
  }
  if (map.graphs_omitted > 0) {
    out << "<p class=\"note cap\">" << map.graphs_omitted << " more subgraphs not drawn.</p>\n";
  }
}

}  // namespace

void WriteHtmlReport(const std::vector<ModelReport>& reports, std::ostream& out) {
  out << "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n"
         "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; "
         "script-src 'unsafe-inline'; img-src data:\">\n<title>onnx-tidy report</title>\n<style>"
      << kStyle << "</style></head><body>\n<h1>onnx-tidy report</h1>\n";
  size_t rows = 0, drawings = 0, total = 0;
  for (const ModelReport& r : reports) total += r.findings.size();
  for (size_t m = 0; m < reports.size(); ++m) {
    const ModelReport& r = reports[m];
    out << "<section class=\"model\" id=\"m" << m << "\"><h2>" << HtmlEscape(r.path) << "</h2>\n";
    WriteSummary(r, out);
    const std::vector<MapPlace> places = PlacesOf(r, m);
    if (!r.findings.empty()) {
      out << "<h3>Findings</h3>\n<table class=\"findings\"><thead><tr><th>#</th><th>rule</th><th>severity</th>"
             "<th>graph</th><th>node</th><th>message</th><th>map</th></tr></thead><tbody>\n";
      size_t shown = 0;
      for (size_t i = 0; i < r.findings.size() && rows < kMaxRows; ++i, ++rows, ++shown) {
        const Finding& f = r.findings[i];
        std::string node = f.location.op_type;
        if (!f.location.node.empty()) node += " '" + f.location.node + "'";
        if (f.location.node_index >= 0) node += " #" + std::to_string(f.location.node_index);
        out << "<tr id=\"row-" << Anchor(m, i) << "\"><td><a href=\"#" << Anchor(m, i) << "\">" << i
            << "</a></td><td><a href=\"docs/rules/" << HtmlEscape(f.rule) << ".md\">" << HtmlEscape(f.rule)
            << "</a></td><td class=\"" << SeverityName(f.severity) << "\">" << SeverityName(f.severity) << "</td><td>"
            << HtmlEscape(f.location.graph) << "</td><td>" << HtmlEscape(node) << "</td><td>" << HtmlEscape(f.message)
            << "</td><td>";
        const MapPlace& place = places[i];
        if (!place.anchor.empty()) {
          out << "<a class=\"maplink\" href=\"#" << place.anchor << "\">map</a>";
          if (place.instance > 0) out << " (" << place.instance << " of \u00d7" << place.repeat << ")";
        }
        out << "</td></tr>\n";
      }
      out << "</tbody></table>\n";
      if (shown < r.findings.size()) {
        out << "<p class=\"note cap\">Showing " << shown << " of " << r.findings.size()
            << " findings (the page holds at most " << kMaxRows << " rows); the JSON report has them all.</p>\n";
      }
      WritePrecisionMap(r, m, places, out);
      out << "<h3>Drawings</h3>\n";
      WriteLegend(out);
      size_t drawn = 0;
      for (size_t i = 0; i < r.findings.size() && drawings < kMaxDrawings; ++i) {
        const Finding& f = r.findings[i];
        if (f.provenance.empty()) continue;
        out << "<div class=\"drawing\" id=\"" << Anchor(m, i) << "\"><p><a href=\"#row-" << Anchor(m, i) << "\">#" << i
            << "</a> " << HtmlEscape(f.message) << " <span class=\"note\">[" << HtmlEscape(f.rule) << "]</span></p>\n";
        WriteDrawing(f, out);
        WriteFixPreview(f, out);
        out << "</div>\n";
        ++drawings;
        ++drawn;
      }
      size_t with = 0;
      for (const Finding& f : r.findings) with += f.provenance.empty() ? 0 : 1;
      if (drawn < with) {
        out << "<p class=\"note cap\">Drew " << drawn << " of " << with << " findings with a provenance (the page "
            << "holds at most " << kMaxDrawings << " drawings).</p>\n";
      }
    }
    if (r.findings.empty()) WritePrecisionMap(r, m, places, out);
    out << "</section>\n";
  }
  out << "<footer class=\"note\">" << total << " findings in " << reports.size() << " models.</footer>\n<script>"
      << kScript << "</script>\n</body></html>\n";
}

}  // namespace onnxtidy
