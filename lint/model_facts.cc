#include "lint/model_facts.h"

#include <openssl/evp.h>

#include <algorithm>
#include <limits>
#include <memory>
#include <set>
#include <stdexcept>

#include "lint/dtype.h"
#include "lint/mapped_file.h"

namespace onnxtidy {
namespace {

constexpr double kMaxCount = static_cast<double>(std::numeric_limits<int64_t>::max());

// A hostile file may claim dims of INT64_MAX: counts saturate instead of overflowing.
int64_t Saturate(double n) { return n >= kMaxCount ? std::numeric_limits<int64_t>::max() : static_cast<int64_t>(n); }

void Count(const onnx::TensorProto& t, ModelFacts& facts) {
  WeightStats& w = facts.weights[t.data_type()];
  w.tensors += 1;
  double elements = 1;
  for (int64_t d : t.dims()) elements *= d > 0 ? static_cast<double>(d) : 0.0;
  w.elements = Saturate(static_cast<double>(w.elements) + elements);
  if (t.data_type() == onnx::TensorProto::STRING) {
    double bytes = 0;
    for (const std::string& s : t.string_data()) bytes += static_cast<double>(s.size());
    w.bytes = Saturate(static_cast<double>(w.bytes) + bytes);
    return;
  }
  const int bits = DtypeBits(t.data_type());
  w.bytes = Saturate(static_cast<double>(w.bytes) + elements * std::max(bits, 0) / 8.0);
}

void Walk(const onnx::GraphProto& g, ModelFacts& facts) {
  for (const auto& t : g.initializer()) Count(t, facts);
  for (const auto& s : g.sparse_initializer()) Count(s.values(), facts);
  facts.nodes += g.node_size();
  for (const auto& n : g.node()) {
    for (const auto& a : n.attribute()) {
      if (n.op_type() == "Constant" && n.domain().empty() && a.has_t()) Count(a.t(), facts);
      if (a.has_g()) Walk(a.g(), facts);
      for (const auto& sub : a.graphs()) Walk(sub, facts);
    }
  }
}

struct DigestDeleter {
  void operator()(EVP_MD_CTX* c) const { EVP_MD_CTX_free(c); }
};

std::string Hex(const unsigned char* d, unsigned n) {
  static const char* digits = "0123456789abcdef";
  std::string out;
  for (unsigned i = 0; i < n; ++i) {
    out += digits[d[i] >> 4];
    out += digits[d[i] & 0xF];
  }
  return out;
}

}  // namespace

ModelFacts ComputeFacts(const onnx::ModelProto& model) {
  ModelFacts facts;
  facts.ir_version = model.ir_version();
  for (const auto& imp : model.opset_import()) facts.opsets.emplace_back(imp.domain(), imp.version());
  facts.producer_name = model.producer_name();
  facts.producer_version = model.producer_version();
  Walk(model.graph(), facts);
  std::set<std::string> stored;
  for (const auto& t : model.graph().initializer()) stored.insert(t.name());
  std::set<int32_t> interface;
  auto note = [&](const onnx::ValueInfoProto& v) {
    if (stored.count(v.name()) > 0 || !v.type().has_tensor_type()) return;
    const int32_t e = v.type().tensor_type().elem_type();
    if (IsFloatingPoint(e)) interface.insert(e);
  };
  for (const auto& v : model.graph().input()) note(v);
  for (const auto& v : model.graph().output()) note(v);
  if (interface.size() == 1) facts.interface_float = *interface.begin();
  for (const auto& f : model.functions()) facts.nodes += f.node_size();
  return facts;
}

void HashFile(const MappedFile& file, ModelFacts& facts) {
  std::unique_ptr<EVP_MD_CTX, DigestDeleter> ctx(EVP_MD_CTX_new());
  if (!ctx || EVP_DigestInit_ex(ctx.get(), EVP_sha256(), nullptr) != 1) {
    throw std::runtime_error("sha256 is not available");
  }
  constexpr size_t kChunk = size_t{64} << 20;
  for (size_t at = 0; at < file.size(); at += kChunk) {
    const size_t n = std::min(kChunk, file.size() - at);
    file.StreamFrom(at, n);
    EVP_DigestUpdate(ctx.get(), file.data() + at, n);
    file.Release(at, n);
  }
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned len = 0;
  EVP_DigestFinal_ex(ctx.get(), digest, &len);
  facts.sha256 = Hex(digest, len);
  facts.size = static_cast<int64_t>(file.size());
}

std::string Sha256Hex(const void* bytes, size_t size) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned len = 0;
  if (EVP_Digest(bytes, size, digest, &len, EVP_sha256(), nullptr) != 1) {
    throw std::runtime_error("sha256 is not available");
  }
  return Hex(digest, len);
}

}  // namespace onnxtidy
