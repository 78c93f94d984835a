#include "runlog/spool.hpp"

#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <filesystem>
#include <system_error>
#include <variant>
#include <vector>

#include "mysql/db_error.hpp"
#include "mysql/error_class.hpp"
#include "runlog/spool_record.hpp"
#include "util/sql_time.hpp"
#include "util/unique_fd.hpp"
#include "util/utf8.hpp"

namespace sqlcron::runlog {

namespace {

constexpr std::size_t kShownBytes = 200;  // of a bad line, in a log line

[[noreturn]] void fail(int err, const std::string& what) {
  throw std::system_error(err, std::generic_category(), what);
}

// Opens `path` with `flags` and takes an exclusive flock on it (other processes use the same
// spool: run-now, backfill). Returns no descriptor when the file does not exist and `flags`
// does not create it.
util::UniqueFd open_locked(const std::string& path, int flags) {
  util::UniqueFd fd(::open(path.c_str(), flags | O_CLOEXEC, 0600));
  if (!fd) {
    if (errno == ENOENT && (flags & O_CREAT) == 0) return fd;
    fail(errno, "cannot open " + path);
  }
  while (::flock(fd.get(), LOCK_EX) != 0) {
    if (errno != EINTR) fail(errno, "cannot lock " + path);
  }
  return fd;
}

// The whole file (it is small: results of an outage).
std::string read_all(int fd, const std::string& path) {
  std::string text;
  std::array<char, 65536> buf;
  for (;;) {
    const auto n = ::read(fd, buf.data(), buf.size());
    if (n == 0) return text;
    if (n < 0) {
      if (errno == EINTR) continue;
      fail(errno, "cannot read " + path);
    }
    text.append(buf.data(), static_cast<std::size_t>(n));
  }
}

// Writes all of `data` at the end of `fd` (opened with O_APPEND) with one write(), and makes it
// durable. On failure the file is cut back to `size`, its length before: no torn line stays.
void append_line(int fd, const std::string& data, off_t size, const std::string& path) {
  const auto written = ::write(fd, data.data(), data.size());
  int err = 0;
  if (written != static_cast<ssize_t>(data.size())) {
    err = written < 0 ? errno : ENOSPC;  // a short write: the disk (or the file size limit) is full
  } else if (::fsync(fd) != 0) {
    err = errno;
  }
  if (err == 0) return;
  if (written > 0 && ::ftruncate(fd, size) != 0) {
    spdlog::critical("spool {}: a partial line may remain: cannot truncate it: {}", path,
                     std::generic_category().message(errno));
  }
  fail(err, "cannot write to " + path);
}

// Whether the file ends inside a line (a crash in the middle of an append).
bool ends_mid_line(int fd, off_t size) {
  if (size == 0) return false;
  char last = '\n';
  return ::pread(fd, &last, 1, size - 1) == 1 && last != '\n';
}

std::string shown(const std::string& line) {
  return line.size() <= kShownBytes ? line : line.substr(0, kShownBytes) + "...";
}

}  // namespace

Spool::Spool(std::string path) : path_(std::move(path)) {}

void Spool::append(std::int64_t run_id, const core::RunOutcome& o,
                   std::chrono::system_clock::time_point finished_at) {
  write_line(SpoolRecord{run_id, o, finished_at, std::nullopt}.to_line());
}

bool Spool::keep_skip(const Claim& claim, const std::string& reason) noexcept {
  try {
    SpoolRecord r;
    r.skip = SkipRecord{claim, reason};
    write_line(r.to_line());
    return true;
  } catch (const std::exception& e) {
    ++lost_;
    try {
      spdlog::error("the skipped slot {} of {} ({}) is LOST from the run log: the spool failed: {}",
                    util::to_sql_datetime(claim.scheduled_for), claim.job, reason, e.what());
    } catch (...) {  // logging failed too: the counter still tells
    }
  } catch (...) {
    ++lost_;
  }
  return false;
}

void Spool::write_line(const std::string& line) {
  const std::lock_guard lock(mutex_);
  std::error_code ec;
  std::filesystem::create_directories(std::filesystem::path(path_).parent_path(), ec);
  const auto fd = open_locked(path_, O_RDWR | O_CREAT | O_APPEND);
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) fail(errno, "cannot stat " + path_);
  // Every writer holds the flock, so the end is where this write goes.
  const off_t size = S_ISREG(st.st_mode) ? st.st_size : 0;
  append_line(fd.get(), ends_mid_line(fd.get(), size) ? "\n" + line : line, size, path_);
}

bool Spool::keep(std::int64_t run_id, std::string_view job, const core::RunOutcome& o,
                 std::chrono::system_clock::time_point finished_at) noexcept {
  try {
    append(run_id, o, finished_at);
    return true;
  } catch (const std::exception& e) {
    ++lost_;
    try {
      // Everything an operator needs to finish the row by hand.
      spdlog::error(
          "run {} of {} is LOST from the run log: it ended {} at {} UTC (duration {} ms, rows {}, "
          "error {} {} {}), the database was unreachable and the spool failed: {}; its row stays "
          "'running' until finished by hand",
          run_id, job, core::to_string(o.status), util::to_sql_datetime(finished_at),
          o.duration.count() / 1000, o.rows_affected, o.error_code,
          o.sql_state.empty() ? "-" : o.sql_state,
          o.error_message.empty() ? "-" : shown(o.error_message), e.what());
    } catch (...) {  // logging failed too: the counter still tells
    }
  } catch (...) {
    ++lost_;
  }
  return false;
}

void Spool::check_writable() const {
  const std::lock_guard lock(mutex_);
  const std::filesystem::path dir = std::filesystem::path(path_).parent_path();
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) fail(ec.value(), "cannot create " + dir.string());
  const auto fd = open_locked(path_, O_RDWR | O_CREAT | O_APPEND);
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) fail(errno, "cannot stat " + path_);
  if (!S_ISREG(st.st_mode)) fail(EINVAL, path_ + " is not a regular file");
}

bool Spool::empty() const {
  const std::lock_guard lock(mutex_);
  struct stat st {};
  return ::stat(path_.c_str(), &st) != 0 || st.st_size == 0;
}

std::size_t Spool::records() const {
  const std::lock_guard lock(mutex_);
  try {
    const auto fd = open_locked(path_, O_RDONLY);
    if (!fd) return 0;
    std::size_t n = 0;
    bool in_line = false;
    for (const char c : read_all(fd.get(), path_)) {
      if (c == '\n') {
        n += in_line ? 1 : 0;
        in_line = false;
      } else {
        in_line = true;
      }
    }
    return n + (in_line ? 1 : 0);
  } catch (const std::system_error& e) {
    spdlog::warn("spool {}: cannot count its records: {}", path_, e.what());
    return 0;
  }
}

bool Spool::set_aside(const std::string& line, std::string_view why) const {
  const auto bad = bad_path();
  try {
    const auto fd = open_locked(bad, O_RDWR | O_CREAT | O_APPEND);
    const auto kept = read_all(fd.get(), bad);
    // A replay cut short by the database sets the same line aside again: keep it once.
    const bool there = kept.starts_with(line + "\n") || kept.find("\n" + line + "\n") != kept.npos;
    if (!there) {
      const auto size = static_cast<off_t>(kept.size());
      const bool torn = !kept.empty() && kept.back() != '\n';
      append_line(fd.get(), (torn ? "\n" : "") + line + "\n", size, bad);
    }
    spdlog::warn("spool {}: a record cannot be replayed ({}); kept in {}: {}", path_, why, bad,
                 util::escape_for_message(shown(line)));
    return true;
  } catch (const std::exception& e) {
    spdlog::error(
        "spool {}: a record cannot be replayed ({}) nor set aside in {} ({}); it stays "
        "in the spool: {}",
        path_, why, bad, e.what(), util::escape_for_message(shown(line)));
    return false;
  }
}

std::size_t Spool::replay(mysql::Session& s, const RunLog& log) {
  const std::lock_guard lock(mutex_);
  util::UniqueFd fd;
  std::string text;
  try {
    fd = open_locked(path_, O_RDWR);
    if (!fd) return 0;
    text = read_all(fd.get(), path_);
  } catch (const std::system_error& e) {
    spdlog::error("spool {}: cannot read it: {}", path_, e.what());
    return 0;
  }
  std::size_t written = 0;
  bool all_handled = true;
  std::size_t start = 0;
  while (start < text.size()) {
    auto end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();  // a line torn by a crash
    const std::string line = text.substr(start, end - start);
    start = end + 1;
    if (line.empty()) continue;
    auto parsed = SpoolRecord::parse(line);
    if (const auto* why = std::get_if<std::string>(&parsed)) {
      all_handled = set_aside(line, "malformed: " + *why) && all_handled;
      continue;
    }
    const auto& r = std::get<SpoolRecord>(parsed);
    try {
      if (r.skip) {
        log.record_skipped(s, r.skip->claim, r.skip->reason);
      } else {
        log.finish(s, r.run_id, r.outcome, r.finished_at);
      }
      ++written;
    } catch (const mysql::DbError& e) {
      // A record the server refuses as data can never be written as it is: it is set aside instead
      // of blocking the records after it (and the health check) for good. Anything else is the
      // database: everything stays for the next try.
      if (!mysql::is_refused_value(e.code())) throw;
      all_handled =
          set_aside(line, "refused by the server: " + std::string(e.what())) && all_handled;
    }
  }
  // Records written twice are harmless (finishing is idempotent), records dropped are not: the
  // file is emptied only once every line is in the run log or set aside.
  if (all_handled && (::ftruncate(fd.get(), 0) != 0 || ::fsync(fd.get()) != 0)) {
    spdlog::warn("spool {}: cannot empty it ({}); its records will be written again (harmless)",
                 path_, std::generic_category().message(errno));
  }
  return written;
}

}  // namespace sqlcron::runlog
