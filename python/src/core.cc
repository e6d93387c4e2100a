// onnx_tidy._core: the Python binding's native half. It runs the same engine, rules,
// fixers and reporters as the command line and hands Python the same documents (JSON);
// onnx_tidy/__init__.py turns them into objects. Every call releases the GIL.
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <cstdio>
#include <iostream>
#include <memory>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "fixers/fixer.h"
#include "lint/dtype.h"
#include "lint/linter.h"
#include "lint/model_facts.h"
#include "lint/model_loader.h"
#include "report/reporters.h"
#include "rules/registry.h"
#include "tools/onnx-tidy/cli.h"
#include "tools/onnx-tidy/settings.h"

namespace py = pybind11;

namespace onnxtidy {
namespace {

// Raised as onnx_tidy.UsageError (a ValueError): bad settings, an unknown target.
PyObject* usage_error = nullptr;

// Where a model comes from: a file, or bytes with the folder its external data is in.
struct Source {
  std::optional<std::string> path;
  std::string bytes;
  std::string origin;
  std::string base_dir;
};

Source SourceFrom(const py::object& path, const py::object& data, const std::string& origin,
                  const std::string& base_dir) {
  Source s;
  if (!path.is_none()) {
    s.path = path.cast<std::string>();
    s.origin = *s.path;
  } else {
    s.bytes = data.cast<std::string>();  // bytes: copied once, so the GIL can go
    s.origin = origin;
    s.base_dir = base_dir;
  }
  return s;
}

Settings Resolve(const SettingsRequest& request) {
  try {
    return ResolveSettings(request);
  } catch (const SettingsError& e) {
    PyErr_SetString(usage_error, e.what());
    throw py::error_already_set();
  }
}

SettingsRequest RequestFrom(const std::vector<std::string>& select, const std::vector<std::string>& ignore,
                            const std::string& target, const std::string& config, bool find_config) {
  SettingsRequest r;
  r.select = select;
  r.ignore = ignore;
  r.target = target;
  r.config = config;
  r.find_config = find_config;
  return r;
}

// check: the JSON document `onnx-tidy check --format json` writes for this model.
std::string Check(const py::object& path, const py::object& data, const std::string& origin,
                  const std::string& base_dir, const std::vector<std::string>& select,
                  const std::vector<std::string>& ignore, const std::string& target, const std::string& config,
                  bool find_config, bool warnings_as_errors) {
  SettingsRequest request = RequestFrom(select, ignore, target, config, find_config);
  request.warnings_as_errors = warnings_as_errors;
  const Settings settings = Resolve(request);
  const Source source = SourceFrom(path, data, origin, base_dir);
  py::gil_scoped_release unlocked;
  LintOptions lint = LintOptionsFor(settings);
  lint.hash_file = true;
  ModelReport report;
  if (source.path) {
    report = LintFile(*source.path, settings.RulesFor(*source.path), lint);
  } else {
    try {
      LoadOptions load;
      load.external_data = ExternalDataPolicy::kReport;  // check never reads external data
      LoadedModel loaded = LoadModel(source.bytes, source.base_dir, load, source.origin);
      lint.context.model_dir = source.base_dir;
      report = LintModel(*loaded.model, source.origin, settings.RulesFor(source.origin), lint);
      report.facts->sha256 = Sha256Hex(source.bytes.data(), source.bytes.size());
      report.facts->size = static_cast<int64_t>(source.bytes.size());
    } catch (const LoadError& e) {
      report.path = source.origin;
      report.error = e.what();
    }
  }
  std::ostringstream out;
  WriteJsonReport({report}, out);
  return out.str();
}

// One model's fix, kept alive so that Python can serialize or save the result.
class FixSession {
 public:
  FixSession(const Source& source, const FixOptions& options) : options_(options) {
    report_options_.precision = options.precision;
    report_options_.target = options.target;
    report_options_.in_memory = true;
    report_.path = source.origin;
    try {
      loaded_ = source.path ? LoadModel(*source.path) : LoadModel(source.bytes, source.base_dir, {}, source.origin);
      store_ = std::make_unique<TensorStore>(loaded_);
    } catch (const LoadError& e) {
      report_.error = e.what();
      return;
    }
    report_.result = FixModel(*loaded_.model, options_, store_.get());
  }

  const std::string& error() const { return report_.error; }
  const std::string& verify_error() const { return report_.result.verify_error; }
  bool changed() const { return report_.result.changed(); }

  // The document `onnx-tidy fix --format json` writes, and its text report.
  std::string Json() const {
    std::ostringstream out;
    WriteFixJson({report_}, report_options_, out);
    return out.str();
  }
  // The findings left in the fixed model, as a check report (docs/report.schema.json);
  // after a failed verification, the problems that stopped it.
  std::string ReportJson() const {
    ModelReport r;
    r.path = report_.path;
    r.findings = report_.result.verify_error.empty() ? report_.result.remaining : report_.result.problems;
    std::ostringstream out;
    WriteJsonReport({r}, out);
    return out.str();
  }
  std::string Text() const {
    std::ostringstream out;
    if (!report_.result.verify_error.empty()) WriteFixFailure(report_, out);
    WriteFixText(report_, report_options_, out);
    return out.str();
  }

  // The fixed model as one protobuf message. Tensors kept in external data stay there,
  // named relative to the input's folder; one whose type changed can only be written.
  py::bytes Serialize() {
    Usable();
    std::string out;
    {
      py::gil_scoped_release unlocked;
      const onnx::ModelProto copy = store_->InMemoryCopy(*loaded_.model, options_.overflow);
      if (!copy.SerializeToString(&out)) out.clear();
    }
    if (out.empty())
      throw std::invalid_argument("the fixed model is too large for one protobuf message: use save(path)");
    return py::bytes(out);
  }

  // Writes atomically, as `onnx-tidy fix -o` does (a new data file beside `path` for
  // converted or moved external tensors).
  void Save(const std::string& path) {
    Usable();
    store_->Write(*loaded_.model, path, options_.overflow);  // throws, one line, having written nothing
    report_.output = path;
    report_.written = true;
  }

 private:
  void Usable() const {
    if (!report_.error.empty()) throw std::invalid_argument(report_.error);
    if (!report_.result.verify_error.empty()) {
      throw std::invalid_argument("nothing may be written: " + report_.result.verify_error);
    }
  }

  FixOptions options_;
  FixReportOptions report_options_;
  LoadedModel loaded_;
  std::unique_ptr<TensorStore> store_;
  FixReport report_;
};

std::unique_ptr<FixSession> Fix(const py::object& path, const py::object& data, const std::string& origin,
                                const std::string& base_dir, const std::string& precision, bool keep_io_types,
                                const std::string& target, bool unsafe_fixes, bool saturate,
                                const std::vector<std::string>& select, const std::vector<std::string>& ignore,
                                const std::string& config, bool find_config) {
  const Settings settings = Resolve(RequestFrom(select, ignore, target, config, find_config));
  FixOptions options;
  options.target = settings.target;
  options.unsafe = unsafe_fixes;
  options.keep_io_types = keep_io_types;
  options.overflow = saturate ? Overflow::kSaturate : Overflow::kInfinity;
  if (!precision.empty()) {
    options.precision = PrecisionByName(precision);
    if (!options.precision) {
      PyErr_SetString(usage_error, ("precision: '" + precision + "' is not float32, bfloat16 or float16").c_str());
      throw py::error_already_set();
    }
  }
  const Source source = SourceFrom(path, data, origin, base_dir);
  options.rules = settings.RulesFor(source.origin);
  py::gil_scoped_release unlocked;
  return std::make_unique<FixSession>(source, options);
}

// `python3 -m onnx_tidy ARGS`: the command line itself, in this process, writing to
// the same file descriptors.
int RunMain(std::vector<std::string> args) {
  std::vector<char*> argv;
  argv.reserve(args.size() + 1);
  for (std::string& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  py::gil_scoped_release unlocked;
  const int code = RunCli(static_cast<int>(args.size()), argv.data());
  std::cout.flush();
  std::cerr.flush();
  std::fflush(stdout);
  return code;
}

std::string RulesJson() {
  std::ostringstream out;
  WriteRulesJson(AllRules(), out);
  return out.str();
}

}  // namespace
}  // namespace onnxtidy

PYBIND11_MODULE(_core, m) {
  using namespace onnxtidy;
  using namespace pybind11::literals;
  m.doc() = "The native half of onnx_tidy (use the onnx_tidy module).";
  m.attr("__version__") = ONNXTIDY_VERSION;
  static py::exception<std::runtime_error> usage(m, "UsageError", PyExc_ValueError);
  usage_error = usage.ptr();

  m.def("check", &Check, "path"_a, "data"_a, "origin"_a, "base_dir"_a, "select"_a, "ignore"_a, "target"_a, "config"_a,
        "find_config"_a, "warnings_as_errors"_a);
  py::class_<FixSession>(m, "FixSession")
      .def_property_readonly("error", &FixSession::error)
      .def_property_readonly("verify_error", &FixSession::verify_error)
      .def_property_readonly("changed", &FixSession::changed)
      .def("json", &FixSession::Json)
      .def("text", &FixSession::Text)
      .def("report_json", &FixSession::ReportJson)
      .def("serialize", &FixSession::Serialize)
      .def("save", &FixSession::Save, "path"_a, py::call_guard<py::gil_scoped_release>());
  m.def("fix", &Fix, "path"_a, "data"_a, "origin"_a, "base_dir"_a, "precision"_a, "keep_io_types"_a, "target"_a,
        "unsafe_fixes"_a, "saturate"_a, "select"_a, "ignore"_a, "config"_a, "find_config"_a);
  m.def("main", &RunMain, "args"_a);
  m.def("rules_json", &RulesJson);
}
