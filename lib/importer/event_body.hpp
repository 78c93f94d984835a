// EventBody: what an event's body (EVENT_DEFINITION) does, in terms a sqlcron job can express:
//   - call:      a single CALL [schema.]proc(literal, ...) — numbers, quoted strings, NULL,
//                TRUE/FALSE — also inside a BEGIN ... END wrapper holding only that statement;
//   - statement: any other single statement (run verbatim as the job's `sql:`);
//   - compound:  several statements, or flow control (BEGIN with more than one statement, IF,
//                WHILE, labels, ...) that only a stored program can run.
// String literals are decoded as MySQL does, honouring NO_BACKSLASH_ESCAPES and ANSI_QUOTES in
// the event's sql_mode; anything the parser is unsure of falls back to `statement` or
// `compound`, never to a call with different arguments.
//
// Error contract: parse() never throws for any input text.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace sqlcron::importer {

struct LiteralArg {
  enum class Kind { null, integer, number, text };
  Kind kind = Kind::null;
  std::string text;  // integer/number: the literal as written (no leading '+'); text: decoded
};

class EventBody {
 public:
  enum class Kind { call, statement, compound };

  static EventBody parse(std::string_view definition, std::string_view sql_mode = "");

  [[nodiscard]] Kind kind() const { return kind_; }
  // call: the schema as written (empty if unqualified) and the procedure.
  [[nodiscard]] const std::string& schema() const { return schema_; }
  [[nodiscard]] const std::string& procedure() const { return procedure_; }
  [[nodiscard]] const std::vector<LiteralArg>& args() const { return args_; }
  // call and statement: the single statement, trimmed, without a BEGIN/END wrapper or a
  // trailing ';'. compound: the whole body, trimmed.
  [[nodiscard]] const std::string& statement() const { return statement_; }

 private:
  Kind kind_ = Kind::statement;
  std::string schema_;
  std::string procedure_;
  std::vector<LiteralArg> args_;
  std::string statement_;
};

}  // namespace sqlcron::importer
