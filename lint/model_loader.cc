#include "lint/model_loader.h"

#include <google/protobuf/io/coded_stream.h>
#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstdio>
#include <cstring>
#include <vector>

#include "lint/diagnostics.h"
#include "lint/dtype.h"
#include "lint/external_data.h"
#include "lint/paths.h"
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
        default: return Fail();  // groups are not used by ONNX
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

// How deeply graphs nest in a serialised ModelProto (the main graph is 0), read without
// recursion, so that any depth can be measured; -1 when the bytes are not wire format.
// Follows Model.graph, Model.functions, Graph.node, Function.node, Node.attribute and
// Attribute.g / .graphs; skips everything else.
int GraphNesting(const uint8_t* p, const uint8_t* end) {
  enum Kind { kModel, kGraph, kFunction, kNode, kAttribute };
  struct Frame {
    Kind kind;
    const uint8_t* end;
    int graphs;  // graphs open, this one included
  };
  auto child = [](Kind parent, uint64_t field, Kind& kind) {
    switch (parent) {
      case kModel: kind = field == 7 ? kGraph : kFunction; return field == 7 || field == 25;
      case kGraph: kind = kNode; return field == 1;
      case kFunction: kind = kNode; return field == 7;
      case kNode: kind = kAttribute; return field == 5;
      case kAttribute: kind = kGraph; return field == 6 || field == 11;
    }
    return false;
  };
  std::vector<Frame> stack{{kModel, end, 0}};
  int deepest = 0;
  while (!stack.empty()) {
    Frame& top = stack.back();
    if (p == top.end) {
      stack.pop_back();
      continue;
    }
    uint64_t tag = 0, v = 0;
    auto varint = [&](uint64_t& out) {
      out = 0;
      for (int shift = 0; shift < 64 && p < top.end; shift += 7) {
        const uint8_t b = *p++;
        out |= static_cast<uint64_t>(b & 0x7F) << shift;
        if ((b & 0x80) == 0) return true;
      }
      return false;
    };
    if (!varint(tag)) return -1;
    switch (tag & 7) {
      case 0:
        if (!varint(v)) return -1;
        break;
      case 1:
      case 5: {
        const ptrdiff_t width = (tag & 7) == 1 ? 8 : 4;
        if (top.end - p < width) return -1;
        p += width;
        break;
      }
      case 2: {
        if (!varint(v) || static_cast<uint64_t>(top.end - p) < v) return -1;
        Kind kind = kModel;
        if (child(top.kind, tag >> 3, kind)) {
          const int graphs = top.graphs + (kind == kGraph ? 1 : 0);
          deepest = std::max(deepest, graphs - 1);
          stack.push_back({kind, p + v, graphs});  // `top` is not used after this
        } else {
          p += v;
        }
        break;
      }
      default: return -1;
    }
  }
  return deepest;
}

// Refuses graphs nested deeper than allowed, before anything recursive sees them.
void CheckNesting(const uint8_t* p, const uint8_t* end, const std::string& origin, const LoadOptions& options) {
  const int depth = GraphNesting(p, end);
  if (depth > options.max_graph_nesting) {
    throw LoadError("'" + origin + "': subgraphs are nested " + std::to_string(depth) + " deep; the limit is " +
                    std::to_string(options.max_graph_nesting) + " (raise it with --max-nesting)");
  }
}

// protobuf's own recursion limit, to let `max_graph_nesting` levels through: each level
// is a node, an attribute and a graph; a graph's deepest part (a value's shape) is ~6 more.
int RecursionLimit(const LoadOptions& options) { return 3 * std::max(options.max_graph_nesting, 0) + 16; }

// ONNX text nests with braces; onnx's parser recurses on them.
void CheckTextNesting(std::string_view text, const std::string& origin, const LoadOptions& options) {
  int depth = 0, deepest = 0;
  for (const char c : text) {
    if (c == '{') deepest = std::max(deepest, ++depth);
    if (c == '}') --depth;
  }
  // The main graph's body is one level; each subgraph body one more.
  if (deepest - 1 > options.max_graph_nesting) {
    throw LoadError("'" + origin + "': braces are nested " + std::to_string(deepest) +
                    " deep; subgraphs may nest at most " + std::to_string(options.max_graph_nesting) +
                    " (raise it with --max-nesting)");
  }
}

void CheckPath(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    throw LoadError("cannot open '" + path + "': " + std::strerror(errno));
  }
  if (S_ISDIR(st.st_mode)) throw LoadError("'" + path + "' is a directory, not a model file");
  // A FIFO or a device would block or never end.
  if (!S_ISREG(st.st_mode)) throw LoadError("'" + path + "' is not a regular file, not a model file");
}

// Nodes of a graph and its subgraphs (nesting is bounded before this runs), and the
// first stored tensor claiming more than `max_bytes`.
void Measure(const onnx::GraphProto& g, int64_t max_bytes, int64_t& nodes, const onnx::TensorProto*& too_big,
             double& claimed) {
  nodes += g.node_size();
  auto judge = [&](const onnx::TensorProto& t) {
    double bytes = std::max(DtypeBits(t.data_type()), 8) / 8.0;
    for (int64_t d : t.dims()) bytes *= d > 0 ? static_cast<double>(d) : 0.0;
    if (too_big == nullptr && bytes > static_cast<double>(max_bytes)) {
      too_big = &t;
      claimed = bytes;
    }
  };
  for (const auto& t : g.initializer()) judge(t);
  for (const auto& s : g.sparse_initializer()) judge(s.values());
  for (const auto& n : g.node()) {
    for (const auto& a : n.attribute()) {
      if (a.has_t()) judge(a.t());
      if (a.has_g()) Measure(a.g(), max_bytes, nodes, too_big, claimed);
      for (const auto& sub : a.graphs()) Measure(sub, max_bytes, nodes, too_big, claimed);
    }
  }
}

std::string Bytes(double n) {
  char buf[32];
  if (n >= double(int64_t{1} << 30)) {
    std::snprintf(buf, sizeof buf, "%.1f GiB", n / double(int64_t{1} << 30));
  } else {
    std::snprintf(buf, sizeof buf, "%.0f bytes", n);
  }
  return buf;
}

// What every loaded model must have, however it was read.
void CheckModel(const LoadedModel& out, const std::string& origin, const LoadOptions& options) {
  if (!out.model->has_graph() || out.model->ir_version() <= 0) {
    throw LoadError("'" + origin + "' is not an ONNX model (no " +
                    std::string(out.model->has_graph() ? "ir_version" : "graph") + ")");
  }
  int64_t nodes = 0;
  const onnx::TensorProto* too_big = nullptr;
  double claimed = 0;
  Measure(out.model->graph(), options.max_tensor_bytes, nodes, too_big, claimed);
  for (const auto& f : out.model->functions()) nodes += f.node_size();
  if (nodes > options.max_nodes) {
    throw LoadError("'" + origin + "' has " + std::to_string(nodes) + " nodes; the limit is " +
                    std::to_string(options.max_nodes) + " (raise it with --max-nodes)");
  }
  if (too_big != nullptr) {
    throw LoadError("'" + origin + "': tensor '" + too_big->name() + "' claims " + Bytes(claimed) + "; the limit is " +
                    Bytes(static_cast<double>(options.max_tensor_bytes)) + " (raise it with --max-tensor-bytes)");
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
    // The parser quotes the text around the error: from a binary file that is any bytes,
    // of any length. The line stays short and valid UTF-8.
    constexpr size_t kQuoted = 240;
    std::string why = OneLine(status.ErrorMessage());
    if (why.size() > kQuoted) why = why.substr(0, kQuoted) + "...";
    throw LoadError("'" + origin + "' is not valid ONNX text: " + ValidUtf8(why));
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
    const std::string text(reinterpret_cast<const char*>(file.data()), file.size());
    CheckTextNesting(text, path, options);
    *out.model = ParseModelText(text, path);
    out.file.reset();
    CheckModel(out, path, options);
    return out;
  }
  const std::string invalid =
      "'" + path + "' is not a valid ONNX model (protobuf parse failed: truncated or not a model)";
  std::string skeleton;
  WireScanner scanner(file, out.stripped);
  if (!scanner.Model(file.data(), file.data() + file.size(), skeleton)) throw LoadError(invalid);
  const uint8_t* begin = reinterpret_cast<const uint8_t*>(skeleton.data());
  CheckNesting(begin, begin + skeleton.size(), path, options);
  google::protobuf::io::CodedInputStream stream(begin, static_cast<int>(std::min<size_t>(skeleton.size(), INT_MAX)));
  stream.SetTotalBytesLimit(INT_MAX);
  stream.SetRecursionLimit(RecursionLimit(options));
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
    CheckTextNesting(bytes, origin, options);
    *out.model = ParseModelText(std::string(bytes), origin);
    CheckModel(out, origin, options);
    return out;
  }
  if (bytes.size() > INT_MAX) throw LoadError("'" + origin + "' is larger than 2 GB: load it from a file");
  const uint8_t* begin = reinterpret_cast<const uint8_t*>(bytes.data());
  CheckNesting(begin, begin + bytes.size(), origin, options);
  google::protobuf::io::CodedInputStream stream(begin, static_cast<int>(bytes.size()));
  stream.SetTotalBytesLimit(INT_MAX);
  stream.SetRecursionLimit(RecursionLimit(options));
  if (!out.model->ParseFromCodedStream(&stream) || !stream.ConsumedEntireMessage()) {
    throw LoadError("'" + origin + "' is not a valid ONNX model (protobuf parse failed: truncated or not a model)");
  }
  CheckModel(out, origin, options);
  return out;
}

}  // namespace onnxtidy
