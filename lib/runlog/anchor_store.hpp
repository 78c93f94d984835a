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
  explicit AnchorStore(const std::string& state_schema);

  // Stores each of `wanted` whose job has no anchor yet or an anchor of another schedule (it then
  // counts from the given instant); keeps the stored anchor of an unchanged schedule. Returns
  // `wanted` with the anchors now stored. Concurrent callers agree: the upsert of a row keeps an
  // anchor of the same schedule stored meanwhile, and the anchors are read back after it
  // (deadlocks are retried). When every anchor is stored already it only reads.
  [[nodiscard]] std::vector<config::JobAnchor> claim(mysql::Session& s,
                                                     std::vector<config::JobAnchor> wanted,
                                                     const std::string& instance) const;

  // `wanted` with the stored anchor of each job whose stored schedule is the same; the others as
  // given. Writes nothing.
  [[nodiscard]] std::vector<config::JobAnchor> read(mysql::Session& s,
                                                    std::vector<config::JobAnchor> wanted) const;

 private:
  // Gives each of `wanted` the stored anchor of its schedule; 1 where there was one.
  std::vector<char> fill(mysql::Session& s, std::vector<config::JobAnchor>& wanted) const;

  std::string table_;
};

}  // namespace sqlcron::runlog
