#include "lint/model_loader.h"

#include <google/protobuf/io/coded_stream.h>
#include <sys/stat.h>

#include <cerrno>
#include <climits>
#include <cstring>
#include <fstream>
#include <sstream>

#include "onnx/defs/parser.h"

namespace onnxtidy {
namespace {

bool EndsWith(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

bool LooksLikeText(const std::string& path, const std::string& bytes) {
  if (EndsWith(path, ".onnxtxt") || EndsWith(path, ".onnx.txt")) return true;
  // Binary ModelProto starts with a field tag byte (0x08 ir_version, 0x12 ...), never '<'.
  size_t i = bytes.find_first_not_of(" \t\r\n");
  return i != std::string::npos && bytes[i] == '<';
}

std::string ReadAll(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    throw LoadError("cannot open '" + path + "': " + std::strerror(errno));
  }
  if (S_ISDIR(st.st_mode)) throw LoadError("'" + path + "' is a directory, not a model file");
  std::ifstream in(path, std::ios::binary);
  if (!in) throw LoadError("cannot open '" + path + "': " + std::strerror(errno));
  std::ostringstream buf;
  buf << in.rdbuf();
  if (in.bad()) throw LoadError("cannot read '" + path + "': " + std::strerror(errno));
  return std::move(buf).str();
}

}  // namespace

onnx::ModelProto ParseModelText(const std::string& text, const std::string& origin) {
  onnx::ModelProto model;
  onnx::OnnxParser parser(text.c_str());
  auto status = parser.Parse(model);
  if (!status.IsOK()) {
    std::string msg = status.ErrorMessage();
    for (char& c : msg) {
      if (c == '\n' || c == '\r') c = ' ';
    }
    throw LoadError("'" + origin + "' is not valid ONNX text: " + msg);
  }
  return model;
}

LoadedModel LoadModel(const std::string& path) {
  LoadedModel out;
  out.path = path;
  std::string bytes = ReadAll(path);
  if (bytes.empty()) throw LoadError("'" + path + "' is empty, not an ONNX model");
  if (LooksLikeText(path, bytes)) {
    out.model = ParseModelText(bytes, path);
    return out;
  }
  google::protobuf::io::CodedInputStream stream(reinterpret_cast<const uint8_t*>(bytes.data()),
                                               static_cast<int>(std::min<size_t>(bytes.size(), INT_MAX)));
  stream.SetTotalBytesLimit(INT_MAX);
  if (!out.model.ParseFromCodedStream(&stream) || !stream.ConsumedEntireMessage()) {
    throw LoadError("'" + path + "' is not a valid ONNX model (protobuf parse failed: truncated or not a model)");
  }
  if (!out.model.has_graph() || out.model.ir_version() <= 0) {
    throw LoadError("'" + path + "' is not an ONNX model (no " +
                    std::string(out.model.has_graph() ? "ir_version" : "graph") + ")");
  }
  return out;
}

}  // namespace onnxtidy
