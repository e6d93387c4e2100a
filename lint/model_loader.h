// Reads a model from disk: binary protobuf, or ONNX text (onnx's own parser).
#pragma once

#include <stdexcept>
#include <string>

#include "onnx/onnx_pb.h"

namespace onnxtidy {

// Thrown for anything that makes a file unusable as a model. what() is one line,
// already naming the file, fit to print as-is.
class LoadError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct LoadedModel {
  std::string path;
  onnx::ModelProto model;
};

// External-data tensors are never opened: their dtype is in data_type.
LoadedModel LoadModel(const std::string& path);

// Parses ONNX text ("<ir_version: 8, opset_import: [...]> graph (...) => (...) {...}").
// `origin` names the source in error messages.
onnx::ModelProto ParseModelText(const std::string& text, const std::string& origin);

}  // namespace onnxtidy
