#include "runlog/spool.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>
#include <fstream>
#include <system_error>
#include <vector>

#include "util/sql_time.hpp"

namespace sqlcron::runlog {

namespace {

// One record per line, tab-separated; tabs, newlines and backslashes in text are escaped.
std::string escape(const std::string& s) {
  std::string out;
  out.reserve(s.size());
  for (const char c : s) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '\t') {
      out += "\\t";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

std::string unescape(const std::string& s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\\' && i + 1 < s.size()) {
      const char n = s[++i];
      out += n == 't' ? '\t' : n == 'n' ? '\n' : n;
    } else {
      out += s[i];
    }
  }
  return out;
}

std::vector<std::string> split_tabs(const std::string& line) {
  std::vector<std::string> fields;
  std::size_t start = 0;
  for (;;) {
    const auto tab = line.find('\t', start);
    fields.push_back(line.substr(start, tab == std::string::npos ? tab : tab - start));
    if (tab == std::string::npos) break;
    start = tab + 1;
  }
  return fields;
}

core::RunStatus status_from(const std::string& s) {
  for (const auto st :
       {core::RunStatus::succeeded, core::RunStatus::failed, core::RunStatus::timed_out,
        core::RunStatus::cancelled, core::RunStatus::abandoned, core::RunStatus::skipped}) {
    if (core::to_string(st) == s) return st;
  }
  return core::RunStatus::failed;
}

}  // namespace

Spool::Spool(std::string path) : path_(std::move(path)) {}

void Spool::append(std::int64_t run_id, const core::RunOutcome& o,
                   std::chrono::system_clock::time_point finished_at) {
  const std::string line = std::to_string(run_id) + "\t" + std::string(core::to_string(o.status)) +
                           "\t" + util::to_sql_datetime(finished_at) + "\t" +
                           std::to_string(o.duration.count()) + "\t" +
                           std::to_string(o.rows_affected) + "\t" + std::to_string(o.error_code) +
                           "\t" + escape(o.sql_state) + "\t" + escape(o.error_message) + "\n";
  const std::lock_guard lock(mutex_);
  std::error_code ec;
  std::filesystem::create_directories(std::filesystem::path(path_).parent_path(), ec);
  const int fd = ::open(path_.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  if (fd < 0) throw std::system_error(errno, std::generic_category(), "cannot open " + path_);
  const auto written = ::write(fd, line.data(), line.size());
  const int err = written == static_cast<ssize_t>(line.size()) ? 0 : errno;
  const bool synced = ::fsync(fd) == 0;
  ::close(fd);
  if (err != 0 || !synced) {
    throw std::system_error(err != 0 ? err : EIO, std::generic_category(),
                            "cannot write to " + path_);
  }
}

bool Spool::empty() const {
  const std::lock_guard lock(mutex_);
  std::error_code ec;
  return !std::filesystem::exists(path_, ec) || std::filesystem::file_size(path_, ec) == 0;
}

std::size_t Spool::records() const {
  const std::lock_guard lock(mutex_);
  std::ifstream in(path_);
  std::size_t n = 0;
  for (std::string line; std::getline(in, line);) n += line.empty() ? 0 : 1;
  return n;
}

std::size_t Spool::replay(mysql::Session& s, const RunLog& log) {
  const std::lock_guard lock(mutex_);
  std::ifstream in(path_);
  if (!in) return 0;
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) {
    if (!line.empty()) lines.push_back(line);
  }
  in.close();
  std::size_t done = 0;
  for (const auto& line : lines) {
    const auto f = split_tabs(line);
    if (f.size() != 8) {
      ++done;  // a torn last line from a crash mid-append: nothing to recover
      continue;
    }
    core::RunOutcome o;
    o.status = status_from(f[1]);
    o.duration = std::chrono::microseconds(std::stoll(f[3]));
    o.rows_affected = std::stoll(f[4]);
    o.error_code = std::stoi(f[5]);
    o.sql_state = unescape(f[6]);
    o.error_message = unescape(f[7]);
    log.finish(s, std::stoll(f[0]), o, util::from_sql_datetime(f[2]));
    ++done;
  }
  std::ofstream(path_, std::ios::trunc).flush();
  return done;
}

}  // namespace sqlcron::runlog
