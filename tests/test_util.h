// Helpers for building tiny models in tests.
#pragma once

#include <string>
#include <vector>

#include "fixers/fixer.h"
#include "lint/diagnostics.h"
#include "lint/linter.h"
#include "onnx/onnx_pb.h"

namespace onnxtidy::testing {

// Parses ONNX text; fails the test on a parse error.
onnx::ModelProto Parse(const std::string& text);

// onnx 1.12's parser has no bfloat16/float16 literals: declare the weight as a graph
// input in the text, then move it into an initializer (zeros of its declared type).
void ToInitializer(onnx::GraphProto& graph, const std::string& input_name);
void ToInitializer(onnx::ModelProto& model, const std::string& input_name);

// Rewrites a Constant node's tensor to `dtype` (zeros), for types the parser can't write.
void SetConstantDtype(onnx::GraphProto& graph, const std::string& output_name, int32_t dtype);

// All rules over the model, sorted. Negative cases use this: nothing may fire.
std::vector<Finding> LintAll(const onnx::ModelProto& model);

// All rules but the info-level model summaries (mixed-precision, unchecked-op), which
// have tests of their own; positive cases of the other rules use this.
std::vector<Finding> Lint(const onnx::ModelProto& model, const LintOptions& options = {});

// Fixes `model`, expecting (gtest EXPECTs) that the result verified with no error left
// and that fixing it again changes nothing.
FixResult FixClean(onnx::ModelProto& model, const FixOptions& options = {});

// A finding's identity for exact-set assertions: "rule@graph#node:in1" / ":out0".
std::string Key(const Finding& f);
std::vector<std::string> Keys(const std::vector<Finding>& findings);

}  // namespace onnxtidy::testing
