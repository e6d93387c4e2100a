#include "fixers/fixer_registry.h"

#include "fixers/fix_context.h"

namespace onnxtidy {
namespace {

// A fixer that takes its findings one at a time.
template <std::string (*Fix)(FixContext&, const Finding&)>
void Each(FixContext& ctx, const std::vector<const Finding*>& findings, std::vector<std::string>& reasons) {
  reasons.clear();
  for (const Finding* f : findings) reasons.push_back(Fix(ctx, *f));
}

}  // namespace

const std::vector<FixerInfo>& Fixers() {
  static const std::vector<FixerInfo> kFixers = {
      {FixKind::kSortGraph, 0, &Each<SortGraph>},
      {FixKind::kWidenOperands, 1, &WidenOperands},
      {FixKind::kRetypeGraphInput, 1, &Each<RetypeGraphInput>},
      {FixKind::kWidenJoin, 2, &Each<FixControlFlow>},
      {FixKind::kRetypeValueInfo, 3, &Each<RetypeValueInfo>},
      {FixKind::kCastGraphOutput, 3, &Each<CastGraphOutput>},
      {FixKind::kConvertInitializer, 3, &Each<ConvertInitializer>},
      {FixKind::kRemoveCast, 4, &Each<RemoveRedundantCast>},
  };
  return kFixers;
}

const FixerInfo* FixerFor(FixKind kind) {
  for (const FixerInfo& f : Fixers()) {
    if (f.kind == kind) return &f;
  }
  return nullptr;
}

}  // namespace onnxtidy
