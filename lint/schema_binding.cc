#include "lint/schema_binding.h"

#include <algorithm>
#include <unordered_map>
#include <unordered_set>

namespace onnxtidy {
namespace {

using Formal = onnx::OpSchema::FormalParameter;

const Formal* FormalAt(const std::vector<Formal>& formals, int slot) {
  if (slot < 0 || formals.empty()) return nullptr;
  if (static_cast<size_t>(slot) < formals.size()) return &formals[static_cast<size_t>(slot)];
  const Formal& last = formals.back();
  return last.GetOption() == onnx::OpSchema::Variadic ? &last : nullptr;
}

}  // namespace

int NewestKnownOpset(const std::string& domain) {
  // Looked up for every node: one registry walk per domain.
  thread_local std::unordered_map<std::string, int> memo;
  auto [it, added] = memo.try_emplace(domain, -1);
  if (added) {
    const auto& known = onnx::OpSchemaRegistry::DomainToVersionRange::Instance().Map();
    auto range = known.find(domain.empty() ? onnx::ONNX_DOMAIN : domain);
    if (range != known.end()) it->second = range->second.second;
  }
  return it->second;
}

const Formal* InputFormal(const onnx::OpSchema& schema, int slot) { return FormalAt(schema.inputs(), slot); }
const Formal* OutputFormal(const onnx::OpSchema& schema, int slot) { return FormalAt(schema.outputs(), slot); }

bool IsTypeParam(const onnx::OpSchema& schema, const std::string& type_str) {
  const auto& params = schema.typeConstraintParams();
  return std::any_of(params.begin(), params.end(), [&](const auto& p) { return p.type_param_str == type_str; });
}

bool BindsTypeParam(const onnx::OpSchema& schema, const Formal& formal) {
  if (formal.GetOption() == onnx::OpSchema::Variadic && !formal.GetIsHomogeneous()) return false;
  return IsTypeParam(schema, formal.GetTypeStr());
}

bool AllowsType(const Formal& formal, const std::string& type_string) {
  // Asked for every slot of every node: each formal's list becomes a set once (schemas,
  // and so formals, live as long as the program).
  thread_local std::unordered_map<const Formal*, std::unordered_set<std::string>> sets;
  auto [it, added] = sets.try_emplace(&formal);
  if (added) {
    for (const auto* allowed : formal.GetTypes()) it->second.insert(*allowed);
  }
  return it->second.count(type_string) != 0;
}

std::vector<std::string> AllowedTypeStrings(const Formal& formal) {
  std::vector<std::string> out;
  for (const auto* allowed : formal.GetTypes()) out.push_back(*allowed);
  std::sort(out.begin(), out.end());
  return out;
}

std::string InputRole(const onnx::OpSchema* schema, int slot) {
  if (schema == nullptr) return std::to_string(slot);
  const Formal* formal = InputFormal(*schema, slot);
  if (formal == nullptr || formal->GetOption() == onnx::OpSchema::Variadic) return std::to_string(slot);
  // "input input 'x'" says nothing: generic formal names read better as a position.
  if (formal->GetName() == "input" || formal->GetName() == "inputs") return std::to_string(slot);
  return formal->GetName();
}

namespace {

// For each input formal of `schema`, the type parameter it binds, or nullptr. Schemas
// live as long as the program: computed once per schema, not once per node.
const std::vector<const std::string*>& InputParams(const onnx::OpSchema& schema) {
  thread_local std::unordered_map<const onnx::OpSchema*, std::vector<const std::string*>> memo;
  auto [it, added] = memo.try_emplace(&schema);
  if (added) {
    for (const Formal& f : schema.inputs()) it->second.push_back(BindsTypeParam(schema, f) ? &f.GetTypeStr() : nullptr);
  }
  return it->second;
}

}  // namespace

std::vector<ParamBinding> BindTypeParams(const onnx::OpSchema& schema,
                                         const std::vector<const std::string*>& input_types,
                                         const std::vector<bool>& input_constant) {
  const std::vector<const std::string*>& params = InputParams(schema);
  const bool variadic_tail = !schema.inputs().empty() && schema.inputs().back().GetOption() == onnx::OpSchema::Variadic;
  std::vector<ParamBinding> out;
  for (size_t i = 0; i < input_types.size(); ++i) {
    if (input_types[i] == nullptr) continue;  // omitted optional or unknown: never guess
    const size_t formal = i < params.size() ? i : params.size() - 1;
    if (params.empty() || (i >= params.size() && !variadic_tail) || params[formal] == nullptr) continue;
    const std::string& param = *params[formal];
    auto it = std::find_if(out.begin(), out.end(), [&](const ParamBinding& b) { return b.param == param; });
    if (it == out.end()) {
      out.push_back(ParamBinding{param, {}, -1, false});
      it = out.end() - 1;
      it->slots.reserve(input_types.size());
    }
    it->slots.push_back(SlotType{static_cast<int>(i), input_types[i], input_constant[i]});
  }
  for (ParamBinding& b : out) {
    b.chosen = 0;
    for (const SlotType& s : b.slots) b.conflict |= s.type != b.slots[0].type;
    if (!b.conflict) continue;
    for (size_t k = 0; k < b.slots.size(); ++k) {
      if (!b.slots[k].constant) {
        b.chosen = static_cast<int>(k);
        break;
      }
    }
  }
  return out;
}

}  // namespace onnxtidy
