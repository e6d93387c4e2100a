// The one explicit list of rules. A new rule adds its factory here and a line in
// AllRules(); nothing registers itself.
#pragma once

#include <string>
#include <vector>

#include "lint/rule.h"

namespace onnxtidy {

const Rule& ControlFlowDtypeMismatch();
const Rule& DeclaredTypeMismatch();
const Rule& DtypeNotAllowed();
const Rule& LossyCastRoundTrip();
const Rule& MixedPrecision();
const Rule& NoTargetKernel();
const Rule& OperandDtypeMismatch();
const Rule& RedundantCast();
const Rule& SchemaViolation();
const Rule& UncheckedOp();
const Rule& UnsafeExternalData();
const Rule& UndefinedDtype();
const Rule& UndefinedValue();
const Rule& DuplicateDefinition();
const Rule& UnsortedGraph();

// Every rule, in id order.
std::vector<const Rule*> AllRules();

// nullptr when no rule has this id.
const Rule* FindRule(const std::string& id);

// The rules matching any `select` pattern (all when empty) and no `ignore` pattern.
// Patterns are ids or globs ("operand-*"). Throws std::invalid_argument naming a
// pattern that matches no rule.
std::vector<const Rule*> SelectRules(const std::vector<std::string>& select, const std::vector<std::string>& ignore);

}  // namespace onnxtidy
