#include "fixers/fixer.h"

#include <algorithm>
#include <map>
#include <optional>
#include <stdexcept>

#include "fixers/fix_context.h"
#include "fixers/fixer_registry.h"
#include "lint/dtype.h"
#include "lint/linter.h"
#include "onnx/checker.h"
#include "onnx/shape_inference/implementation.h"
#include "rules/registry.h"

namespace onnxtidy {
namespace {

// Fixes converge in a few passes (sort, widen, joins, declarations, cleanup); more means
// a fix undoes another, which the result reports rather than loops on.
constexpr int kMaxPasses = 12;

std::string Key(const Finding& f) {
  const Location& l = f.location;
  return f.rule + "|" + l.graph + "|" + std::to_string(l.node_index) + "|" + std::to_string(l.input_index) + "|" +
         std::to_string(l.output_index) + "|" + l.value;
}

// A fix a fixer carries out: Safe, or Unsafe under --unsafe-fixes.
bool Applicable(const Finding& f, const FixOptions& opt) {
  if (!f.fix || f.fix->kind == FixKind::kNone) return false;
  return f.fix->safety == FixSafety::kSafe || (f.fix->safety == FixSafety::kUnsafe && opt.unsafe);
}

FixRecord Record(const Finding& f, const std::string& reason = "", EditEffect effect = EditEffect::kExact) {
  return FixRecord{f.rule,     f.message, f.fix ? f.fix->title : "", f.fix ? FixSafetyName(f.fix->safety) : "", reason,
                   f.location, effect};
}

std::map<std::string, int> ErrorsByRule(const std::vector<Finding>& findings) {
  std::map<std::string, int> out;
  for (const Finding& f : findings) {
    if (f.severity == Severity::kError) ++out[f.rule];
  }
  return out;
}

// The worst effect among edits [first, end): what the fixes that made them promise.
const Edit* WorstEdit(const std::vector<Edit>& edits, size_t first) {
  const Edit* worst = nullptr;
  for (size_t i = first; i < edits.size(); ++i) {
    if (worst == nullptr || edits[i].effect > worst->effect) worst = &edits[i];
  }
  return worst;
}

// Runs the first stage of fixers that has work; true when any fix was applied. Safe
// and Unsafe fixes of a kind run apart, so that each is held to its label: a Safe fix
// that made an inexact edit is a bug, and the result is not written.
bool RunFixers(FixContext& ctx, const ModelReport& report, const FixOptions& opt, FixResult& result,
               std::map<std::string, std::string>& reasons) {
  bool any = false;
  int stage = -1;
  for (const FixerInfo& fixer : Fixers()) {
    if (fixer.stage != stage && any) return true;
    stage = fixer.stage;
    for (FixSafety safety : {FixSafety::kSafe, FixSafety::kUnsafe}) {
      std::vector<const Finding*> batch;
      for (const Finding& f : report.findings) {
        if (Applicable(f, opt) && f.fix->kind == fixer.kind && f.fix->safety == safety) batch.push_back(&f);
      }
      if (batch.empty()) continue;
      const size_t first = ctx.editor.edits().size();
      std::vector<std::string> why;
      fixer.apply(ctx, batch, why);
      const Edit* worst = WorstEdit(ctx.editor.edits(), first);
      const EditEffect effect = worst != nullptr ? worst->effect : EditEffect::kExact;
      if (safety == FixSafety::kSafe && effect != EditEffect::kExact) {
        result.verify_error = "a fix labelled safe made a " + std::string(EditEffectName(effect)) + " edit (" +
                              worst->action + ": " + worst->detail + "); this is a bug in onnx-tidy";
      }
      for (size_t i = 0; i < batch.size(); ++i) {
        if (why[i].empty()) {
          result.applied.push_back(Record(*batch[i], "", effect));
          any = true;
        } else {
          reasons[Key(*batch[i])] = why[i];
        }
      }
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

// Why `to` cannot be the whole model's type at its opsets, or "".
std::string PrecisionBlocker(const onnx::ModelProto& model, int32_t to) {
  const bool onnx_imported = std::any_of(model.opset_import().begin(), model.opset_import().end(), [](const auto& imp) {
    return imp.domain().empty() || imp.domain() == "ai.onnx";
  });
  if (!onnx_imported) {
    return "--precision converts through Casts, which belong to ai.onnx, and the model imports no ai.onnx opset";
  }
  if (to != kBfloat16) return "";
  for (const auto& imp : model.opset_import()) {
    if ((imp.domain().empty() || imp.domain() == "ai.onnx") && imp.version() < 13) {
      return "--precision bfloat16 needs ai.onnx opset 13 or newer, and the model imports opset " +
             std::to_string(imp.version()) + ": no Cast (nor most ops) carries bfloat16 before it";
    }
  }
  return "";
}

// Elements of a stored tensor, from its dims (never trusted beyond a double's range).
double Elements(const onnx::TensorProto& t) {
  double n = 1;
  for (int64_t d : t.dims()) n *= d > 0 ? static_cast<double>(d) : 0.0;
  return n;
}

void CountFloatWeights(const onnx::GraphProto& g, int32_t to, double& total, double& of_type) {
  for (const auto& t : g.initializer()) {
    const int32_t e = t.data_type();
    if (e != kFloat && e != kFloat16 && e != kBfloat16) continue;
    total += Elements(t);
    if (e == to) of_type += Elements(t);
  }
  for (const auto& n : g.node()) {
    for (const auto& a : n.attribute()) {
      if (a.has_g()) CountFloatWeights(a.g(), to, total, of_type);
      for (const auto& sub : a.graphs()) CountFloatWeights(sub, to, total, of_type);
    }
  }
}

// The error findings of `model` by every rule: the nodes and values a failed
// verification is about.
std::vector<Finding> Problems(const onnx::ModelProto& model, const LintOptions& lint) {
  std::vector<Finding> out;
  for (Finding& f : LintModel(model, "", AllRules(), lint).findings) {
    if (f.severity == Severity::kError) out.push_back(std::move(f));
  }
  return out;
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

namespace {

// Nothing is written after a failed verification, so nothing was fixed: the fixes it
// applied are declined, with that reason.
FixResult& Unwritten(FixResult& result) {
  for (FixRecord& a : result.applied) {
    a.reason = "nothing was written: " + result.verify_error;
    a.effect = EditEffect::kExact;
    result.declined.push_back(std::move(a));
  }
  result.applied.clear();
  return result;
}

FixResult FixModelOnce(onnx::ModelProto& model, const FixOptions& opt, TensorStore* store);

}  // namespace

FixResult FixModel(onnx::ModelProto& model, const FixOptions& opt, TensorStore* store) {
  FixResult result = FixModelOnce(model, opt, store);
  return result.verify_error.empty() ? result : Unwritten(result);
}

namespace {

FixResult FixModelOnce(onnx::ModelProto& model, const FixOptions& opt, TensorStore* store) {
  TensorStore in_memory;
  if (store == nullptr) store = &in_memory;
  FixResult result;
  LintOptions lint;
  lint.context.target = opt.target;
  lint.analysis = opt.analysis;
  std::map<std::string, int> errors_before;
  std::map<std::string, std::string> reasons;
  // The findings of the model as it stands, when the last pass linted it and edited
  // nothing: the result's report then needs no second analysis.
  std::optional<ModelReport> current;
  if (opt.precision) {
    if (std::string why = PrecisionBlocker(model, *opt.precision); !why.empty()) {
      // Declined before any edit: the model stays as it is, findings and all.
      result.remaining = LintTyped(AnalyzeTypes(model, opt.analysis), "", opt.rules, lint).findings;
      result.before = CountBySeverity(result.remaining);
      result.verify_error = why;
      return result;
    }
    double unused = 0;
    CountFloatWeights(model.graph(), *opt.precision, result.float_weights, unused);
  }

  for (int pass = 0; pass < kMaxPasses; ++pass) {
    result.passes = pass + 1;
    const TypedModel tm = AnalyzeTypes(model, opt.analysis);
    GraphEditor editor(model);
    editor.overflow = opt.overflow;
    editor.store = store;
    FixContext ctx(tm, editor, opt);
    std::optional<ModelReport> report;
    if (pass == 0) {
      report = LintTyped(tm, "", opt.rules, lint);
      errors_before = ErrorsByRule(report->findings);
      result.before = CountBySeverity(report->findings);
      result.notices = report->notices;
    }
    bool changed = false;
    if (opt.precision && pass == 0) {
      result.kept_wide = ConvertPrecision(ctx, *opt.precision);
      changed = !editor.edits().empty();
    }
    if (!changed) {
      if (!report) report = LintTyped(tm, "", opt.rules, lint);
      changed = RunFixers(ctx, *report, opt, result, reasons);
    }
    editor.Commit();
    result.edits.insert(result.edits.end(), editor.edits().begin(), editor.edits().end());
    result.notes.insert(result.notes.end(), editor.notes().begin(), editor.notes().end());
    if (!result.verify_error.empty()) return result;
    // Only edits count as progress: a fix that claims success but edits nothing would
    // otherwise loop until the pass limit.
    if (!changed || editor.edits().empty()) {
      if (editor.edits().empty()) current = std::move(report);
      break;
    }
  }
  for (const Edit& e : result.edits) {
    result.tensors_converted += e.action == "retype-tensor" || e.action == "duplicate-initializer";
  }
  if (opt.precision) {
    double total_after = 0;
    CountFloatWeights(model.graph(), *opt.precision, total_after, result.float_weights_converted);
  }

  const ModelReport after = current ? std::move(*current) : LintModel(model, "", opt.rules, lint);
  result.remaining = after.findings;
  for (const Finding& f : after.findings) {
    if (f.rule == NoTargetKernel().info().id) result.target_gaps.push_back(f);
    if (!f.fix || f.fix->kind == FixKind::kNone || f.fix->safety == FixSafety::kDisplayOnly) {
      // An error no fixer can remove is still why the model is not clean: say so.
      if (f.severity == Severity::kError) {
        result.declined.push_back(Record(f, f.fix ? "no automatic fix: " + f.fix->reason : "no fix is known for it"));
      }
      continue;
    }
    auto r = reasons.find(Key(f));
    std::string why = r != reasons.end() ? r->second
                      : !Applicable(f, opt)
                          ? "unsafe, applied only with --unsafe-fixes (" + f.fix->title + "): " + f.fix->reason
                      : FixerFor(f.fix->kind) == nullptr
                          ? "no fixer carries out a " + std::string(FixKindName(f.fix->kind)) + " fix yet"
                          : "still present after " + std::to_string(result.passes) + " passes";
    result.declined.push_back(Record(f, why));
  }

  // Verify: nothing got worse, and onnx's own checker accepts the result.
  for (const auto& [rule, n] : ErrorsByRule(after.findings)) {
    auto b = errors_before.find(rule);
    const int was = b == errors_before.end() ? 0 : b->second;
    if (n > was && result.changed()) {
      result.verify_error =
          "the fixed model has " + std::to_string(n) + " " + rule + " errors, " + std::to_string(was) + " before";
      result.problems = Problems(model, lint);
      return result;
    }
  }
  if (opt.precision && opt.target != nullptr && !result.target_gaps.empty()) {
    result.verify_error = "the converted model would still have " + std::to_string(result.target_gaps.size()) +
                          " node(s) without a kernel on " + opt.target->name();
    result.problems = result.target_gaps;
    return result;
  }
  if (!result.changed()) return result;
  if (model.ir_version() > onnx::IR_VERSION || !after.notices.empty()) {
    result.notices.push_back(
        "onnx's checker (onnx 1.12) was skipped: it does not know this model's IR version or "
        "opsets");
    return result;
  }
  if (std::string err = RunChecker(store->CheckableCopy(model)); !err.empty()) {
    result.verify_error = "onnx checker: " + err;
    result.problems = Problems(model, lint);
  }
  return result;
}

}  // namespace

}  // namespace onnxtidy
