#include "tools/onnx-tidy/folders.h"

#include <algorithm>
#include <filesystem>
#include <stdexcept>

#include "lint/paths.h"

namespace onnxtidy {

namespace {

bool IsModelName(const std::string& name) { return EndsWith(name, ".onnx") || IsTextModelName(name); }

}  // namespace

std::vector<std::string> ExpandModelPaths(const std::vector<std::string>& args) {
  namespace fs = std::filesystem;
  std::vector<std::string> out;
  for (const std::string& arg : args) {
    std::error_code ec;
    if (!fs::is_directory(arg, ec)) {
      out.push_back(arg);  // the loader says what is wrong with it, if anything
      continue;
    }
    std::vector<std::string> found;
    fs::recursive_directory_iterator it(arg, fs::directory_options::skip_permission_denied, ec), end;
    for (; !ec && it != end; it.increment(ec)) {
      const std::string name = it->path().filename().string();
      if (!name.empty() && name[0] == '.') {
        if (it->is_directory(ec)) it.disable_recursion_pending();
        continue;
      }
      if (it->is_regular_file(ec) && IsModelName(name)) found.push_back(it->path().string());
    }
    if (ec) throw std::runtime_error("cannot list '" + arg + "': " + ec.message());
    if (found.empty()) throw std::runtime_error("no .onnx or .onnxtxt file in folder '" + arg + "'");
    std::sort(found.begin(), found.end());
    out.insert(out.end(), found.begin(), found.end());
  }
  return out;
}

}  // namespace onnxtidy
