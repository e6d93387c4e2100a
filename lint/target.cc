#include "lint/target.h"

namespace onnxtidy {

const Target& OnnxruntimeCpuTarget();

namespace {

// Every target, in name order. A new target adds its factory here.
std::vector<const Target*> AllTargets() { return {&OnnxruntimeCpuTarget()}; }

}  // namespace

const Target* FindTarget(const std::string& name) {
  for (const Target* t : AllTargets()) {
    if (t->name() == name) return t;
  }
  return nullptr;
}

std::vector<std::string> TargetNames() {
  std::vector<std::string> out;
  for (const Target* t : AllTargets()) out.push_back(t->name());
  return out;
}

}  // namespace onnxtidy
