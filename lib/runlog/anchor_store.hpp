// AnchorStore: the `anchors` table of the state schema, where the anchor of each job whose
// schedule counts from its definition is kept (docs/schedules.md, "Anchors").
//
// claim() is what daemons call before they plan: the first writer of a job's schedule wins, and
// every later caller (a reload, a restart, a second daemon starting at the same moment) gets
// that anchor back; a changed schedule replaces it. read() is for the CLI: it never writes.
//
// Error contract: throws mysql::DbError on database failure (a missing table is error 1146).
#pragma once

#include <string>
#include <vector>

#include "config/job_anchor.hpp"
#include "mysql/session.hpp"

namespace sqlcron::runlog {

class AnchorStore {
 public:
  explicit AnchorStore(std::string state_schema);

  // Stores each of `wanted` whose job has no anchor yet or an anchor of another schedule (it then
  // counts from the given instant); keeps the stored anchor of an unchanged schedule. Returns
  // `wanted` with the anchors now stored. Concurrent callers agree (one statement per batch
  // decides per row; deadlocks are retried).
  [[nodiscard]] std::vector<config::JobAnchor> claim(mysql::Session& s,
                                                     std::vector<config::JobAnchor> wanted,
                                                     const std::string& instance) const;

  // `wanted` with the stored anchor of each job whose stored schedule is the same; the others as
  // given. Writes nothing.
  [[nodiscard]] std::vector<config::JobAnchor> read(mysql::Session& s,
                                                    std::vector<config::JobAnchor> wanted) const;

 private:
  std::string table_;
};

}  // namespace sqlcron::runlog
