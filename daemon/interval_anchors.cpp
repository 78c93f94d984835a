#include "interval_anchors.hpp"

#include "config/job_anchors.hpp"
#include "runlog/anchor_store.hpp"

namespace sqlcron::daemon {

void claim_anchors(config::Config& config, mysql::Session& s, const std::string& schema,
                   const std::string& instance) {
  auto anchors = config::JobAnchors::of(config);
  if (anchors.empty()) return;
  config::JobAnchors::apply(config,
                            runlog::AnchorStore(schema).claim(s, std::move(anchors), instance));
}

void read_anchors(config::Config& config, mysql::Session& s, const std::string& schema) {
  auto anchors = config::JobAnchors::of(config);
  if (anchors.empty()) return;
  config::JobAnchors::apply(config, runlog::AnchorStore(schema).read(s, std::move(anchors)));
}

}  // namespace sqlcron::daemon
