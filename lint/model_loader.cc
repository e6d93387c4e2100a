#include "lint/model_loader.h"

#include "lint/diagnostics.h"
#include "lint/external_data.h"
#include "lint/paths.h"

#include <google/protobuf/io/coded_stream.h>
#include <sys/stat.h>

#include <cerrno>
#include <climits>
#include <cstring>
#include <algorithm>
#include <vector>

#include "lint/wire_format.h"
#include "onnx/defs/parser.h"

namespace onnxtidy {
namespace {

bool LooksLikeText(const std::string& path, const std::string& bytes) {
  if (IsTextModelName(path)) return true;
  // Binary ModelProto starts with a field tag byte (0x08 ir_version, 0x12 ...), never '<'.
  size_t i = bytes.find_first_not_of(" \t\r\n");
  return i != std::string::npos && bytes[i] == '<';
}

// A forward reader over protobuf wire format that copies what it keeps.
class WireScanner {
 public:
  WireScanner(const MappedFile& file, std::vector<StrippedTensor>& stripped)
      : file_(file), base_(file.data()), release_from_(file.data()), stripped_(stripped) {}

  // ModelProto: the graph (field 7) is rebuilt, everything else copied as is.
  bool Model(const uint8_t* p, const uint8_t* end, std::string& out) {
    return Fields(p, end, out, [&](uint32_t field, const uint8_t* payload, const uint8_t* payload_end) {
      if (field != 7) return false;
      std::string graph;
      if (!Graph(payload, payload_end, graph)) return Fail();
      Emit(out, 7, graph);
      return true;
    });
  }

 private:
  // GraphProto: initializers (field 5) are rebuilt without large raw_data.
  bool Graph(const uint8_t* p, const uint8_t* end, std::string& out) {
    return Fields(p, end, out, [&](uint32_t field, const uint8_t* payload, const uint8_t* payload_end) {
      if (field != 5) return false;
      std::string tensor;
      StrippedTensor strip;
      strip.index = initializers_++;
      if (!Tensor(payload, payload_end, tensor, strip)) return Fail();
      if (strip.length > 0) stripped_.push_back(strip);
      Emit(out, 5, tensor);
      // The kernel may map a large folio around each header touched: give it back,
      // a few megabytes at a time.
      if (payload_end - release_from_ > kReleaseBatch) {
        file_.Release(static_cast<size_t>(release_from_ - base_), static_cast<size_t>(payload_end - release_from_));
        release_from_ = payload_end;
      }
      return true;
    });
  }

  // TensorProto: raw_data (field 9) stays in the file when large.
  bool Tensor(const uint8_t* p, const uint8_t* end, std::string& out, StrippedTensor& strip) {
    return Fields(p, end, out, [&](uint32_t field, const uint8_t* payload, const uint8_t* payload_end) {
      if (field != 9 || static_cast<uint64_t>(payload_end - payload) < kStripThreshold) return false;
      strip.offset = static_cast<uint64_t>(payload - base_);
      strip.length = static_cast<uint64_t>(payload_end - payload);
      return true;  // dropped from the copy
    });
  }

  // Walks the fields of one message. For each length-delimited field, `on_len` may take
  // it over (returning true); otherwise the field is copied verbatim.
  template <typename OnLen>
  bool Fields(const uint8_t* p, const uint8_t* end, std::string& out, OnLen&& on_len) {
    while (p < end && ok_) {
      const uint8_t* start = p;
      uint64_t tag = 0;
      if (!Varint(p, end, tag)) return false;
      const uint32_t wire = static_cast<uint32_t>(tag & 7);
      const uint32_t field = static_cast<uint32_t>(tag >> 3);
      uint64_t v = 0;
      switch (wire) {
        case 0:
          if (!Varint(p, end, v)) return false;
          break;
        case 1:
          if (end - p < 8) return Fail();
          p += 8;
          break;
        case 5:
          if (end - p < 4) return Fail();
          p += 4;
          break;
        case 2: {
          if (!Varint(p, end, v) || static_cast<uint64_t>(end - p) < v) return Fail();
          const uint8_t* payload = p;
          p += v;
          if (on_len(field, payload, p)) continue;
          break;
        }
        default:
          return Fail();  // groups are not used by ONNX
      }
      if (!ok_) return false;
      out.append(reinterpret_cast<const char*>(start), static_cast<size_t>(p - start));
    }
    return ok_ && p == end;
  }

  static void Emit(std::string& out, uint32_t field, const std::string& payload) {
    out += LengthDelimitedHeader(field, payload.size());
    out += payload;
  }

  bool Varint(const uint8_t*& p, const uint8_t* end, uint64_t& v) {
    v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (p >= end) return Fail();
      const uint8_t b = *p++;
      v |= static_cast<uint64_t>(b & 0x7F) << shift;
      if ((b & 0x80) == 0) return true;
    }
    return Fail();
  }

  bool Fail() {
    ok_ = false;
    return false;
  }

  static constexpr ptrdiff_t kReleaseBatch = 8 << 20;
  const MappedFile& file_;
  const uint8_t* base_;
  const uint8_t* release_from_;
  std::vector<StrippedTensor>& stripped_;
  int initializers_ = 0;
  bool ok_ = true;
};

void CheckPath(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    throw LoadError("cannot open '" + path + "': " + std::strerror(errno));
  }
  if (S_ISDIR(st.st_mode)) throw LoadError("'" + path + "' is a directory, not a model file");
  // A FIFO or a device would block or never end.
  if (!S_ISREG(st.st_mode)) throw LoadError("'" + path + "' is not a regular file, not a model file");
}

// What every loaded model must have, however it was read.
void CheckModel(const LoadedModel& out, const std::string& origin, const LoadOptions& options) {
  if (!out.model->has_graph() || out.model->ir_version() <= 0) {
    throw LoadError("'" + origin + "' is not an ONNX model (no " +
                    std::string(out.model->has_graph() ? "ir_version" : "graph") + ")");
  }
  if (options.external_data == ExternalDataPolicy::kRefuse) {
    if (std::string why = FirstExternalDataProblem(*out.model, out.dir); !why.empty()) {
      throw LoadError("'" + origin + "': refusing its external data: " + why);
    }
  }
}

}  // namespace

onnx::ModelProto ParseModelText(const std::string& text, const std::string& origin) {
  onnx::ModelProto model;
  onnx::OnnxParser parser(text.c_str());
  auto status = parser.Parse(model);
  if (!status.IsOK()) {
    throw LoadError("'" + origin + "' is not valid ONNX text: " + OneLine(status.ErrorMessage()));
  }
  return model;
}

LoadedModel LoadModel(const std::string& path, const LoadOptions& options) {
  LoadedModel out;
  out.path = path;
  out.dir = DirName(path);
  out.arena = std::make_shared<google::protobuf::Arena>();
  out.model = google::protobuf::Arena::CreateMessage<onnx::ModelProto>(out.arena.get());
  CheckPath(path);
  try {
    out.file = std::make_shared<MappedFile>(path);
  } catch (const std::runtime_error& e) {
    throw LoadError(e.what());
  }
  const MappedFile& file = *out.file;
  if (file.size() == 0) throw LoadError("'" + path + "' is empty, not an ONNX model");
  const std::string head(reinterpret_cast<const char*>(file.data()), std::min<size_t>(file.size(), 4096));
  if (LooksLikeText(path, head)) {
    *out.model = ParseModelText(std::string(reinterpret_cast<const char*>(file.data()), file.size()), path);
    out.file.reset();
    CheckModel(out, path, options);
    return out;
  }
  const std::string invalid = "'" + path + "' is not a valid ONNX model (protobuf parse failed: truncated or not a model)";
  std::string skeleton;
  WireScanner scanner(file, out.stripped);
  if (!scanner.Model(file.data(), file.data() + file.size(), skeleton)) throw LoadError(invalid);
  google::protobuf::io::CodedInputStream stream(reinterpret_cast<const uint8_t*>(skeleton.data()),
                                               static_cast<int>(std::min<size_t>(skeleton.size(), INT_MAX)));
  stream.SetTotalBytesLimit(INT_MAX);
  if (skeleton.size() > INT_MAX || !out.model->ParseFromCodedStream(&stream) || !stream.ConsumedEntireMessage()) {
    throw LoadError(invalid);
  }
  if (!out.stripped.empty() && out.stripped.back().index >= out.model->graph().initializer_size()) {
    throw LoadError(invalid);
  }
  CheckModel(out, path, options);
  return out;
}

LoadedModel LoadModel(std::string_view bytes, const std::string& base_dir, const LoadOptions& options,
                      const std::string& origin) {
  LoadedModel out;
  out.path = origin;
  out.dir = base_dir.empty() ? "." : base_dir;
  out.arena = std::make_shared<google::protobuf::Arena>();
  out.model = google::protobuf::Arena::CreateMessage<onnx::ModelProto>(out.arena.get());
  if (bytes.empty()) throw LoadError("'" + origin + "' is empty, not an ONNX model");
  const size_t first = bytes.substr(0, 4096).find_first_not_of(" \t\r\n");
  if (first != std::string_view::npos && bytes[first] == '<') {
    *out.model = ParseModelText(std::string(bytes), origin);
    CheckModel(out, origin, options);
    return out;
  }
  if (bytes.size() > INT_MAX) throw LoadError("'" + origin + "' is larger than 2 GB: load it from a file");
  google::protobuf::io::CodedInputStream stream(reinterpret_cast<const uint8_t*>(bytes.data()),
                                               static_cast<int>(bytes.size()));
  stream.SetTotalBytesLimit(INT_MAX);
  if (!out.model->ParseFromCodedStream(&stream) || !stream.ConsumedEntireMessage()) {
    throw LoadError("'" + origin + "' is not a valid ONNX model (protobuf parse failed: truncated or not a model)");
  }
  CheckModel(out, origin, options);
  return out;
}

}  // namespace onnxtidy
