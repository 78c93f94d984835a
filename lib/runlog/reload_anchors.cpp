#include "runlog/reload_anchors.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <utility>

#include "config/job_anchors.hpp"
#include "mysql/db_error.hpp"
#include "runlog/anchor_store.hpp"

namespace sqlcron::runlog {

namespace {

// A reload waits this long at most for the server before it anchors without it.
constexpr std::chrono::seconds kConnectTimeout{3};

}  // namespace

ReloadAnchors::ReloadAnchors(const mysql::Connector& connector, mysql::ConnectionSettings settings,
                             std::string state_schema, std::string instance,
                             std::shared_ptr<const config::Config> current)
    : connector_(connector),
      settings_(std::move(settings)),
      state_schema_(std::move(state_schema)),
      instance_(std::move(instance)),
      current_(std::move(current)) {
  settings_.connect_timeout = std::min(settings_.connect_timeout, kConnectTimeout);
}

std::shared_ptr<const config::Config> ReloadAnchors::apply(config::Config fresh) {
  auto anchors = config::JobAnchors::of(fresh);
  if (current_) config::JobAnchors::adopt(anchors, config::JobAnchors::of(*current_));
  if (!anchors.empty()) {
    try {
      const auto session = connector_.open(settings_);
      anchors = AnchorStore(state_schema_).claim(*session, anchors, instance_);
    } catch (const mysql::DbError& e) {
      spdlog::warn(
          "could not read the interval anchors ({}); unchanged schedules keep theirs, new ones "
          "count from this reload and are stored at the next reload",
          e.what());
    }
    config::JobAnchors::apply(fresh, anchors);
  }
  current_ = std::make_shared<const config::Config>(std::move(fresh));
  return current_;
}

}  // namespace sqlcron::runlog
