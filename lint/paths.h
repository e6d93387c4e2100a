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

// The model files named on a command line: a file stays as given (whatever its name); a
// folder stands for every .onnx file and text model (IsTextModelName) beneath it, sorted, leaving out
// hidden files and folders (".git", a writer's temporary files) and never following
// symbolic links to folders. Throws std::runtime_error (one line) for a folder with no
// model in it.
std::vector<std::string> ExpandModelPaths(const std::vector<std::string>& args);

}  // namespace onnxtidy
