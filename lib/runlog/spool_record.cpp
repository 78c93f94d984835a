#include "runlog/spool_record.hpp"

#include <charconv>
#include <stdexcept>
#include <vector>

#include "util/sql_time.hpp"

namespace sqlcron::runlog {

namespace {

constexpr std::size_t kFields = 8;

std::string escape(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (const char c : s) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '\t') {
      out += "\\t";
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '\r') {
      out += "\\r";
    } else {
      out += c;
    }
  }
  return out;
}

std::string unescape(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\\' && i + 1 < s.size()) {
      const char n = s[++i];
      out += n == 't' ? '\t' : n == 'n' ? '\n' : n == 'r' ? '\r' : n;
    } else {
      out += s[i];
    }
  }
  return out;
}

std::vector<std::string_view> split_tabs(std::string_view line) {
  std::vector<std::string_view> fields;
  for (;;) {
    const auto tab = line.find('\t');
    fields.push_back(line.substr(0, tab));
    if (tab == std::string_view::npos) break;
    line.remove_prefix(tab + 1);
  }
  return fields;
}

template <typename Int>
bool read_int(std::string_view text, Int& out) {
  const auto* end = text.data() + text.size();
  const auto [ptr, ec] = std::from_chars(text.data(), end, out);
  return ec == std::errc() && ptr == end && !text.empty();
}

bool read_status(std::string_view s, core::RunStatus& out) {
  // Only final statuses are ever spooled.
  for (const auto st :
       {core::RunStatus::succeeded, core::RunStatus::failed, core::RunStatus::timed_out,
        core::RunStatus::cancelled, core::RunStatus::abandoned, core::RunStatus::skipped}) {
    if (core::to_string(st) == s) {
      out = st;
      return true;
    }
  }
  return false;
}

bool read_cause(std::string_view s, core::RunCause& out) {
  for (const auto c : {core::RunCause::schedule, core::RunCause::catchup, core::RunCause::retry,
                       core::RunCause::manual, core::RunCause::chain, core::RunCause::failure_hook,
                       core::RunCause::watch}) {
    if (core::to_string(c) == s) {
      out = c;
      return true;
    }
  }
  return false;
}

constexpr std::size_t kSkipFields = 9;

std::variant<SpoolRecord, std::string> parse_skip(const std::vector<std::string_view>& f) {
  if (f.size() != kSkipFields) {
    return std::to_string(f.size()) + " fields instead of " + std::to_string(kSkipFields);
  }
  SkipRecord skip;
  auto& c = skip.claim;
  c.job = unescape(f[1]);
  if (c.job.empty()) return "no job";
  if (!read_int(f[3], c.attempt) || c.attempt < 1) return "bad attempt";
  if (!read_cause(f[4], c.cause)) return "bad cause";
  c.instance = unescape(f[5]);
  if (!read_int(f[6], c.chain_run_id) || c.chain_run_id < 0) return "bad chain";
  try {
    c.scheduled_for = std::chrono::floor<std::chrono::seconds>(util::from_sql_datetime(f[2]));
    c.started_at = util::from_sql_datetime(f[7]);
  } catch (const std::invalid_argument&) {
    return "bad time";
  }
  skip.reason = unescape(f[8]);
  SpoolRecord r;
  r.outcome.status = core::RunStatus::skipped;
  r.finished_at = c.started_at;
  r.skip = std::move(skip);
  return r;
}

}  // namespace

std::string SpoolRecord::to_line() const {
  if (skip) {
    const auto& c = skip->claim;
    return "skip\t" + escape(c.job) + "\t" + util::to_sql_datetime(c.scheduled_for) + "\t" +
           std::to_string(c.attempt) + "\t" + std::string(core::to_string(c.cause)) + "\t" +
           escape(c.instance) + "\t" + std::to_string(c.chain_run_id) + "\t" +
           util::to_sql_datetime(c.started_at) + "\t" + escape(skip->reason) + "\n";
  }
  return std::to_string(run_id) + "\t" + std::string(core::to_string(outcome.status)) + "\t" +
         util::to_sql_datetime(finished_at) + "\t" + std::to_string(outcome.duration.count()) +
         "\t" + std::to_string(outcome.rows_affected) + "\t" + std::to_string(outcome.error_code) +
         "\t" + escape(outcome.sql_state) + "\t" + escape(outcome.error_message) + "\n";
}

std::variant<SpoolRecord, std::string> SpoolRecord::parse(std::string_view line) {
  const auto f = split_tabs(line);
  if (!f.empty() && f[0] == "skip") return parse_skip(f);
  if (f.size() != kFields) {
    return std::to_string(f.size()) + " fields instead of " + std::to_string(kFields);
  }
  SpoolRecord r;
  std::int64_t micros = 0;
  if (!read_int(f[0], r.run_id) || r.run_id <= 0) return "bad run id";
  if (!read_status(f[1], r.outcome.status)) return "bad status";
  if (!read_int(f[3], micros)) return "bad duration";
  if (!read_int(f[4], r.outcome.rows_affected)) return "bad rows affected";
  if (!read_int(f[5], r.outcome.error_code)) return "bad error code";
  try {
    r.finished_at = util::from_sql_datetime(f[2]);
  } catch (const std::invalid_argument&) {
    return "bad finish time";
  }
  r.outcome.duration = std::chrono::microseconds(micros);
  r.outcome.sql_state = unescape(f[6]);
  r.outcome.error_message = unescape(f[7]);
  return r;
}

}  // namespace sqlcron::runlog
