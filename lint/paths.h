// File-path helpers shared by the CLI and the writers.
#pragma once

#include <string>
#include <vector>

namespace onnxtidy {

// "a/b/m.onnx" -> "a/b"; "m.onnx" -> ".".
std::string DirName(const std::string& path);
// "a/b/m.onnx" -> "m.onnx".
std::string BaseName(const std::string& path);
bool EndsWith(const std::string& s, const std::string& suffix);
// True for the names of ONNX text models: ".onnxtxt" or ".onnx.txt".
bool IsTextModelName(const std::string& path);

// True when both paths exist and name the same file or folder.
bool SameFile(const std::string& a, const std::string& b);

}  // namespace onnxtidy
