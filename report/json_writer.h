// A streaming JSON writer for large reports: the same layout as nlohmann's dump(2),
// without building a document in memory first. Invalid UTF-8 becomes U+FFFD.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "lint/diagnostics.h"

namespace onnxtidy {

class JsonWriter {
 public:
  explicit JsonWriter(std::string& out) : out_(out) {}

  void BeginObject() { Open('{'); }
  void EndObject() { Close('}'); }
  void BeginArray() { Open('['); }
  void EndArray() { Close(']'); }
  void Key(std::string_view key);
  void String(std::string_view s);
  void Int(int64_t v);
  void Double(double v);  // shortest form that reads back the same; non-finite: null
  void Bool(bool v);
  void Null();

  // "key": value shorthands.
  void Field(std::string_view key, std::string_view s) { Key(key), String(s); }
  void Field(std::string_view key, const char* s) { Key(key), String(s); }
  void Field(std::string_view key, int64_t v) { Key(key), Int(v); }
  void Field(std::string_view key, int v) { Key(key), Int(v); }
  void Field(std::string_view key, bool v) { Key(key), Bool(v); }
  // An index that may be absent (-1): null.
  void Index(std::string_view key, int v) {
    Key(key);
    v >= 0 ? Int(v) : Null();
  }
  void Strings(std::string_view key, const std::vector<std::string>& items);

 private:
  void Open(char c);
  void Close(char c);
  void BeforeValue();
  void Quoted(std::string_view s);
  void Newline();

  struct Level {
    bool empty = true;
  };
  std::string& out_;
  std::vector<Level> stack_;
  bool after_key_ = false;
};

// A finding's location, in the shape check's and fix's reports share (report/json.cc).
void Write(JsonWriter& w, const Location& location);
// "tool": {"name": "onnx-tidy", "version": ...}, which every report document starts with.
void WriteTool(JsonWriter& w);

}  // namespace onnxtidy
