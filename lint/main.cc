#include "lint/cli.h"

int main(int argc, char** argv) { return onnxtidy::RunCli(argc, argv); }
