// OverlapLeases: the overlap rule (skip, queue, max_instances) decided in the database, so that
// several daemons on one database behave as one: a job never overlaps itself across daemons.
//
// A job has `limit` lease rows (`leases`: job, slot_no 1..limit); a run may start only while it
// holds one. Taking a lease is one INSERT ... ON DUPLICATE KEY UPDATE that replaces the holder
// only if the holder run is no longer `running`: the row lock serializes daemons taking the same
// lease, so exactly one of two concurrent runs gets it. A lease is never released: it is free as
// soon as its run's row is finished (or abandoned by a dead instance's sweep), so nothing can
// leak.
//
// Error contract: methods throw mysql::DbError on database failure.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "mysql/session.hpp"

namespace sqlcron::runlog {

class OverlapLeases {
 public:
  explicit OverlapLeases(const std::string& state_schema);

  // Takes one of the job's `limit` leases for `run_id`; false if all are held by running runs.
  bool take(mysql::Session& s, const std::string& job, std::int64_t run_id, int limit) const;
  // The same for many runs of different jobs with limit 1, in one statement and one query: for
  // each (job, run_id), in order, whether it got the lease.
  std::vector<bool> take_many(mysql::Session& s,
                              const std::vector<std::pair<std::string, std::int64_t>>& runs) const;
  // Who holds the job's leases: "run N on INSTANCE", for a skip row's reason.
  std::string holders(mysql::Session& s, const std::string& job) const;

 private:
  std::string leases_;  // `schema`.leases
  std::string runs_;    // `schema`.runs
};

}  // namespace sqlcron::runlog
