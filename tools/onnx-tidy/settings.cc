#include "tools/onnx-tidy/settings.h"

#include <filesystem>
#include <optional>

#include "lint/dtype.h"
#include "rules/registry.h"

namespace onnxtidy {
namespace {

// `where` says who named it: "--target", or the config file.
const Target* ResolveTarget(const std::string& name, const std::string& where) {
  if (name.empty()) return nullptr;
  const Target* t = FindTarget(name);
  if (t != nullptr) return t;
  std::string known;
  for (const std::string& n : TargetNames()) known += (known.empty() ? "" : ", ") + n;
  throw SettingsError(where + ": unknown target '" + name + "' (known: " + known + ")");
}

// Sets `rule = level` for every rule `pattern` matches.
void SetSeverity(const std::string& pattern, const std::string& level, const std::string& where,
                 std::map<std::string, Severity>& out) {
  std::vector<const Rule*> rules;
  try {
    rules = SelectRules({pattern}, {});
  } catch (const std::invalid_argument& e) {
    throw SettingsError(where + ": " + e.what());
  }
  const std::optional<Severity> s = ParseSeverity(level);
  if (!s) throw SettingsError(where + ": '" + level + "' is not a severity (error, warning, info)");
  for (const Rule* r : rules) out[r->info().id] = *s;
}

// Per-rule severities: a target named in the config is a deployment promise, so a node
// without a kernel there is an error; then the config's [severity], then the request's.
void ResolveSeverities(const SettingsRequest& request, Settings& out) {
  const Config& config = out.config;
  if (config.target && !config.target->empty()) out.severity[NoTargetKernel().info().id] = Severity::kError;
  for (const auto& [pattern, level] : config.severity) {
    SetSeverity(pattern, level, config.path + ": [severity]", out.severity);
  }
  for (const std::string& item : request.severity) {
    const size_t eq = item.find('=');
    if (eq == std::string::npos) throw SettingsError("--severity: '" + item + "' is not RULE=LEVEL");
    SetSeverity(item.substr(0, eq), item.substr(eq + 1), "--severity", out.severity);
  }
}

Config ReadConfig(const SettingsRequest& request) {
  try {
    std::string path = request.config;
    if (path.empty() && request.find_config) path = FindConfig(request.config_start);
    if (!request.config.empty() && !std::filesystem::is_regular_file(path)) {
      throw SettingsError("--config: '" + path + "' is not a file");
    }
    return path.empty() ? Config{} : LoadConfig(path);
  } catch (const SettingsError&) {
    throw;
  } catch (const std::runtime_error& e) {
    throw SettingsError(e.what());
  }
}

}  // namespace

std::vector<const Rule*> Settings::RulesFor(const std::string& model) const {
  std::vector<std::string> more = config.IgnoredFor(model);
  if (more.empty()) return rules;
  more.insert(more.end(), ignore.begin(), ignore.end());
  return SelectRules(select, more);
}

Settings ResolveSettings(const SettingsRequest& request) {
  Settings out;
  out.config = ReadConfig(request);
  const Config& config = out.config;
  try {
    // The config's own patterns first, so that an error names the file it is in.
    SelectRules(config.select.value_or(std::vector<std::string>{}), config.ignore);
    for (const auto& [glob, patterns] : config.per_file_ignores) SelectRules({}, patterns);
  } catch (const std::invalid_argument& e) {
    throw SettingsError(config.path + ": " + e.what());
  }
  out.select = !request.select.empty() ? request.select : config.select.value_or(std::vector<std::string>{});
  out.ignore = config.ignore;
  out.ignore.insert(out.ignore.end(), request.ignore.begin(), request.ignore.end());
  try {
    out.rules = SelectRules(out.select, out.ignore);
  } catch (const std::invalid_argument& e) {
    throw SettingsError(std::string("--select/--ignore: ") + e.what());  // it says where to look
  }
  out.target = !request.target.empty() ? ResolveTarget(request.target, "--target")
                                       : ResolveTarget(config.target.value_or(""), config.path + ": target");
  out.warnings_as_errors = request.warnings_as_errors || config.warnings_as_errors;
  ResolveSeverities(request, out);
  return out;
}

LintOptions LintOptionsFor(const Settings& settings) {
  LintOptions lint;
  lint.context.target = settings.target;
  lint.warnings_as_errors = settings.warnings_as_errors;
  lint.severity = settings.severity;
  return lint;
}

std::optional<int32_t> PrecisionByName(const std::string& name) {
  if (name == "float32") return kFloat;
  if (name == "bfloat16") return kBfloat16;
  if (name == "float16") return kFloat16;
  return std::nullopt;
}

}  // namespace onnxtidy
