#include "config/arg_template.hpp"

#include <date/date.h>

#include <stdexcept>

namespace sqlcron::config {

namespace {

std::string sql_datetime(schedule::Instant t) { return date::format("%F %T", t); }

std::string as_text(const util::SqlValue& v) {
  struct Visitor {
    std::string operator()(std::monostate /*unused*/) const { return ""; }
    std::string operator()(std::int64_t i) const { return std::to_string(i); }
    std::string operator()(double d) const { return std::to_string(d); }
    std::string operator()(const std::string& s) const { return s; }
  };
  return std::visit(Visitor{}, v);
}

}  // namespace

ArgTemplate ArgTemplate::null() { return ArgTemplate{}; }

ArgTemplate ArgTemplate::integer(std::int64_t v) {
  ArgTemplate t;
  t.constant_ = v;
  return t;
}

ArgTemplate ArgTemplate::real(double v) {
  ArgTemplate t;
  t.constant_ = v;
  return t;
}

ArgTemplate ArgTemplate::text(std::string_view v) {
  ArgTemplate t;
  std::vector<Piece> pieces;
  std::string literal;
  bool any_placeholder = false;
  for (std::size_t i = 0; i < v.size(); ++i) {
    const char c = v[i];
    if ((c == '{' || c == '}') && i + 1 < v.size() && v[i + 1] == c) {
      literal += c;
      ++i;
      continue;
    }
    if (c == '}') throw std::invalid_argument("unmatched '}' (write '}}' for a literal brace)");
    if (c != '{') {
      literal += c;
      continue;
    }
    const auto close = v.find('}', i);
    if (close == std::string_view::npos) {
      throw std::invalid_argument("unclosed '{' (write '{{' for a literal brace)");
    }
    const auto name = v.substr(i + 1, close - i - 1);
    Placeholder p = Placeholder::none;
    if (name == "scheduled_for") p = Placeholder::scheduled_for;
    if (name == "run_id") p = Placeholder::run_id;
    if (name == "job") p = Placeholder::job;
    if (name == "attempt") p = Placeholder::attempt;
    if (name == "last_success") p = Placeholder::last_success;
    if (name == "failed_job") p = Placeholder::failed_job;
    if (name == "failed_run_id") p = Placeholder::failed_run_id;
    if (name == "error_code") p = Placeholder::error_code;
    if (name == "error_message") p = Placeholder::error_message;
    if (name == "chain_run_id") p = Placeholder::chain_run_id;
    if (p == Placeholder::none) {
      throw std::invalid_argument("unknown placeholder {" + std::string(name) +
                                  "}; expected one of {scheduled_for}, {run_id}, {job}, "
                                  "{attempt}, {last_success}, {failed_job}, {failed_run_id}, "
                                  "{error_code}, {error_message}, {chain_run_id}");
    }
    pieces.push_back(Piece{std::move(literal), p});
    literal.clear();
    any_placeholder = true;
    i = close;
  }
  if (any_placeholder) {
    if (!literal.empty()) pieces.push_back(Piece{std::move(literal), Placeholder::none});
    t.pieces_ = std::move(pieces);
  } else {
    t.constant_ = std::move(literal);
  }
  return t;
}

util::SqlValue ArgTemplate::value_of(Placeholder p, const RunContext& ctx) {
  switch (p) {
    case Placeholder::scheduled_for:
      return sql_datetime(ctx.scheduled_for);
    case Placeholder::run_id:
      return ctx.run_id;
    case Placeholder::job:
      return ctx.job;
    case Placeholder::attempt:
      return static_cast<std::int64_t>(ctx.attempt);
    case Placeholder::last_success:
      if (ctx.last_success) return sql_datetime(*ctx.last_success);
      return std::monostate{};
    case Placeholder::failed_job:
      if (ctx.failure) return ctx.failure->job;
      return std::monostate{};
    case Placeholder::failed_run_id:
      if (ctx.failure) return ctx.failure->run_id;
      return std::monostate{};
    case Placeholder::error_code:
      if (ctx.failure) return static_cast<std::int64_t>(ctx.failure->error_code);
      return std::monostate{};
    case Placeholder::error_message:
      if (ctx.failure) return ctx.failure->error_message;
      return std::monostate{};
    case Placeholder::chain_run_id:  // a root's instance is its own run
      return ctx.chain_run_id != 0 ? ctx.chain_run_id : ctx.run_id;
    case Placeholder::none:
      break;
  }
  return std::monostate{};
}

bool ArgTemplate::uses_last_success() const {
  for (const auto& piece : pieces_) {
    if (piece.placeholder == Placeholder::last_success) return true;
  }
  return false;
}

std::string ArgTemplate::render_text(const RunContext& ctx) const { return as_text(render(ctx)); }

util::SqlValue ArgTemplate::render(const RunContext& ctx) const {
  if (pieces_.empty()) return constant_;
  if (pieces_.size() == 1 && pieces_[0].literal.empty()) {
    return value_of(pieces_[0].placeholder, ctx);
  }
  std::string out;
  for (const auto& piece : pieces_) {
    out += piece.literal;
    out += as_text(value_of(piece.placeholder, ctx));
  }
  return out;
}

}  // namespace sqlcron::config
