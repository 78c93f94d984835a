#include "config/config_loader.hpp"

#include <filesystem>
#include <unordered_set>

#include "config/database_section.hpp"
#include "config/failure_defaults.hpp"
#include "config/http_section.hpp"
#include "config/job_reader.hpp"
#include "config/job_set_check.hpp"
#include "config/scheduler_section.hpp"
#include "config/yaml_file.hpp"
#include "config/yaml_reader.hpp"
#include "config/yaml_tree.hpp"
#include "util/directory.hpp"

namespace sqlcron::config {

namespace fs = std::filesystem;

namespace {

// Reads the main file's sections and every job file; one per load().
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
    r.check_keys(root, "", kTopLevelKeys);
    read_database(r, root["database"], base_dir(), options_.env_password, config_.database);
    read_http(r, root["http"], config_.http);
    read_scheduler(r, root["scheduler"], base_dir(), config_.scheduler);
    read_migrations(r, root["migrations"]);
    collect(r);
    if (config_.scheduler.zone == nullptr) return;
    read_jobs(config_.file, root);
    read_includes(root);
    apply_failure_defaults(config_.file, config_.scheduler, config_.jobs, issues_);
    check_job_set(config_.jobs, issues_);
    mark_chain_roots();
  }

  // Jobs that others run after (a step with upstream jobs of its own belongs to their chain).
  void mark_chain_roots() {
    std::unordered_set<std::string> upstream;
    for (const auto& job : config_.jobs) upstream.insert(job.after.begin(), job.after.end());
    for (auto& job : config_.jobs) {
      job.chain_root = job.after.empty() && upstream.count(job.name) > 0;
    }
  }

  void collect(YamlReader& r) {
    for (auto& i : r.take_issues()) issues_.push_back(std::move(i));
  }

  [[nodiscard]] fs::path base_dir() const { return fs::path(config_.file).parent_path(); }

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
      if (fr.expect_map(node, "")) fr.check_keys(node, "", kIncludeFileKeys);
      collect(fr);
      if (node.is_map()) read_jobs(f, node);
    }
  }

  const LoadOptions& options_;
  Config config_;
  std::vector<ConfigIssue> issues_;
  ScheduleCache schedules_;
};

}  // namespace

Config ConfigLoader::load(const std::string& path, const LoadOptions& options) {
  return Loader(options).load(path);
}

}  // namespace sqlcron::config
