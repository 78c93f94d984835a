#include "config/policies_reader.hpp"

#include <algorithm>
#include <cctype>

namespace sqlcron::config {

namespace {

bool is_sql_state(const std::string& text) {
  return text.size() == 5 && std::all_of(text.begin(), text.end(), [](char c) {
           return std::isdigit(static_cast<unsigned char>(c)) != 0 || (c >= 'A' && c <= 'Z');
         });
}

bool all_digits(const std::string& text) {
  return !text.empty() && text.size() <= 9 && std::all_of(text.begin(), text.end(), [](char c) {
    return std::isdigit(static_cast<unsigned char>(c)) != 0;
  });
}

// One item of `retry.on`, added to `on`; false (and an issue) if it is none of the four kinds.
bool read_retry_item(YamlReader& r, const YamlNode& item, const std::string& key, RetryOn& on) {
  const std::string expected =
      "; expected transient, timeout, a SQLSTATE in quotes (\"45000\") or a MySQL error "
      "number (1205)";
  if (!item.is_scalar()) {
    r.issue(item, key, "expected one failure" + expected);
    return false;
  }
  const auto text = item.scalar();
  if (text == "transient") {
    on.transient = true;
  } else if (text == "timeout") {
    on.timeout = true;
  } else if (item.quoted()) {
    if (!is_sql_state(text)) {
      r.issue(item, key,
              "'" + text + "' is not a SQLSTATE: 5 characters, digits and capital letters");
      return false;
    }
    on.sql_states.push_back(text);
  } else if (all_digits(text)) {
    const int code = std::stoi(text);
    if (code < 1 || code > 9999) {
      r.issue(item, key,
              text + " is not a MySQL error number (1-9999)" +
                  (text.size() == 5 ? "; a SQLSTATE is written in quotes: \"" + text + "\"" : ""));
      return false;
    }
    on.error_codes.push_back(code);
  } else {
    r.issue(item, key, "'" + text + "' is not a failure to retry" + expected);
    return false;
  }
  return true;
}

// `on: [transient, timeout, "45000", 1205]`: replaces the default, it does not add to it.
RetryOn read_retry_on(YamlReader& r, const YamlNode& node, const std::string& path,
                      RetryOn defaults) {
  if (!node.defined()) return defaults;
  if (!node.is_sequence() || node.size() == 0) {
    r.issue(node, path,
            "expected a non-empty list of failures to retry: transient, timeout, SQLSTATEs in "
            "quotes (\"45000\"), MySQL error numbers (1205)");
    return defaults;
  }
  RetryOn on{false, false, {}, {}};
  bool ok = true;
  for (std::size_t i = 0; i < node.size(); ++i) {
    ok = read_retry_item(r, node[i], path + "[" + std::to_string(i) + "]", on) && ok;
  }
  return ok ? on : defaults;
}

}  // namespace

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
  p.on = read_retry_on(r, node["on"], YamlReader::join(path, "on"), p.on);
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
