// Reads a model from disk: binary protobuf, or ONNX text (onnx's own parser).
#pragma once

#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include <google/protobuf/arena.h>

#include "lint/mapped_file.h"

#include "onnx/onnx_pb.h"

namespace onnxtidy {

// Thrown for anything that makes a file unusable as a model. what() is one line,
// already naming the file, fit to print as-is.
class LoadError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// The bytes of a main-graph initializer's raw_data that were left in the file.
struct StrippedTensor {
  int index = -1;       // position in model.graph().initializer()
  uint64_t offset = 0;  // in `file`
  uint64_t length = 0;
};

struct LoadedModel {
  std::string path;
  // The model lives in an arena: parsing a large graph and freeing it are cheap.
  std::shared_ptr<google::protobuf::Arena> arena;
  onnx::ModelProto* model = nullptr;
  // The mapped file, and the main-graph initializers whose raw_data stayed in it: the
  // model is parsed without them, so linting never copies weight bytes.
  std::shared_ptr<MappedFile> file;
  std::vector<StrippedTensor> stripped;
};

// raw_data of at least this many bytes is left in the file rather than parsed.
constexpr uint64_t kStripThreshold = 1024;

// External-data tensors are never opened: their dtype is in data_type. Large
// embedded weights are not parsed either (see LoadedModel::stripped).
LoadedModel LoadModel(const std::string& path);

// Parses ONNX text ("<ir_version: 8, opset_import: [...]> graph (...) => (...) {...}").
// `origin` names the source in error messages.
onnx::ModelProto ParseModelText(const std::string& text, const std::string& origin);

}  // namespace onnxtidy
