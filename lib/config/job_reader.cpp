#include "config/job_reader.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <filesystem>

#include "config/identifier.hpp"
#include "config/load_csv_reader.hpp"
#include "config/notify_reader.hpp"
#include "config/policies_reader.hpp"
#include "schedule/schedule_error.hpp"
#include "schedule/time_format.hpp"
#include "util/directory.hpp"

namespace sqlcron::config {

namespace fs = std::filesystem;

namespace {

constexpr int kMaxJobName = 128;

std::optional<std::string> job_name_problem(const std::string& name) {
  if (name.empty()) return "must not be empty";
  if (name.size() > kMaxJobName) {
    return "longer than " + std::to_string(kMaxJobName) + " characters";
  }
  for (const char c : name) {
    const auto u = static_cast<unsigned char>(c);
    if (std::isalnum(u) == 0 && c != '_' && c != '-' && c != '.') {
      return "'" + name + "' may contain only letters, digits, '_', '-' and '.'";
    }
  }
  return std::nullopt;
}

}  // namespace

JobReader::JobReader(YamlReader& reader, const Config& config, const LoadOptions& options,
                     ScheduleCache& schedules)
    : r_(reader),
      config_(config),
      options_(options),
      schedules_(schedules),
      file_(std::make_shared<const std::string>(reader.file())) {}

std::optional<JobConfig> JobReader::read(const YamlNode& node, std::size_t item,
                                         const std::string& path) {
  if (!r_.expect_map(node, path)) return std::nullopt;
  const auto issues_before = r_.issue_count();
  r_.check_keys(node, path, kJobKeys);
  JobConfig job{.name = "",
                .timezone = config_.scheduler.timezone,
                .schedule = std::nullopt,
                .source = SourceLocation{file_, node.mark().line + 1, static_cast<int>(item),
                                         node.mark().column + 1}};
  read_name(node, path, job);
  read_target(node, path, job);
  read_args(node, path, job);
  read_pipeline(node, path, job);
  const auto& defaults = config_.scheduler;
  job.timeout = r_.duration(node, "timeout", path);
  if (!job.timeout) job.timeout = defaults.timeout;
  job.retry = read_retry(r_, node["retry"], YamlReader::join(path, "retry"), defaults.retry);
  read_job_policies(r_, node, path, config_.scheduler, job);
  job.enabled = r_.boolean(node, "enabled", path).value_or(true);
  read_schedule(node, path, job);
  if (r_.issue_count() != issues_before) return std::nullopt;
  return job;
}

std::vector<std::string> JobReader::read_names(const YamlNode& node, const std::string& key) {
  std::vector<std::string> out;
  if (!node.defined() || node.is_null()) return out;
  if (!node.is_sequence()) {
    r_.issue(node, key, "expected a list of job names, e.g. [load_raw, curate]");
    return out;
  }
  for (std::size_t i = 0; i < node.size(); ++i) {
    const auto item = node[i];
    const auto ikey = key + "[" + std::to_string(i) + "]";
    if (!item.is_scalar()) {
      r_.issue(item, ikey, "expected a job name");
      continue;
    }
    if (std::find(out.begin(), out.end(), item.scalar()) != out.end()) {
      r_.issue(item, ikey, "'" + item.scalar() + "' is listed twice");
      continue;
    }
    out.push_back(item.scalar());
  }
  return out;
}

void JobReader::read_pipeline(const YamlNode& node, const std::string& path, JobConfig& job) {
  const auto after = node["after"];
  job.after = read_names(after, YamlReader::join(path, "after"));
  if (after.defined()) job.source.after_line = after.mark().line + 1;
  const auto hooks = node["on_failure"];
  job.on_failure = read_names(hooks, YamlReader::join(path, "on_failure"));
  if (hooks.defined()) job.source.on_failure_line = hooks.mark().line + 1;
  if (auto dir = r_.string(node, "watch", path)) {
    const auto abs = (fs::path(r_.file()).parent_path() / *dir).lexically_normal().string();
    if (auto problem = util::directory_problem(abs)) {
      r_.issue(node["watch"], YamlReader::join(path, "watch"),
               *problem + " (the directory whose new files start the job)");
    } else {
      job.watch = abs;
    }
  }
  const bool scheduled = node["schedule"].defined();
  if (!job.after.empty() && scheduled) {
    r_.issue(node["after"], YamlReader::join(path, "after"),
             "a job with after: runs when its upstream jobs succeed, for their slot; remove "
             "schedule: (or after:)");
  }
  if (node["watch"].defined() && (scheduled || !job.after.empty())) {
    r_.issue(node["watch"], YamlReader::join(path, "watch"),
             "a watched job is started by new files; it takes neither schedule: nor after:");
  }
  job.notify = read_notify(r_, node["notify"], YamlReader::join(path, "notify"));
  if (node["notify"].defined()) job.source.notify_line = node["notify"].mark().line + 1;
}

void JobReader::read_name(const YamlNode& node, const std::string& path, JobConfig& job) {
  auto name = r_.string(node, "name", path);
  if (!name) {
    if (!node["name"].defined()) r_.issue(node, YamlReader::join(path, "name"), "is required");
    return;
  }
  if (auto problem = job_name_problem(*name)) {
    r_.issue(node["name"], YamlReader::join(path, "name"), *problem);
    return;
  }
  job.name = *name;
}

void JobReader::read_target(const YamlNode& node, const std::string& path, JobConfig& job) {
  const bool has_call = node["call"].defined();
  const bool has_sql = node["sql"].defined();
  const bool has_load = node["load_csv"].defined();
  const int kinds = int{has_call} + int{has_sql} + int{has_load};
  if (kinds != 1) {
    r_.issue(node, path,
             kinds > 1 ? "has more than one of call, sql and load_csv; a job runs exactly one"
                       : "needs one of call (a procedure), sql (a statement) or load_csv");
    return;
  }
  if (has_load) {
    job.load_csv = read_load_csv(r_, node["load_csv"], YamlReader::join(path, "load_csv"));
    if (node["args"].defined()) {
      r_.issue(node["args"], YamlReader::join(path, "args"), "does not apply to load_csv jobs");
    }
    return;
  }
  if (has_sql) {
    auto sql = r_.string(node, "sql", path);
    if (sql && sql->find_first_not_of(" \t\r\n") == std::string::npos) {
      r_.issue(node["sql"], YamlReader::join(path, "sql"), "must not be empty");
    } else if (sql) {
      job.sql = *sql;
    }
    return;
  }
  auto call = r_.string(node, "call", path);
  if (!call) return;
  const auto dot = call->find('.');
  std::string schema = dot == std::string::npos ? "" : call->substr(0, dot);
  std::string proc = dot == std::string::npos ? *call : call->substr(dot + 1);
  for (const auto* part : {&schema, &proc}) {
    if (part == &schema && dot == std::string::npos) continue;
    if (auto problem = identifier_problem(*part)) {
      r_.issue(node["call"], YamlReader::join(path, "call"),
               *problem + "; expected [schema.]procedure");
      return;
    }
  }
  job.call_schema = schema;
  job.call_procedure = proc;
}

void JobReader::read_args(const YamlNode& node, const std::string& path, JobConfig& job) {
  const YamlNode args = node["args"];
  if (!args.defined()) return;
  const auto key = YamlReader::join(path, "args");
  if (!args.is_sequence()) {
    r_.issue(args, key, "expected a list of values, e.g. [\"{scheduled_for}\", 180]");
    return;
  }
  for (std::size_t i = 0; i < args.size(); ++i) {
    const YamlNode a = args[i];
    const auto akey = key + "[" + std::to_string(i) + "]";
    if (a.is_null()) {
      job.args.push_back(ArgTemplate::null());
      continue;
    }
    if (!a.is_scalar()) {
      r_.issue(a, akey, "expected a number, a string or null");
      continue;
    }
    try {
      job.args.push_back(parse_arg(a));
    } catch (const std::invalid_argument& e) {
      r_.issue(a, akey, e.what());
    }
  }
}

ArgTemplate JobReader::parse_arg(const YamlNode& a) {
  const std::string& s = a.scalar();
  if (!a.quoted()) {  // plain (unquoted) scalars may be numbers
    std::int64_t i = 0;
    const auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), i);
    if (ec == std::errc() && p == s.data() + s.size() && !s.empty()) return ArgTemplate::integer(i);
    double d = 0;
    const auto [pd, ecd] = std::from_chars(s.data(), s.data() + s.size(), d);
    if (ecd == std::errc() && pd == s.data() + s.size() && !s.empty()) return ArgTemplate::real(d);
  }
  return ArgTemplate::text(s);
}

void JobReader::read_schedule(const YamlNode& node, const std::string& path, JobConfig& job) {
  auto tz = r_.string(node, "timezone", path);
  const date::time_zone* zone = config_.scheduler.zone;
  if (tz) {
    try {
      zone = schedule::find_zone(*tz);
      job.timezone = *tz;
    } catch (const std::invalid_argument& e) {
      r_.issue(node["timezone"], YamlReader::join(path, "timezone"),
               std::string(e.what()) + "; expected an IANA name such as Europe/Berlin");
      return;
    }
  }
  auto text = r_.string(node, "schedule", path);
  if (!text) return;            // unscheduled jobs are checked with the pipelines (check_pipelines)
  if (zone == nullptr) return;  // scheduler.timezone invalid: already reported
  try {
    auto key = std::make_pair(*text, zone);
    auto it = schedules_.find(key);
    if (it == schedules_.end()) {
      it = schedules_
               .emplace(std::move(key), schedule::Schedule::parse(*text, zone, options_.defined_at))
               .first;
    }
    job.schedule = it->second;
  } catch (const schedule::ScheduleError& e) {
    r_.issue(node["schedule"], YamlReader::join(path, "schedule"), e.what());
  }
}

}  // namespace sqlcron::config
