// A file written beside its destination and renamed over it only when complete.
#pragma once

#include <cstddef>
#include <string>

namespace onnxtidy {

class AtomicFile {
 public:
  // Throws std::runtime_error with a one-line message.
  explicit AtomicFile(std::string path);
  ~AtomicFile();  // removes the temporary file unless committed
  AtomicFile(const AtomicFile&) = delete;
  AtomicFile& operator=(const AtomicFile&) = delete;

  void Write(const void* data, size_t size);
  void Write(const std::string& bytes) { Write(bytes.data(), bytes.size()); }
  uint64_t written() const { return written_; }
  // Flushes, syncs and renames over the destination (keeping an existing file's mode).
  void Commit();

 private:
  void Flush();
  void WriteAll(const char* data, size_t size);
  std::string path_;
  std::string tmp_;
  int fd_ = -1;
  std::string buffer_;
  uint64_t written_ = 0;
  uint64_t on_disk_ = 0;  // bytes handed to the kernel
  uint64_t synced_ = 0;   // of which writeback was started
  bool committed_ = false;
};

}  // namespace onnxtidy
