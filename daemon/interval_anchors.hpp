// Interval anchors for the subcommands (docs/schedules.md, "Anchors"): `serve` and its reloads
// claim them in the state schema before planning; `status` and `backfill` only read them, so all
// of them count an interval job from its first definition.
//
// Error contract: both throw mysql::DbError when the database fails (1146 when the state schema
// predates the `anchors` table: run `migrate`).
#pragma once

#include <string>

#include "config/config.hpp"
#include "mysql/session.hpp"

namespace sqlcron::daemon {

// Stores the anchors of `config`'s interval jobs that are not stored yet (or belong to another
// schedule), then gives every interval job the stored anchor. `instance` is recorded with them.
void claim_anchors(config::Config& config, mysql::Session& s, const std::string& schema,
                   const std::string& instance);

// Gives the interval jobs of `config` the stored anchors of their schedules; the others keep the
// load's instant (what a daemon starting now would store). Writes nothing.
void read_anchors(config::Config& config, mysql::Session& s, const std::string& schema);

}  // namespace sqlcron::daemon
