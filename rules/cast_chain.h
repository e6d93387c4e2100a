// What the two cast rules read off a Cast node: its types and the Cast before it.
#pragma once

#include <optional>
#include <string>

#include "lint/rule.h"

namespace onnxtidy {

struct CastStep {
  const NodeRecord* node = nullptr;  // the earlier Cast
  int32_t origin = 0;                // its input's element type
  std::string input;                 // its input's name
};

struct CastInfo {
  int32_t from = 0;                // element type of the Cast's input
  int32_t to = 0;                  // its 'to'
  std::optional<CastStep> before;  // set when the input comes straight from another Cast
};

// nullopt unless `node` is an ai.onnx Cast of a tensor whose type is known.
std::optional<CastInfo> ReadCast(const NodeView& node);

}  // namespace onnxtidy
