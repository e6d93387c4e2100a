#include "fixers/fixer.h"


#include <map>
#include <optional>
#include <stdexcept>

#include "fixers/fix_context.h"
#include "lint/dtype.h"
#include "lint/linter.h"
#include "onnx/checker.h"
#include "onnx/shape_inference/implementation.h"
#include "rules/registry.h"

namespace onnxtidy {
namespace {

// Fixes converge in a few passes (widen, then declarations, then cleanup); more means a
// fix undoes another, which the result reports rather than loops on.
constexpr int kMaxPasses = 12;

std::string Key(const Finding& f) {
  const Location& l = f.location;
  return f.rule + "|" + l.graph + "|" + std::to_string(l.node_index) + "|" + std::to_string(l.input_index) + "|" +
         std::to_string(l.output_index) + "|" + l.value;
}

bool Allowed(const Finding& f, const FixOptions& opt) {
  if (!f.fix) return false;
  return f.fix->safety == FixSafety::kSafe || (f.fix->safety == FixSafety::kUnsafe && opt.unsafe);
}

FixRecord Record(const Finding& f, const std::string& reason = "") {
  return FixRecord{f.rule, f.message, f.fix ? f.fix->title : "", f.fix ? FixSafetyName(f.fix->safety) : "",
                   reason, f.location};
}

std::map<std::string, int> ErrorsByRule(const std::vector<Finding>& findings) {
  std::map<std::string, int> out;
  for (const Finding& f : findings) {
    if (f.severity == Severity::kError) ++out[f.rule];
  }
  return out;
}

// Runs one kind of fix over its findings; true when anything was applied.
template <typename Fn>
bool ApplyEach(const std::vector<const Finding*>& findings, FixResult& result,
               std::map<std::string, std::string>& reasons, Fn&& fix) {
  bool any = false;
  for (const Finding* f : findings) {
    const std::string why = fix(*f);
    if (why.empty()) {
      result.applied.push_back(Record(*f));
      any = true;
    } else {
      reasons[Key(*f)] = why;
    }
  }
  return any;
}

// Takes a copy it may change: shape inference writes its results into the model.
std::string RunChecker(onnx::ModelProto model) {
  try {
    onnx::checker::check_model(model);
    onnx::shape_inference::InferShapes(model, onnx::OpSchemaRegistry::Instance(),
                                       onnx::ShapeInferenceOptions(/*check_type=*/true, /*strict_mode=*/1));
  } catch (const std::exception& e) {
    return OneLine(e.what());
  }
  return "";
}

}  // namespace

SeverityCounts CountBySeverity(const std::vector<Finding>& findings) {
  SeverityCounts c;
  for (const Finding& f : findings) {
    c.error += f.severity == Severity::kError;
    c.warning += f.severity == Severity::kWarning;
    c.info += f.severity == Severity::kInfo;
  }
  return c;
}

FixResult FixModel(onnx::ModelProto& model, const FixOptions& opt, TensorStore* store) {
  TensorStore in_memory;
  if (store == nullptr) store = &in_memory;
  FixResult result;
  const std::vector<const Rule*> rules = opt.rules.empty() ? AllRules() : opt.rules;
  LintOptions lint;
  lint.context.target = opt.target;
  std::map<std::string, int> errors_before;
  std::map<std::string, std::string> reasons;
  // The findings of the model as it stands, when the last pass linted it and edited
  // nothing: the result's report then needs no second analysis.
  std::optional<ModelReport> current;

  for (int pass = 0; pass < kMaxPasses; ++pass) {
    result.passes = pass + 1;
    const TypedModel tm = AnalyzeTypes(model);
    GraphEditor editor(model);
    editor.overflow = opt.overflow;
    editor.store = store;
    FixContext ctx(tm, editor, opt);
    std::optional<ModelReport> report;
    if (pass == 0) {
      report = LintTyped(tm, "", rules, lint);
      errors_before = ErrorsByRule(report->findings);
      result.before = CountBySeverity(report->findings);
      result.notices = report->notices;
    }
    bool changed = false;
    if (opt.precision && pass == 0) {
      ConvertPrecision(ctx, *opt.precision);
      changed = !editor.edits().empty();
    } else if (opt.precision && pass == 1) {
      changed = KeepUnsupportedOpsWide(ctx, *opt.precision) > 0;
    }
    if (!changed) {
      if (!report) report = LintTyped(tm, "", rules, lint);
      std::vector<const Finding*> operands, declared, casts, flows, sorts;
      for (const Finding& f : report->findings) {
        if (!Allowed(f, opt)) continue;
        if (f.rule == "unsorted-graph") sorts.push_back(&f);
        if (f.rule == "operand-dtype-mismatch") operands.push_back(&f);
        if (f.rule == "declared-type-mismatch") declared.push_back(&f);
        if (f.rule == "redundant-cast") casts.push_back(&f);
        if (f.rule == "control-flow-dtype-mismatch") flows.push_back(&f);
      }
      // Sorting moves nodes at once, which leaves the positions other fixers use stale:
      // it takes a pass of its own, first.
      changed = ApplyEach(sorts, result, reasons, [&](const Finding& f) { return SortGraph(ctx, f); });
      // Operand fixes first: declared types often disagree only because of them.
      std::vector<std::string> why;
      if (!changed) WidenOperands(ctx, operands, why);
      for (size_t i = 0; i < why.size(); ++i) {
        if (why[i].empty()) {
          result.applied.push_back(Record(*operands[i]));
          changed = true;
        } else {
          reasons[Key(*operands[i])] = why[i];
        }
      }
      if (!changed) changed = ApplyEach(flows, result, reasons, [&](const Finding& f) { return FixControlFlow(ctx, f); });
      if (!changed) changed = ApplyEach(declared, result, reasons, [&](const Finding& f) { return FixDeclaredType(ctx, f); });
      if (!changed) changed = ApplyEach(casts, result, reasons, [&](const Finding& f) { return RemoveRedundantCast(ctx, f); });
    }
    editor.Commit();
    result.edits.insert(result.edits.end(), editor.edits().begin(), editor.edits().end());
    // Only edits count as progress: a fix that claims success but edits nothing would
    // otherwise loop until the pass limit.
    if (!changed || editor.edits().empty()) {
      if (editor.edits().empty()) current = std::move(report);
      break;
    }
  }

  const ModelReport after = current ? std::move(*current) : LintModel(model, "", rules, lint);
  result.remaining = after.findings;
  for (const Finding& f : after.findings) {
    if (!f.fix || f.fix->safety == FixSafety::kDisplayOnly) continue;
    if (f.rule != "operand-dtype-mismatch" && f.rule != "declared-type-mismatch" && f.rule != "redundant-cast" &&
        f.rule != "control-flow-dtype-mismatch" && f.rule != "unsorted-graph") {
      continue;
    }
    auto r = reasons.find(Key(f));
    std::string why = r != reasons.end() ? r->second
                      : !Allowed(f, opt) ? "an unsafe fix (use --unsafe-fixes)"
                                         : "still present after " + std::to_string(result.passes) + " passes";
    result.declined.push_back(Record(f, why));
  }

  // Verify: nothing got worse, and onnx's own checker accepts the result.
  for (const auto& [rule, n] : ErrorsByRule(after.findings)) {
    auto b = errors_before.find(rule);
    const int was = b == errors_before.end() ? 0 : b->second;
    if (n > was && result.changed()) {
      result.verify_error = "the fixed model has " + std::to_string(n) + " " + rule + " errors, " +
                            std::to_string(was) + " before";
      return result;
    }
  }
  if (!result.changed()) return result;
  if (model.ir_version() > onnx::IR_VERSION || !after.notices.empty()) {
    result.notices.push_back("onnx's checker (onnx 1.12) was skipped: it does not know this model's IR version or "
                             "opsets");
    return result;
  }
  if (std::string err = RunChecker(store->CheckableCopy(model)); !err.empty()) {
    result.verify_error = "onnx checker: " + err;
  }
  return result;
}

}  // namespace onnxtidy
