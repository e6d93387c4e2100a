// One fuzz input, run through what `check` and `fix` do: shared by the libFuzzer target
// and the release suite's replay of tests/fuzz/regressions (FuzzRegressions).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace onnxtidy::fuzz {

// The data file every fuzz model can name as external data ("location": "weights.bin").
constexpr const char* kDataFile = "weights.bin";

// An input is a model and a data file: a 4-byte little-endian length, that many bytes of
// model (as much as there is), and the rest as the data file. A plain model file is an
// input too: its first four bytes are read as the length, and what follows them splits.
struct Split {
  std::string_view model;
  std::string_view data;
};
Split SplitInput(const uint8_t* bytes, size_t size);
// The inverse, for seeds and regressions made from a model and its data file.
std::string JoinInput(std::string_view model, std::string_view data);

// Writes the data file into a private folder, loads the model from memory with that
// folder as its base, and runs check (every rule, a target), fix with every safe fix,
// and fix --precision float16 with its write. A load error is the expected end of bad
// input; any other exception escapes, and a crash is a crash.
void RunOne(const uint8_t* bytes, size_t size);

}  // namespace onnxtidy::fuzz
