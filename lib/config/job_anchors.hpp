// JobAnchors: reads a config's interval anchors and re-anchors its jobs. The loader anchors every
// such schedule at the load (LoadOptions::defined_at); before a config is used (serve, reload,
// status, backfill) its anchors are replaced by the persisted ones (runlog::AnchorStore).
//
// Error contract: never throws (besides std::bad_alloc).
#pragma once

#include <vector>

#include "config/config.hpp"
#include "config/job_anchor.hpp"

namespace sqlcron::config {

class JobAnchors {
 public:
  // The jobs of `config` whose schedule counts from their definition, with their anchors, in
  // config order.
  static std::vector<JobAnchor> of(const Config& config);

  // Gives each of `anchors` the instant of the entry of `known` for the same job and schedule,
  // if there is one (a reload keeps the anchors of unchanged schedules).
  static void adopt(std::vector<JobAnchor>& anchors, const std::vector<JobAnchor>& known);

  // Re-anchors the jobs of `config` named in `anchors` whose schedule is still the one anchored.
  // Jobs with the same expression, zone and anchor share one parsed schedule.
  static void apply(Config& config, const std::vector<JobAnchor>& anchors);
};

}  // namespace sqlcron::config
