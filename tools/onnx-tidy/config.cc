#include "tools/onnx-tidy/config.h"

#include <fnmatch.h>
#include <toml++/toml.h>

#include <filesystem>
#include <stdexcept>

#include "lint/diagnostics.h"

namespace onnxtidy {
namespace {

namespace fs = std::filesystem;

[[noreturn]] void Fail(const std::string& path, const toml::source_region& where, const std::string& what) {
  throw std::runtime_error(path + ":" + std::to_string(where.begin.line) + ": " + what);
}

std::vector<std::string> Strings(const std::string& path, const std::string& key, const toml::node& node) {
  const toml::array* array = node.as_array();
  if (array == nullptr) Fail(path, node.source(), "'" + key + "' must be a list of strings");
  std::vector<std::string> out;
  for (const toml::node& item : *array) {
    std::optional<std::string> s = item.value<std::string>();
    if (!s) Fail(path, item.source(), "'" + key + "' must be a list of strings");
    out.push_back(*s);
  }
  return out;
}

}  // namespace

std::string FindConfig(const std::string& start_dir) {
  std::error_code ec;
  fs::path dir = fs::absolute(start_dir, ec);
  if (ec) return "";
  for (;;) {
    for (const char* name : {"onnx-tidy.toml", ".onnx-tidy.toml"}) {
      const fs::path candidate = dir / name;
      if (fs::is_regular_file(candidate, ec)) return candidate.string();
    }
    if (!dir.has_parent_path() || dir.parent_path() == dir) return "";
    dir = dir.parent_path();
  }
}

Config LoadConfig(const std::string& path) {
  toml::table doc;
  try {
    doc = toml::parse_file(path);
  } catch (const toml::parse_error& e) {
    std::string what(e.description());
    Fail(path, e.source(), "not valid TOML: " + what);
  }
  Config c;
  c.path = path;
  for (const auto& [key, node] : doc) {
    const std::string k(key.str());
    if (k == "select") {
      c.select = Strings(path, k, node);
    } else if (k == "ignore") {
      c.ignore = Strings(path, k, node);
    } else if (k == "target") {
      std::optional<std::string> s = node.value<std::string>();
      if (!s) Fail(path, node.source(), "'target' must be a string");
      c.target = *s;
    } else if (k == "warnings-as-errors") {
      std::optional<bool> b = node.value<bool>();
      if (!b) Fail(path, node.source(), "'warnings-as-errors' must be true or false");
      c.warnings_as_errors = *b;
    } else if (k == "per-file-ignores") {
      const toml::table* t = node.as_table();
      if (t == nullptr) Fail(path, node.source(), "'per-file-ignores' must be a table of glob = [rules]");
      for (const auto& [glob, rules] : *t) {
        c.per_file_ignores.emplace_back(std::string(glob.str()), Strings(path, std::string(glob.str()), rules));
      }
    } else if (k == "severity") {
      const toml::table* t = node.as_table();
      if (t == nullptr)
        Fail(path, node.source(), "'severity' must be a table of rule = \"error\"|\"warning\"|\"info\"");
      for (const auto& [rule, level] : *t) {
        std::optional<std::string> v = level.value<std::string>();
        if (!v || !ParseSeverity(*v)) {
          Fail(path, level.source(),
               "severity of '" + std::string(rule.str()) + "' must be \"error\", \"warning\" or \"info\"");
        }
        c.severity.emplace_back(std::string(rule.str()), *v);
      }
    } else {
      Fail(path, node.source(),
           "unknown key '" + k + "' (known: select, ignore, target, warnings-as-errors, per-file-ignores, severity)");
    }
  }
  return c;
}

std::vector<std::string> Config::IgnoredFor(const std::string& model_path) const {
  std::vector<std::string> out;
  if (per_file_ignores.empty()) return out;
  std::error_code ec;
  const fs::path base = fs::absolute(path, ec).parent_path();
  std::string relative = fs::relative(fs::absolute(model_path, ec), base, ec).generic_string();
  if (ec || relative.empty()) relative = model_path;
  for (const auto& [glob, rules] : per_file_ignores) {
    // No FNM_PATHNAME: '*' crosses folders, so "legacy/*" covers everything below legacy/.
    if (::fnmatch(glob.c_str(), relative.c_str(), 0) == 0) out.insert(out.end(), rules.begin(), rules.end());
  }
  return out;
}

}  // namespace onnxtidy
