// The per-model figures a dashboard tracks: file hash and size, IR version, opsets,
// producer, node count and stored bytes per dtype.
#pragma once

#include <string>

#include "lint/diagnostics.h"
#include "onnx/onnx_pb.h"

namespace onnxtidy {

class MappedFile;

// Everything but the file's hash and size, from the model alone: cheap, no tensor
// bytes are read (sizes come from dims, which are never trusted to allocate).
ModelFacts ComputeFacts(const onnx::ModelProto& model);

// The file's size and sha256, reading it once front to back (pages are released as
// read, so a large model never sits in memory). Throws std::runtime_error.
void HashFile(const MappedFile& file, ModelFacts& facts);

// Lower-case hex sha256 of `bytes`.
std::string Sha256Hex(const void* bytes, size_t size);

}  // namespace onnxtidy
