// Reporters format findings; they decide nothing.
#pragma once

#include <ostream>
#include <vector>

#include "lint/diagnostics.h"

namespace onnxtidy {

// Compiler style: "file:graph:#index: error: message [rule-id]" and indented notes,
// then a one-line total. Load errors and notices are for stderr, not here.
void WriteTextReport(const std::vector<ModelReport>& reports, std::ostream& out);

// One JSON document (docs/report.schema.json).
void WriteJsonReport(const std::vector<ModelReport>& reports, std::ostream& out);

}  // namespace onnxtidy
