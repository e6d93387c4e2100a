#include "lint/cli.h"

#include <CLI/CLI.hpp>
#include <exception>
#include <iostream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "lint/linter.h"
#include "lint/reporters.h"
#include "rules/registry.h"

namespace onnxtidy {
namespace {

constexpr int kExitClean = 0;
constexpr int kExitFindings = 1;
constexpr int kExitFailure = 2;

struct Options {
  std::string format = "text";
  std::vector<std::string> models;
};

int RunCheck(const Options& opts) {
  const std::vector<const Rule*> rules = AllRules();
  std::vector<ModelReport> reports;
  bool failed = false;
  for (const std::string& path : opts.models) {
    try {
      reports.push_back(LintFile(path, rules));
    } catch (const std::exception& e) {
      // A bug of ours must not lose the other models' results.
      ModelReport r;
      r.path = path;
      r.error = "internal error while checking '" + path + "': " + e.what();
      reports.push_back(std::move(r));
    }
    const ModelReport& r = reports.back();
    if (!r.error.empty()) {
      std::cerr << "onnx-tidy: error: " << r.error << "\n";
      failed = true;
    }
    for (const std::string& n : r.notices) std::cerr << r.path << ": warning: " << n << "\n";
  }
  if (opts.format == "json") {
    WriteJsonReport(reports, std::cout);
  } else {
    WriteTextReport(reports, std::cout);
  }
  std::cout.flush();
  if (failed) return kExitFailure;
  for (const ModelReport& r : reports) {
    if (r.Count(Severity::kError) > 0) return kExitFindings;
  }
  return kExitClean;
}

int RunRules(const Options& opts) {
  const std::vector<const Rule*> rules = AllRules();
  if (opts.format == "json") {
    nlohmann::ordered_json list = nlohmann::ordered_json::array();
    for (const Rule* r : rules) {
      const RuleInfo& i = r->info();
      list.push_back({{"id", i.id},
                      {"severity", SeverityName(i.severity)},
                      {"fix", FixAvailabilityName(i.fix)},
                      {"summary", i.summary}});
    }
    std::cout << nlohmann::ordered_json{{"rules", list}}.dump(2) << "\n";
    return kExitClean;
  }
  for (const Rule* r : rules) {
    const RuleInfo& i = r->info();
    std::cout << i.id << "  " << SeverityName(i.severity) << "  fix:" << FixAvailabilityName(i.fix) << "  "
              << i.summary << "\n";
  }
  return kExitClean;
}

}  // namespace

int RunCli(int argc, char** argv) {
  CLI::App app{"onnx-tidy: finds dtype conflicts in ONNX models and says where each dtype came from", "onnx-tidy"};
  app.set_version_flag("--version", std::string("onnx-tidy ") + ONNXTIDY_VERSION);
  app.require_subcommand(1, 1);

  Options opts;
  CLI::App* check = app.add_subcommand("check", "Check models and report every finding");
  check->add_option("--format", opts.format, "Output format")->check(CLI::IsMember({"text", "json"}));
  check->add_option("models", opts.models, "Model files (.onnx, or ONNX text)")->required();

  CLI::App* rules = app.add_subcommand("rules", "List every rule");
  rules->add_option("--format", opts.format, "Output format")->check(CLI::IsMember({"text", "json"}));

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    std::string msg = e.what();
    for (char& c : msg) {
      if (c == '\n') c = ' ';
    }
    std::cerr << "onnx-tidy: error: " << msg << " (see 'onnx-tidy --help')\n";
    return kExitFailure;
  }
  if (check->parsed()) return RunCheck(opts);
  return RunRules(opts);
}

}  // namespace onnxtidy
