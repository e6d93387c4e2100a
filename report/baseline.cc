#include "report/baseline.h"

#include <cstdint>
#include <fstream>
#include <nlohmann/json.hpp>
#include <stdexcept>

#include "lint/root_causes.h"
#include "rules/registry.h"

namespace onnxtidy {
namespace {

using nlohmann::json;

std::string Text(const json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : "";
}

int IndexOf(const json& j, const char* key) {
  auto it = j.find(key);
  if (it == j.end() || !it->is_number_integer()) return -1;
  const int64_t v = it->get<int64_t>();
  return v >= 0 && v <= INT32_MAX ? static_cast<int>(v) : -1;
}

// The fingerprint is worked out again from the finding's fields, the same way it was
// first made: a report whose fingerprint fields were edited or are missing still matches.
std::string FingerprintOf(const json& finding) {
  Finding f;
  f.rule = Text(finding, "rule");
  auto loc = finding.find("location");
  if (f.rule.empty() || loc == finding.end() || !loc->is_object()) {
    throw std::runtime_error("a finding without a rule or a location");
  }
  Location& l = f.location;
  l.graph = Text(*loc, "graph");
  l.node = Text(*loc, "node");
  l.node_index = IndexOf(*loc, "node_index");
  l.op_type = Text(*loc, "op_type");
  l.input_index = IndexOf(*loc, "input_index");
  l.output_index = IndexOf(*loc, "output_index");
  l.value = Text(*loc, "value");
  return Fingerprint(f);
}

}  // namespace

Baseline Baseline::Load(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("--baseline: cannot read '" + path + "'");
  Baseline b;
  try {
    const json doc = json::parse(in);
    auto tool = doc.find("tool");
    auto models = doc.find("models");
    if (!doc.is_object() || tool == doc.end() || !tool->is_object() || Text(*tool, "name") != "onnx-tidy" ||
        models == doc.end() || !models->is_array()) {
      throw std::runtime_error("not a report of 'onnx-tidy check --format json'");
    }
    for (const json& m : *models) {
      if (!m.is_object()) throw std::runtime_error("a model entry is not an object");
      const std::string model_path = Text(m, "path");
      Counts& counts = b.by_path_[model_path];
      auto facts = m.find("model");
      if (facts != m.end() && facts->is_object() && !Text(*facts, "sha256").empty()) {
        b.path_by_sha256_.emplace(Text(*facts, "sha256"), model_path);
      }
      auto findings = m.find("findings");
      if (findings == m.end()) continue;
      if (!findings->is_array()) throw std::runtime_error("'findings' is not a list");
      for (const json& f : *findings) {
        if (!f.is_object()) throw std::runtime_error("a finding is not an object");
        ++counts[FingerprintOf(f)];
      }
    }
  } catch (const json::exception& e) {
    throw std::runtime_error("--baseline: '" + path + "' is not valid JSON: " + OneLine(e.what()));
  } catch (const std::runtime_error& e) {
    throw std::runtime_error("--baseline: '" + path + "': " + e.what());
  }
  return b;
}

void Baseline::Apply(ModelReport& report) const {
  auto it = by_path_.find(report.path);
  if (it == by_path_.end() && report.facts && !report.facts->sha256.empty()) {
    auto same = path_by_sha256_.find(report.facts->sha256);
    if (same != path_by_sha256_.end()) it = by_path_.find(same->second);
  }
  if (it == by_path_.end() && by_path_.size() == 1) it = by_path_.begin();
  if (it == by_path_.end()) return;
  Counts left = it->second;
  std::vector<Finding> kept;
  for (Finding& f : report.findings) {
    auto known = left.find(Fingerprint(f));
    if (known != left.end() && known->second > 0) {
      --known->second;
      ++report.baseline_suppressed;
      continue;
    }
    kept.push_back(std::move(f));
  }
  report.findings = std::move(kept);
  report.root_causes = FindRootCauses(report.findings, report.facts ? &*report.facts : nullptr, AllRules());
}

}  // namespace onnxtidy
