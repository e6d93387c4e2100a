// The onnx-tidy command line.
#pragma once

namespace onnxtidy {

// Exit codes: 0 no error finding, 1 an error finding, 2 usage or input failure.
int RunCli(int argc, char** argv);

}  // namespace onnxtidy
