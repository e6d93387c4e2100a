// Notes ops that no known schema or model-local function describes, so nothing checks them.
// Docs: docs/rules/unchecked-op.md
#include <map>

#include "rules/registry.h"

namespace onnxtidy {
namespace {

class UncheckedOpRule final : public Rule {
 public:
  const RuleInfo& info() const override {
    static const RuleInfo kInfo{"unchecked-op", Severity::kInfo, FixAvailability::kNone,
                                "an op with no known schema (custom or newer domain) is not checked", "0.1.0"};
    return kInfo;
  }

  void CheckModel(const TypedModel& tm, const LintContext&, FindingSink& out) const override {
    struct Seen {
      int first = -1;
      int count = 0;
    };
    std::map<std::pair<std::string, std::string>, Seen> ops;
    for (size_t i = 0; i < tm.nodes.size(); ++i) {
      const NodeRecord& n = tm.nodes[i];
      if (n.schema != nullptr || n.function != nullptr) continue;
      Seen& s = ops[{n.domain, n.op_type()}];
      if (s.first < 0) s.first = static_cast<int>(i);
      ++s.count;
    }
    for (const auto& [key, seen] : ops) {
      const auto& [domain, op] = key;
      const NodeRecord& first = tm.nodes[static_cast<size_t>(seen.first)];
      const std::string qualified = domain.empty() ? op : domain + "." + op;
      std::string why = first.opset < 0 ? "domain '" + domain + "' is not imported by the model"
                                        : "no schema for it in " + (domain.empty() ? "ai.onnx" : domain) + " opset " +
                                              std::to_string(first.opset);
      Location where;
      where.graph = tm.graphs[static_cast<size_t>(first.graph)].path;
      where.node = first.name();
      where.node_index = first.index;
      where.op_type = first.op_type();
      out.Add(where, qualified + " is not checked: " + why + " (" + std::to_string(seen.count) +
                         (seen.count == 1 ? " node)" : " nodes)"));
    }
  }
};

}  // namespace

const Rule& UncheckedOp() {
  static const UncheckedOpRule kRule;
  return kRule;
}

}  // namespace onnxtidy
