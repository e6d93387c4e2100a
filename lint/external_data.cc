#include "lint/external_data.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <limits>
#include <utility>
#include <vector>

#include "lint/model_loader.h"

namespace onnxtidy {
namespace {

// A descriptor closed when it goes out of scope.
class Fd {
 public:
  explicit Fd(int fd = -1) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  Fd& operator=(Fd&& o) noexcept {
    std::swap(fd_, o.fd_);
    return *this;
  }
  int get() const { return fd_; }
  int release() {
    const int fd = fd_;
    fd_ = -1;
    return fd;
  }

 private:
  int fd_;
};

#ifdef O_PATH
constexpr int kDirFlags = O_PATH | O_DIRECTORY | O_CLOEXEC;
#else
constexpr int kDirFlags = O_RDONLY | O_DIRECTORY | O_CLOEXEC;
#endif

// A name from the file, fit for a one-line message: short, with no control characters.
std::string Shown(const std::string& text) {
  constexpr size_t kMax = 120;
  std::string out = text.substr(0, kMax);
  for (char& c : out) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = '?';
  }
  return text.size() > kMax ? out + "..." : out;
}

// onnx defines these four keys; anything else is refused rather than ignored, as onnx 1.21 does.
bool KnownKey(const std::string& key) {
  return key == "location" || key == "offset" || key == "length" || key == "checksum";
}

// A decimal integer in [0, INT64_MAX]: no sign, no spaces, no hex.
std::string ParseCount(const std::string& key, const std::string& text, uint64_t& out) {
  const std::string quoted = key + " '" + Shown(text) + "'";
  if (text.empty()) return key + " is empty";
  out = 0;
  for (const char c : text) {
    if (c < '0' || c > '9') return quoted + " is not a non-negative integer";
    const uint64_t digit = static_cast<uint64_t>(c - '0');
    if (out > (static_cast<uint64_t>(std::numeric_limits<int64_t>::max()) - digit) / 10) return quoted + " overflows";
    out = out * 10 + digit;
  }
  return "";
}

// "a/./b/../c" -> "a/c"; false when a ".." climbs out of the top.
bool Normalise(const std::string& location, std::string& out) {
  std::vector<std::string> parts;
  size_t start = 0;
  while (start <= location.size()) {
    size_t slash = location.find('/', start);
    if (slash == std::string::npos) slash = location.size();
    const std::string part = location.substr(start, slash - start);
    start = slash + 1;
    if (part.empty() || part == ".") continue;
    if (part == "..") {
      if (parts.empty()) return false;
      parts.pop_back();
      continue;
    }
    parts.push_back(part);
  }
  out.clear();
  for (const std::string& p : parts) out += (out.empty() ? "" : "/") + p;
  return true;
}

std::vector<std::string> Components(const std::string& normalised) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= normalised.size()) {
    size_t slash = normalised.find('/', start);
    if (slash == std::string::npos) slash = normalised.size();
    out.push_back(normalised.substr(start, slash - start));
    start = slash + 1;
  }
  return out;
}

const char* KindOf(mode_t mode) {
  if (S_ISDIR(mode)) return "a folder";
  if (S_ISFIFO(mode)) return "a FIFO";
  if (S_ISCHR(mode) || S_ISBLK(mode)) return "a device";
  if (S_ISSOCK(mode)) return "a socket";
  if (S_ISLNK(mode)) return "a symlink";
  return "not a regular file";
}

// Judges what lstat (or fstat of what was opened) says of the data file.
std::string JudgeFile(const ExternalDataRef& ref, const struct stat& st, uint64_t& size) {
  const std::string name = "'" + Shown(ref.location) + "'";
  if (S_ISLNK(st.st_mode)) return name + " is a symlink";
  if (!S_ISREG(st.st_mode)) return name + " is " + KindOf(st.st_mode) + ", not a regular file";
  if (st.st_nlink > 1) return name + " has " + std::to_string(st.st_nlink) + " hard links";
  size = static_cast<uint64_t>(st.st_size);
  const std::string file_size = " (" + std::to_string(size) + " bytes)";
  if (ref.offset > size) return "offset " + std::to_string(ref.offset) + " is past the end of " + name + file_size;
  // Both are at most INT64_MAX: the sum cannot wrap.
  if (ref.length && ref.offset + *ref.length > size) {
    return "offset " + std::to_string(ref.offset) + " + length " + std::to_string(*ref.length) +
           " reaches past the end of " + name + file_size;
  }
  return "";
}

// Walks from `model_dir` to the folder holding the data file without following a
// symlink. Returns "" with `dir` open on that folder and `leaf` its name, or the reason.
std::string WalkToFolder(const std::string& model_dir, const ExternalDataRef& ref, Fd& dir, std::string& leaf) {
  // The model's own folder may be reached through a symlink: the user named it.
  dir = Fd(::open(model_dir.c_str(), kDirFlags));
  if (dir.get() < 0) return "cannot open the model's folder '" + model_dir + "': " + std::strerror(errno);
  const std::vector<std::string> parts = Components(ref.location);
  std::string so_far;
  for (size_t i = 0; i + 1 < parts.size(); ++i) {
    so_far += (so_far.empty() ? "" : "/") + parts[i];
    const std::string folder = "folder '" + Shown(so_far) + "' on the way to '" + Shown(ref.location) + "'";
    struct stat st {};
    if (::fstatat(dir.get(), parts[i].c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) {
      return folder + ": " + std::strerror(errno);
    }
    if (S_ISLNK(st.st_mode)) return folder + " is a symlink";
    if (!S_ISDIR(st.st_mode)) return folder + " is not a folder";
    Fd next(::openat(dir.get(), parts[i].c_str(), kDirFlags | O_NOFOLLOW));
    if (next.get() < 0) return folder + ": " + std::strerror(errno);
    dir = std::move(next);
  }
  leaf = parts.back();
  return "";
}

void Walk(const onnx::GraphProto& g, const std::string& path, const std::function<void(const ExternalTensor&)>& fn);

void VisitTensor(const onnx::TensorProto& t, const std::string& graph, const onnx::NodeProto* node, int index,
                 const std::function<void(const ExternalTensor&)>& fn) {
  if (t.data_location() != onnx::TensorProto::EXTERNAL) return;
  fn(ExternalTensor{&t, graph, node, index});
}

void VisitNodes(const google::protobuf::RepeatedPtrField<onnx::NodeProto>& nodes, const std::string& path,
                const std::function<void(const ExternalTensor&)>& fn) {
  for (int i = 0; i < nodes.size(); ++i) {
    const onnx::NodeProto& n = nodes.Get(i);
    const std::string label = n.name().empty() ? "#" + std::to_string(i) : n.name();
    for (const auto& a : n.attribute()) {
      if (a.has_t()) VisitTensor(a.t(), path, &n, i, fn);
      for (const auto& t : a.tensors()) VisitTensor(t, path, &n, i, fn);
      if (a.has_sparse_tensor()) {
        VisitTensor(a.sparse_tensor().values(), path, &n, i, fn);
        VisitTensor(a.sparse_tensor().indices(), path, &n, i, fn);
      }
      for (const auto& s : a.sparse_tensors()) {
        VisitTensor(s.values(), path, &n, i, fn);
        VisitTensor(s.indices(), path, &n, i, fn);
      }
      const std::string sub = path + "/" + label + "(" + n.op_type() + ")." + a.name();
      if (a.has_g()) Walk(a.g(), sub, fn);
      for (int k = 0; k < a.graphs_size(); ++k) Walk(a.graphs(k), sub + "[" + std::to_string(k) + "]", fn);
    }
  }
}

void Walk(const onnx::GraphProto& g, const std::string& path, const std::function<void(const ExternalTensor&)>& fn) {
  for (const auto& t : g.initializer()) VisitTensor(t, path, nullptr, -1, fn);
  for (const auto& s : g.sparse_initializer()) {
    VisitTensor(s.values(), path, nullptr, -1, fn);
    VisitTensor(s.indices(), path, nullptr, -1, fn);
  }
  VisitNodes(g.node(), path, fn);
}

}  // namespace

std::string ParseExternalData(const onnx::TensorProto& t, ExternalDataRef& out) {
  out = ExternalDataRef{};
  bool seen_location = false, seen_offset = false, seen_length = false, seen_checksum = false;
  std::string location;
  for (const auto& e : t.external_data()) {
    const std::string& key = e.key();
    if (!KnownKey(key)) return "unknown key '" + Shown(key) + "' (only location, offset, length, checksum)";
    bool& seen = key == "location" ? seen_location
                 : key == "offset" ? seen_offset
                 : key == "length" ? seen_length
                                   : seen_checksum;
    if (seen) return "key '" + key + "' is given twice";
    seen = true;
    if (key == "location") location = e.value();
    if (key == "offset") {
      if (std::string why = ParseCount("offset", e.value(), out.offset); !why.empty()) return why;
    }
    if (key == "length") {
      uint64_t length = 0;
      if (std::string why = ParseCount("length", e.value(), length); !why.empty()) return why;
      out.length = length;
    }
  }
  if (!seen_location) return "no location";
  if (location.empty()) return "an empty location";
  const std::string quoted = "location '" + Shown(location) + "'";
  if (location.find('\0') != std::string::npos) return "location has a NUL byte";
  if (location.front() == '/') return quoted + " is absolute";
  if (!Normalise(location, out.location)) return quoted + " leaves the model's folder";
  if (out.location.empty()) return quoted + " names the model's folder itself";
  return "";
}

std::string CheckExternalFile(const std::string& model_dir, const ExternalDataRef& ref, uint64_t& size) {
  Fd dir;
  std::string leaf;
  if (std::string why = WalkToFolder(model_dir, ref, dir, leaf); !why.empty()) return why;
  struct stat st {};
  if (::fstatat(dir.get(), leaf.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) {
    return "'" + Shown(ref.location) + "': " + std::strerror(errno);
  }
  return JudgeFile(ref, st, size);
}

std::string ExternalDataProblem(const onnx::TensorProto& t, const std::string& model_dir) {
  ExternalDataRef ref;
  if (std::string why = ParseExternalData(t, ref); !why.empty()) return why;
  if (model_dir.empty()) return "";
  uint64_t size = 0;
  return CheckExternalFile(model_dir, ref, size);
}

int OpenExternalData(const std::string& model_dir, ExternalDataRef& ref, const std::string& tensor, uint64_t& size) {
  auto fail = [&](const std::string& why) {
    return LoadError("refusing the external data of tensor '" + Shown(tensor) + "': " + why);
  };
  Fd dir;
  std::string leaf;
  if (std::string why = WalkToFolder(model_dir, ref, dir, leaf); !why.empty()) throw fail(why);
  // O_NONBLOCK: a FIFO swapped in after the check must not hang the open; fstat refuses it.
  Fd fd(::openat(dir.get(), leaf.c_str(), O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC));
  if (fd.get() < 0) {
    const std::string name = "'" + Shown(ref.location) + "'";
    throw fail(errno == ELOOP ? name + " is a symlink" : name + ": " + std::strerror(errno));
  }
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) throw fail("'" + Shown(ref.location) + "': " + std::strerror(errno));
  if (std::string why = JudgeFile(ref, st, size); !why.empty()) throw fail(why);
  if (!ref.length) ref.length = size - ref.offset;
  return fd.release();
}

std::string CheckDataFileDestination(const std::string& dir, const std::string& name) {
  Fd d(::open(dir.c_str(), kDirFlags));
  if (d.get() < 0) return "cannot open the folder '" + dir + "': " + std::strerror(errno);
  struct stat st {};
  if (::fstatat(d.get(), name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) {
    if (errno == ENOENT) return "";
    return std::strerror(errno);
  }
  if (S_ISLNK(st.st_mode)) return "it is a symlink";
  if (!S_ISREG(st.st_mode)) return std::string("it is ") + KindOf(st.st_mode) + ", not a regular file";
  if (st.st_nlink > 1) return "it has " + std::to_string(st.st_nlink) + " hard links";
  if (st.st_uid != ::geteuid()) return "it belongs to another user";
  return "";
}

void ForEachExternalTensor(const onnx::ModelProto& model, const std::function<void(const ExternalTensor&)>& fn) {
  Walk(model.graph(), "main", fn);
  for (const auto& f : model.functions()) VisitNodes(f.node(), "function " + f.domain() + "." + f.name(), fn);
  for (int i = 0; i < model.training_info_size(); ++i) {
    const auto& info = model.training_info(i);
    const std::string path = "training_info[" + std::to_string(i) + "]";
    Walk(info.initialization(), path + ".initialization", fn);
    Walk(info.algorithm(), path + ".algorithm", fn);
  }
}

std::string FirstExternalDataProblem(const onnx::ModelProto& model, const std::string& model_dir) {
  std::string first;
  ForEachExternalTensor(model, [&](const ExternalTensor& e) {
    if (!first.empty()) return;
    if (std::string why = ExternalDataProblem(*e.tensor, model_dir); !why.empty()) {
      first = "tensor '" + Shown(e.tensor->name()) + "' in " + e.graph + ": " + why;
    }
  });
  return first;
}

}  // namespace onnxtidy
