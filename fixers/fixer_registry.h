// The one list of fixers: which FixKind each carries out, in the order a pass tries
// them. A rule describes its fix as data (FixSuggestion); nothing here looks at rule ids.
#pragma once

#include <string>
#include <vector>

#include "lint/diagnostics.h"

namespace onnxtidy {

class FixContext;

// Carries out the fixes of `findings`, all of one kind; reasons[i] is "" when
// findings[i] was applied (or queued), else why it was declined.
using FixerFn = void (*)(FixContext& ctx, const std::vector<const Finding*>& findings,
                         std::vector<std::string>& reasons);

struct FixerInfo {
  FixKind kind;
  // Fixers of one stage share a pass; a pass runs the first stage that has work, since
  // the next stage's findings may only echo it (a declaration that disagrees because
  // of an operand conflict).
  int stage;
  FixerFn apply;
};

// In stage order: sorting first (other edits name positions in a sorted list), then
// operand widening, If/Loop/Scan joins, declarations, Cast cleanup.
const std::vector<FixerInfo>& Fixers();

// The fixer for `kind`, or nullptr (kNone, or a kind nothing carries out).
const FixerInfo* FixerFor(FixKind kind);

}  // namespace onnxtidy
