#include "lint/precision_map.h"

#include <algorithm>
#include <functional>
#include <string>
#include <unordered_map>

#include "lint/dtype.h"

namespace onnxtidy {
namespace {

constexpr uint64_t kBase = 1000003;  // odd: the polynomial hash below works mod 2^64
constexpr int kCandidates = 512;     // later occurrences of a token tried as block starts

int32_t ElemType(const TypedModel& tm, int value) {
  if (value < 0) return 0;
  const ValueRecord& v = tm.values[static_cast<size_t>(value)];
  return v.Known() && v.type->has_tensor_type() ? v.type->tensor_type().elem_type() : 0;
}

MapNode Describe(const TypedModel& tm, const NodeRecord& n) {
  MapNode m;
  m.index = n.index;
  m.op_type = n.op_type();
  m.name = n.name();
  m.cast = m.op_type == "Cast" || m.op_type == "CastLike";
  int32_t out = 0;
  for (int v : n.outputs) {
    if ((out = ElemType(tm, v)) != 0) break;
  }
  m.dtype = out != 0 ? DtypeName(out) : "";
  if (IsFloatingPoint(out)) {
    for (int v : n.inputs) {
      const int32_t in = ElemType(tm, v);
      m.boundary |= IsFloatingPoint(in) && in != out;
    }
  }
  return m;
}

uint64_t Token(const MapNode& m) {
  return std::hash<std::string>{}(m.op_type) * 31 + std::hash<std::string>{}(m.dtype);
}

}  // namespace

std::vector<BlockRun> CollapseRepeats(const std::vector<uint64_t>& tokens, int max_length) {
  const int n = static_cast<int>(tokens.size());
  // prefix[i] hashes tokens[0, i); a block's hash is then O(1).
  std::vector<uint64_t> prefix(tokens.size() + 1, 0), power(tokens.size() + 1, 1);
  for (int i = 0; i < n; ++i) {
    prefix[i + 1] = prefix[i] * kBase + tokens[i] + 1;
    power[i + 1] = power[i] * kBase;
  }
  auto hash = [&](int at, int len) { return prefix[at + len] - prefix[at] * power[len]; };
  std::vector<int> next(tokens.size(), -1);
  std::unordered_map<uint64_t, int> seen;
  for (int i = n - 1; i >= 0; --i) {
    auto [it, fresh] = seen.try_emplace(tokens[i], i);
    if (!fresh) next[i] = std::exchange(it->second, i);
  }
  std::vector<BlockRun> runs;
  for (int i = 0; i < n;) {
    BlockRun best{i, 1, 1};
    int tried = 0;
    for (int j = next[i]; j >= 0 && j - i <= max_length && tried < kCandidates; j = next[j], ++tried) {
      const int len = j - i;
      if (i + 2 * len > n) break;
      int k = 1;
      while (i + (k + 1) * len <= n && hash(i + k * len, len) == hash(i, len)) ++k;
      if (k < 2 || len * k <= best.length * best.repeat) continue;
      // A hash match is confirmed element by element before it is believed.
      bool same = true;
      for (int r = 1; r < k && same; ++r) same = std::equal(&tokens[i], &tokens[i] + len, &tokens[i + r * len]);
      if (same) best = BlockRun{i, len, k};
    }
    runs.push_back(best);
    i += best.length * best.repeat;
  }
  return runs;
}

PrecisionMap ComputePrecisionMap(const TypedModel& tm, int node_cap) {
  PrecisionMap map;
  int budget = node_cap;
  for (size_t g = 0; g < tm.graphs.size(); ++g) {
    const GraphRecord& graph = tm.graphs[g];
    if (graph.kind == GraphKind::kFunction) continue;
    if (static_cast<int>(map.graphs.size()) == kMapGraphCap) {
      ++map.graphs_omitted;
      continue;
    }
    GraphMap gm;
    gm.graph = graph.path;
    gm.nodes = static_cast<int>(graph.nodes.size());
    std::vector<int> run_order = graph.order.visit;
    if (!run_order.empty()) gm.order = run_order;
    if (run_order.empty()) {
      for (int i = 0; i < gm.nodes; ++i) run_order.push_back(i);
    }
    std::vector<MapNode> described;
    std::vector<uint64_t> tokens;
    for (int index : run_order) {
      described.push_back(Describe(tm, tm.nodes[static_cast<size_t>(graph.nodes[static_cast<size_t>(index)])]));
      tokens.push_back(Token(described.back()));
    }
    for (const BlockRun& run : CollapseRepeats(tokens)) {
      if (budget < run.length) {
        gm.omitted += gm.nodes - run.start;
        break;
      }
      if (run.repeat == 1 && !gm.items.empty() && gm.items.back().repeat == 1) {
        // Nodes that repeat nothing form one run: an item per node would only add weight.
        gm.items.back().length += 1;
        gm.items.back().nodes.push_back(described[static_cast<size_t>(run.start)]);
        budget -= 1;
        continue;
      }
      MapItem item;
      item.start = run.start;
      item.length = run.length;
      item.repeat = run.repeat;
      item.nodes.assign(described.begin() + run.start, described.begin() + run.start + run.length);
      budget -= run.length;
      gm.items.push_back(std::move(item));
    }
    map.graphs.push_back(std::move(gm));
  }
  return map;
}

}  // namespace onnxtidy
