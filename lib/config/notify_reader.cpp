#include "config/notify_reader.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace sqlcron::config {

namespace {

// Why the program `path` cannot be run, or "" (a path with a placeholder is not checked).
std::string program_problem(const std::string& path) {
  if (path.find('{') != std::string::npos) return "";
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return std::strerror(errno);
  if (!S_ISREG(st.st_mode)) return "not a regular file";
  if (::access(path.c_str(), X_OK) != 0) return std::strerror(errno);
  return "";
}

}  // namespace

std::shared_ptr<const NotifyConfig> read_notify(YamlReader& r, const YamlNode& node,
                                                const std::string& key) {
  if (!node.defined() || node.is_null()) return nullptr;  // `notify: ~`: none
  if (!r.expect_map(node, key)) return nullptr;
  r.check_keys(node, key, kNotifyKeys);
  NotifyConfig n;
  const auto cmd = node["command"];
  const auto ckey = YamlReader::join(key, "command");
  if (!cmd.defined()) {
    r.issue(node, ckey,
            "is required: the program and its arguments, e.g. [/usr/local/bin/alert, --job, "
            "\"{failed_job}\"]");
    return nullptr;
  }
  if (!cmd.is_sequence() || cmd.size() == 0) {
    r.issue(cmd, ckey,
            "expected a non-empty list: the program (an absolute path) and its arguments; "
            "no shell runs it");
    return nullptr;
  }
  for (std::size_t i = 0; i < cmd.size(); ++i) {
    const auto ikey = ckey + "[" + std::to_string(i) + "]";
    if (!cmd[i].is_scalar()) {
      r.issue(cmd[i], ikey, "expected a string");
      return nullptr;
    }
    if (i == 0 && (cmd[i].scalar().empty() || cmd[i].scalar().front() != '/')) {
      r.issue(cmd[i], ikey,
              "'" + cmd[i].scalar() + "' must be an absolute path (no shell and no PATH search)");
      return nullptr;
    }
    if (i == 0) {
      if (const auto problem = program_problem(cmd[i].scalar()); !problem.empty()) {
        r.issue(cmd[i], ikey, "'" + cmd[i].scalar() + "' cannot be run: " + problem);
        return nullptr;
      }
    }
    try {
      n.command.push_back(ArgTemplate::text(cmd[i].scalar()));
    } catch (const std::invalid_argument& e) {
      r.issue(cmd[i], ikey, e.what());
      return nullptr;
    }
  }
  if (auto t = r.duration(node, "timeout", key)) {
    if (t->count() <= 0 || *t > std::chrono::hours(1)) {
      r.issue(node["timeout"], YamlReader::join(key, "timeout"), "must be between 1ms and 1h");
    } else {
      n.timeout = *t;
    }
  }
  return std::make_shared<const NotifyConfig>(std::move(n));
}

}  // namespace sqlcron::config
