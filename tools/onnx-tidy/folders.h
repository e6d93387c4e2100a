// Folder expansion for the command line.
#pragma once

#include <string>
#include <vector>

namespace onnxtidy {

// The model files named on a command line: a file stays as given (whatever its name); a
// folder stands for every .onnx file and text model (IsTextModelName) beneath it, sorted, leaving out
// hidden files and folders (".git", a writer's temporary files) and never following
// symbolic links to folders. Throws std::runtime_error (one line) for a folder with no
// model in it.
std::vector<std::string> ExpandModelPaths(const std::vector<std::string>& args);

}  // namespace onnxtidy
