// Reads the reports of `check --format json` back (docs/report.schema.json), for
// `onnx-tidy report --html`: a model registry turns saved runs into one page without
// the models. A report is a file anybody could have edited: every field is checked.
#pragma once

#include <string>
#include <vector>

#include "lint/diagnostics.h"

namespace onnxtidy {

// Reports larger than this are refused rather than parsed.
constexpr uint64_t kMaxJsonReportBytes = uint64_t{1} << 30;

// The models of one report. Throws std::runtime_error with one line naming the file and
// the field that is wrong (missing, of the wrong type, out of range). Fields this
// version does not know are ignored. Writing the result with WriteJsonReport gives the
// document back byte for byte.
std::vector<ModelReport> ReadJsonReports(const std::string& path);

}  // namespace onnxtidy
