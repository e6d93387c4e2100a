// The rules for following a tensor's external_data, in one place (onnx 1.21's, on read
// and on write): a location stays inside the model's folder, never through a symlink, to
// a regular file with one link, and offset and length lie inside it. The loader, the
// unsafe-external-data rule and the tensor store all ask here. docs/security.md says why.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "onnx/onnx_pb.h"

namespace onnxtidy {

// A tensor's external_data entries, parsed.
struct ExternalDataRef {
  std::string location;  // normalised ("a/./b" -> "a/b"), relative to the model's folder
  uint64_t offset = 0;
  std::optional<uint64_t> length;  // none: to the end of the file
};

// Parses and judges the entries only, with no file-system access. Returns "" and fills
// `out`, or the reason they may not be followed ("location '../x' leaves the model's folder").
std::string ParseExternalData(const onnx::TensorProto& t, ExternalDataRef& out);

// Judges the file `ref` names under `model_dir` with lstat only (never opens or reads
// it): every folder on the way and the file itself must not be symlinks, the file must
// be a regular file with one link, and offset and length must lie inside it. Returns
// "" and sets `size` (the file's), or the reason.
std::string CheckExternalFile(const std::string& model_dir, const ExternalDataRef& ref, uint64_t& size);

// ParseExternalData, then CheckExternalFile unless `model_dir` is empty (unknown: an
// in-memory model with no folder). "" when the tensor's data may be read.
std::string ExternalDataProblem(const onnx::TensorProto& t, const std::string& model_dir);

// Opens the file `ref` names for reading, refusing a symlink anywhere on the way from
// `model_dir` (openat with O_NOFOLLOW, so a swap after the check is refused too), and
// re-judges what was opened. Returns the descriptor; `size` gets the file's size and
// `ref.length` is filled in. Throws LoadError (one line) naming `tensor`.
int OpenExternalData(const std::string& model_dir, ExternalDataRef& ref, const std::string& tensor, uint64_t& size);

// Whether a data file the fixer is about to write at `dir`/`name` may replace what is
// there: nothing, or a regular file of ours with one link. "" when it may, else why
// not. A symlink is never replaced (nor followed).
std::string CheckDataFileDestination(const std::string& dir, const std::string& name);

// Every tensor whose data_location is EXTERNAL, anywhere in the model: initializers,
// sparse initializers, node attributes (Constant values, ...) in the main graph, in
// every subgraph, in model-local functions and in training_info. `where` is the graph's
// path as the type pass names it ("main", "main/cond(If).then_branch"), or
// "function <domain>.<name>" for a function body; node is the attribute's owner or null.
struct ExternalTensor {
  const onnx::TensorProto* tensor = nullptr;
  std::string graph;
  const onnx::NodeProto* node = nullptr;
  int node_index = -1;
};
void ForEachExternalTensor(const onnx::ModelProto& model, const std::function<void(const ExternalTensor&)>& fn);

// The first unsafe external tensor of the model, as one line for a LoadError ("tensor 'w':
// location '../x' leaves the model's folder"); "" when all are safe.
std::string FirstExternalDataProblem(const onnx::ModelProto& model, const std::string& model_dir);

}  // namespace onnxtidy
