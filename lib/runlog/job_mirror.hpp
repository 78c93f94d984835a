// JobMirror: the `jobs` table, a mirror of the loaded config for people who inspect with SQL:
// name, schedule, zone, target, enabled, next fire, and in `defined_at` the anchor of an interval
// job (docs/schedules.md, "Anchors"). Jobs no longer in the config are removed.
//
// Error contract: throws mysql::DbError on database failure.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "config/config.hpp"
#include "mysql/session.hpp"

namespace sqlcron::runlog {

struct JobMirrorEntry {
  const config::JobConfig* job;
  std::optional<schedule::Instant> next_fire;
};

class JobMirror {
 public:
  explicit JobMirror(const std::string& state_schema);

  // Replaces the table's content with `jobs`, in one transaction.
  void sync(mysql::Session& s, const std::vector<JobMirrorEntry>& jobs,
            const std::string& instance) const;
  void set_next_fire(mysql::Session& s, const std::string& job,
                     std::optional<schedule::Instant> next) const;

 private:
  std::string table_;
};

}  // namespace sqlcron::runlog
