#include "rules/registry.h"

#include <fnmatch.h>

#include <algorithm>
#include <stdexcept>

namespace onnxtidy {

std::vector<const Rule*> AllRules() {
  std::vector<const Rule*> rules = {
      &ControlFlowDtypeMismatch(), &DeclaredTypeMismatch(), &DtypeNotAllowed(),      &LossyCastRoundTrip(),
      &MixedPrecision(),           &NoTargetKernel(),       &OperandDtypeMismatch(), &RedundantCast(),
      &SchemaViolation(),          &UncheckedOp(),          &UndefinedDtype(),       &UnsortedGraph(),
      &UnsafeExternalData(),       &UndefinedValue(),       &DuplicateDefinition(),
  };
  std::sort(rules.begin(), rules.end(), [](const Rule* a, const Rule* b) { return a->info().id < b->info().id; });
  return rules;
}

const Rule* FindRule(const std::string& id) {
  for (const Rule* r : AllRules()) {
    if (r->info().id == id) return r;
  }
  return nullptr;
}

}  // namespace onnxtidy

namespace onnxtidy {
namespace {

bool Matches(const std::string& pattern, const std::string& id) {
  return ::fnmatch(pattern.c_str(), id.c_str(), 0) == 0;
}

bool AnyMatch(const std::vector<std::string>& patterns, const std::string& id) {
  return std::any_of(patterns.begin(), patterns.end(), [&](const std::string& p) { return Matches(p, id); });
}

}  // namespace

std::vector<const Rule*> SelectRules(const std::vector<std::string>& select, const std::vector<std::string>& ignore) {
  const std::vector<const Rule*> all = AllRules();
  for (const auto* patterns : {&select, &ignore}) {
    for (const std::string& p : *patterns) {
      const bool used = std::any_of(all.begin(), all.end(), [&](const Rule* r) { return Matches(p, r->info().id); });
      if (!used) throw std::invalid_argument("'" + p + "' matches no rule (see 'onnx-tidy rules')");
    }
  }
  std::vector<const Rule*> out;
  for (const Rule* r : all) {
    if ((select.empty() || AnyMatch(select, r->info().id)) && !AnyMatch(ignore, r->info().id)) out.push_back(r);
  }
  return out;
}

}  // namespace onnxtidy
