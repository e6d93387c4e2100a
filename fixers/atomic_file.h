// A file written beside its destination and renamed over it only when complete.
//
// Large outputs bypass the page cache: once a file outgrows one buffer it is written
// with O_DIRECT from aligned buffers, several at a time by other threads while the
// caller fills the next buffer. Copying gigabytes into the page cache and then waiting for fsync to
// write them back costs more than the conversion that produced them. A file system
// that refuses direct I/O gets ordinary writes.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <future>
#include <memory>
#include <string>
#include <vector>

namespace onnxtidy {

class AtomicFile {
 public:
  // Bytes per buffer: a multiple of every block size direct I/O asks for.
  static constexpr size_t kBufferSize = 8 << 20;

  // Throws std::runtime_error with a one-line message.
  explicit AtomicFile(std::string path);
  ~AtomicFile();  // removes the temporary file unless committed
  AtomicFile(const AtomicFile&) = delete;
  AtomicFile& operator=(const AtomicFile&) = delete;

  void Write(const void* data, size_t size);
  void Write(const std::string& bytes) { Write(bytes.data(), bytes.size()); }

  // Room to produce bytes in place, sparing a copy when converting: Room() gives the
  // writable rest of the current buffer (at least one byte), Advance(n) appends n of them.
  struct Span {
    char* data;
    size_t size;
  };
  Span Room();
  void Advance(size_t n);

  uint64_t written() const { return written_; }
  // Flushes and syncs the temporary file: after this, only the rename is left. Files
  // that belong together (a model and its data file) are all synced before the first is
  // renamed, so that a kill leaves them apart for the two renames only.
  void Sync();
  // Syncs if not yet synced, renames over the destination (keeping an existing file's
  // mode) and syncs the folder.
  void Commit();

 private:
  struct FreeAligned {
    void operator()(char* p) const;
  };
  using Buffer = std::unique_ptr<char[], FreeAligned>;

  struct Pending {
    Buffer buffer;
    std::future<void> done;
    uint64_t end;  // file offset after this write
  };

  void Flush();                                                  // hands the full buffer to a writer
  void Retire();                                                 // waits for the oldest write; rethrows its error
  void WaitAll();                                                // until every write is done; rethrows the first error
  void WriteAt(const char* data, size_t size, uint64_t offset);  // on a writer thread
  [[noreturn]] void Fail(int err) const;

  std::string path_;
  std::string tmp_;
  int fd_ = -1;
  Buffer filling_;
  std::vector<Buffer> spare_;
  std::deque<Pending> in_flight_;
  size_t fill_ = 0;       // bytes in filling_
  uint64_t written_ = 0;  // bytes appended in all
  uint64_t flushed_ = 0;  // bytes handed to writers
  uint64_t synced_ = 0;   // buffered mode: bytes whose writeback was started
  std::atomic<bool> direct_{false};
  bool committed_ = false;
};

}  // namespace onnxtidy
