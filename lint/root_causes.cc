#include "lint/root_causes.h"

#include <algorithm>
#include <map>
#include <set>
#include <tuple>

#include "lint/dtype.h"

namespace onnxtidy {
namespace {

// The precision the model is meant to be in: the one its inputs and outputs promise,
// else the float type most weight elements are stored in; "" when neither says.
std::string DominantFloat(const ModelFacts* facts) {
  if (facts == nullptr) return "";
  if (facts->interface_float != 0) return DtypeName(facts->interface_float);
  int32_t best = 0;
  int64_t most = 0;
  for (const auto& [type, w] : facts->weights) {
    if (IsFloatingPoint(type) && w.elements > most) {
      best = type;
      most = w.elements;
    }
  }
  return most > 0 ? DtypeName(best) : "";
}

// The provenance that explains `f`, or nullptr when that is not clear.
const Provenance* CauseOf(const Finding& f, const std::string& dominant) {
  std::vector<const Provenance*> traced;
  for (const Provenance& p : f.provenance) {
    if (!p.chain.empty()) traced.push_back(&p);
  }
  if (traced.empty()) return nullptr;
  if (traced.size() == 1) return traced.front();
  // Two dtypes meet: the one the model is not mostly made of is the odd one out.
  std::vector<const Provenance*> odd;
  for (const Provenance* p : traced) {
    if (p->dtype != dominant) odd.push_back(p);
  }
  if (!dominant.empty() && odd.size() == 1) return odd.front();
  // Otherwise the operand the finding is located at, when it says which.
  const Provenance* at = nullptr;
  for (const Provenance* p : traced) {
    if (!f.location.value.empty() && p->value == f.location.value) {
      if (at != nullptr) return nullptr;
      at = p;
    }
  }
  return at;
}

bool IsStored(const std::string& kind) {
  return kind == "initializer" || kind == "sparse_initializer" || kind == "constant_node";
}

}  // namespace

std::vector<RootCause> FindRootCauses(const std::vector<Finding>& findings, const ModelFacts* facts,
                                      const std::vector<const Rule*>& rules) {
  const std::string dominant = DominantFloat(facts);
  std::set<std::string> traced_rules;
  for (const Rule* r : rules) {
    if (r->info().origin_is_cause) traced_rules.insert(r->info().id);
  }
  // Exact origins, in the order first seen (findings are sorted, so this is stable).
  std::vector<RootCause> exact;
  std::map<std::tuple<std::string, std::string, std::string>, size_t> by_origin;
  std::vector<const Provenance*> cause(findings.size(), nullptr);
  for (size_t i = 0; i < findings.size(); ++i) {
    if (traced_rules.count(findings[i].rule) == 0) continue;
    const Provenance* p = CauseOf(findings[i], dominant);
    if (p == nullptr) continue;
    cause[i] = p;
    const ProvenanceStep& root = p->chain.back();
    auto [it, fresh] = by_origin.try_emplace({root.graph, root.how, root.dtype}, exact.size());
    if (fresh) {
      RootCause rc;
      rc.origin = root.how;
      rc.origin_kind = root.kind;
      rc.graph = root.graph;
      rc.dtype = root.dtype;
      rc.values.push_back(root.value);
      exact.push_back(std::move(rc));
    }
    exact[it->second].findings.push_back(i);
  }

  // Stored tensors of one dtype are one cause together: weights someone converted, or
  // a model in a precision its runtime lacks. One such tensor alone stays itself.
  std::map<std::string, int> stored_of_dtype;
  for (const RootCause& rc : exact) stored_of_dtype[rc.dtype] += IsStored(rc.origin_kind) ? 1 : 0;
  std::vector<RootCause> out;
  std::map<std::string, RootCause> classes;  // by dtype
  for (RootCause& rc : exact) {
    const bool in_class = IsStored(rc.origin_kind) && stored_of_dtype[rc.dtype] > 1;
    if (!in_class) {
      if (rc.findings.size() >= kMinRootCauseFindings) out.push_back(std::move(rc));
      continue;
    }
    RootCause& c = classes[rc.dtype];
    c.origin_kind = rc.origin_kind == c.origin_kind || c.origin_kind.empty() ? rc.origin_kind : "stored";
    c.dtype = rc.dtype;
    c.values.push_back(rc.values.front());
    c.findings.insert(c.findings.end(), rc.findings.begin(), rc.findings.end());
  }
  for (auto& [dtype, c] : classes) {
    if (c.findings.size() < kMinRootCauseFindings || c.values.size() < 2) continue;
    const char* noun = c.origin_kind == "initializer"     ? " initializers"
                       : c.origin_kind == "constant_node" ? " Constants"
                                                          : " stored tensors";
    c.origin = std::to_string(c.values.size()) + " " + dtype + noun;
    std::sort(c.findings.begin(), c.findings.end());
    out.push_back(std::move(c));
  }
  std::stable_sort(out.begin(), out.end(),
                   [](const RootCause& a, const RootCause& b) { return a.findings.size() > b.findings.size(); });
  return out;
}

}  // namespace onnxtidy
