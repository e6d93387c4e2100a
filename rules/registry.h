// The one explicit list of rules. A new rule adds its factory here and a line in
// AllRules(); nothing registers itself.
#pragma once

#include <string>
#include <vector>

#include "lint/rule.h"

namespace onnxtidy {

const Rule& OperandDtypeMismatch();
const Rule& DtypeNotAllowed();

// Every rule, in id order.
std::vector<const Rule*> AllRules();

// nullptr when no rule has this id.
const Rule* FindRule(const std::string& id);

}  // namespace onnxtidy
