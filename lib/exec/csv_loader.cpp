#include "exec/csv_loader.hpp"

#include <date/date.h>
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <filesystem>
#include <stdexcept>
#include <string_view>

#include "exec/file_inbox.hpp"
#include "mysql/db_error.hpp"
#include "mysql/error_class.hpp"
#include "util/csv_reader.hpp"
#include "util/file_text.hpp"
#include "util/fnv1a.hpp"
#include "util/sql_time.hpp"
#include "util/utf8.hpp"

namespace sqlcron::exec {

namespace fs = std::filesystem;

namespace {

constexpr std::size_t kMaxRaw = 4096;
constexpr std::size_t kMaxReason = 255;
constexpr std::size_t kMaxParams = 60000;  // a prepared statement takes at most 65,535
constexpr std::uintmax_t kMaxFileBytes = std::uintmax_t{1} << 30;

// Errors that end the whole transaction (or the connection): the file cannot go on.
bool fatal_for_file(int code) {
  return mysql::is_connection_lost(code) || mysql::is_lock_conflict(code);
}

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

std::string hex(const std::string& bytes) {
  static constexpr std::string_view kDigits = "0123456789ABCDEF";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (const unsigned char c : bytes) {
    out += kDigits[c >> 4U];
    out += kDigits[c & 0xFU];
  }
  return out;
}

std::string trimmed(const std::string& s) {
  const auto b = s.find_first_not_of(" \t");
  if (b == std::string::npos) return "";
  return s.substr(b, s.find_last_not_of(" \t") - b + 1);
}

}  // namespace

CsvLoader::CsvLoader(mysql::Session& session, const config::JobConfig& job,
                     const std::string& default_schema, const std::string& state_schema)
    : s_(session),
      job_(job),
      csv_(*job.load_csv),
      loaded_files_(mysql::quote_identifier(state_schema) + ".loaded_files"),
      load_rejects_(mysql::quote_identifier(state_schema) + ".load_rejects"),
      rejected_files_(mysql::quote_identifier(state_schema) + ".rejected_files") {
  const auto& schema = csv_.table_schema.empty() ? default_schema : csv_.table_schema;
  insert_prefix_ = "INSERT INTO " + mysql::quote_identifier(schema) + "." +
                   mysql::quote_identifier(csv_.table) + " (";
  row_placeholders_ = "(";
  for (const auto& c : csv_.columns) {
    insert_prefix_ += mysql::quote_identifier(c) + ", ";
    row_placeholders_ += "?, ";
  }
  insert_prefix_ += "source_file, source_line, ingested_at, ingest_run_id, ingest_slot) VALUES ";
  row_placeholders_ += "?, ?, ?, ?, ?)";
}

LoadSummary CsvLoader::load(std::int64_t run_id, schedule::Instant slot) {
  FileInbox inbox(csv_, job_.name);
  const auto files = inbox.ready_files(std::chrono::system_clock::now());
  LoadSummary summary;
  summary.files_unsettled = inbox.unsettled();
  summary.files_settling = inbox.settling();
  for (const auto& f : files) {
    switch (load_file(f, run_id, slot, summary)) {
      case FileResult::loaded:
        ++summary.files;
        inbox.taken(f);
        break;
      case FileResult::seen:
        ++summary.files_seen;
        inbox.taken(f);
        break;
      case FileResult::refused:
        ++summary.files_refused;
        break;
      case FileResult::refused_before:
        ++summary.files_refused_before;
        break;
      case FileResult::skipped:
        break;
    }
  }
  if (summary.files_refused == 0) inbox.marker_done();
  return summary;
}

ForgetResult CsvLoader::forget(mysql::Session& session, const std::string& state_schema,
                               const std::string& job, const std::string& path) {
  const auto schema = mysql::quote_identifier(state_schema);
  ForgetResult out;
  if (auto file = util::read_dropped_file(path, kMaxFileBytes);
      file.status == util::DroppedFile::Status::ok) {
    const auto checksum = util::fnv1a_hex(file.content);
    out.loaded = session.execute(
        "DELETE FROM " + schema + ".loaded_files WHERE job = ? AND checksum = ?", {job, checksum});
    out.rejected =
        session.execute("DELETE FROM " + schema + ".rejected_files WHERE job = ? AND checksum = ?",
                        {job, checksum});
    return out;
  }
  const auto name = util::sanitize_utf8(fs::path(path).filename().string());
  out.same_name = std::stoll(
      session
          .query("SELECT (SELECT COUNT(*) FROM " + schema +
                     ".loaded_files WHERE job = ? AND file_name = ?) + (SELECT COUNT(*) FROM " +
                     schema + ".rejected_files WHERE job = ? AND file_name = ?)",
                 {job, name, job, name})
          .rows.at(0)
          .at(0)
          .value_or("0"));
  if (out.same_name > 1) return out;
  out.loaded = session.execute(
      "DELETE FROM " + schema + ".loaded_files WHERE job = ? AND file_name = ?", {job, name});
  out.rejected = session.execute(
      "DELETE FROM " + schema + ".rejected_files WHERE job = ? AND file_name = ?", {job, name});
  return out;
}

CsvLoader::FileResult CsvLoader::load_file(const std::string& path, std::int64_t run_id,
                                           schedule::Instant slot, LoadSummary& summary) {
  const auto name = fs::path(path).filename().string();
  auto file = util::read_dropped_file(path, kMaxFileBytes);
  using Status = util::DroppedFile::Status;
  if (file.status == Status::vanished || file.status == Status::not_regular) {
    // Removed or replaced after the listing (a producer withdrawing it, another consumer), or
    // a link or special file swapped in: nothing to load; the others are loaded.
    spdlog::warn(
        "job {}: {}: {}; not loaded", job_.name, util::escape_for_message(name),
        file.status == Status::vanished ? "gone before it was read" : file.error + ", never read");
    return FileResult::skipped;
  }
  if (file.status != Status::ok) {
    // Nothing of it loaded, nothing recorded: the run fails saying why (the other files are
    // loaded), and the next run tries it again - a permission fixed, a file split.
    const auto why = file.status == Status::too_large ? "larger than 1 GiB; split it"
                                                      : "cannot be read: " + file.error;
    summary.refusals +=
        (summary.refusals.empty() ? "" : "; ") + util::escape_for_message(name) + ": " + why;
    spdlog::error("job {}: {}: {}", job_.name, util::escape_for_message(name), why);
    return FileResult::refused;
  }
  const auto content = std::move(file.content);
  const auto checksum = util::fnv1a_hex(content);
  const auto now = util::to_sql_datetime(std::chrono::system_clock::now());
  const auto slot_text = date::format("%F %T", slot);
  const auto refused =
      s_.query("SELECT run_id FROM " + rejected_files_ + " WHERE job = ? AND checksum = ?",
               {job_.name, checksum});
  if (!refused.rows.empty()) {
    spdlog::warn(
        "job {}: {}: this content was refused by run {}; not loaded (after correcting it, drop it "
        "again, or `sqlcrond forget-file {}` to load it as it is)",
        job_.name, util::escape_for_message(name), refused.rows[0][0].value_or("?"),
        util::escape_for_message(path));
    return FileResult::refused_before;
  }
  s_.execute_raw("START TRANSACTION");
  try {
    // The file's record first: it is the claim (another run or instance loading the same content
    // waits on it, then finds it taken).
    try {
      s_.execute("INSERT INTO " + loaded_files_ +
                     " (job, checksum, file_name, size_bytes, run_id, rows_loaded, rows_rejected,"
                     " loaded_at) VALUES (?, ?, ?, ?, ?, 0, 0, ?)",
                 {job_.name, checksum, util::sanitize_utf8(name),
                  static_cast<std::int64_t>(content.size()), run_id, now});
    } catch (const mysql::DbError& e) {
      if (e.code() != mysql::code::kDuplicateKey) throw;
      s_.execute_raw("ROLLBACK");
      return FileResult::seen;
    }
    std::int64_t rows = 0;
    std::vector<Reject> rejects;
    const auto reject = [&](int line, const std::string& reason, const std::string& raw) {
      rejects.push_back({line, reason, raw.substr(0, kMaxRaw)});
    };
    const std::size_t per_row = csv_.columns.size() + 5;
    const std::size_t max_rows =
        std::max<std::size_t>(1, std::min(kBatchRows, kMaxParams / per_row));
    std::vector<mysql::Value> batch;
    std::vector<std::pair<int, std::string>> batch_lines;  // line and raw text of each row
    const auto insert = [&](std::size_t first, std::size_t count) {
      std::string sql = insert_prefix_;
      for (std::size_t i = 0; i < count; ++i) {
        if (i > 0) sql += ", ";
        sql += row_placeholders_;
      }
      return s_.execute(
          sql, std::vector<mysql::Value>(
                   batch.begin() + static_cast<std::ptrdiff_t>(first * per_row),
                   batch.begin() + static_cast<std::ptrdiff_t>((first + count) * per_row)));
    };
    const auto flush = [&] {
      const auto n = batch_lines.size();
      if (n == 0) return;
      try {
        rows += insert(0, n);
      } catch (const mysql::DbError& e) {
        if (fatal_for_file(e.code())) throw;
        // A value the table refuses (too long, not a number, NULL in NOT NULL, a duplicate
        // key): the statement alone was rolled back. Row by row, to load the others and reject
        // exactly the refused ones.
        for (std::size_t i = 0; i < n; ++i) {
          try {
            rows += insert(i, 1);
          } catch (const mysql::DbError& row_error) {
            if (fatal_for_file(row_error.code())) throw;
            reject(batch_lines[i].first,
                   "refused by the server: error " + std::to_string(row_error.code()) + ": " +
                       row_error.what(),
                   batch_lines[i].second);
          }
        }
      }
      batch.clear();
      batch_lines.clear();
    };
    util::CsvReader reader(content, csv_.delimiter);
    util::CsvRecord rec;
    bool header_pending = csv_.header;
    while (reader.next(rec)) {
      if (header_pending) {
        header_pending = false;
        bool same = rec.error.empty() && rec.fields.size() == csv_.columns.size();
        for (std::size_t i = 0; same && i < rec.fields.size(); ++i) {
          same = rec.fields[i] && lower(trimmed(*rec.fields[i])) == lower(csv_.columns[i]);
        }
        if (!same) {
          std::string expected;
          for (const auto& c : csv_.columns) expected += (expected.empty() ? "" : ",") + c;
          reject(rec.line,
                 "the header does not name the configured columns (" + expected +
                     "); the whole file is rejected",
                 rec.raw);
          // Nothing else of a file whose columns may be in another order is loaded.
          break;
        }
        continue;
      }
      if (!rec.error.empty()) {
        reject(rec.line, rec.error, rec.raw);
        continue;
      }
      if (rec.fields.size() != csv_.columns.size()) {
        reject(rec.line,
               std::to_string(rec.fields.size()) + " fields, expected " +
                   std::to_string(csv_.columns.size()),
               rec.raw);
        continue;
      }
      for (auto& f : rec.fields) {
        if (f) {
          batch.emplace_back(std::move(*f));
        } else {
          batch.emplace_back(std::monostate{});
        }
      }
      batch.emplace_back(util::sanitize_utf8(name));
      batch.emplace_back(static_cast<std::int64_t>(rec.line));
      batch.emplace_back(now);
      batch.emplace_back(run_id);
      batch.emplace_back(slot_text);
      batch_lines.emplace_back(rec.line, std::move(rec.raw));
      if (batch_lines.size() == max_rows) flush();
    }
    flush();
    const auto rejected = static_cast<std::int64_t>(rejects.size());
    summary.rejected += rejected;
    const double share =
        rejected == 0 ? 0.0 : static_cast<double>(rejected) / static_cast<double>(rows + rejected);
    if (rejected > 0 && (rows == 0 || share > csv_.max_reject_ratio)) {
      s_.execute_raw("ROLLBACK");
      const auto why =
          rows == 0 ? (rejected == 1 ? rejects[0].reason
                                     : "every line rejected (" + std::to_string(rejected) + ")")
                    : fmt::format("{} of {} lines rejected, more than max_reject_ratio {}",
                                  rejected, rows + rejected, csv_.max_reject_ratio);
      record_refusal(run_id, name, checksum, content.size(), rows, rejects, why);
      summary.refusals +=
          (summary.refusals.empty() ? "" : "; ") + util::escape_for_message(name) + ": " + why;
      spdlog::error("job {}: {}: refused, nothing loaded: {} (see load_rejects, run {})", job_.name,
                    util::escape_for_message(name), util::escape_for_message(why), run_id);
      return FileResult::refused;
    }
    insert_rejects(run_id, name, rejects);
    s_.execute("UPDATE " + loaded_files_ +
                   " SET rows_loaded = ?, rows_rejected = ? WHERE job = ? AND checksum = ?",
               {rows, rejected, job_.name, checksum});
    s_.execute_raw("COMMIT");
    summary.rows += rows;
    if (rejected > 0) {
      spdlog::warn("job {}: {}: loaded {} rows, rejected {} lines (see load_rejects, run {})",
                   job_.name, util::escape_for_message(name), rows, rejected, run_id);
    } else {
      spdlog::info("job {}: {}: loaded {} rows", job_.name, util::escape_for_message(name), rows);
    }
    return FileResult::loaded;
  } catch (...) {
    try {
      s_.execute_raw("ROLLBACK");
    } catch (const mysql::DbError&) {
      // The connection is gone: the server rolls the transaction back itself.
    }
    throw;
  }
}

void CsvLoader::insert_rejects(std::int64_t run_id, const std::string& name,
                               const std::vector<Reject>& rejects) {
  for (const auto& r : rejects) {
    // The raw bytes go in as hex and UNHEX()ed by the server: a line that is not UTF-8 is kept
    // as it was read, and no client character set conversion can touch it.
    s_.execute("INSERT INTO " + load_rejects_ +
                   " (run_id, job, file_name, line, reason, raw) VALUES (?, ?, ?, ?, ?, UNHEX(?))",
               {run_id, job_.name, util::sanitize_utf8(name), static_cast<std::int64_t>(r.line),
                util::sanitize_utf8(r.reason.substr(0, kMaxReason)), hex(r.raw)});
  }
}

void CsvLoader::record_refusal(std::int64_t run_id, const std::string& name,
                               const std::string& checksum, std::size_t size, std::int64_t rows,
                               const std::vector<Reject>& rejects, const std::string& reason) {
  s_.execute_raw("START TRANSACTION");
  try {
    insert_rejects(run_id, name, rejects);
    // Another daemon may have refused the same content meanwhile: one row is enough.
    s_.execute("INSERT IGNORE INTO " + rejected_files_ +
                   " (job, checksum, file_name, size_bytes, run_id, lines_loadable,"
                   " lines_rejected, reason, rejected_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
               {job_.name, checksum, util::sanitize_utf8(name), static_cast<std::int64_t>(size),
                run_id, rows, static_cast<std::int64_t>(rejects.size()),
                util::sanitize_utf8(reason.substr(0, kMaxReason)),
                util::to_sql_datetime(std::chrono::system_clock::now())});
    s_.execute_raw("COMMIT");
  } catch (...) {
    try {
      s_.execute_raw("ROLLBACK");
    } catch (const mysql::DbError&) {
      // The connection is gone: the server rolls the transaction back itself.
    }
    throw;
  }
}

}  // namespace sqlcron::exec
