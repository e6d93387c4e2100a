// The precision map of a model: which dtype every node computes in, in run order, with
// repeated blocks collapsed so that a 24-layer transformer reads as one layer ×24. The
// HTML report draws it and links each finding to its place on it.
#pragma once

#include "lint/diagnostics.h"
#include "lint/type_engine.h"

namespace onnxtidy {

// Nodes drawn per model, over all graphs: past it, nodes are counted, not listed. It
// bounds the report whatever the model's size (a 60k-node model with no repetition).
constexpr int kMapNodeCap = 5000;
// Graphs listed (main and subgraphs; function bodies are not drawn).
constexpr int kMapGraphCap = 50;

PrecisionMap ComputePrecisionMap(const TypedModel& tm, int node_cap = kMapNodeCap);

// The repeated runs of `tokens`, greedily from the front: at each position the block
// (length L, k >= 2 instances in a row) covering the most tokens, the shortest such
// block on a tie; (position, 1, 1) where nothing repeats. Blocks are at most
// `max_length` long. Exposed for tests.
struct BlockRun {
  int start = 0;
  int length = 1;
  int repeat = 1;
};
std::vector<BlockRun> CollapseRepeats(const std::vector<uint64_t>& tokens, int max_length = 2048);

}  // namespace onnxtidy
