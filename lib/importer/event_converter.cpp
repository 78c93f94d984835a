#include "importer/event_converter.hpp"

#include <cctype>
#include <optional>
#include <set>
#include <sstream>

#include "config/identifier.hpp"
#include "config/yaml_syntax_error.hpp"
#include "config/yaml_tree.hpp"
#include "config/yaml_writer.hpp"
#include "importer/comment_text.hpp"
#include "importer/event_body.hpp"
#include "importer/event_zone.hpp"
#include "mysql/session.hpp"
#include "schedule/schedule.hpp"
#include "schedule/schedule_error.hpp"
#include "schedule/time_format.hpp"
#include "util/utf8.hpp"

namespace sqlcron::importer {
namespace {

constexpr std::size_t kMaxJobName = 128;  // as ConfigLoader allows
constexpr std::size_t kMaxIdentifier = 64;

// Job names allow letters, digits, '_', '-' and '.'; anything else becomes '_'.
std::string job_name_for(const EventDefinition& e) {
  std::string name = e.schema + "." + e.name;
  for (char& c : name) {
    const auto u = static_cast<unsigned char>(c);
    if (u >= 0x80 || (std::isalnum(u) == 0 && c != '_' && c != '-' && c != '.')) c = '_';
  }
  if (name.size() > kMaxJobName) name.resize(kMaxJobName);
  return name;
}

std::string unique_name(std::string name, std::set<std::string>& taken) {
  const std::string base = name;
  for (int n = 2; !taken.insert(name).second; ++n) {
    const std::string suffix = "_" + std::to_string(n);
    name = base.substr(0, std::min(base.size(), kMaxJobName - suffix.size())) + suffix;
  }
  return name;
}

std::string identifier_for(const std::string& name) {
  if (!config::identifier_problem(name)) return name;
  std::string id;
  for (const char c : name) {
    const auto u = static_cast<unsigned char>(c);
    id += u < 0x80 && (std::isalnum(u) != 0 || c == '_' || c == '$') ? c : '_';
  }
  if (id.size() > kMaxIdentifier) id.resize(kMaxIdentifier);
  if (config::identifier_problem(id)) id = "imported_event";
  return id;
}

// A literal string argument: braces are doubled, since ArgTemplate reads {placeholders}.
std::string escape_braces(const std::string& s) {
  std::string out;
  for (const char c : s) {
    out += c;
    if (c == '{' || c == '}') out += c;
  }
  return out;
}

std::string strip_quotes(std::string s) {
  if (s.size() >= 2 && (s.front() == '\'' || s.front() == '"') && s.back() == s.front()) {
    s = s.substr(1, s.size() - 2);
  }
  return s;
}

// YAML text we wrote (YamlWriter output, literal blocks): its only line breaks are LF.
std::vector<std::string> lines_of(const std::string& yaml) {
  std::vector<std::string> lines;
  std::size_t start = 0;
  for (auto nl = yaml.find('\n'); nl != std::string::npos; nl = yaml.find('\n', start)) {
    lines.push_back(yaml.substr(start, nl - start));
    start = nl + 1;
  }
  lines.push_back(yaml.substr(start));
  return lines;
}

// Server text as comment lines: no character of it can end the comment (comment_text.hpp).
void comment(std::ostream& out, const std::string& text) {
  for (const auto& line : comment_lines(text)) {
    out << "  #" << (line.empty() ? "" : " ") << line << '\n';
  }
}

// A multi-line statement reads best as a literal block ("|-": no final line break added); keep
// one only if it loads back as exactly the same text.
std::optional<std::string> literal_block(const std::string& sql) {
  if (sql.find('\n') == std::string::npos || !plain_lines(sql)) return std::nullopt;
  std::string block = "sql: |-\n";
  std::size_t start = 0;
  while (start <= sql.size()) {
    const std::size_t nl = std::min(sql.find('\n', start), sql.size());
    const std::string line = sql.substr(start, nl - start);
    block += line.empty() ? "\n" : "  " + line + "\n";
    start = nl + 1;
  }
  try {
    const auto tree = config::YamlTree::parse(block + "next: 1\n");
    const auto read = tree.root()["sql"];
    if (read.is_scalar() && read.text() == sql) return block;
  } catch (const config::YamlSyntaxError&) {
  }
  return std::nullopt;
}

struct Job {
  std::string name;
  std::string schedule;
  std::string timezone;
  std::string call;  // schema.procedure, or empty
  std::vector<LiteralArg> args;
  std::string sql;
  bool enabled = true;
};

std::string emit(const Job& job) {
  using Style = config::YamlWriter::Style;
  config::YamlWriter out;
  out.begin_map();
  out.scalar("name");
  out.scalar(job.name);
  out.scalar("schedule");
  out.scalar(job.schedule, Style::double_quoted);
  out.scalar("timezone");
  out.scalar(job.timezone);
  if (!job.call.empty()) {
    out.scalar("call");
    out.scalar(job.call);
    if (!job.args.empty()) {
      out.scalar("args");
      out.begin_flow_sequence();
      for (const auto& a : job.args) {
        switch (a.kind) {
          case LiteralArg::Kind::null:
            out.null();
            break;
          case LiteralArg::Kind::integer:
          case LiteralArg::Kind::number:
            out.scalar(a.text);
            break;
          case LiteralArg::Kind::text:
            out.scalar(escape_braces(a.text), Style::double_quoted);
            break;
        }
      }
      out.end_sequence();
    }
  }
  const auto block = job.call.empty() ? literal_block(job.sql) : std::nullopt;
  if (job.call.empty() && !block) {
    out.scalar("sql");
    out.scalar(job.sql, Style::double_quoted);
  }
  if (!job.enabled) {
    out.scalar("enabled");
    out.scalar("false");
  }
  out.end_map();
  return out.finish() + block.value_or("");
}

// The job as a list item; `prefix` "" for a live job, "# " for one left commented out.
void write_item(std::ostream& out, const std::string& yaml, const std::string& prefix) {
  const auto lines = lines_of(yaml);
  for (std::size_t i = 0; i < lines.size(); ++i) {
    if (lines[i].empty() && i + 1 == lines.size()) break;
    if (lines[i].empty() && prefix.empty()) {  // a blank line inside a literal block
      out << '\n';
      continue;
    }
    out << "  " << prefix << (i == 0 ? "- " : (lines[i].empty() ? "" : "  ")) << lines[i] << '\n';
  }
}

class EventWriter {
 public:
  EventWriter(const ConversionOptions& options, std::ostream& out) : options_(options), out_(out) {}

  ConvertedEvent write(const EventDefinition& e, std::set<std::string>& taken) {
    ConvertedEvent result{
        e.schema, e.name, unique_name(job_name_for(e), taken), e.status == "ENABLED", false, ""};
    const std::string event =
        mysql::quote_identifier(e.schema) + "." + mysql::quote_identifier(e.name);
    out_ << '\n';
    comment(out_, "event " + event);
    if (!e.comment.empty()) comment(out_, "comment: " + e.comment);

    Job job;
    job.name = result.job_name;
    job.enabled = e.status == "ENABLED";
    const EventZone zone =
        EventZone::resolve(e.time_zone, options_.system_zone, options_.system_reported);
    job.timezone = zone.name();
    if (!zone.note().empty()) comment(out_, zone.note());
    std::string problem = schedule_of(e, zone, job.schedule);

    // Text YAML cannot hold is not imported; what is shown of it has each bad byte as '?'.
    const bool utf8 = util::valid_utf8(e.definition);
    const EventBody body = EventBody::parse(util::sanitize_utf8(e.definition), e.sql_mode);
    bool compound = body.kind() == EventBody::Kind::compound;
    if (body.kind() == EventBody::Kind::call) {
      const std::string schema = body.schema().empty() ? e.schema : body.schema();
      if (!config::identifier_problem(schema) && !config::identifier_problem(body.procedure())) {
        job.call = schema + "." + body.procedure();
        job.args = body.args();
      }
    }
    if (job.call.empty() && !compound) {
      job.sql = body.statement();
      if (!options_.default_schema.empty() && options_.default_schema != e.schema) {
        comment(out_, "the event ran in schema " + mysql::quote_identifier(e.schema) +
                          "; this statement runs in database.schema " +
                          mysql::quote_identifier(options_.default_schema) +
                          ": qualify its table names if they differ");
      }
    }
    notes(e);
    if (compound) {
      job.call = e.schema + "." + identifier_for(e.name);
      if (!problem.empty()) comment(out_, "also: " + problem);
      problem = "its body has several statements (or flow control); a job runs one statement";
      comment(out_, "NOT IMPORTED: " + problem +
                        ". Make the body a stored procedure, then "
                        "uncomment the job:");
      suggest_procedure(e);
    } else if (!utf8) {
      problem = "its body is not valid UTF-8 text";
      comment(out_, "NOT IMPORTED: " + problem);
    } else if (!problem.empty()) {
      comment(out_, "NOT IMPORTED: " + problem);
    }
    result.imported = problem.empty();
    result.reason = problem;
    write_item(out_, emit(job), result.imported ? "" : "# ");
    return result;
  }

 private:
  // Sets `text`; returns why the schedule cannot be imported, or "".
  static std::string schedule_of(const EventDefinition& e, const EventZone& zone,
                                 std::string& text) {
    const auto time = [&](const std::optional<std::string>& local,
                          const std::optional<std::string>& utc) {
      return zone.use_utc_times() ? utc : local;
    };
    if (e.recurring()) {
      std::string quantity = strip_quotes(e.interval_value.value_or(""));
      if (quantity.find_first_not_of("0123456789") != std::string::npos) {
        quantity = "'" + quantity + "'";
      }
      text = "every " + quantity + " " + *e.interval_field;
      if (e.starts) {
        const auto starts = time(e.starts, e.starts_utc);
        if (!starts) return "its STARTS cannot be converted to UTC";
        text += " starts '" + *starts + "'";
      }
      if (e.ends) {
        const auto ends = time(e.ends, e.ends_utc);
        if (!ends) return "its ENDS cannot be converted to UTC";
        text += " ends '" + *ends + "'";
      }
    } else {
      const auto at = time(e.execute_at, e.execute_at_utc);
      if (!at) return "its EXECUTE_AT is missing or cannot be converted to UTC";
      text = "at '" + *at + "'";
    }
    try {
      (void)schedule::Schedule::parse(text, schedule::find_zone(zone.name()), schedule::Instant{});
    } catch (const std::exception& ex) {
      return "sqlcron rejects its schedule: " + std::string(ex.what());
    }
    return "";
  }

  void notes(const EventDefinition& e) {
    if (e.recurring() && !e.starts) {
      comment(out_, "no STARTS: the schedule counts from when sqlcron first loads the job");
    }
    if (e.status == "DISABLED") {
      comment(out_, "DISABLED in MySQL: imported with enabled: false");
    } else if (e.status == "SLAVESIDE_DISABLED") {
      comment(out_,
              "SLAVESIDE_DISABLED: a replica's copy of an event that runs on the primary; "
              "imported with enabled: false (import from the primary to take it over)");
    }
    if (!e.preserve) {
      comment(out_, e.recurring() && !e.ends
                        ? "ON COMPLETION NOT PRESERVE (no effect: the event has no end)"
                        : "ON COMPLETION NOT PRESERVE: MySQL drops the event after its last "
                          "run; this job stays and fires no more (delete it when done)");
    }
  }

  void suggest_procedure(const EventDefinition& e) {
    std::string body = EventBody::parse(util::sanitize_utf8(e.definition), e.sql_mode).statement();
    std::string first_word = body.substr(0, 6);
    for (char& c : first_word) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    const bool has_begin =
        first_word == "BEGIN" || (first_word.rfind("BEGIN", 0) == 0 &&
                                  std::isspace(static_cast<unsigned char>(first_word[5])) != 0);
    if (!has_begin) body = "BEGIN\n" + body + ";\nEND";
    comment(out_, "  DELIMITER //");
    comment(out_, "  CREATE PROCEDURE " + mysql::quote_identifier(e.schema) + "." +
                      mysql::quote_identifier(identifier_for(e.name)) + "()");
    for (const auto& line : comment_lines(body)) comment(out_, "  " + line);
    comment(out_, "  //");
    comment(out_, "  DELIMITER ;");
  }

  const ConversionOptions& options_;
  std::ostream& out_;
};

}  // namespace

Conversion EventConverter::convert(const std::vector<EventDefinition>& events) const {
  std::ostringstream body;
  std::set<std::string> taken;
  Conversion result;
  EventWriter writer(options_, body);
  for (const auto& e : events) result.events.push_back(writer.write(e, taken));

  std::size_t imported = 0;
  for (const auto& c : result.events) imported += c.imported ? 1 : 0;
  std::ostringstream out;
  out << "# Jobs converted from MySQL events by `sqlcrond import-events` (" << imported << " of "
      << events.size() << " imported).\n"
      << "# Save as a file in jobs.d/; check each job before disabling its event.\n"
      << (imported == 0 ? "jobs: []\n" : "jobs:\n") << body.str();
  result.yaml = out.str();
  return result;
}

}  // namespace sqlcron::importer
