#include "tools/onnx-tidy/cli.h"

#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cstdlib>
#include <exception>
#include <filesystem>
#include <iostream>
#include <map>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "fixers/atomic_file.h"
#include "fixers/fixer.h"
#include "lint/dtype.h"
#include "lint/linter.h"
#include "lint/model_loader.h"
#include "lint/paths.h"
#include "lint/target.h"
#include "report/baseline.h"
#include "report/json_read.h"
#include "report/reporters.h"
#include "rules/registry.h"
#include "tools/onnx-tidy/config.h"
#include "tools/onnx-tidy/folders.h"
#include "tools/onnx-tidy/settings.h"

namespace onnxtidy {
namespace {

constexpr int kExitClean = 0;
constexpr int kExitFindings = 1;
constexpr int kExitFailure = 2;

struct Options {
  std::string format = "text";
  // fix
  std::string output;
  bool in_place = false;
  bool unsafe_fixes = false;
  std::string precision;
  bool keep_io_types = false;
  bool saturate = false;
  bool dry_run = false;
  bool diff = false;
  std::vector<std::string> models;
  std::vector<std::string> select;
  std::vector<std::string> ignore;
  std::string target;
  bool warnings_as_errors = false;
  std::vector<std::string> severity;  // --severity RULE=LEVEL
  std::string config;                 // --config; "" looks for onnx-tidy.toml from here up
  std::string baseline;               // --baseline REPORT.json
  std::string color = "auto";         // --color
  // report
  std::string html;                  // --html OUT.html
  std::string json;                  // --json OUT.json
  std::vector<std::string> reports;  // saved `check --format json` documents
  // Limits (docs/security.md)
  int max_nesting = kDefaultMaxGraphNesting;
  int64_t max_nodes = kDefaultMaxNodes;
  int64_t max_tensor_bytes = kDefaultMaxTensorBytes;
  int max_call_depth = AnalysisLimits{}.max_call_depth;

  LoadOptions Load() const {
    LoadOptions l;
    l.max_graph_nesting = max_nesting;
    l.max_nodes = max_nodes;
    l.max_tensor_bytes = max_tensor_bytes;
    return l;
  }
  AnalysisLimits Analysis() const {
    AnalysisLimits a;
    a.max_call_depth = max_call_depth;
    return a;
  }
};

// --color: always, never, or (auto) when stdout is a terminal and neither NO_COLOR
// (no-color.org) nor TERM=dumb says otherwise.
bool UseColor(const std::string& when) {
  if (when == "always") return true;
  if (when == "never") return false;
  const char* no_color = std::getenv("NO_COLOR");
  const char* term = std::getenv("TERM");
  return ::isatty(STDOUT_FILENO) && (no_color == nullptr || *no_color == '\0') &&
         !(term != nullptr && std::string(term) == "dumb");
}

// The limits of docs/security.md, on both commands that read models.
void AddLimitOptions(CLI::App* cmd, Options& opts) {
  cmd->add_option("--max-nesting", opts.max_nesting, "Subgraphs may nest this deep (default 30)")
      ->check(CLI::Range(1, 100000));
  cmd->add_option("--max-nodes", opts.max_nodes, "Refuse a model with more nodes (default 10000000)")
      ->check(CLI::PositiveNumber);
  cmd->add_option("--max-tensor-bytes", opts.max_tensor_bytes,
                  "Refuse a tensor that claims more bytes (default 68719476736, 64 GiB)")
      ->check(CLI::PositiveNumber);
  cmd->add_option("--max-call-depth", opts.max_call_depth, "Follow model-local function calls this deep (default 32)")
      ->check(CLI::Range(0, 100000));
}

// Every error is one printable line of valid UTF-8, whatever bytes the input put into it.
void ErrorLine(const std::string& message) { std::cerr << "onnx-tidy: error: " << PrintableLine(message) << "\n"; }

void UsageError(const std::string& message) { ErrorLine(message + " (see 'onnx-tidy --help')"); }

void WarningLines(const std::string& path, const std::vector<std::string>& notices) {
  for (const std::string& n : notices) std::cerr << PrintableLine(path) << ": warning: " << PrintableLine(n) << "\n";
}

// False (after one error line) when the settings cannot be used.
bool ResolveSettings(const Options& opts, Settings& out) {
  SettingsRequest request;
  request.config = opts.config;
  request.select = opts.select;
  request.ignore = opts.ignore;
  request.target = opts.target;
  request.warnings_as_errors = opts.warnings_as_errors;
  request.severity = opts.severity;
  try {
    out = ResolveSettings(request);
    return true;
  } catch (const SettingsError& e) {
    ErrorLine(e.what());
    return false;
  }
}

int RunCheck(const Options& opts) {
  Settings settings;
  if (!ResolveSettings(opts, settings)) return kExitFailure;
  LintOptions lint = LintOptionsFor(settings);
  std::optional<Baseline> baseline;
  if (!opts.baseline.empty()) {
    try {
      baseline = Baseline::Load(opts.baseline);
    } catch (const std::runtime_error& e) {
      ErrorLine(e.what());
      return kExitFailure;
    }
  }
  // The dashboard fields need the file's sha256, and so does matching a moved model to
  // its baseline; text reports do without reading the weights.
  lint.hash_file = opts.format == "json" || opts.format == "html" || baseline.has_value();
  lint.load = opts.Load();
  lint.analysis = opts.Analysis();
  std::vector<ModelReport> reports;
  bool failed = false;
  for (const std::string& path : opts.models) {
    try {
      reports.push_back(LintFile(path, settings.RulesFor(path), lint));
    } catch (const std::exception& e) {
      // A bug of ours must not lose the other models' results.
      ModelReport r;
      r.path = path;
      r.error = "internal error while checking '" + path + "': " + e.what();
      reports.push_back(std::move(r));
    }
    ModelReport& r = reports.back();
    if (baseline && r.error.empty()) baseline->Apply(r);
    if (!r.error.empty()) {
      ErrorLine(r.error);
      failed = true;
    }
    WarningLines(r.path, r.notices);
  }
  if (opts.format == "json") {
    WriteJsonReport(reports, std::cout);
  } else if (opts.format == "html") {
    WriteHtmlReport(reports, std::cout);
  } else if (opts.format == "sarif") {
    WriteSarifReport(reports, AllRules(), std::cout);
  } else if (opts.format == "github") {
    WriteGithubReport(reports, std::cout);
  } else {
    TextOptions text;
    text.color = UseColor(opts.color);
    WriteTextReport(reports, std::cout, text);
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
  if (opts.format == "markdown") {
    WriteRulesMarkdown(rules, std::cout);
  } else if (opts.format == "json") {
    WriteRulesJson(rules, std::cout);
  } else {
    WriteRulesText(rules, std::cout);
  }
  return kExitClean;
}

// `report --html OUT REPORT.json...`: saved JSON reports, of many runs or models, as the
// page `check --format html` writes (--json: as one JSON report, the same document for
// one input). Every report is read before anything is written.
int RunReport(const Options& opts) {
  if (opts.html.empty() && opts.json.empty()) {
    UsageError("report needs --html OUT.html or --json OUT.json");
    return kExitFailure;
  }
  std::vector<ModelReport> models;
  for (const std::string& path : opts.reports) {
    try {
      std::vector<ModelReport> more = ReadJsonReports(path);
      for (ModelReport& m : more) models.push_back(std::move(m));
    } catch (const std::runtime_error& e) {
      ErrorLine(e.what());
      return kExitFailure;
    }
  }
  for (const auto& [path, write] :
       {std::pair<std::string, void (*)(const std::vector<ModelReport>&, std::ostream&)>{opts.html, WriteHtmlReport},
        {opts.json, WriteJsonReport}}) {
    if (path.empty()) continue;
    std::ostringstream text;
    write(models, text);
    if (path == "-") {
      std::cout << text.str() << std::flush;
      continue;
    }
    try {
      AtomicFile out(path);
      out.Write(text.str());
      out.Commit();
    } catch (const std::exception& e) {
      ErrorLine(e.what());
      return kExitFailure;
    }
  }
  return kExitClean;
}

FixReport FixOne(const std::string& path, const Options& opts, const FixOptions& fix_opts) {
  FixReport out;
  out.path = path;
  out.output = opts.in_place ? path : opts.output;
  LoadedModel loaded;
  try {
    loaded = LoadModel(path, opts.Load());
  } catch (const LoadError& e) {
    out.error = e.what();
    return out;
  }
  const bool writes = !opts.dry_run && !opts.diff;
  TensorStore store(loaded);
  out.result = FixModel(*loaded.model, fix_opts, &store);
  if (!writes || !out.result.verify_error.empty()) return out;
  if (opts.in_place && !out.result.changed()) return out;  // nothing to do: leave the file alone
  Progress progress;
  if (::isatty(STDERR_FILENO)) {
    progress = [&](size_t done, size_t total) {
      std::cerr << "\r" << path << ": writing tensor " << done << "/" << total << std::flush;
      if (done == total) std::cerr << "\n";
    };
  }
  try {
    store.Write(*loaded.model, out.output, fix_opts.overflow, progress);
    out.written = true;
  } catch (const std::exception& e) {
    out.error = e.what();
  }
  return out;
}

int RunFix(const Options& opts) {
  const int modes = (opts.output.empty() ? 0 : 1) + (opts.in_place ? 1 : 0) + ((opts.dry_run || opts.diff) ? 1 : 0);
  if (modes != 1) {
    UsageError("fix needs exactly one of -o OUT, --in-place, or --dry-run/--diff");
    return kExitFailure;
  }
  if (!opts.output.empty()) {
    if (opts.models.size() != 1) {
      UsageError("-o takes one model; use --in-place for several");
      return kExitFailure;
    }
    if (opts.output == opts.models[0] || SameFile(opts.output, opts.models[0])) {
      UsageError("-o names the input; use --in-place to overwrite it");
      return kExitFailure;
    }
    if (IsTextModelName(opts.output)) {
      UsageError("-o: fixed models are written as binary .onnx");
      return kExitFailure;
    }
  }
  Settings settings;
  if (!ResolveSettings(opts, settings)) return kExitFailure;
  FixOptions fix_opts;
  fix_opts.target = settings.target;
  fix_opts.analysis = opts.Analysis();
  fix_opts.unsafe = opts.unsafe_fixes;
  fix_opts.keep_io_types = opts.keep_io_types;
  fix_opts.overflow = opts.saturate ? Overflow::kSaturate : Overflow::kInfinity;
  if (!opts.precision.empty()) fix_opts.precision = PrecisionByName(opts.precision);  // CLI11 checked the name

  FixReportOptions report_opts;
  report_opts.diff = opts.diff;
  report_opts.precision = fix_opts.precision;
  report_opts.target = fix_opts.target;
  int exit_code = kExitClean;
  std::vector<FixReport> reports;
  for (const std::string& path : opts.models) {
    FixReport o;
    try {
      FixOptions for_model = fix_opts;
      for_model.rules = settings.RulesFor(path);
      o = FixOne(path, opts, for_model);
    } catch (const std::exception& e) {
      o.path = path;
      o.error = "internal error while fixing '" + path + "': " + e.what();
    }
    if (!o.error.empty()) {
      ErrorLine(o.error);
      exit_code = kExitFailure;
    } else {
      const FixResult& r = o.result;
      WarningLines(path, r.notices);
      if (!r.verify_error.empty()) WriteFixFailure(o, std::cerr);
      const bool undeployable = fix_opts.target != nullptr && !r.target_gaps.empty();
      if (exit_code == kExitClean &&
          (!r.verify_error.empty() || !r.declined.empty() || r.after().error > 0 || undeployable)) {
        exit_code = kExitFindings;
      }
      if (opts.format != "json") WriteFixText(o, report_opts, std::cout);
    }
    if (opts.format == "json") {
      reports.push_back(std::move(o));
    }
  }
  if (opts.format == "json") WriteFixJson(reports, report_opts, std::cout);
  return exit_code;
}

}  // namespace

int RunCli(int argc, char** argv) {
  CLI::App app{"onnx-tidy: finds dtype conflicts in ONNX models and says where each dtype came from", "onnx-tidy"};
  app.set_version_flag("--version", std::string("onnx-tidy ") + ONNXTIDY_VERSION);
  app.require_subcommand(1, 1);

  Options opts;
  CLI::App* check = app.add_subcommand("check", "Check models and report every finding");
  check
      ->add_option("--format", opts.format,
                   "Output format: text, json, sarif (SARIF 2.1.0), github (annotations), html (one page)")
      ->check(CLI::IsMember({"text", "json", "sarif", "github", "html"}));
  check->add_option("--select", opts.select, "Only these rules (ids or globs, comma-separated)")
      ->delimiter(',')
      ->allow_extra_args(false);
  check->add_option("--ignore", opts.ignore, "Skip these rules (ids or globs, comma-separated)")
      ->delimiter(',')
      ->allow_extra_args(false);
  check->add_option("--target", opts.target, "Also check kernels of a deployment target (onnxruntime-cpu)");
  check->add_flag("--warnings-as-errors", opts.warnings_as_errors, "Report warnings as errors (exit 1)");
  check
      ->add_option("--severity", opts.severity,
                   "Set a rule's severity: RULE=error|warning|info (ids or globs, comma-separated)")
      ->delimiter(',')
      ->allow_extra_args(false);
  check->add_option("--config", opts.config, "Settings file (default: the nearest onnx-tidy.toml from here up)");
  check->add_option("--baseline", opts.baseline,
                    "Leave out findings already in this earlier 'check --format json' report");
  check
      ->add_option("--color", opts.color,
                   "Colour the text report: auto (on a terminal, unless NO_COLOR), always, never")
      ->check(CLI::IsMember({"auto", "always", "never"}));
  AddLimitOptions(check, opts);
  check->add_option("models", opts.models, "Model files (.onnx, or ONNX text), or folders of them")->required();

  CLI::App* fix = app.add_subcommand("fix",
                                     "Repair models: widen conflicting operands, fix declarations, "
                                     "remove no-op Casts, or convert to one precision");
  fix->add_option("models", opts.models, "Model files, or folders of them")->required();
  fix->add_option("-o,--output", opts.output, "Write the fixed model here (never the input)");
  fix->add_flag("--in-place", opts.in_place, "Replace each input, atomically");
  fix->add_flag("--dry-run", opts.dry_run, "Plan and report the fixes; write nothing");
  fix->add_flag("--diff", opts.diff, "Print the planned edits; write nothing");
  fix->add_flag("--unsafe-fixes", opts.unsafe_fixes, "Also apply fixes that may change values");
  fix->add_option("--precision", opts.precision, "Convert the whole model to one float type")
      ->check(CLI::IsMember({"float32", "bfloat16", "float16"}));
  fix->add_flag("--keep-io-types", opts.keep_io_types, "With --precision: keep graph input/output types");
  fix->add_option("--target", opts.target, "Keep ops without a kernel on this target wider (onnxruntime-cpu)");
  fix->add_flag("--saturate", opts.saturate, "Narrowing saturates at the largest finite value instead of +-Inf");
  fix->add_option("--format", opts.format, "Report format")->check(CLI::IsMember({"text", "json"}));
  fix->add_option("--select", opts.select, "Only fix findings of these rules (ids or globs)")
      ->delimiter(',')
      ->allow_extra_args(false);
  fix->add_option("--ignore", opts.ignore, "Leave findings of these rules alone (ids or globs)")
      ->delimiter(',')
      ->allow_extra_args(false);
  fix->add_option("--config", opts.config, "Settings file (default: the nearest onnx-tidy.toml from here up)");
  AddLimitOptions(fix, opts);

  CLI::App* report =
      app.add_subcommand("report", "Turn saved 'check --format json' reports into one HTML page (a dashboard)");
  report->add_option("--html", opts.html, "Write the HTML page here, atomically ('-': standard output)");
  report->add_option("--json", opts.json, "Write the models of all reports as one JSON report ('-': stdout)");
  report->add_option("reports", opts.reports, "JSON reports of 'onnx-tidy check --format json'")->required();

  CLI::App* rules = app.add_subcommand("rules", "List every rule");
  rules->add_option("--format", opts.format, "Output format")->check(CLI::IsMember({"text", "json", "markdown"}));

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    UsageError(OneLine(e.what()));
    return kExitFailure;
  }
  if (check->parsed() || fix->parsed()) {
    try {
      opts.models = ExpandModelPaths(opts.models);
    } catch (const std::runtime_error& e) {
      ErrorLine(e.what());
      return kExitFailure;
    }
  }
  if (check->parsed()) return RunCheck(opts);
  if (fix->parsed()) return RunFix(opts);
  if (report->parsed()) return RunReport(opts);
  return RunRules(opts);
}

}  // namespace onnxtidy
