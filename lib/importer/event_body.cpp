#include "importer/event_body.hpp"

#include <cctype>
#include <charconv>
#include <cstdint>
#include <optional>

#include "util/text.hpp"

namespace sqlcron::importer {
namespace {

struct Token {
  enum class Kind { word, identifier, string, number, punct, unsupported };
  Kind kind;
  std::string text;       // word/number/punct as written; identifier/string decoded
  std::size_t begin = 0;  // offsets into the body
  std::size_t end = 0;
};

bool is_word_char(char c) {
  const auto u = static_cast<unsigned char>(c);
  return std::isalnum(u) != 0 || c == '_' || c == '$' || u >= 0x80;
}

bool mode_has(std::string_view sql_mode, std::string_view flag) {
  std::size_t pos = 0;
  while (pos <= sql_mode.size()) {
    const std::size_t comma = std::min(sql_mode.find(',', pos), sql_mode.size());
    if (util::equals_ignore_case(sql_mode.substr(pos, comma - pos), flag)) return true;
    pos = comma + 1;
  }
  return false;
}

// Splits a body into tokens the way the MySQL parser would see them. Comments are skipped;
// anything this lexer does not model (executable comments, unterminated quotes) becomes an
// `unsupported` token, which makes every caller fall back to the verbatim statement.
class Lexer {
 public:
  Lexer(std::string_view text, std::string_view sql_mode)
      : text_(text),
        backslash_escapes_(!mode_has(sql_mode, "NO_BACKSLASH_ESCAPES")),
        ansi_quotes_(mode_has(sql_mode, "ANSI_QUOTES") || mode_has(sql_mode, "ANSI")) {}

  std::vector<Token> run() {
    std::vector<Token> tokens;
    while (skip_space_and_comments(tokens)) {
      const std::size_t start = pos_;
      const char c = text_[pos_];
      if (c == '\'' || (c == '"' && !ansi_quotes_)) {
        tokens.push_back(quoted(Token::Kind::string, start));
      } else if (c == '`' || c == '"') {
        tokens.push_back(quoted(Token::Kind::identifier, start));
      } else if (std::isdigit(static_cast<unsigned char>(c)) != 0 ||
                 (c == '.' && pos_ + 1 < text_.size() &&
                  std::isdigit(static_cast<unsigned char>(text_[pos_ + 1])) != 0)) {
        tokens.push_back(number(start));
      } else if (is_word_char(c)) {
        while (pos_ < text_.size() && is_word_char(text_[pos_])) ++pos_;
        tokens.push_back(make(Token::Kind::word, start));
      } else {
        ++pos_;
        tokens.push_back(make(Token::Kind::punct, start));
      }
      if (tokens.back().kind == Token::Kind::unsupported) break;
    }
    return tokens;
  }

 private:
  Token make(Token::Kind kind, std::size_t start) const {
    return Token{kind, std::string(text_.substr(start, pos_ - start)), start, pos_};
  }

  // Returns false at the end of the text.
  bool skip_space_and_comments(std::vector<Token>& tokens) {
    while (pos_ < text_.size()) {
      const char c = text_[pos_];
      if (std::isspace(static_cast<unsigned char>(c)) != 0) {
        ++pos_;
      } else if (c == '#' || (c == '-' && text_.substr(pos_, 2) == "--" &&
                              (pos_ + 2 == text_.size() ||
                               std::isspace(static_cast<unsigned char>(text_[pos_ + 2])) != 0))) {
        while (pos_ < text_.size() && text_[pos_] != '\n') ++pos_;
      } else if (text_.substr(pos_, 2) == "/*") {
        const std::size_t close = text_.find("*/", pos_ + 2);
        const std::string_view opening = text_.substr(pos_, 3);
        if (close == std::string_view::npos || opening == "/*!" || opening == "/*M") {
          tokens.push_back(Token{Token::Kind::unsupported, "", pos_, text_.size()});
          pos_ = text_.size();
          return false;
        }
        pos_ = close + 2;
      } else {
        return true;
      }
    }
    return false;
  }

  Token quoted(Token::Kind kind, std::size_t start) {
    const char q = text_[pos_++];
    std::string value;
    while (pos_ < text_.size()) {
      const char c = text_[pos_++];
      if (c == q) {
        if (pos_ < text_.size() && text_[pos_] == q) {  // doubled quote
          value += q;
          ++pos_;
          continue;
        }
        return Token{kind, value, start, pos_};
      }
      if (c == '\\' && kind == Token::Kind::string && backslash_escapes_ && pos_ < text_.size()) {
        value += unescape(text_[pos_++]);
        continue;
      }
      value += c;
    }
    return Token{Token::Kind::unsupported, "", start, text_.size()};
  }

  static std::string unescape(char c) {
    switch (c) {
      case '0':
        return std::string(1, '\0');
      case 'b':
        return "\b";
      case 'n':
        return "\n";
      case 'r':
        return "\r";
      case 't':
        return "\t";
      case 'Z':
        return "\x1a";
      case '%':
        return "\\%";  // kept with the backslash, as MySQL does (for LIKE patterns)
      case '_':
        return "\\_";
      default:
        return std::string(1, c);
    }
  }

  Token number(std::size_t start) {
    const auto digits = [&] {
      while (pos_ < text_.size() && std::isdigit(static_cast<unsigned char>(text_[pos_])) != 0) {
        ++pos_;
      }
    };
    digits();
    if (pos_ < text_.size() && text_[pos_] == '.') {
      ++pos_;
      digits();
    }
    if (pos_ < text_.size() && (text_[pos_] == 'e' || text_[pos_] == 'E')) {
      std::size_t p = pos_ + 1;
      if (p < text_.size() && (text_[p] == '+' || text_[p] == '-')) ++p;
      if (p < text_.size() && std::isdigit(static_cast<unsigned char>(text_[p])) != 0) {
        pos_ = p;
        digits();
      }
    }
    if (pos_ < text_.size() && is_word_char(text_[pos_])) {  // 1abc, 0x1F: not a number
      while (pos_ < text_.size() && is_word_char(text_[pos_])) ++pos_;
      return make(Token::Kind::word, start);
    }
    return make(Token::Kind::number, start);
  }

  std::string_view text_;
  bool backslash_escapes_;
  bool ansi_quotes_;
  std::size_t pos_ = 0;
};

bool is_word(const Token& t, std::string_view w) {
  return t.kind == Token::Kind::word && util::equals_ignore_case(t.text, w);
}
bool is_punct(const Token& t, char c) {
  return t.kind == Token::Kind::punct && t.text.size() == 1 && t.text[0] == c;
}

// Flow-control and declaration statements that exist only inside stored programs.
bool starts_compound(const std::vector<Token>& t) {
  if (t.empty()) return true;
  if (t.size() > 1 && is_punct(t[1], ':') && t[0].kind != Token::Kind::string) return true;
  for (const char* w : {"BEGIN", "IF", "CASE", "LOOP", "REPEAT", "WHILE", "DECLARE", "LEAVE",
                        "ITERATE", "RETURN", "OPEN", "FETCH", "CLOSE", "FOR"}) {
    if (is_word(t[0], w)) return true;
  }
  return false;
}

std::optional<LiteralArg> literal(const std::vector<Token>& t, std::size_t& i) {
  if (i >= t.size()) return std::nullopt;
  if (t[i].kind == Token::Kind::string) {
    return LiteralArg{LiteralArg::Kind::text, t[i++].text};
  }
  if (is_word(t[i], "NULL")) {
    ++i;
    return LiteralArg{LiteralArg::Kind::null, ""};
  }
  if (is_word(t[i], "TRUE") || is_word(t[i], "FALSE")) {
    return LiteralArg{LiteralArg::Kind::integer, is_word(t[i++], "TRUE") ? "1" : "0"};
  }
  std::string sign;
  if (is_punct(t[i], '-') || is_punct(t[i], '+')) {
    sign = t[i].text == "-" ? "-" : "";
    ++i;
    if (i >= t.size()) return std::nullopt;
  }
  if (t[i].kind != Token::Kind::number) return std::nullopt;
  std::string text = sign + t[i++].text;
  if (text.find_first_of(".eE") == std::string::npos) {
    std::int64_t v = 0;
    const auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
    if (ec != std::errc() || p != text.data() + text.size()) return std::nullopt;  // too large
    return LiteralArg{LiteralArg::Kind::integer, std::to_string(v)};
  }
  double d = 0;
  const auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), d);
  if (ec != std::errc() || p != text.data() + text.size()) return std::nullopt;
  return LiteralArg{LiteralArg::Kind::number, text};
}

std::optional<std::string> name_part(const Token& t) {
  if (t.kind == Token::Kind::word || t.kind == Token::Kind::identifier) return t.text;
  return std::nullopt;
}

}  // namespace

EventBody EventBody::parse(std::string_view definition, std::string_view sql_mode) {
  std::vector<Token> tokens = Lexer(definition, sql_mode).run();
  std::size_t end = tokens.size();
  while (end > 0 && is_punct(tokens[end - 1], ';')) --end;
  tokens.resize(end);
  const std::size_t text_end = tokens.empty() ? 0 : tokens.back().end;
  const std::size_t text_begin = tokens.empty() ? 0 : tokens.front().begin;

  EventBody body;
  body.statement_ = util::trim(definition.substr(text_begin, text_end - text_begin));
  const bool unsupported = !tokens.empty() && tokens.back().kind == Token::Kind::unsupported;
  if (unsupported) {
    body.statement_ = util::trim(definition);
    while (!body.statement_.empty() && body.statement_.back() == ';') body.statement_.pop_back();
    body.kind_ = starts_compound(tokens) ? Kind::compound : Kind::statement;
    return body;
  }

  // BEGIN <one statement>; END: unwrap and look at the statement.
  if (tokens.size() >= 2 && is_word(tokens.front(), "BEGIN") && is_word(tokens.back(), "END")) {
    std::vector<std::pair<std::size_t, std::size_t>> pieces;  // token ranges
    std::size_t from = 1;
    if (tokens.size() >= 4 && is_word(tokens[1], "NOT") && is_word(tokens[2], "ATOMIC")) from = 3;
    for (std::size_t i = from; i < tokens.size(); ++i) {
      if (i == tokens.size() - 1 || is_punct(tokens[i], ';')) {
        if (i > from) pieces.emplace_back(from, i);
        from = i + 1;
      }
    }
    if (pieces.size() == 1) {
      const auto [b, e] = pieces.front();
      return parse(definition.substr(tokens[b].begin, tokens[e - 1].end - tokens[b].begin),
                   sql_mode);
    }
    body.kind_ = Kind::compound;
    return body;
  }
  if (starts_compound(tokens)) {
    body.kind_ = Kind::compound;
    return body;
  }
  for (const auto& t : tokens) {
    if (is_punct(t, ';')) {  // several statements without BEGIN ... END
      body.kind_ = Kind::compound;
      return body;
    }
  }
  if (!is_word(tokens.front(), "CALL")) return body;

  // CALL [schema.]proc [( literal, ... )]
  std::size_t i = 1;
  const auto first = i < tokens.size() ? name_part(tokens[i]) : std::nullopt;
  if (!first) return body;
  ++i;
  std::string schema;
  std::string proc = *first;
  if (i + 1 < tokens.size() && is_punct(tokens[i], '.')) {
    const auto second = name_part(tokens[i + 1]);
    if (!second) return body;
    schema = *first;
    proc = *second;
    i += 2;
  }
  std::vector<LiteralArg> args;
  if (i < tokens.size()) {
    if (!is_punct(tokens[i], '(')) return body;
    ++i;
    if (i < tokens.size() && is_punct(tokens[i], ')')) {
      ++i;
    } else {
      for (;;) {
        auto arg = literal(tokens, i);
        if (!arg || i >= tokens.size()) return body;
        args.push_back(std::move(*arg));
        if (is_punct(tokens[i], ',')) {
          ++i;
          continue;
        }
        if (!is_punct(tokens[i], ')')) return body;
        ++i;
        break;
      }
    }
  }
  if (i != tokens.size()) return body;
  body.kind_ = Kind::call;
  body.schema_ = std::move(schema);
  body.procedure_ = std::move(proc);
  body.args_ = std::move(args);
  return body;
}

}  // namespace sqlcron::importer
