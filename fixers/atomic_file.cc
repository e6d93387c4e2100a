#include "fixers/atomic_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <new>
#include <stdexcept>

#include "lint/paths.h"

namespace onnxtidy {
namespace {

constexpr size_t kAlign = 4096;
static_assert(AtomicFile::kBufferSize % kAlign == 0);
// Buffered mode: start writeback every so often, so the fsync has little left to do.
constexpr uint64_t kWritebackChunk = 64 << 20;
// Buffers being written while the next one fills. Two kept this machine's disk busy;
// four or eight were no faster here, but a deeper queue is one constant away.
constexpr size_t kInFlight = 2;

}  // namespace

void AtomicFile::FreeAligned::operator()(char* p) const { std::free(p); }

namespace {

char* NewAlignedBuffer() {
  void* p = nullptr;
  if (::posix_memalign(&p, kAlign, AtomicFile::kBufferSize) != 0) throw std::bad_alloc();
  return static_cast<char*>(p);
}

}  // namespace

AtomicFile::AtomicFile(std::string path) : path_(std::move(path)) {
  const std::string dir = DirName(path_);
  tmp_ = dir + "/." + BaseName(path_) + ".onnx-tidy-XXXXXX";
  fd_ = ::mkstemp(tmp_.data());
  if (fd_ < 0) throw std::runtime_error("cannot create a file in '" + dir + "': " + std::strerror(errno));
}

AtomicFile::~AtomicFile() {
  while (!in_flight_.empty()) {
    try {
      Retire();
    } catch (...) {
      // The write failed and the file is abandoned: nothing more to report.
    }
  }
  if (fd_ >= 0) ::close(fd_);
  if (!committed_) ::unlink(tmp_.c_str());
}

void AtomicFile::Fail(int err) const {
  throw std::runtime_error("cannot write '" + path_ + "': " + std::strerror(err));
}

AtomicFile::Span AtomicFile::Room() {
  if (!filling_) filling_.reset(NewAlignedBuffer());
  return {filling_.get() + fill_, kBufferSize - fill_};
}

void AtomicFile::Advance(size_t n) {
  fill_ += n;
  written_ += n;
  if (fill_ == kBufferSize) Flush();
}

void AtomicFile::Write(const void* data, size_t size) {
  const char* p = static_cast<const char*>(data);
  while (size > 0) {
    const Span room = Room();
    const size_t n = std::min(size, room.size);
    std::memcpy(room.data, p, n);
    Advance(n);
    p += n;
    size -= n;
  }
}

void AtomicFile::Retire() {
  Pending p = std::move(in_flight_.front());
  in_flight_.pop_front();
  spare_.push_back(std::move(p.buffer));
  p.done.get();
  if (!direct_ && p.end - synced_ >= kWritebackChunk) {
    // Writes finish in order of waiting: everything before p.end is in the page cache.
    ::sync_file_range(fd_, static_cast<off_t>(synced_), static_cast<off_t>(p.end - synced_), SYNC_FILE_RANGE_WRITE);
    synced_ = p.end;
  }
}

void AtomicFile::WaitAll() {
  while (!in_flight_.empty()) Retire();
}

void AtomicFile::Flush() {
  const uint64_t offset = flushed_;
  const size_t size = fill_;
  flushed_ += fill_;
  fill_ = 0;
  if (offset == 0) {
    // The file outgrew one buffer: from here on every write is a whole, aligned buffer
    // at an aligned offset, and only the last one is padded (then truncated).
    const int flags = ::fcntl(fd_, F_GETFL);
    direct_ = flags >= 0 && ::fcntl(fd_, F_SETFL, flags | O_DIRECT) == 0;
  }
  const char* bytes = filling_.get();
  in_flight_.push_back(Pending{
      std::move(filling_),
      std::async(std::launch::async, [this, bytes, size, offset] { WriteAt(bytes, size, offset); }), offset + size});
  if (in_flight_.size() >= kInFlight) Retire();
  if (spare_.empty()) {
    filling_.reset(NewAlignedBuffer());
  } else {
    filling_ = std::move(spare_.back());
    spare_.pop_back();
  }
}

void AtomicFile::WriteAt(const char* data, size_t size, uint64_t offset) {
  for (size_t done = 0; done < size;) {
    const ssize_t n = ::pwrite(fd_, data + done, size - done, static_cast<off_t>(offset + done));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && errno == EINVAL && direct_) {
      // Opened, but the file system will not write these directly: write through the cache.
      const int flags = ::fcntl(fd_, F_GETFL);
      if (flags < 0 || ::fcntl(fd_, F_SETFL, flags & ~O_DIRECT) != 0) Fail(errno);
      direct_ = false;
      continue;
    }
    if (n < 0) Fail(errno);
    if (n == 0) Fail(ENOSPC);
    done += static_cast<size_t>(n);
  }
}

void AtomicFile::Sync() {
  if (fd_ < 0) return;  // synced already
  WaitAll();
  if (fill_ > 0) {
    // Direct I/O writes whole blocks: pad the last one, then cut the file to size.
    const bool padded = direct_;
    const size_t size = padded ? (fill_ + kAlign - 1) / kAlign * kAlign : fill_;
    std::memset(filling_.get() + fill_, 0, size - fill_);
    WriteAt(filling_.get(), size, flushed_);
    if (padded && ::ftruncate(fd_, static_cast<off_t>(written_)) != 0) Fail(errno);
  }
  struct stat st {};
  mode_t mode = 0666 & ~[] {
    const mode_t m = ::umask(0);
    ::umask(m);
    return m;
  }();
  if (::stat(path_.c_str(), &st) == 0) mode = st.st_mode & 07777;  // keep the replaced file's mode
  if (::fchmod(fd_, mode) != 0 || ::fsync(fd_) != 0) Fail(errno);
  ::close(fd_);
  fd_ = -1;
}

void AtomicFile::Commit() {
  Sync();
  if (::rename(tmp_.c_str(), path_.c_str()) != 0) Fail(errno);
  committed_ = true;
  // The rename itself lasts once the folder is synced.
  const int dir = ::open(DirName(path_).c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir >= 0) {
    ::fsync(dir);
    ::close(dir);
  }
}

}  // namespace onnxtidy
