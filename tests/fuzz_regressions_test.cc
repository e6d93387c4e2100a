// Every input the fuzzer ever crashed on (tests/fuzz/regressions), replayed in the
// release build as the fuzz target runs it: a model plus a data file, through check and
// fix. The sanitizer build replays them too, under ASan and UBSan.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

#include "tests/fuzz/fuzz_input.h"

namespace onnxtidy {
namespace {

std::string Read(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

void Replay(const std::string& bytes) { fuzz::RunOne(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()); }

TEST(FuzzRegressions, EveryInputRunsToTheEnd) {
  const std::filesystem::path dir = std::filesystem::path(ONNXTIDY_SOURCE_DIR) / "tests" / "fuzz" / "regressions";
  int n = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    SCOPED_TRACE(entry.path().string());
    const std::string bytes = Read(entry.path());
    Replay(bytes);                       // as the fuzzer saw it
    Replay(fuzz::JoinInput(bytes, ""));  // and as a whole model file, as `onnx-tidy` reads one
    ++n;
  }
  EXPECT_GE(n, 4);
}

TEST(FuzzRegressions, SplitAndJoinAreInverse) {
  const std::string joined = fuzz::JoinInput("model", "data");
  const fuzz::Split s = fuzz::SplitInput(reinterpret_cast<const uint8_t*>(joined.data()), joined.size());
  EXPECT_EQ(s.model, "model");
  EXPECT_EQ(s.data, "data");
  // A length beyond the input takes what there is; fewer than four bytes are all model.
  const std::string short_input = std::string("\xff\xff\xff\xff", 4) + "ab";
  const fuzz::Split t = fuzz::SplitInput(reinterpret_cast<const uint8_t*>(short_input.data()), short_input.size());
  EXPECT_EQ(t.model, "ab");
  EXPECT_EQ(t.data, "");
  const fuzz::Split u = fuzz::SplitInput(reinterpret_cast<const uint8_t*>("ab"), 2);
  EXPECT_EQ(u.model, "ab");
}

}  // namespace
}  // namespace onnxtidy
