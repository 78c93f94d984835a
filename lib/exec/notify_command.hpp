// perform_notify: runs one notify command the scheduling core decided on (core::action::RunNotify)
// and describes how it ended as a `notifications` row, logging the outcome. The daemon's control
// link and the one-shot commands (run-now, backfill, rerun) both perform notify this way.
//
// Error contract: never throws (beyond std::bad_alloc); a program that cannot be started is
// described in the row's error_message. Recording the row is the caller's.
#pragma once

#include "core/scheduler_action.hpp"
#include "runlog/notification_log.hpp"

namespace sqlcron::exec {

runlog::Notification perform_notify(const core::action::RunNotify& a);

}  // namespace sqlcron::exec
