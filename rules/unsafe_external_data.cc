// Flags tensors whose external data may not be followed (out of the model's folder, symlinks, bad ranges).
// Docs: docs/rules/unsafe-external-data.md
#include "lint/external_data.h"
#include "rules/registry.h"

namespace onnxtidy {
namespace {

class UnsafeExternalDataRule final : public Rule {
 public:
  const RuleInfo& info() const override {
    static const RuleInfo kInfo{"unsafe-external-data", Severity::kError, FixAvailability::kNone,
                                "a tensor's external data leaves the model's folder, or is not a plain file range",
                                "0.2.0"};
    return kInfo;
  }

  // Judged from the entries and lstat alone: check never opens the data file.
  void CheckModel(const TypedModel& tm, const LintContext& ctx, FindingSink& out) const override {
    ForEachExternalTensor(tm.model(), [&](const ExternalTensor& e) {
      const std::string why = ExternalDataProblem(*e.tensor, ctx.model_dir);
      if (why.empty()) return;
      Location where;
      where.graph = e.graph;
      where.value = e.tensor->name();
      if (e.node != nullptr) {
        where.node = e.node->name();
        where.node_index = e.node_index;
        where.op_type = e.node->op_type();
      }
      out.Add(where, OneLine("external data of tensor '" + e.tensor->name() + "' is refused: " + why));
    });
  }
};

}  // namespace

const Rule& UnsafeExternalData() {
  static const UnsafeExternalDataRule kRule;
  return kRule;
}

}  // namespace onnxtidy
