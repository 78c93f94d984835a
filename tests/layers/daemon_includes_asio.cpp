// Must not compile: daemon/ sees no Asio, not even through runtime/daemon.hpp
// (tests/layers/CMakeLists.txt).
#include "runtime/daemon.hpp"
