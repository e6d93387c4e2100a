#include "rules/registry.h"

#include <algorithm>

namespace onnxtidy {

std::vector<const Rule*> AllRules() {
  std::vector<const Rule*> rules = {
      &DtypeNotAllowed(),
      &OperandDtypeMismatch(),
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
