// A read-only memory map of a whole file. Pages are read only when touched, so
// skipping over a tensor's bytes costs nothing.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace onnxtidy {

class MappedFile {
 public:
  // Throws LoadError-compatible std::runtime_error with a one-line message.
  explicit MappedFile(const std::string& path);
  // Maps an open descriptor (which it closes); `path` names it in messages.
  MappedFile(int fd, std::string path);
  ~MappedFile();
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;

  const uint8_t* data() const { return data_; }
  size_t size() const { return size_; }
  const std::string& path() const { return path_; }
  // About to read [offset, offset+length) front to back: read ahead.
  void StreamFrom(size_t offset, size_t length) const;
  // Unmaps the pages of [offset, offset+length) from this process once read (they stay
  // in the page cache): a large file read once never sits in our resident set.
  void Release(size_t offset, size_t length) const;

 private:
  void Map(int fd);  // closes fd

  std::string path_;
  const uint8_t* data_ = nullptr;
  size_t size_ = 0;
};

}  // namespace onnxtidy
