#include "config/job_anchors.hpp"

#include <map>
#include <string>
#include <string_view>
#include <tuple>
#include <unordered_map>

namespace sqlcron::config {

namespace {

std::optional<JobAnchor> anchor_of(const JobConfig& job) {
  if (!job.schedule) return std::nullopt;
  const auto& s = *job.schedule;
  const auto anchor = s.anchor();
  if (!anchor) return std::nullopt;
  const bool wall_clock = s.anchoring() == schedule::Schedule::Anchoring::wall_clock;
  return JobAnchor{job.name, s.expression(), wall_clock ? std::string(s.zone()->name()) : "",
                   *anchor};
}

}  // namespace

std::vector<JobAnchor> JobAnchors::of(const Config& config) {
  std::vector<JobAnchor> out;
  for (const auto& job : config.jobs) {
    if (auto a = anchor_of(job)) out.push_back(std::move(*a));
  }
  return out;
}

void JobAnchors::adopt(std::vector<JobAnchor>& anchors, const std::vector<JobAnchor>& known) {
  std::unordered_map<std::string_view, const JobAnchor*> by_job;
  by_job.reserve(known.size());
  for (const auto& k : known) by_job.emplace(k.job, &k);
  for (auto& a : anchors) {
    const auto it = by_job.find(a.job);
    if (it != by_job.end() && a.same_schedule(*it->second)) a.anchored_at = it->second->anchored_at;
  }
}

void JobAnchors::apply(Config& config, const std::vector<JobAnchor>& anchors) {
  std::unordered_map<std::string_view, const JobAnchor*> by_job;
  by_job.reserve(anchors.size());
  for (const auto& a : anchors) by_job.emplace(a.job, &a);
  // Configs of many jobs with one interval share the parsed schedule, as the loader does.
  using Key = std::tuple<std::string, const date::time_zone*, schedule::Instant>;
  std::map<Key, schedule::Schedule> shared;
  for (auto& job : config.jobs) {
    const auto it = by_job.find(job.name);
    if (it == by_job.end()) continue;
    const auto current = anchor_of(job);
    if (!current || !current->same_schedule(*it->second)) continue;
    const auto at = it->second->anchored_at;
    if (current->anchored_at == at) continue;
    const Key key{job.schedule->expression(), job.schedule->zone(), at};
    auto found = shared.find(key);
    if (found == shared.end()) {
      found = shared.emplace(key, job.schedule->anchored_at(at)).first;
    }
    job.schedule = found->second;
  }
}

}  // namespace sqlcron::config
