// The output writer: whatever the sizes and the mix of copied and produced-in-place
// bytes, the committed file holds exactly what was written, and nothing is visible at
// the destination before Commit.
#include "fixers/atomic_file.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>
#include <stdexcept>

namespace onnxtidy {
namespace {

namespace fs = std::filesystem;

std::string Read(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

std::string RandomBytes(size_t n, uint32_t seed) {
  std::mt19937 gen(seed);
  std::string s(n, '\0');
  for (char& c : s) c = static_cast<char>(gen());
  return s;
}

// Writes `bytes` in pieces of assorted sizes, alternating Write and Room/Advance.
void WriteInPieces(AtomicFile& f, const std::string& bytes, uint32_t seed) {
  std::mt19937 gen(seed);
  const size_t sizes[] = {1, 3, 4093, 4096, 65537, AtomicFile::kBufferSize - 5, AtomicFile::kBufferSize + 11};
  for (size_t pos = 0, i = 0; pos < bytes.size(); ++i) {
    const size_t n = std::min(bytes.size() - pos, sizes[gen() % std::size(sizes)]);
    if (i % 2 == 0) {
      f.Write(bytes.data() + pos, n);
      pos += n;
      continue;
    }
    for (size_t left = n; left > 0;) {
      const AtomicFile::Span room = f.Room();
      ASSERT_GT(room.size, 0u);
      const size_t k = std::min(left, room.size);
      std::memcpy(room.data, bytes.data() + pos, k);
      f.Advance(k);
      pos += k;
      left -= k;
    }
  }
}

// Runs on the usual temporary folder (a disk here: direct I/O) and on /dev/shm (tmpfs,
// which may refuse it: ordinary writes).
class AtomicFileTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    const fs::path base = GetParam().empty() ? fs::temp_directory_path() : fs::path(GetParam());
    if (!fs::is_directory(base)) GTEST_SKIP() << base << " is not here";
    dir_ = base / ("onnxtidy_atomic_" + std::to_string(::getpid()));
    fs::create_directories(dir_);
  }
  void TearDown() override {
    if (!dir_.empty()) fs::remove_all(dir_);
  }
  size_t Entries() const { return static_cast<size_t>(std::distance(fs::directory_iterator(dir_), {})); }
  fs::path dir_;
};

TEST_P(AtomicFileTest, HoldsExactlyWhatWasWrittenAtEverySize) {
  constexpr size_t kB = AtomicFile::kBufferSize;
  for (size_t size :
       {size_t{0}, size_t{1}, size_t{4095}, size_t{4096}, kB - 1, kB, kB + 1, 2 * kB + 4097 + 3, 5 * kB}) {
    SCOPED_TRACE(size);
    const std::string bytes = RandomBytes(size, static_cast<uint32_t>(size));
    const fs::path path = dir_ / "out.bin";
    AtomicFile f(path.string());
    WriteInPieces(f, bytes, static_cast<uint32_t>(size) + 1);
    EXPECT_EQ(f.written(), size);
    f.Commit();
    EXPECT_EQ(fs::file_size(path), size);
    EXPECT_TRUE(Read(path) == bytes);
    EXPECT_EQ(Entries(), 1u);  // no temporary file left
  }
}

TEST_P(AtomicFileTest, NothingReachesTheDestinationWithoutCommit) {
  const fs::path path = dir_ / "model.onnx";
  std::ofstream(path, std::ios::binary) << "original";
  {
    AtomicFile f(path.string());
    f.Write(RandomBytes(3 * AtomicFile::kBufferSize + 7, 1));  // buffers already on disk
  }
  EXPECT_EQ(Read(path), "original");
  EXPECT_EQ(Entries(), 1u);
}

TEST_P(AtomicFileTest, KeepsTheModeOfTheFileItReplaces) {
  const fs::path path = dir_ / "model.onnx";
  std::ofstream(path, std::ios::binary) << "original";
  ASSERT_EQ(::chmod(path.c_str(), 0640), 0);
  AtomicFile f(path.string());
  f.Write(RandomBytes(AtomicFile::kBufferSize + 1, 2));
  f.Commit();
  struct stat st {};
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0640u);
  EXPECT_EQ(fs::file_size(path), AtomicFile::kBufferSize + 1);
}

INSTANTIATE_TEST_SUITE_P(Folders, AtomicFileTest, ::testing::Values("", "/dev/shm"),
                         [](const auto& info) { return info.param.empty() ? std::string("tmp") : std::string("shm"); });

TEST(AtomicFile, AFolderThatIsNotThereIsOneClearError) {
  try {
    AtomicFile f("/nonexistent-onnx-tidy/out.onnx");
    FAIL() << "no error";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("/nonexistent-onnx-tidy"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace onnxtidy
