#include "fixers/tensor_store.h"

#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <stdexcept>
#include <vector>

#include "fixers/atomic_file.h"
#include "lint/diagnostics.h"
#include "lint/dtype.h"
#include "lint/paths.h"
#include "lint/wire_format.h"

namespace onnxtidy {
namespace {

// Bytes copied per step while streaming a tensor that keeps its type.
constexpr uint64_t kChunkBytes = 8 << 20;

void ForEachTensor(onnx::GraphProto& g, const std::function<void(onnx::TensorProto&)>& fn) {
  for (auto& t : *g.mutable_initializer()) fn(t);
  for (auto& n : *g.mutable_node()) {
    for (auto& a : *n.mutable_attribute()) {
      if (a.has_t()) fn(*a.mutable_t());
      if (a.has_g()) ForEachTensor(*a.mutable_g(), fn);
      for (auto& sub : *a.mutable_graphs()) ForEachTensor(sub, fn);
    }
  }
}

}  // namespace

TensorStore::TensorStore(LoadedModel& loaded) : model_dir_(loaded.dir.empty() ? DirName(loaded.path) : loaded.dir) {
  for (const StrippedTensor& s : loaded.stripped) {
    const onnx::TensorProto& t = loaded.model->graph().initializer(s.index);
    Source& source = sources_[&t];
    source.file = loaded.file;
    source.file_path = loaded.path;
    source.offset = s.offset;
    source.length = s.length;
    source.dtype = t.data_type();
  }
  RegisterGraph(loaded.model->graph());
}

void TensorStore::RegisterGraph(const onnx::GraphProto& g) {
  for (const auto& t : g.initializer()) RegisterExternal(t);
  for (const auto& n : g.node()) {
    for (const auto& a : n.attribute()) {
      if (a.has_t()) RegisterExternal(a.t());
      if (a.has_g()) RegisterGraph(a.g());
      for (const auto& sub : a.graphs()) RegisterGraph(sub);
    }
  }
}

void TensorStore::RegisterExternal(const onnx::TensorProto& t) {
  if (t.data_location() != onnx::TensorProto::EXTERNAL) return;
  Source s;
  s.external = true;
  s.dtype = t.data_type();
  s.tensor = t.name();
  if (std::string why = ParseExternalData(t, s.ref); !why.empty()) {
    throw LoadError(OneLine("refusing the external data of tensor '" + t.name() + "': " + why));
  }
  s.file_path = model_dir_ + "/" + s.ref.location;
  s.offset = s.ref.offset;
  sources_[&t] = s;
}

const MappedFile& TensorStore::Open(Source& s) {
  if (!s.file) {
    auto& f = files_[s.file_path];
    if (s.external) {
      // Judged again as it is opened: the folders and the file may have changed since loading.
      uint64_t size = 0;
      const int fd = OpenExternalData(model_dir_, s.ref, s.tensor, size);
      if (!f)
        f = std::make_shared<MappedFile>(fd, s.file_path);
      else
        ::close(fd);
      if (f->size() != size) throw LoadError("'" + s.file_path + "' changed while it was read");
      s.length = *s.ref.length;
    } else if (!f) {
      f = std::make_shared<MappedFile>(s.file_path);
    }
    s.file = f;
  }
  // Offsets and lengths are at most INT64_MAX (ParseExternalData): the sum cannot wrap.
  if (s.offset > s.file->size() || s.length > s.file->size() - s.offset) {
    throw std::runtime_error("'" + s.file_path + "' is shorter than a tensor stored in it");
  }
  return *s.file;
}

bool TensorStore::Convert(onnx::TensorProto& t, int32_t to, Overflow overflow) {
  auto it = sources_.find(&t);
  if (it == sources_.end()) return ConvertTensor(t, to, overflow);
  if (!IsConvertibleFloat(it->second.dtype) || !IsConvertibleFloat(to)) return false;
  t.set_data_type(to);  // the bytes follow when written
  return true;
}

namespace {

double LargestIn(const char* data, uint64_t count, int32_t dtype) {
  constexpr uint64_t kBlock = 1 << 16;
  std::vector<double> decoded(static_cast<size_t>(std::min(count, kBlock)));
  const size_t width = static_cast<size_t>(DtypeBits(dtype) / 8);
  double largest = 0;
  for (uint64_t at = 0; at < count; at += kBlock) {
    const uint64_t n = std::min(count - at, kBlock);
    ConvertElements(data + at * width, static_cast<size_t>(n), dtype, kDouble, Overflow::kInfinity,
                    reinterpret_cast<char*>(decoded.data()));
    for (uint64_t i = 0; i < n; ++i) {
      const double x = std::fabs(decoded[static_cast<size_t>(i)]);
      if (std::isfinite(x) && x > largest) largest = x;
    }
  }
  return largest;
}

}  // namespace

double TensorStore::LargestMagnitude(const onnx::TensorProto& t) {
  auto it = sources_.find(&t);
  if (it == sources_.end()) {
    if (!IsConvertibleFloat(t.data_type())) return -1;
    onnx::TensorProto copy = t;  // in memory, so small enough to copy
    if (!ConvertTensor(copy, kDouble)) return -1;
    return LargestIn(copy.raw_data().data(), copy.raw_data().size() / sizeof(double), kDouble);
  }
  Source& s = it->second;
  if (!IsConvertibleFloat(s.dtype)) return -1;
  try {
    const MappedFile& file = Open(s);
    return LargestIn(reinterpret_cast<const char*>(file.data() + s.offset), s.length / (DtypeBits(s.dtype) / 8),
                     s.dtype);
  } catch (const std::runtime_error&) {
    return -1;  // the writer reports an unreadable source with its own message
  }
}

void TensorStore::Share(const onnx::TensorProto& original, const onnx::TensorProto& copy) {
  auto it = sources_.find(&original);
  if (it != sources_.end()) sources_[&copy] = it->second;
}

onnx::ModelProto TensorStore::InMemoryCopy(const onnx::ModelProto& model, Overflow overflow) {
  onnx::ModelProto copy = model;
  std::vector<const onnx::TensorProto*> originals;
  ForEachTensor(const_cast<onnx::GraphProto&>(model.graph()), [&](onnx::TensorProto& t) { originals.push_back(&t); });
  size_t i = 0;
  ForEachTensor(*copy.mutable_graph(), [&](onnx::TensorProto& t) {
    auto it = sources_.find(originals[i++]);
    if (it == sources_.end()) return;
    Source& s = it->second;
    if (s.external) {
      if (t.data_type() == s.dtype) return;
      throw std::invalid_argument("tensor '" + t.name() +
                                  "' is in external data and is converted as it is written: use save(path)");
    }
    const MappedFile& file = Open(s);
    const char* base = reinterpret_cast<const char*>(file.data() + s.offset);
    std::string& raw = *t.mutable_raw_data();
    if (t.data_type() == s.dtype) {
      raw.assign(base, s.length);
      return;
    }
    const uint64_t count = s.length / static_cast<uint64_t>(DtypeBits(s.dtype) / 8);
    raw.resize(count * static_cast<uint64_t>(DtypeBits(t.data_type()) / 8));
    ConvertElements(base, count, s.dtype, t.data_type(), overflow, raw.data());
  });
  return copy;
}

onnx::ModelProto TensorStore::CheckableCopy(const onnx::ModelProto& model) const {
  // onnx 1.12's checker, given a ModelProto, looks for external files from the current
  // directory: every tensor not in memory points at the file its bytes are really in.
  onnx::ModelProto copy = model;
  std::vector<const onnx::TensorProto*> originals;
  ForEachTensor(const_cast<onnx::GraphProto&>(model.graph()), [&](onnx::TensorProto& t) { originals.push_back(&t); });
  size_t i = 0;
  std::map<std::string, std::string> relative;  // per file: resolving a path is a few syscalls
  ForEachTensor(*copy.mutable_graph(), [&](onnx::TensorProto& t) {
    auto it = sources_.find(originals[i++]);
    if (it == sources_.end()) return;
    std::string& where = relative[it->second.file_path];
    if (where.empty()) {
      std::error_code ec;
      where = std::filesystem::relative(it->second.file_path, ec).string();
      if (ec || where.empty()) where = it->second.file_path;
    }
    t.clear_raw_data();
    t.clear_external_data();
    t.set_data_location(onnx::TensorProto::EXTERNAL);
    auto* loc = t.add_external_data();
    loc->set_key("location");
    loc->set_value(where);
  });
  return copy;
}

void TensorStore::Write(onnx::ModelProto& model, const std::string& path, Overflow overflow, const Progress& progress) {
  const std::string out_dir = DirName(path);
  const bool same_dir = SameFile(out_dir, model_dir_);
  // Progress counts the tensors whose bytes are streamed: embedded ones, and external
  // ones that change type or folder.
  size_t total = 0, done = 0;
  ForEachTensor(*model.mutable_graph(), [&](onnx::TensorProto& t) {
    auto it = sources_.find(&t);
    if (it == sources_.end()) return;
    total += !it->second.external || t.data_type() != it->second.dtype || !same_dir;
  });

  // Appends a source's bytes, converted to `to`, to `sink`: converted straight into the
  // sink's buffer, and given back to the kernel once read.
  auto stream = [&](Source& s, int32_t to, AtomicFile& sink) {
    const MappedFile& file = Open(s);
    const char* base = reinterpret_cast<const char*>(file.data() + s.offset);
    file.StreamFrom(s.offset, s.length);
    if (to == s.dtype) {
      for (uint64_t pos = 0; pos < s.length; pos += kChunkBytes) {
        const uint64_t n = std::min<uint64_t>(s.length - pos, kChunkBytes);
        sink.Write(base + pos, n);
        file.Release(s.offset + pos, n);
      }
    } else {
      const uint64_t in_width = static_cast<uint64_t>(DtypeBits(s.dtype) / 8);
      const uint64_t out_width = static_cast<uint64_t>(DtypeBits(to) / 8);
      const uint64_t count = s.length / in_width;
      for (uint64_t i = 0; i < count;) {
        const AtomicFile::Span room = sink.Room();
        const uint64_t n = std::min<uint64_t>(count - i, room.size / out_width);
        const char* src = base + i * in_width;
        if (n == 0) {  // the buffer ends inside an element: that one goes through a copy
          char one[8];
          ConvertElements(src, 1, s.dtype, to, overflow, one);
          sink.Write(one, out_width);
          ++i;
          continue;
        }
        ConvertElements(src, n, s.dtype, to, overflow, room.data);
        sink.Advance(n * out_width);
        file.Release(s.offset + i * in_width, n * in_width);
        i += n;
      }
    }
    if (progress) progress(++done, total);
  };
  auto converted_length = [&](Source& s, int32_t to) {
    Open(s);
    const uint64_t in_width = static_cast<uint64_t>(DtypeBits(s.dtype) / 8);
    return in_width == 0 ? s.length : s.length / in_width * static_cast<uint64_t>(DtypeBits(to) / 8);
  };

  // External tensors whose bytes change, or that move to another folder, go to a new
  // data file; the input's data files are never written.
  std::unique_ptr<AtomicFile> data;
  std::string data_name;
  auto open_data = [&] {
    data_name = BaseName(path) + ".data";
    for (int i = 1;; ++i) {
      bool taken = false;
      std::string candidate = out_dir;
      candidate.append("/").append(data_name);
      for (const auto& [t, s] : sources_) taken |= s.external && SameFile(s.file_path, candidate);
      if (!taken) break;
      data_name = BaseName(path) + "." + std::to_string(i) + ".data";
    }
    // It replaces only what is ours: a symlink there could point anywhere (CVE-2025-51480).
    if (std::string why = CheckDataFileDestination(out_dir, data_name); !why.empty()) {
      throw std::runtime_error(OneLine("refusing to replace '" + out_dir + "/" + data_name + "': " + why));
    }
    data = std::make_unique<AtomicFile>(out_dir + "/" + data_name);
  };
  ForEachTensor(*model.mutable_graph(), [&](onnx::TensorProto& t) {
    auto it = sources_.find(&t);
    if (it == sources_.end() || !it->second.external) return;
    Source& s = it->second;
    if (t.data_type() == s.dtype && same_dir) return;
    if (!data) open_data();
    const uint64_t offset = data->written();
    stream(s, t.data_type(), *data);
    t.clear_external_data();
    for (const auto& [k, v] : {std::pair<std::string, std::string>{"location", data_name},
                               {"offset", std::to_string(offset)},
                               {"length", std::to_string(data->written() - offset)}}) {
      auto* e = t.add_external_data();
      e->set_key(k);
      e->set_value(v);
    }
  });

  // The model: the same bytes as a deterministic serialisation of the whole model, with
  // the graph's deferred raw_data spliced in from the source as it is written.
  AtomicFile out(path);
  onnx::ModelProto head = model, tail = model;
  head.clear_graph();
  head.clear_opset_import();
  head.clear_metadata_props();
  head.clear_training_info();
  head.clear_functions();
  head.GetReflection()->MutableUnknownFields(&head)->Clear();
  tail.clear_ir_version();
  tail.clear_producer_name();
  tail.clear_producer_version();
  tail.clear_domain();
  tail.clear_model_version();
  tail.clear_doc_string();
  tail.clear_graph();
  out.Write(SerializeDeterministic(head));
  if (model.has_graph()) {
    const onnx::GraphProto& g = model.graph();
    onnx::GraphProto before, after = g;
    *before.mutable_node() = g.node();
    if (g.has_name()) before.set_name(g.name());
    after.clear_node();
    after.clear_name();
    after.clear_initializer();
    struct Part {
      std::string bytes;  // the whole tensor, or the part before raw_data
      std::string rest;   // after raw_data
      Source* source = nullptr;
      uint64_t raw = 0;
      int32_t to = 0;
    };
    std::vector<Part> parts;
    uint64_t graph_size = 0;
    const std::string a = SerializeDeterministic(before), b = SerializeDeterministic(after);
    graph_size += a.size() + b.size();
    for (const auto& t : g.initializer()) {
      Part p;
      auto it = sources_.find(&t);
      if (it == sources_.end() || it->second.external) {
        p.bytes = SerializeDeterministic(t);
      } else {
        onnx::TensorProto lo = t, hi = t;
        lo.clear_raw_data();
        lo.clear_double_data();
        lo.clear_uint64_data();
        lo.clear_doc_string();
        lo.clear_external_data();
        lo.clear_data_location();
        lo.GetReflection()->MutableUnknownFields(&lo)->Clear();
        hi.clear_dims();
        hi.clear_data_type();
        hi.clear_segment();
        hi.clear_float_data();
        hi.clear_int32_data();
        hi.clear_string_data();
        hi.clear_int64_data();
        hi.clear_name();
        hi.clear_raw_data();
        p.source = &it->second;
        p.to = t.data_type();
        p.raw = converted_length(it->second, p.to);
        p.bytes = SerializeDeterministic(lo) + LengthDelimitedHeader(9, p.raw);
        p.rest = SerializeDeterministic(hi);
      }
      const uint64_t size = p.bytes.size() + p.raw + p.rest.size();
      p.bytes = LengthDelimitedHeader(5, size) + p.bytes;
      graph_size += p.bytes.size() + p.raw + p.rest.size();
      parts.push_back(std::move(p));
    }
    out.Write(LengthDelimitedHeader(7, graph_size) + a);
    for (Part& p : parts) {
      out.Write(p.bytes);
      if (p.source != nullptr) stream(*p.source, p.to, out);
      out.Write(p.rest);
    }
    out.Write(b);
  }
  out.Write(SerializeDeterministic(tail));
  // Both complete on disk before either is renamed: a kill between the two renames is
  // the only moment an existing output and its data file do not match.
  if (data) data->Sync();
  out.Sync();
  if (data) data->Commit();
  out.Commit();
}

}  // namespace onnxtidy
