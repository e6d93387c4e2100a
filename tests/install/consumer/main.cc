// Lints a ModelProto in process with the installed library: float activations against a
// bfloat16 weight, built with onnx's own text parser. Prints one line per finding.
#include <iostream>

#include "lint/linter.h"
#include "lint/model_loader.h"
#include "rules/registry.h"

int main() {
  onnx::ModelProto model = onnxtidy::ParseModelText(R"(<ir_version: 8, opset_import: ["" : 17]>
g (float[1,4] x, bfloat16[4,2] w) => (float[1,2] y) { y = MatMul (x, w) })",
                                                    "consumer");
  const onnxtidy::ModelReport report = onnxtidy::LintModel(model, "consumer", onnxtidy::AllRules());
  for (const onnxtidy::Finding& f : report.findings) std::cout << f.rule << ": " << f.message << "\n";
  std::cout << report.findings.size() << " findings\n";
  return report.findings.empty() ? 1 : 0;
}
