#include "lint/linter.h"

#include "lint/model_loader.h"
#include "lint/type_engine.h"

namespace onnxtidy {

ModelReport LintModel(const onnx::ModelProto& model, const std::string& path, const std::vector<const Rule*>& rules) {
  ModelReport report;
  report.path = path;
  const TypedModel tm = AnalyzeTypes(model);
  report.notices = tm.notices;
  for (const Rule* rule : rules) {
    FindingSink sink(rule->info(), report.findings);
    for (size_t n = 0; n < tm.nodes.size(); ++n) rule->CheckNode(NodeView(tm, static_cast<int>(n)), sink);
  }
  SortFindings(report.findings);
  return report;
}

ModelReport LintFile(const std::string& path, const std::vector<const Rule*>& rules) {
  try {
    LoadedModel loaded = LoadModel(path);
    return LintModel(loaded.model, path, rules);
  } catch (const LoadError& e) {
    ModelReport report;
    report.path = path;
    report.error = e.what();
    return report;
  }
}

}  // namespace onnxtidy
