// ArgTemplate: one job argument as written in the config, rendered per run into a bound value.
// A string that is exactly one placeholder ("{run_id}") becomes that value with its own type
// (instants as 'YYYY-MM-DD HH:MM:SS' UTC, NULL for a first-time {last_success}); placeholders
// inside a longer string are substituted as text. Known placeholders: {scheduled_for}, {run_id},
// {job}, {attempt}, {last_success}, and for failure hooks and notify commands {failed_job},
// {failed_run_id}, {error_code}, {error_message} (NULL in other runs); a literal brace is written
// "{{" or "}}".
//
// Error contract: parse() throws std::invalid_argument naming the bad placeholder; render() never
// throws for a parsed template.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "config/run_context.hpp"
#include "util/sql_value.hpp"

namespace sqlcron::config {

class ArgTemplate {
 public:
  static ArgTemplate null();
  static ArgTemplate integer(std::int64_t v);
  static ArgTemplate real(double v);
  static ArgTemplate text(std::string_view v);  // parses placeholders

  [[nodiscard]] util::SqlValue render(const RunContext& ctx) const;
  // The rendered value as text (NULL as ""), for command lines.
  [[nodiscard]] std::string render_text(const RunContext& ctx) const;
  // True if rendering needs RunContext::last_success (a database lookup).
  [[nodiscard]] bool uses_last_success() const;

 private:
  enum class Placeholder {
    none,
    scheduled_for,
    run_id,
    job,
    attempt,
    last_success,
    failed_job,
    failed_run_id,
    error_code,
    error_message,
    chain_run_id
  };
  struct Piece {
    std::string literal;
    Placeholder placeholder = Placeholder::none;
  };

  static util::SqlValue value_of(Placeholder p, const RunContext& ctx);

  util::SqlValue constant_;
  std::vector<Piece> pieces_;  // non-empty for a text template containing placeholders
};

}  // namespace sqlcron::config
