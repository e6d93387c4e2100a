// Deployment targets: which (op, dtype) pairs a runtime can execute. A target answers
// per type parameter; rules turn its answers into findings.
#pragma once

#include <string>
#include <vector>

#include "lint/type_engine.h"

namespace onnxtidy {

struct KernelVerdict {
  bool judged = false;  // false: the target's table does not cover this op/type
  bool supported = true;
  std::string available;  // for messages: "double, float"
  std::string note;       // how it runs anyway, when it does so unusually
};

class Target {
 public:
  virtual ~Target() = default;
  virtual const std::string& name() const = 0;
  virtual const std::string& description() const = 0;
  // Can `node` run with `type` bound to its type parameter `param`?
  virtual KernelVerdict Check(const NodeRecord& node, const std::string& param, int32_t type) const = 0;
};

// nullptr when unknown.
const Target* FindTarget(const std::string& name);
std::vector<std::string> TargetNames();

}  // namespace onnxtidy
