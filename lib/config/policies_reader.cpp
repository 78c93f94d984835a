#include "config/policies_reader.hpp"

namespace sqlcron::config {

// `retry: {attempts: 3, backoff: 30s, max_backoff: 10m}`; absent keys keep `defaults`.
RetryPolicy read_retry(YamlReader& r, const YamlNode& node, const std::string& path,
                       RetryPolicy defaults) {
  if (!node.defined()) return defaults;
  if (!r.expect_map(node, path)) return defaults;
  r.check_keys(node, path, kRetryKeys);
  RetryPolicy p = defaults;
  p.attempts = r.integer(node, "attempts", path, 1, 100).value_or(p.attempts);
  p.backoff = r.duration(node, "backoff", path).value_or(p.backoff);
  p.max_backoff = r.duration(node, "max_backoff", path).value_or(p.max_backoff);
  if (p.max_backoff < p.backoff) {
    r.issue(node, path, "max_backoff must not be shorter than backoff");
  }
  return p;
}

std::optional<Misfire> read_misfire(YamlReader& r, const YamlNode& map, const std::string& path) {
  auto text = r.string(map, "misfire", path);
  if (!text) return std::nullopt;
  if (auto m = parse_misfire(*text)) return m;
  r.issue(map["misfire"], YamlReader::join(path, "misfire"),
          "'" + *text + "' is not a misfire policy; expected skip, run_once or run_all");
  return std::nullopt;
}

void read_job_policies(YamlReader& r, const YamlNode& node, const std::string& path,
                       const SchedulerConfig& defaults, JobConfig& job) {
  // A file arriving while the watched job runs must not be dropped: it waits for that run.
  if (node["watch"].defined()) job.overlap = Overlap::queue;
  if (auto text = r.string(node, "overlap", path)) {
    if (auto o = parse_overlap(*text)) {
      job.overlap = *o;
    } else {
      r.issue(node["overlap"], YamlReader::join(path, "overlap"),
              "'" + *text + "' is not an overlap policy; expected skip, queue or allow");
    }
  }
  job.max_instances = r.integer(node, "max_instances", path, 1, 1000).value_or(1);
  if (node["max_instances"].defined() && job.overlap != Overlap::allow) {
    r.issue(node["max_instances"], YamlReader::join(path, "max_instances"),
            "only applies with overlap: allow");
  }
  job.misfire = read_misfire(r, node, path).value_or(defaults.misfire);
  job.misfire_grace = r.duration(node, "misfire_grace", path).value_or(defaults.misfire_grace);
}

}  // namespace sqlcron::config
