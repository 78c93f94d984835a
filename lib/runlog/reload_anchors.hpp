// ReloadAnchors: gives the interval jobs of a config read again on SIGHUP their anchors
// (docs/schedules.md, "Anchors"), on a connection of its own: an unchanged schedule keeps the
// anchor it has, a new or changed one counts from the reload (the instant the config loader gave
// it) and is stored in the state schema (first writer wins, so daemons reloading together agree).
// If the database cannot be reached, unchanged schedules keep their anchors and new ones count
// from the reload; those are stored at the next reload that reaches the database.
//
// Used from the daemon's loop thread; the connect timeout (at most 3 s) bounds the wait for a
// server that does not answer.
// Error contract: apply() never throws mysql::DbError (a database failure is logged).
#pragma once

#include <memory>
#include <string>

#include "config/config.hpp"
#include "mysql/connection_settings.hpp"
#include "mysql/connector.hpp"

namespace sqlcron::runlog {

class ReloadAnchors {
 public:
  // `current` is the config the daemon runs (already anchored); `settings` and `state_schema`
  // are the daemon's (keys read only at start). `connector` must outlive this object.
  ReloadAnchors(const mysql::Connector& connector, mysql::ConnectionSettings settings,
                std::string state_schema, std::string instance,
                std::shared_ptr<const config::Config> current);

  // `fresh` (a config just loaded) with its anchors; it becomes the current config.
  std::shared_ptr<const config::Config> apply(config::Config fresh);

 private:
  const mysql::Connector& connector_;
  mysql::ConnectionSettings settings_;
  std::string state_schema_;
  std::string instance_;
  std::shared_ptr<const config::Config> current_;  // the config last handed to the daemon
};

}  // namespace sqlcron::runlog
