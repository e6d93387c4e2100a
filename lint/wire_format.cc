#include "lint/wire_format.h"

#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/zero_copy_stream_impl_lite.h>

namespace onnxtidy {

std::string SerializeDeterministic(const google::protobuf::MessageLite& message) {
  std::string out;
  {
    // The streams trim `out` when destroyed: they must be gone before it is returned.
    google::protobuf::io::StringOutputStream stream(&out);
    google::protobuf::io::CodedOutputStream coded(&stream);
    coded.SetSerializationDeterministic(true);
    message.SerializeToCodedStream(&coded);
  }
  return out;
}

void AppendVarint(std::string& out, uint64_t v) {
  while (v >= 0x80) {
    out.push_back(static_cast<char>((v & 0x7F) | 0x80));
    v >>= 7;
  }
  out.push_back(static_cast<char>(v));
}

std::string LengthDelimitedHeader(uint32_t field, uint64_t length) {
  std::string out;
  AppendVarint(out, (static_cast<uint64_t>(field) << 3) | 2);
  AppendVarint(out, length);
  return out;
}

}  // namespace onnxtidy
