// A file of the engine that includes a fixer: cmake/check_layers.cmake must refuse it
// (tests/CMakeLists.txt, layers_refuse_an_upward_include).
#include "fixers/fixer.h"
