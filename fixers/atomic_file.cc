#include "fixers/atomic_file.h"

#include "lint/paths.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <stdexcept>

namespace onnxtidy {
namespace {

constexpr size_t kBufferSize = 8 << 20;
constexpr uint64_t kWritebackChunk = 64 << 20;

}  // namespace

AtomicFile::AtomicFile(std::string path) : path_(std::move(path)) {
  const std::string dir = DirName(path_);
  tmp_ = dir + "/." + BaseName(path_) + ".onnx-tidy-XXXXXX";
  fd_ = ::mkstemp(tmp_.data());
  if (fd_ < 0) throw std::runtime_error("cannot create a file in '" + dir + "': " + std::strerror(errno));
  buffer_.reserve(kBufferSize);
}

AtomicFile::~AtomicFile() {
  if (fd_ >= 0) ::close(fd_);
  if (!committed_) ::unlink(tmp_.c_str());
}

void AtomicFile::WriteAll(const char* data, size_t size) {
  size_t done = 0;
  while (done < size) {
    const ssize_t n = ::write(fd_, data + done, size - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) throw std::runtime_error("cannot write '" + path_ + "': " + std::strerror(errno));
    done += static_cast<size_t>(n);
  }
  // Start writing back what is complete while the rest is produced, so that the
  // fsync before the rename has little left to wait for.
  on_disk_ += size;
  if (on_disk_ - synced_ >= kWritebackChunk) {
    ::sync_file_range(fd_, static_cast<off_t>(synced_), static_cast<off_t>(on_disk_ - synced_), SYNC_FILE_RANGE_WRITE);
    synced_ = on_disk_;
  }
}

void AtomicFile::Flush() {
  WriteAll(buffer_.data(), buffer_.size());
  buffer_.clear();
}

void AtomicFile::Write(const void* data, size_t size) {
  written_ += size;
  if (buffer_.size() + size > kBufferSize) Flush();
  if (size >= kBufferSize) {
    WriteAll(static_cast<const char*>(data), size);  // large: straight from the caller's bytes
    return;
  }
  buffer_.append(static_cast<const char*>(data), size);
}

void AtomicFile::Commit() {
  Flush();
  struct stat st {};
  mode_t mode = 0666 & ~[] {
    const mode_t m = ::umask(0);
    ::umask(m);
    return m;
  }();
  if (::stat(path_.c_str(), &st) == 0) mode = st.st_mode & 07777;  // keep the replaced file's mode
  if (::fchmod(fd_, mode) != 0 || ::fsync(fd_) != 0) {
    throw std::runtime_error("cannot write '" + path_ + "': " + std::strerror(errno));
  }
  ::close(fd_);
  fd_ = -1;
  if (::rename(tmp_.c_str(), path_.c_str()) != 0) {
    throw std::runtime_error("cannot write '" + path_ + "': " + std::strerror(errno));
  }
  committed_ = true;
}

}  // namespace onnxtidy
