#include "config/config_loader.hpp"

#include <sys/stat.h>

#include <algorithm>
#include <charconv>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "config/identifier.hpp"
#include "config/job_graph.hpp"
#include "config/listen_address.hpp"
#include "config/option_file.hpp"
#include "config/state_dir_check.hpp"
#include "config/yaml_file.hpp"
#include "config/yaml_reader.hpp"
#include "config/yaml_tree.hpp"
#include "schedule/schedule_error.hpp"
#include "schedule/time_format.hpp"
#include "util/directory.hpp"

namespace sqlcron::config {

namespace fs = std::filesystem;

namespace {

constexpr int kMaxJobName = 128;

std::optional<std::string> job_name_problem(const std::string& name) {
  if (name.empty()) return "must not be empty";
  if (name.size() > kMaxJobName)
    return "longer than " + std::to_string(kMaxJobName) + " characters";
  for (const char c : name) {
    const auto u = static_cast<unsigned char>(c);
    if (std::isalnum(u) == 0 && c != '_' && c != '-' && c != '.') {
      return "'" + name + "' may contain only letters, digits, '_', '-' and '.'";
    }
  }
  return std::nullopt;
}

// `retry: {attempts: 3, backoff: 30s, max_backoff: 10m}`; absent keys keep `defaults`.
RetryPolicy read_retry(YamlReader& r, const YamlNode& node, const std::string& path,
                       RetryPolicy defaults) {
  if (!node.defined()) return defaults;
  if (!r.expect_map(node, path)) return defaults;
  r.check_keys(node, path, {"attempts", "backoff", "max_backoff"});
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

// Parsed schedules by (expression, zone), shared by the jobs that have the same one: schedules are
// immutable, and large configs repeat a few expressions many times.
using ScheduleCache =
    std::map<std::pair<std::string, const date::time_zone*>, schedule::Schedule, std::less<>>;

// Reads one job; nullopt if it has problems (recorded in `reader`).
class JobReader {
 public:
  JobReader(YamlReader& reader, const Config& config, const LoadOptions& options,
            ScheduleCache& schedules)
      : r_(reader),
        config_(config),
        options_(options),
        schedules_(schedules),
        file_(std::make_shared<const std::string>(reader.file())) {}

  // The file's `item`-th job, at key `path` ("jobs[<item>]").
  std::optional<JobConfig> read(const YamlNode& node, std::size_t item, const std::string& path) {
    if (!r_.expect_map(node, path)) return std::nullopt;
    const auto issues_before = r_.issue_count();
    r_.check_keys(node, path,
                  {"name", "schedule", "timezone", "call", "sql", "load_csv", "args", "timeout",
                   "retry", "overlap", "max_instances", "misfire", "misfire_grace", "enabled",
                   "after", "on_failure", "notify", "watch"});
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
    read_policies(node, path, job);
    job.enabled = r_.boolean(node, "enabled", path).value_or(true);
    read_schedule(node, path, job);
    if (r_.issue_count() != issues_before) return std::nullopt;
    return job;
  }

 private:
  // A list of job names (after:, on_failure:).
  std::vector<std::string> read_names(const YamlNode& node, const std::string& key) {
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

  void read_pipeline(const YamlNode& node, const std::string& path, JobConfig& job) {
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
    read_notify(node["notify"], YamlReader::join(path, "notify"), job);
  }

  void read_notify(const YamlNode& node, const std::string& key, JobConfig& job) {
    if (!node.defined()) return;
    if (!r_.expect_map(node, key)) return;
    r_.check_keys(node, key, {"command", "timeout"});
    NotifyConfig n;
    const auto cmd = node["command"];
    const auto ckey = YamlReader::join(key, "command");
    if (!cmd.defined()) {
      r_.issue(node, ckey,
               "is required: the program and its arguments, e.g. [/usr/local/bin/alert, --job, "
               "\"{failed_job}\"]");
      return;
    }
    if (!cmd.is_sequence() || cmd.size() == 0) {
      r_.issue(cmd, ckey,
               "expected a non-empty list: the program (an absolute path) and its arguments; "
               "no shell runs it");
      return;
    }
    for (std::size_t i = 0; i < cmd.size(); ++i) {
      const auto ikey = ckey + "[" + std::to_string(i) + "]";
      if (!cmd[i].is_scalar()) {
        r_.issue(cmd[i], ikey, "expected a string");
        return;
      }
      if (i == 0 && (cmd[i].scalar().empty() || cmd[i].scalar().front() != '/')) {
        r_.issue(
            cmd[i], ikey,
            "'" + cmd[i].scalar() + "' must be an absolute path (no shell and no PATH search)");
        return;
      }
      try {
        n.command.push_back(ArgTemplate::text(cmd[i].scalar()));
      } catch (const std::invalid_argument& e) {
        r_.issue(cmd[i], ikey, e.what());
        return;
      }
    }
    if (auto t = r_.duration(node, "timeout", key)) {
      if (t->count() <= 0 || *t > std::chrono::hours(1)) {
        r_.issue(node["timeout"], YamlReader::join(key, "timeout"), "must be between 1ms and 1h");
      } else {
        n.timeout = *t;
      }
    }
    job.notify = std::make_shared<const NotifyConfig>(std::move(n));
  }

  void read_load_csv(const YamlNode& node, const std::string& key, JobConfig& job) {
    if (!r_.expect_map(node, key)) return;
    r_.check_keys(node, key, {"dir", "pattern", "table", "columns", "header", "delimiter"});
    LoadCsvConfig c;
    if (auto dir = r_.string(node, "dir", key)) {
      c.dir = (fs::path(r_.file()).parent_path() / *dir).lexically_normal().string();
      if (auto problem = util::directory_problem(c.dir)) {
        r_.issue(node["dir"], YamlReader::join(key, "dir"), *problem);
      }
    } else if (!node["dir"].defined()) {
      r_.issue(node, YamlReader::join(key, "dir"), "is required: the directory of the CSV files");
    }
    if (auto pattern = r_.string(node, "pattern", key)) {
      if (pattern->empty() || pattern->find('/') != std::string::npos) {
        r_.issue(node["pattern"], YamlReader::join(key, "pattern"),
                 "expected a file name pattern such as *.csv (no directories)");
      } else {
        c.pattern = *pattern;
      }
    }
    if (auto table = r_.string(node, "table", key)) {
      const auto dot = table->find('.');
      c.table_schema = dot == std::string::npos ? "" : table->substr(0, dot);
      c.table = dot == std::string::npos ? *table : table->substr(dot + 1);
      for (const auto* part : {&c.table_schema, &c.table}) {
        if (part == &c.table_schema && dot == std::string::npos) continue;
        if (auto problem = identifier_problem(*part)) {
          r_.issue(node["table"], YamlReader::join(key, "table"),
                   *problem + "; expected [schema.]table");
          break;
        }
      }
    } else if (!node["table"].defined()) {
      r_.issue(node, YamlReader::join(key, "table"), "is required: the table the rows go to");
    }
    const auto cols = node["columns"];
    const auto ckey = YamlReader::join(key, "columns");
    if (!cols.defined()) {
      r_.issue(node, ckey, "is required: the table columns of the file's fields, in order");
    } else if (!cols.is_sequence() || cols.size() == 0) {
      r_.issue(cols, ckey, "expected a non-empty list of column names");
    } else {
      for (std::size_t i = 0; i < cols.size(); ++i) {
        const auto ikey = ckey + "[" + std::to_string(i) + "]";
        if (!cols[i].is_scalar()) {
          r_.issue(cols[i], ikey, "expected a column name");
          continue;
        }
        const auto& name = cols[i].scalar();
        if (auto problem = identifier_problem(name)) {
          r_.issue(cols[i], ikey, *problem);
        } else if (std::find(c.columns.begin(), c.columns.end(), name) != c.columns.end()) {
          r_.issue(cols[i], ikey, "'" + name + "' is listed twice");
        } else if (name == "source_file" || name == "source_line" || name == "ingested_at" ||
                   name == "ingest_run_id" || name == "ingest_slot") {
          r_.issue(
              cols[i], ikey,
              "'" + name + "' is filled by the loader itself; name the file's field otherwise");
        } else {
          c.columns.push_back(name);
        }
      }
    }
    c.header = r_.boolean(node, "header", key).value_or(true);
    if (auto d = r_.string(node, "delimiter", key)) {
      if (d->size() != 1 || *d == "\"" || *d == "\n" || *d == "\r") {
        r_.issue(node["delimiter"], YamlReader::join(key, "delimiter"),
                 "expected one character such as \",\" or \";\" (not a quote or newline)");
      } else {
        c.delimiter = d->front();
      }
    }
    job.load_csv = std::make_shared<const LoadCsvConfig>(std::move(c));
  }

  void read_policies(const YamlNode& node, const std::string& path, JobConfig& job) {
    // A file arriving while the watched job runs must not be dropped: it waits for that run.
    if (node["watch"].defined()) job.overlap = Overlap::queue;
    if (auto text = r_.string(node, "overlap", path)) {
      if (auto o = parse_overlap(*text)) {
        job.overlap = *o;
      } else {
        r_.issue(node["overlap"], YamlReader::join(path, "overlap"),
                 "'" + *text + "' is not an overlap policy; expected skip, queue or allow");
      }
    }
    job.max_instances = r_.integer(node, "max_instances", path, 1, 1000).value_or(1);
    if (node["max_instances"].defined() && job.overlap != Overlap::allow) {
      r_.issue(node["max_instances"], YamlReader::join(path, "max_instances"),
               "only applies with overlap: allow");
    }
    job.misfire = read_misfire(r_, node, path).value_or(config_.scheduler.misfire);
    job.misfire_grace =
        r_.duration(node, "misfire_grace", path).value_or(config_.scheduler.misfire_grace);
  }

  void read_name(const YamlNode& node, const std::string& path, JobConfig& job) {
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

  void read_target(const YamlNode& node, const std::string& path, JobConfig& job) {
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
      read_load_csv(node["load_csv"], YamlReader::join(path, "load_csv"), job);
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

  void read_args(const YamlNode& node, const std::string& path, JobConfig& job) {
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

  static ArgTemplate parse_arg(const YamlNode& a) {
    const std::string& s = a.scalar();
    if (!a.quoted()) {  // plain (unquoted) scalars may be numbers
      std::int64_t i = 0;
      const auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), i);
      if (ec == std::errc() && p == s.data() + s.size() && !s.empty())
        return ArgTemplate::integer(i);
      double d = 0;
      const auto [pd, ecd] = std::from_chars(s.data(), s.data() + s.size(), d);
      if (ecd == std::errc() && pd == s.data() + s.size() && !s.empty())
        return ArgTemplate::real(d);
    }
    return ArgTemplate::text(s);
  }

  void read_schedule(const YamlNode& node, const std::string& path, JobConfig& job) {
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
    if (!text) return;  // unscheduled jobs are checked with the pipelines (check_pipelines)
    if (zone == nullptr) return;  // scheduler.timezone invalid: already reported
    try {
      auto key = std::make_pair(*text, zone);
      auto it = schedules_.find(key);
      if (it == schedules_.end()) {
        it = schedules_
                 .emplace(std::move(key),
                          schedule::Schedule::parse(*text, zone, options_.defined_at))
                 .first;
      }
      job.schedule = it->second;
    } catch (const schedule::ScheduleError& e) {
      r_.issue(node["schedule"], YamlReader::join(path, "schedule"), e.what());
    }
  }

  YamlReader& r_;
  const Config& config_;
  const LoadOptions& options_;
  ScheduleCache& schedules_;
  std::shared_ptr<const std::string> file_;
};

class Loader {
 public:
  explicit Loader(const LoadOptions& options) : options_(options) {}

  Config load(const std::string& path) {
    std::error_code ec;
    const auto absolute = fs::absolute(path, ec);
    config_.file = (ec ? fs::path(path) : absolute).lexically_normal().string();
    const auto root = parse_yaml_file(config_.file, issues_);
    if (root) read_main(root->root());
    if (!issues_.empty()) throw ConfigError(std::move(issues_));
    config_.jobs.shrink_to_fit();  // push_back growth leaves up to half of it unused
    return std::move(config_);
  }

 private:
  void read_main(const YamlNode& root) {
    YamlReader r(config_.file);
    if (root.is_null()) {
      r.issue(root, "", "the file is empty; expected database:, scheduler: and jobs: sections");
      collect(r);
      return;
    }
    if (!r.expect_map(root, "")) {
      collect(r);
      return;
    }
    r.check_keys(root, "", {"database", "scheduler", "http", "migrations", "include", "jobs"});
    read_database(r, root["database"]);
    read_http(r, root["http"]);
    read_scheduler(r, root["scheduler"]);
    read_migrations(r, root["migrations"]);
    collect(r);
    if (config_.scheduler.zone == nullptr) return;
    read_jobs(config_.file, root);
    read_includes(root);
    check_duplicates();
    if (issues_.empty()) check_pipelines();
  }

  void collect(YamlReader& r) {
    for (auto& i : r.take_issues()) issues_.push_back(std::move(i));
  }

  [[nodiscard]] fs::path base_dir() const { return fs::path(config_.file).parent_path(); }

  void read_database(YamlReader& r, const YamlNode& db) {
    if (!db.defined()) {
      r.issue_at(YamlMark{}, "database", "section is required");
      return;
    }
    if (!r.expect_map(db, "database")) return;
    const std::string p = "database";
    r.check_keys(db, p,
                 {"host", "port", "socket", "user", "password_file", "option_file", "schema",
                  "pool_size", "tls"});
    auto& d = config_.database;
    // An option file gives defaults; keys written here take precedence, as on a command line.
    if (auto file = r.string(db, "option_file", p)) read_option_file(r, db["option_file"], *file);
    d.host = r.string(db, "host", p).value_or(d.host);
    d.port = r.integer(db, "port", p, 1, 65535).value_or(d.port);
    d.socket = r.string(db, "socket", p).value_or(d.socket);
    d.user = r.string(db, "user", p).value_or(d.user);
    read_tls(r, db["tls"]);
    d.pool_size = r.integer(db, "pool_size", p, 1, 1024).value_or(d.pool_size);
    if (auto schema = r.string(db, "schema", p)) {
      if (auto problem = identifier_problem(*schema)) {
        r.issue(db["schema"], "database.schema", *problem);
      }
      d.schema = *schema;
    } else if (!db["schema"].defined()) {
      r.issue(db, "database.schema", "is required (the default schema for jobs)");
    }
    if (auto file = r.string(db, "password_file", p)) {
      d.password_file = (base_dir() / *file).lexically_normal().string();
      read_password(r, db["password_file"]);
    } else if (d.password.empty() && options_.env_password) {
      d.password = *options_.env_password;
    }
  }

  void read_tls(YamlReader& r, const YamlNode& tls) {
    if (!tls.defined()) return;
    const std::string p = "database.tls";
    if (!r.expect_map(tls, p)) return;
    r.check_keys(tls, p, {"mode", "ca", "cert", "key"});
    auto& d = config_.database;
    if (auto mode = r.string(tls, "mode", p)) {
      static const std::vector<std::string> kModes{"disabled", "preferred", "required", "verify_ca",
                                                   "verify_identity"};
      if (std::find(kModes.begin(), kModes.end(), *mode) == kModes.end()) {
        r.issue(tls["mode"], p + ".mode",
                "'" + *mode +
                    "' is not a TLS mode; expected disabled, preferred, required, verify_ca or "
                    "verify_identity");
      } else {
        d.tls_mode = *mode;
      }
    }
    const auto file = [&](const char* key, std::string& out) {
      auto v = r.string(tls, key, p);
      if (!v) return;
      out = (base_dir() / *v).lexically_normal().string();
      if (auto problem = util::path_problem(out)) r.issue(tls[key], p + "." + key, *problem);
    };
    file("ca", d.tls_ca);
    file("cert", d.tls_cert);
    file("key", d.tls_key);
    if ((d.tls_mode == "verify_ca" || d.tls_mode == "verify_identity") && d.tls_ca.empty()) {
      r.issue(tls, p + ".ca", "is required with mode " + d.tls_mode + " (the CA to verify with)");
    }
    if (d.tls_cert.empty() != d.tls_key.empty()) {
      r.issue(tls, p, "cert and key go together (a client certificate needs its key)");
    }
  }

  // Returns the file's content, or nullopt with an issue if it is unreadable or not private.
  std::optional<std::string> read_private_file(YamlReader& r, const YamlNode& at,
                                               const std::string& key, const std::string& path) {
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0) {
      r.issue(at, key, "cannot read " + path + ": " + std::string(strerror(errno)));
      return std::nullopt;
    }
    if ((st.st_mode & (S_IRWXG | S_IRWXO)) != 0) {
      r.issue(
          at, key,
          path + " holds a password but can be read by group or others; run: chmod 600 " + path);
      return std::nullopt;
    }
    std::ifstream in(path);
    if (!in) {
      r.issue(at, key, "cannot read " + path + ": " + std::string(strerror(errno)));
      return std::nullopt;
    }
    std::ostringstream ss;
    ss << in.rdbuf();
    return ss.str();
  }

  void read_option_file(YamlReader& r, const YamlNode& at, const std::string& file) {
    auto& d = config_.database;
    const auto path = (base_dir() / file).lexically_normal().string();
    d.option_file = path;
    const auto text = read_private_file(r, at, "database.option_file", path);
    if (!text) return;
    std::map<std::string, std::string> opts;
    try {
      opts = OptionFile::parse(*text);
    } catch (const std::invalid_argument& e) {
      r.issue(at, "database.option_file", path + ": " + e.what());
      return;
    }
    if (auto it = opts.find("host"); it != opts.end()) d.host = it->second;
    if (auto it = opts.find("socket"); it != opts.end()) d.socket = it->second;
    if (auto it = opts.find("user"); it != opts.end()) d.user = it->second;
    if (auto it = opts.find("password"); it != opts.end()) d.password = it->second;
    if (auto it = opts.find("port"); it != opts.end()) {
      try {
        d.port = std::stoi(it->second);
      } catch (const std::exception&) {
        r.issue(at, "database.option_file", path + ": port '" + it->second + "' is not a number");
      }
    }
  }

  void read_password(YamlReader& r, const YamlNode& at) {
    auto& d = config_.database;
    const auto text = read_private_file(r, at, "database.password_file", d.password_file);
    if (!text) return;
    d.password = text->substr(0, text->find('\n'));
    while (!d.password.empty() && (d.password.back() == '\r' || d.password.back() == ' ')) {
      d.password.pop_back();
    }
  }

  // http: {listen: "127.0.0.1:9464"} - an IPv4 or [IPv6] address and a port, or "off".
  void read_http(YamlReader& r, const YamlNode& http) {
    if (!http.defined()) return;
    if (!r.expect_map(http, "http")) return;
    r.check_keys(http, "http", {"listen"});
    auto listen = r.string(http, "listen", "http");
    if (!listen) return;
    auto& h = config_.http;
    if (*listen == "off") {
      h.enabled = false;
      return;
    }
    try {
      const auto address = ListenAddress::parse(*listen);
      h.address = address.host;
      h.port = address.port;
    } catch (const std::invalid_argument& e) {
      r.issue(http["listen"], "http.listen",
              "'" + *listen + "': " + e.what() +
                  "; expected IP:PORT (127.0.0.1:9464, [::1]:9464, 0.0.0.0:9464; port 0 = any " +
                  "free port) or off");
    }
  }

  void read_scheduler(YamlReader& r, const YamlNode& s) {
    auto& sc = config_.scheduler;
    sc.zone = schedule::find_zone("UTC");
    if (!s.defined()) return;
    const std::string p = "scheduler";
    if (!r.expect_map(s, p)) return;
    r.check_keys(s, p,
                 {"state_schema", "timezone", "max_concurrent_runs", "shutdown_grace", "misfire",
                  "misfire_grace", "timeout", "retry", "state_dir", "heartbeat_interval",
                  "run_log_retention", "session_reset"});
    sc.session_reset = r.boolean(s, "session_reset", p).value_or(sc.session_reset);
    if (auto schema = r.string(s, "state_schema", p)) {
      if (auto problem = identifier_problem(*schema)) {
        r.issue(s["state_schema"], "scheduler.state_schema", *problem);
      }
      sc.state_schema = *schema;
    }
    if (auto tz = r.string(s, "timezone", p)) {
      try {
        sc.zone = schedule::find_zone(*tz);
        sc.timezone = *tz;
      } catch (const std::invalid_argument& e) {
        r.issue(s["timezone"], "scheduler.timezone",
                std::string(e.what()) + "; expected an IANA name such as Europe/Berlin");
        sc.zone = nullptr;
      }
    }
    sc.max_concurrent_runs = r.integer(s, "max_concurrent_runs", p, 1, 4096).value_or(8);
    sc.shutdown_grace = r.duration(s, "shutdown_grace", p).value_or(sc.shutdown_grace);
    sc.misfire = read_misfire(r, s, p).value_or(sc.misfire);
    sc.misfire_grace = r.duration(s, "misfire_grace", p).value_or(sc.misfire_grace);
    sc.timeout = r.duration(s, "timeout", p);
    sc.run_log_retention = r.duration(s, "run_log_retention", p).value_or(sc.run_log_retention);
    if (auto hb = r.duration(s, "heartbeat_interval", p)) {
      if (*hb < std::chrono::milliseconds(100) || *hb > std::chrono::seconds(30)) {
        r.issue(s["heartbeat_interval"], "scheduler.heartbeat_interval",
                "must be between 100ms and 30s (instances silent for 60 s count as dead)");
      } else {
        sc.heartbeat_interval = *hb;
      }
    }
    sc.retry = read_retry(r, s["retry"], "scheduler.retry", sc.retry);
    if (auto dir = r.string(s, "state_dir", p)) {
      sc.state_dir = (base_dir() / *dir).lexically_normal().string();
      if (auto problem = state_dir_problem(sc.state_dir)) {
        r.issue(s["state_dir"], "scheduler.state_dir", *problem);
      }
    }
  }

  void read_migrations(YamlReader& r, const YamlNode& m) {
    if (!m.defined()) return;
    if (!m.is_sequence()) {
      r.issue(m, "migrations", "expected a list of directories");
      return;
    }
    for (std::size_t i = 0; i < m.size(); ++i) {
      const auto key = "migrations[" + std::to_string(i) + "]";
      if (!m[i].is_scalar()) {
        r.issue(m[i], key, "expected a directory path");
        continue;
      }
      const auto dir = (base_dir() / m[i].scalar()).lexically_normal();
      if (auto problem = util::directory_problem(dir.string())) {
        r.issue(m[i], key, *problem);
        continue;
      }
      config_.migrations.push_back(dir.string());
    }
  }

  void read_jobs(const std::string& file, const YamlNode& root) {
    YamlReader r(file);
    const YamlNode jobs = root["jobs"];
    if (jobs.defined() && !jobs.is_null()) {
      if (!jobs.is_sequence()) {
        r.issue(jobs, "jobs", "expected a list of jobs (lines starting with '- name:')");
      } else {
        JobReader jr(r, config_, options_, schedules_);
        for (std::size_t i = 0; i < jobs.size(); ++i) {
          if (auto job = jr.read(jobs[i], i, "jobs[" + std::to_string(i) + "]")) {
            config_.jobs.push_back(std::move(*job));
          }
        }
      }
    }
    collect(r);
  }

  void read_includes(const YamlNode& root) {
    YamlReader r(config_.file);
    auto dir = (base_dir() / "jobs.d").string();
    const auto inc = r.string(root, "include", "");
    if (inc) dir = (base_dir() / *inc).lexically_normal().string();
    const auto problem = util::directory_problem(dir);
    std::error_code ec;
    // Without include:, jobs.d is optional: only one that exists but cannot be read is an error.
    if (problem && (inc || fs::status(dir, ec).type() != fs::file_type::not_found)) {
      r.issue_at(root["include"].mark(), inc ? "include" : "", *problem);
    }
    collect(r);
    if (problem) return;
    std::vector<std::string> files;
    for (const auto& entry : util::list_directory(dir, ec)) {
      if (fs::path(entry.name).extension() != ".yaml") continue;
      if (entry.error) {
        issues_.push_back(
            ConfigIssue{entry.path, 0, 0, "", "cannot read: " + entry.error.message()});
      } else if (entry.dangling) {
        // Most likely a job file moved or deleted: its jobs would silently be gone.
        issues_.push_back(
            ConfigIssue{entry.path, 0, 0, "", "is a symbolic link to a file that does not exist"});
      } else if (entry.regular_file) {
        files.push_back(entry.path);
      }
    }
    if (ec) issues_.push_back(ConfigIssue{dir, 0, 0, "", "cannot list: " + ec.message()});
    for (const auto& f : files) {
      const auto tree = parse_yaml_file(f, issues_);
      if (!tree || tree->root().is_null()) continue;
      const auto node = tree->root();
      YamlReader fr(f);
      if (fr.expect_map(node, "")) fr.check_keys(node, "", {"jobs"});
      collect(fr);
      if (node.is_map()) read_jobs(f, node);
    }
  }

  void check_duplicates() {
    std::map<std::string, const JobConfig*> seen;
    for (const auto& job : config_.jobs) {
      auto [it, inserted] = seen.emplace(job.name, &job);
      if (!inserted) {
        issues_.push_back(ConfigIssue{*job.source.file, job.source.line, 1, "jobs.name",
                                      "duplicate job name '" + job.name + "' (first defined at " +
                                          *it->second->source.file + ":" +
                                          std::to_string(it->second->source.line) + ")"});
      }
    }
  }

  // after: and on_failure: name existing jobs, chains have no cycle, and every job has a way
  // to start.
  void check_pipelines() {
    const auto& jobs = config_.jobs;
    std::map<std::string, bool> hook_target;
    for (const auto& job : jobs) {
      for (const auto& h : job.on_failure) hook_target[h] = true;
    }
    const auto exists = [&](const std::string& name) {
      return std::any_of(jobs.begin(), jobs.end(), [&](const auto& j) { return j.name == name; });
    };
    // At the key's line when known (column 1: its items may span lines), else at the job.
    const auto problem = [&](const JobConfig& job, int line, const std::string& key,
                             std::string message) {
      issues_.push_back(ConfigIssue{
          *job.source.file, line > 0 ? line : job.source.line, line > 0 ? 1 : job.source.column,
          "jobs[" + std::to_string(job.source.item) + "]." + key, std::move(message)});
    };
    for (const auto& job : jobs) {
      for (const auto& up : job.after) {
        if (!exists(up)) {
          problem(job, job.source.after_line, "after", "no job named '" + up + "'");
        }
      }
      for (const auto& h : job.on_failure) {
        if (!exists(h)) {
          problem(job, job.source.on_failure_line, "on_failure", "no job named '" + h + "'");
        } else if (h == job.name) {
          problem(job, job.source.on_failure_line, "on_failure",
                  "a job cannot be its own failure hook");
        }
      }
      if (!job.schedule && job.after.empty() && job.watch.empty() && !hook_target[job.name]) {
        problem(job, 0, "schedule",
                "is required (or after: to run in a chain, watch: to run when files arrive, or "
                "name the job in another job's on_failure:)");
      }
    }
    if (!issues_.empty()) return;
    const JobGraph graph(jobs);
    if (auto cycle = graph.find_cycle()) {
      std::string path;
      for (const auto& name : *cycle) path += (path.empty() ? "" : " -> ") + name;
      const auto& job = jobs[*graph.index(cycle->back())];
      problem(job, job.source.after_line, "after",
              cycle->size() == 2 ? "a job cannot run after itself: " + path
                                 : "the chain has a cycle: " + path);
    }
  }

  const LoadOptions& options_;
  Config config_;
  std::vector<ConfigIssue> issues_;
  ScheduleCache schedules_;
};

}  // namespace

std::string JobConfig::target() const {
  if (load_csv) {
    return "load_csv:" + (load_csv->table_schema.empty() ? "" : load_csv->table_schema + ".") +
           load_csv->table;
  }
  if (!is_call()) return "sql";
  return call_schema.empty() ? call_procedure : call_schema + "." + call_procedure;
}

const std::string& JobConfig::schedule_text() const {
  static const std::string kNone;
  return schedule ? schedule->expression() : kNone;
}

std::string JobConfig::trigger() const {
  if (schedule) return schedule->expression();
  if (!after.empty()) {
    std::string out = "after ";
    for (std::size_t i = 0; i < after.size(); ++i) out += (i == 0 ? "" : ", ") + after[i];
    return out;
  }
  if (!watch.empty()) return "watch " + watch;
  return "on failure of another job";
}

Config ConfigLoader::load(const std::string& path, const LoadOptions& options) {
  return Loader(options).load(path);
}

}  // namespace sqlcron::config
