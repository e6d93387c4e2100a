#include "lint/linter.h"

#include "lint/mapped_file.h"
#include "lint/model_facts.h"
#include "lint/model_loader.h"
#include "lint/paths.h"
#include "lint/precision_map.h"
#include "lint/root_causes.h"
#include "lint/type_engine.h"

namespace onnxtidy {

ModelReport LintModel(const onnx::ModelProto& model, const std::string& path, const std::vector<const Rule*>& rules,
                      const LintOptions& options) {
  const TypedModel tm = AnalyzeTypes(model, options.analysis);
  ModelReport report = LintTyped(tm, path, rules, options);
  // What a report shows beyond the findings; the fixer's own passes need neither.
  report.facts = ComputeFacts(model);
  report.root_causes = FindRootCauses(report.findings, &*report.facts, rules);
  report.precision_map = ComputePrecisionMap(tm);
  return report;
}

ModelReport LintTyped(const TypedModel& tm, const std::string& path, const std::vector<const Rule*>& rules,
                      const LintOptions& options) {
  ModelReport report;
  report.path = path;
  report.notices = tm.notices;
  for (const Rule* rule : rules) {
    FindingSink sink(rule->info(), report.findings);
    for (size_t n = 0; n < tm.nodes.size(); ++n)
      rule->CheckNode(NodeView(tm, static_cast<int>(n), options.context), sink);
    for (size_t g = 0; g < tm.graphs.size(); ++g) rule->CheckGraph(GraphView(tm, static_cast<int>(g)), sink);
    rule->CheckModel(tm, options.context, sink);
  }
  if (options.warnings_as_errors || !options.severity.empty()) {
    for (Finding& f : report.findings) {
      if (options.warnings_as_errors && f.severity == Severity::kWarning) f.severity = Severity::kError;
      auto set = options.severity.find(f.rule);
      if (set != options.severity.end()) f.severity = set->second;
    }
  }
  SortFindings(report.findings);
  return report;
}

ModelReport LintFile(const std::string& path, const std::vector<const Rule*>& rules, const LintOptions& options) {
  try {
    // check never reads external data: unsafe-external-data reports what is wrong with it.
    LoadOptions load = options.load;
    load.external_data = ExternalDataPolicy::kReport;
    LoadedModel loaded = LoadModel(path, load);
    LintOptions with_dir = options;
    if (with_dir.context.model_dir.empty()) with_dir.context.model_dir = loaded.dir;
    ModelReport report = LintModel(*loaded.model, path, rules, with_dir);
    if (options.hash_file) {
      try {
        if (loaded.file) {
          HashFile(*loaded.file, *report.facts);
        } else {
          HashFile(MappedFile(path), *report.facts);
        }
      } catch (const std::runtime_error& e) {
        report.notices.push_back(std::string("no sha256: ") + e.what());
      }
    }
    return report;
  } catch (const LoadError& e) {
    ModelReport report;
    report.path = path;
    report.error = e.what();
    return report;
  }
}

}  // namespace onnxtidy
