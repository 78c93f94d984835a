// Must not compile: only lib/mysql may include Connector/C++ (tests/layers/CMakeLists.txt).
#include <cppconn/exception.h>
