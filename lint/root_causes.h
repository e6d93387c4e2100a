// Groups findings by where their dtype came from, so that 187 findings caused by one
// Cast read as one cause rather than 187 lines.
#pragma once

#include <vector>

#include "lint/diagnostics.h"
#include "lint/rule.h"

namespace onnxtidy {

// A group needs at least this many findings to be called a root cause.
constexpr size_t kMinRootCauseFindings = 2;

// The root causes of `findings`, most findings first. `facts` (optional) says which
// float type the model is meant to be in (its inputs' and outputs', else most of its
// weights'): in a finding where two dtypes meet, the one that is not that type is taken
// as the cause. A finding whose cause is ambiguous,
// or that carries no provenance, belongs to no group.
//
// Groups are exact origins (one Cast's output, one graph input), except that stored
// tensors (initializers, Constants) of one dtype group together when there are several
// ("14 bfloat16 initializers"), the shape a partly converted model has.
// Only findings of `rules` whose info says origin_is_cause take part.
std::vector<RootCause> FindRootCauses(const std::vector<Finding>& findings, const ModelFacts* facts,
                                      const std::vector<const Rule*>& rules);

}  // namespace onnxtidy
