// ScheduleError: an invalid schedule expression. what() is the user-facing message, naming the
// field and the bad token, e.g. "day-of-month: 32 is out of range 1-31".
#pragma once

#include <stdexcept>
#include <string>

namespace sqlcron::schedule {

class ScheduleError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

}  // namespace sqlcron::schedule
