#include "tools/onnx-tidy/cli.h"

int main(int argc, char** argv) { return onnxtidy::RunCli(argc, argv); }
