// RetryPolicy: how a job retries after a failure. Pure functions: which MySQL errors are
// transient, which failures a job's `retry.on` names, and how long to wait before attempt n
// (exponential, capped, with jitter).
#pragma once

#include <chrono>

#include "config/policies.hpp"
#include "core/run_outcome.hpp"

namespace sqlcron::core {

using config::RetryPolicy;

// True for errors that may succeed when simply tried again: deadlock (1213), lock wait timeout
// (1205), server gone / lost connection (2006, 2013, 2055), too many connections (1040, 1203),
// shutdown in progress (1053), cannot connect (2002, 2003), connection killed (1927), read-only
// after a switchover (1290, 1836), InnoDB out of lock memory (1206), XA rollback on deadlock
// (1614) and Galera's "WSREP has not yet prepared node" (1047). Everything else - including 1317
// "query interrupted", which is what our own timeout kill produces - is permanent.
bool is_transient(int mysql_error_code);

// Whether `outcome` is a failure that `on` names: a timeout (status timed_out) with `timeout`; a
// failure (status failed) whose error is transient with `transient`, or whose error number or
// SQLSTATE is listed. Successes, skips, cancellations and abandoned runs never match.
bool retry_matches(const RunOutcome& outcome, const config::RetryOn& on);

// Whether a run that ended with `outcome` as its `tries`-th attempt (1 = the first) is tried
// again: a failure its `retry.on` names, with attempts left. The one rule of the daemon and of
// backfill.
bool retried(const RunOutcome& outcome, int tries, const RetryPolicy& policy);

// The wait before attempt `next_attempt` (2 = the first retry): backoff * 2^(next_attempt-2),
// capped at max_backoff, then scaled by a jitter factor in [0.5, 1.0] taken from `unit_random`
// in [0, 1) so that many failing jobs do not retry in lockstep.

std::chrono::milliseconds retry_delay(const RetryPolicy& policy, int next_attempt,
                                      double unit_random);

}  // namespace sqlcron::core
