// Must not compile: lib/core may not depend on lib/mysql (tests/layers/CMakeLists.txt).
#include "mysql/db_error.hpp"
