#include "tests/test_util.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "lint/dtype.h"
#include "lint/linter.h"
#include "lint/model_loader.h"
#include "rules/registry.h"

namespace onnxtidy::testing {

onnx::ModelProto Parse(const std::string& text) {
  try {
    return ParseModelText(text, "test");
  } catch (const LoadError& e) {
    ADD_FAILURE() << e.what();
    return onnx::ModelProto();
  }
}

void ToInitializer(onnx::GraphProto& graph, const std::string& input_name) {
  auto* inputs = graph.mutable_input();
  for (int i = 0; i < inputs->size(); ++i) {
    const onnx::ValueInfoProto& in = inputs->Get(i);
    if (in.name() != input_name) continue;
    onnx::TensorProto* t = graph.add_initializer();
    t->set_name(in.name());
    t->set_data_type(in.type().tensor_type().elem_type());
    int64_t count = 1;
    for (const auto& d : in.type().tensor_type().shape().dim()) {
      t->add_dims(d.dim_value());
      count *= d.dim_value();
    }
    t->set_raw_data(std::string(static_cast<size_t>(count * DtypeBits(t->data_type()) / 8), '\0'));
    inputs->DeleteSubrange(i, 1);
    return;
  }
  ADD_FAILURE() << "no graph input '" << input_name << "'";
}

void ToInitializer(onnx::ModelProto& model, const std::string& input_name) {
  ToInitializer(*model.mutable_graph(), input_name);
}

void SetConstantDtype(onnx::GraphProto& graph, const std::string& output_name, int32_t dtype) {
  for (auto& node : *graph.mutable_node()) {
    if (node.op_type() != "Constant" || node.output(0) != output_name) continue;
    for (auto& a : *node.mutable_attribute()) {
      if (a.name() != "value") continue;
      onnx::TensorProto* t = a.mutable_t();
      int64_t count = 1;
      for (int64_t d : t->dims()) count *= d;
      t->clear_float_data();
      t->clear_int64_data();
      t->clear_int32_data();
      t->set_data_type(dtype);
      t->set_raw_data(std::string(static_cast<size_t>(count * DtypeBits(dtype) / 8), '\0'));
      return;
    }
  }
  ADD_FAILURE() << "no Constant producing '" << output_name << "'";
}

std::vector<Finding> LintAll(const onnx::ModelProto& model) {
  return LintModel(model, "test.onnx", AllRules()).findings;
}

std::vector<Finding> Lint(const onnx::ModelProto& model, const LintOptions& options) {
  std::vector<const Rule*> rules;
  for (const Rule* r : AllRules()) {
    if (r->info().severity != Severity::kInfo) rules.push_back(r);
  }
  return LintModel(model, "test.onnx", rules, options).findings;
}

std::string Key(const Finding& f) {
  const Location& l = f.location;
  std::string k = f.rule + "@" + l.graph + "#" + std::to_string(l.node_index);
  if (l.input_index >= 0) k += ":in" + std::to_string(l.input_index);
  if (l.output_index >= 0) k += ":out" + std::to_string(l.output_index);
  return k;
}

std::vector<std::string> Keys(const std::vector<Finding>& findings) {
  std::vector<std::string> out;
  for (const Finding& f : findings) out.push_back(Key(f));
  return out;
}

FixResult FixClean(onnx::ModelProto& model, const FixOptions& options) {
  FixResult r = FixModel(model, options);
  EXPECT_EQ(r.verify_error, "");
  for (const Finding& f : r.remaining) EXPECT_NE(f.severity, Severity::kError) << f.message;
  const std::string once = SerializeDeterministic(model);
  EXPECT_THAT(FixModel(model, options).edits, ::testing::IsEmpty());
  EXPECT_EQ(SerializeDeterministic(model), once);
  return r;
}

}  // namespace onnxtidy::testing
