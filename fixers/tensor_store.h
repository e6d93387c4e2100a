// Tensor bytes that are not in the parsed model: large embedded initializers left in the
// mapped file, and external data. Conversions of such tensors are deferred and done
// while the result is written, chunk by chunk, so a fix never holds the weights twice.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "fixers/float_convert.h"
#include "lint/external_data.h"
#include "lint/mapped_file.h"
#include "lint/model_loader.h"
#include "onnx/onnx_pb.h"

namespace onnxtidy {

// (tensors done, tensors in all), for a progress line.
using Progress = std::function<void(size_t, size_t)>;

class TensorStore {
 public:
  TensorStore() = default;  // everything in memory
  // Registers the loaded model's stripped initializers and its external tensors. Throws
  // LoadError (one line) for external data that may not be followed (lint/external_data.h).
  explicit TensorStore(LoadedModel& loaded);

  // True when the tensor's bytes are not in memory.
  bool Deferred(const onnx::TensorProto& t) const { return sources_.count(&t) != 0; }
  // Converts a tensor to `to`: now when in memory, at write time when deferred.
  bool Convert(onnx::TensorProto& t, int32_t to, Overflow overflow);
  // The largest finite magnitude a float tensor holds (0 when empty), or -1 when its
  // bytes cannot be read as one of the float types converted.
  double LargestMagnitude(const onnx::TensorProto& t);
  // `copy` (a copy of `original`) gets its bytes from the same place.
  void Share(const onnx::TensorProto& original, const onnx::TensorProto& copy);

  // A copy with every embedded tensor's bytes in memory (converted where the fix asked
  // for it), for callers that want the model rather than a file (the Python binding).
  // External tensors stay where they are, named relative to the input's folder. Throws
  // std::invalid_argument for an external tensor whose type changed: only Write can
  // produce its bytes.
  onnx::ModelProto InMemoryCopy(const onnx::ModelProto& model, Overflow overflow);

  // A copy onnx's checker can read: deferred embedded tensors appear as external data.
  onnx::ModelProto CheckableCopy(const onnx::ModelProto& model) const;

  // Writes `model` to `path` atomically, streaming deferred bytes; external tensors that
  // changed type (or move to another folder) go to a new data file beside `path`, which
  // never replaces a symlink or a file that is not ours (CheckDataFileDestination).
  // Throws std::runtime_error with a one-line message, having written nothing.
  void Write(onnx::ModelProto& model, const std::string& path, Overflow overflow, const Progress& progress = {});

 private:
  struct Source {
    std::shared_ptr<MappedFile> file;  // null until an external file is first needed
    std::string file_path;
    uint64_t offset = 0;
    uint64_t length = 0;  // external: known once opened (ref.length may be absent)
    int32_t dtype = 0;    // the type of the bytes at the source
    bool external = false;
    ExternalDataRef ref;  // external only: the checked entries
    std::string tensor;   // external only: its name, for messages
  };
  const MappedFile& Open(Source& s);
  void RegisterExternal(const onnx::TensorProto& t);
  void RegisterGraph(const onnx::GraphProto& g);

  std::unordered_map<const onnx::TensorProto*, Source> sources_;
  std::map<std::string, std::shared_ptr<MappedFile>> files_;
  std::string model_dir_ = ".";
};

}  // namespace onnxtidy
