// MigrationError: a migration could not be applied, or an applied one was changed. The message
// names the file (and line of the failing statement) and what to do.
#pragma once

#include <stdexcept>

namespace sqlcron::migrate {

class MigrationError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

}  // namespace sqlcron::migrate
