// The key tables (config_keys.hpp) are the one declaration of the config's keys: the annotated
// config/sqlcron.yaml, the reference docs/configuration.md and the loader's defaults must agree
// with them.
#include "config/config_keys.hpp"

#include <catch2/catch.hpp>
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <string>

#include "config/config_loader.hpp"
#include "config/yaml_tree.hpp"
#include "support/temp_dir.hpp"
#include "util/duration.hpp"

using sqlcron::config::ConfigKey;
using sqlcron::config::kConfigSections;
using sqlcron::config::YamlNode;
using sqlcron::config::YamlTree;

namespace {

std::string read_source(const std::string& name) {
  std::ifstream in(std::string(SQLCRON_SOURCE_DIR) + "/" + name);
  REQUIRE(in);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

std::set<std::string> table_keys(std::string_view path) {
  for (const auto& section : kConfigSections) {
    if (section.path != path) continue;
    std::set<std::string> out;
    for (const auto& k : section.keys) out.emplace(k.name);
    return out;
  }
  FAIL("no section " << path);
  return {};
}

const ConfigKey& table_key(std::string_view path, std::string_view name) {
  for (const auto& section : kConfigSections) {
    if (section.path != path) continue;
    for (const auto& k : section.keys) {
      if (k.name == name) return k;
    }
  }
  FAIL("no key " << path << "." << name);
  throw std::logic_error("unreachable");
}

bool is_value(std::string_view default_value) {
  return default_value != "-" && default_value.substr(0, 8) != "required" &&
         default_value.find('{') == std::string_view::npos;
}

// config/sqlcron.yaml with its commented-out keys ("  # socket: ...") written in: "# " goes, so
// the key keeps the column it would have.
YamlTree annotated_config(std::string& text) {
  text = std::regex_replace(read_source("config/sqlcron.yaml"),
                            std::regex(R"(^( *)# ( *(- )?[a-z_]+:( |$)))", std::regex::multiline),
                            "$1$2");
  return YamlTree::parse(text);
}

void add_keys(std::map<std::string, std::set<std::string>>& out, const std::string& path,
              const YamlNode& map) {
  for (std::size_t i = 0; i < map.size(); ++i) out[path].insert(map.entry(i).first.scalar());
}

// A scalar's text; a list of scalars as its flow form, "[a, b]".
std::string flow_text(const YamlNode& node) {
  if (!node.is_sequence()) return std::string(node.text());
  std::string out = "[";
  for (std::size_t i = 0; i < node.size(); ++i) {
    out += (i == 0 ? "" : ", ") + node[i].scalar();
  }
  return out + "]";
}

}  // namespace

TEST_CASE("config keys: config/sqlcron.yaml shows every key, and only those", "[config]") {
  std::string text;
  const auto tree = annotated_config(text);
  INFO(text);
  const auto root = tree.root();
  std::map<std::string, std::set<std::string>> shown;
  add_keys(shown, "", root);
  for (const auto* section : {"database", "scheduler", "http"}) {
    add_keys(shown, section, root[section]);
  }
  add_keys(shown, "database.tls", root["database"]["tls"]);
  add_keys(shown, "scheduler.retry", root["scheduler"]["retry"]);
  add_keys(shown, "scheduler.notify", root["scheduler"]["notify"]);
  for (std::size_t i = 0; i < root["jobs"].size(); ++i) {
    const auto job = root["jobs"][i];
    add_keys(shown, "jobs[]", job);
    for (const auto* sub : {"retry", "notify", "load_csv"}) {
      add_keys(shown, std::string("jobs[].") + sub, job[sub]);
    }
  }
  for (const auto& section : kConfigSections) {
    if (section.path == "include file") continue;
    INFO("section " << section.path);
    CHECK(shown[std::string(section.path)] == table_keys(section.path));
  }
}

TEST_CASE("config keys: config/sqlcron.yaml shows the defaults of the main sections", "[config]") {
  std::string text;
  const auto tree = annotated_config(text);
  const auto root = tree.root();
  for (const auto* path : {"database", "database.tls", "scheduler", "scheduler.retry", "http"}) {
    std::string p(path);
    const auto dot = p.find('.');
    const auto node =
        dot == std::string::npos ? root[p] : root[p.substr(0, dot)][p.substr(dot + 1)];
    for (const auto& key : table_keys(path)) {
      const auto& k = table_key(path, key);
      if (!is_value(k.default_value)) continue;
      INFO(path << "." << key);
      CHECK(flow_text(node[key]) == k.default_value);
    }
  }
}

TEST_CASE("config keys: docs/configuration.md lists the same keys and defaults", "[config]") {
  const auto docs = read_source("docs/configuration.md");
  // "## `jobs`" headings, then "| `key` | default | meaning |" rows.
  std::map<std::string, std::map<std::string, std::string>> documented;
  std::string section;
  std::istringstream lines(docs);
  const std::regex heading(R"(^## `([a-z_]+)`)");
  const std::regex row(R"(^\| `([a-z_]+)` \| ([^|]*) \|)");
  for (std::string line; std::getline(lines, line);) {
    std::smatch m;
    if (std::regex_search(line, m, heading)) {
      section = m[1];
    } else if (line.rfind("## ", 0) == 0) {
      section.clear();
    } else if (!section.empty() && std::regex_search(line, m, row)) {
      std::string value = m[2];
      std::erase(value, '`');
      documented[section == "jobs" ? "jobs[]" : section][m[1]] = value;
    }
  }
  for (const auto* path : {"database", "scheduler", "http", "jobs[]"}) {
    INFO("section " << path);
    std::set<std::string> keys;
    for (const auto& [key, value] : documented[path]) {
      keys.insert(key);
      if (table_keys(path).count(key) == 0) continue;
      INFO(key);
      CHECK(value == table_key(path, key).default_value);
    }
    CHECK(keys == table_keys(path));
  }
}

TEST_CASE("config keys: the loader's defaults are the tables'", "[config]") {
  using sqlcron::util::parse_duration;
  sqlcron::test::TempDir dir;
  const auto file = dir.write("sqlcron.yaml",
                              "database: {schema: s}\n"
                              "jobs:\n"
                              "  - {name: a, schedule: '@daily', call: p,\n"
                              "     notify: {command: [/bin/true]}}\n"
                              "  - {name: b, schedule: '@daily',\n"
                              "     load_csv: {dir: ., table: t, columns: [x]}}\n");
  sqlcron::config::LoadOptions options;
  options.defined_at = date::sys_days{date::year{2026} / 1 / 1};
  const auto c = sqlcron::config::ConfigLoader::load(file, options);
  const auto def = [](std::string_view path, std::string_view key) {
    return std::string(table_key(path, key).default_value);
  };
  const auto ms = [&](std::string_view path, std::string_view key) {
    return parse_duration(def(path, key));
  };
  CHECK(c.database.host == def("database", "host"));
  CHECK(std::to_string(c.database.port) == def("database", "port"));
  CHECK(c.database.user == def("database", "user"));
  CHECK(std::to_string(c.database.pool_size) == def("database", "pool_size"));
  CHECK(c.database.tls_mode == def("database.tls", "mode"));
  const auto& s = c.scheduler;
  CHECK(s.state_schema == def("scheduler", "state_schema"));
  CHECK(s.timezone == def("scheduler", "timezone"));
  CHECK(std::to_string(s.max_concurrent_runs) == def("scheduler", "max_concurrent_runs"));
  CHECK(s.shutdown_grace == ms("scheduler", "shutdown_grace"));
  CHECK(s.misfire == sqlcron::config::parse_misfire(def("scheduler", "misfire")));
  CHECK(s.misfire_grace == ms("scheduler", "misfire_grace"));
  CHECK_FALSE(s.timeout.has_value());
  CHECK(s.state_dir == def("scheduler", "state_dir"));
  CHECK(s.heartbeat_interval == ms("scheduler", "heartbeat_interval"));
  CHECK(s.run_log_retention == ms("scheduler", "run_log_retention"));
  CHECK((s.session_reset ? "true" : "false") == def("scheduler", "session_reset"));
  CHECK(std::to_string(s.retry.attempts) == def("scheduler.retry", "attempts"));
  CHECK(s.retry.backoff == ms("scheduler.retry", "backoff"));
  CHECK(s.retry.max_backoff == ms("scheduler.retry", "max_backoff"));
  CHECK(def("scheduler", "retry") == "{attempts: " + def("scheduler.retry", "attempts") +
                                         ", backoff: " + def("scheduler.retry", "backoff") +
                                         ", max_backoff: " + def("scheduler.retry", "max_backoff") +
                                         ", on: " + def("scheduler.retry", "on") + "}");
  CHECK(s.retry.on.transient);
  CHECK_FALSE(s.retry.on.timeout);
  CHECK(s.retry.on.sql_states.empty());
  CHECK(s.retry.on.error_codes.empty());
  CHECK(def("scheduler.retry", "on") == "[transient]");
  CHECK(s.on_failure.empty());
  CHECK(def("scheduler", "on_failure") == "[]");
  CHECK_FALSE(s.notify);
  CHECK(c.http.address + ":" + std::to_string(c.http.port) == def("http", "listen"));
  REQUIRE(c.jobs.size() == 2);
  const auto& j = c.jobs[0];
  CHECK(j.overlap == sqlcron::config::parse_overlap(def("jobs[]", "overlap")));
  CHECK(std::to_string(j.max_instances) == def("jobs[]", "max_instances"));
  CHECK((j.enabled ? "true" : "false") == def("jobs[]", "enabled"));
  REQUIRE(j.notify);
  CHECK(j.notify->timeout == ms("jobs[].notify", "timeout"));
  REQUIRE(c.jobs[1].load_csv);
  const auto& csv = *c.jobs[1].load_csv;
  CHECK(csv.pattern == def("jobs[].load_csv", "pattern"));
  CHECK((csv.header ? "true" : "false") == def("jobs[].load_csv", "header"));
  CHECK(std::string(1, csv.delimiter) == def("jobs[].load_csv", "delimiter"));
  CHECK(csv.max_reject_ratio == std::stod(def("jobs[].load_csv", "max_reject_ratio")));
  CHECK(csv.settle == ms("jobs[].load_csv", "settle"));
  CHECK((csv.remove ? "true" : "false") == def("jobs[].load_csv", "delete"));
  CHECK(csv.marker.empty());
  CHECK(csv.archive.empty());
}

TEST_CASE("config keys: every section's keys are distinct and described", "[config]") {
  for (const auto& section : kConfigSections) {
    std::set<std::string_view> seen;
    for (const auto& k : section.keys) {
      INFO(section.path << "." << k.name);
      CHECK(seen.insert(k.name).second);
      CHECK_FALSE(k.type.empty());
      CHECK_FALSE(k.default_value.empty());
      CHECK_FALSE(k.description.empty());
    }
  }
}
