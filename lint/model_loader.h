// Reads a model from disk: binary protobuf, or ONNX text (onnx's own parser).
#pragma once

#include <google/protobuf/arena.h>

#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

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
  std::string path;  // the file, or the name given to bytes loaded from memory
  std::string dir;   // the folder external data is found in
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

// What the loader does with external data (lint/external_data.h has the rules).
enum class ExternalDataPolicy {
  kRefuse,  // any tensor whose external data may not be followed fails the load (fix)
  kReport,  // loaded as is: the unsafe-external-data rule reports it (check)
};

// Subgraphs (If/Loop/Scan bodies) may nest this deep by default. protobuf's parser and
// the type pass recurse once per level, so a hostile file nesting thousands deep is
// refused with this limit named instead of exhausting the stack. Real models nest a few.
constexpr int kDefaultMaxGraphNesting = 30;

// Nodes in all graphs and functions together, and bytes one tensor may claim (its dims
// times its type's size), refused beyond these by default: a model past them is either
// hostile or far larger than any real one, and each has a flag to raise it.
constexpr int64_t kDefaultMaxNodes = 10'000'000;
constexpr int64_t kDefaultMaxTensorBytes = int64_t{64} << 30;

struct LoadOptions {
  ExternalDataPolicy external_data = ExternalDataPolicy::kRefuse;
  int max_graph_nesting = kDefaultMaxGraphNesting;    // --max-nesting
  int64_t max_nodes = kDefaultMaxNodes;               // --max-nodes
  int64_t max_tensor_bytes = kDefaultMaxTensorBytes;  // --max-tensor-bytes
};

// External data is never opened here, only judged (with lstat): a tensor's dtype is
// in data_type. Large embedded weights are not parsed either (see LoadedModel::stripped).
LoadedModel LoadModel(const std::string& path, const LoadOptions& options = {});

// The same from bytes in memory (a fuzz input, a Python buffer): `base_dir` is the
// folder its external data is found in, `origin names it in messages. Everything is
// parsed (nothing left in a file), and the same checks apply.
LoadedModel LoadModel(std::string_view bytes, const std::string& base_dir, const LoadOptions& options = {},
                      const std::string& origin = "<memory>");

// Parses ONNX text ("<ir_version: 8, opset_import: [...]> graph (...) => (...) {...}").
// `origin names the source in error messages.
onnx::ModelProto ParseModelText(const std::string& text, const std::string& origin);

}  // namespace onnxtidy
