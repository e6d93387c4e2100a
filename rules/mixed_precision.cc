// Summarises a model that mixes float precisions, or whose graph I/O are 16-bit floats.
// Docs: docs/rules/mixed-precision.md
#include <cstdio>
#include <map>

#include "lint/dtype.h"
#include "rules/registry.h"

namespace onnxtidy {
namespace {

struct Tally {
  int tensors = 0;
  double bytes = 0;
};

std::string HumanBytes(double b) {
  const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  int u = 0;
  while (b >= 1024 && u < 4) {
    b /= 1024;
    ++u;
  }
  char buf[32];
  std::snprintf(buf, sizeof buf, u == 0 ? "%.0f %s" : "%.1f %s", b, units[u]);
  return buf;
}

void Count(const onnx::TensorProto& t, std::map<int32_t, Tally>& out) {
  if (!IsFloatingPoint(t.data_type())) return;
  double n = 1;
  for (int64_t d : t.dims()) n *= static_cast<double>(d);
  Tally& tally = out[t.data_type()];
  ++tally.tensors;
  tally.bytes += n * DtypeBits(t.data_type()) / 8;
}

class MixedPrecisionRule final : public Rule {
 public:
  const RuleInfo& info() const override {
    static const RuleInfo kInfo{"mixed-precision", Severity::kInfo, FixAvailability::kNone,
                                "summary of stored float precisions and 16-bit float graph I/O", "0.1.0"};
    return kInfo;
  }

  void CheckModel(const TypedModel& tm, const LintContext&, FindingSink& out) const override {
    std::map<int32_t, Tally> stored;
    for (const GraphRecord& g : tm.graphs) {
      if (g.proto == nullptr) continue;  // function instances repeat their body per call
      for (const auto& t : g.proto->initializer()) Count(t, stored);
      for (const auto& n : g.proto->node()) {
        const onnx::AttributeProto* value = FindAttribute(n, "value");
        if (n.op_type() == "Constant" && (n.domain().empty() || n.domain() == "ai.onnx") && value && value->has_t()) {
          Count(value->t(), stored);
        }
      }
    }
    std::vector<std::string> narrow_io;
    const GraphRecord& main = tm.graphs[0];
    for (const auto* list : {&main.inputs, &main.outputs}) {
      for (int id : *list) {
        const ValueRecord& v = tm.values[static_cast<size_t>(id)];
        if (!v.Known() || !v.type->has_tensor_type() || v.initializer != nullptr) continue;
        const int32_t e = v.type->tensor_type().elem_type();
        if (e != kBfloat16 && e != kFloat16) continue;
        narrow_io.push_back(std::string(list == &main.inputs ? "graph input '" : "graph output '") + v.name + "' is " +
                            DtypeName(e));
      }
    }
    if (stored.size() < 2 && narrow_io.empty()) return;

    std::string tally;
    for (auto it = stored.rbegin(); it != stored.rend(); ++it) {
      tally += (tally.empty() ? "" : ", ") + DtypeName(it->first) + " " + HumanBytes(it->second.bytes) + " in " +
               std::to_string(it->second.tensors) + (it->second.tensors == 1 ? " tensor" : " tensors");
    }
    Location where;
    where.graph = main.path;
    std::string message = stored.size() >= 2 ? "model mixes float precisions in stored tensors: " + tally
                                             : "model has 16-bit float graph I/O";
    if (stored.size() < 2 && !tally.empty()) message += "; stored tensors: " + tally;
    Finding& f = out.Add(where, message);
    for (const std::string& io : narrow_io) {
      const bool bf16 = io.size() >= 8 && io.compare(io.size() - 8, 8, "bfloat16") == 0;
      f.notes.push_back(io + (bf16 ? ": numpy has no bfloat16, so most clients cannot feed or read it"
                                   : ": clients must convert to and from float16"));
    }
  }
};

}  // namespace

const Rule& MixedPrecision() {
  static const MixedPrecisionRule kRule;
  return kRule;
}

}  // namespace onnxtidy
