#include "config/load_csv_reader.hpp"

#include <algorithm>
#include <cstdlib>
#include <filesystem>

#include "config/identifier.hpp"
#include "util/directory.hpp"

namespace sqlcron::config {

namespace fs = std::filesystem;

std::shared_ptr<const LoadCsvConfig> read_load_csv(YamlReader& r, const YamlNode& node,
                                                   const std::string& key) {
  if (!r.expect_map(node, key)) return nullptr;
  r.check_keys(node, key, kLoadCsvKeys);
  LoadCsvConfig c;
  if (auto dir = r.string(node, "dir", key)) {
    c.dir = (fs::path(r.file()).parent_path() / *dir).lexically_normal().string();
    if (auto problem = util::directory_problem(c.dir)) {
      r.issue(node["dir"], YamlReader::join(key, "dir"), *problem);
    }
  } else if (!node["dir"].defined()) {
    r.issue(node, YamlReader::join(key, "dir"), "is required: the directory of the CSV files");
  }
  if (auto pattern = r.string(node, "pattern", key)) {
    if (pattern->empty() || pattern->find('/') != std::string::npos) {
      r.issue(node["pattern"], YamlReader::join(key, "pattern"),
              "expected a file name pattern such as *.csv (no directories)");
    } else {
      c.pattern = *pattern;
    }
  }
  if (auto table = r.string(node, "table", key)) {
    const auto dot = table->find('.');
    c.table_schema = dot == std::string::npos ? "" : table->substr(0, dot);
    c.table = dot == std::string::npos ? *table : table->substr(dot + 1);
    for (const auto* part : {&c.table_schema, &c.table}) {
      if (part == &c.table_schema && dot == std::string::npos) continue;
      if (auto problem = identifier_problem(*part)) {
        r.issue(node["table"], YamlReader::join(key, "table"),
                *problem + "; expected [schema.]table");
        break;
      }
    }
  } else if (!node["table"].defined()) {
    r.issue(node, YamlReader::join(key, "table"), "is required: the table the rows go to");
  }
  const auto cols = node["columns"];
  const auto ckey = YamlReader::join(key, "columns");
  if (!cols.defined()) {
    r.issue(node, ckey, "is required: the table columns of the file's fields, in order");
  } else if (!cols.is_sequence() || cols.size() == 0) {
    r.issue(cols, ckey, "expected a non-empty list of column names");
  } else {
    for (std::size_t i = 0; i < cols.size(); ++i) {
      const auto ikey = ckey + "[" + std::to_string(i) + "]";
      if (!cols[i].is_scalar()) {
        r.issue(cols[i], ikey, "expected a column name");
        continue;
      }
      const auto& name = cols[i].scalar();
      if (auto problem = identifier_problem(name)) {
        r.issue(cols[i], ikey, *problem);
      } else if (std::find(c.columns.begin(), c.columns.end(), name) != c.columns.end()) {
        r.issue(cols[i], ikey, "'" + name + "' is listed twice");
      } else if (name == "source_file" || name == "source_line" || name == "ingested_at" ||
                 name == "ingest_run_id" || name == "ingest_slot") {
        r.issue(cols[i], ikey,
                "'" + name + "' is filled by the loader itself; name the file's field otherwise");
      } else {
        c.columns.push_back(name);
      }
    }
  }
  c.header = r.boolean(node, "header", key).value_or(true);
  if (auto d = r.string(node, "delimiter", key)) {
    if (d->size() != 1 || *d == "\"" || *d == "\n" || *d == "\r") {
      r.issue(node["delimiter"], YamlReader::join(key, "delimiter"),
              R"(expected one character such as "," or ";" (not a quote or newline))");
    } else {
      c.delimiter = d->front();
    }
  }
  if (auto ratio = r.string(node, "max_reject_ratio", key)) {
    char* end = nullptr;
    const double v = std::strtod(ratio->c_str(), &end);
    if (ratio->empty() || end != ratio->c_str() + ratio->size() || !(v >= 0.0 && v <= 1.0)) {
      r.issue(node["max_reject_ratio"], YamlReader::join(key, "max_reject_ratio"),
              "expected a number from 0 to 1 (0.1: at most 10% of a file's lines rejected)");
    } else {
      c.max_reject_ratio = v;
    }
  }
  if (auto settle = r.duration(node, "settle", key)) c.settle = *settle;
  if (auto marker = r.string(node, "marker", key)) {
    if (marker->empty() || marker->find('/') != std::string::npos || (*marker)[0] == '.') {
      r.issue(node["marker"], YamlReader::join(key, "marker"),
              "expected a file name such as _SUCCESS (no directories, not starting with '.')");
    } else {
      c.marker = *marker;
    }
  }
  if (auto archive = r.string(node, "archive", key)) {
    c.archive = (fs::path(r.file()).parent_path() / *archive).lexically_normal().string();
    if (auto problem = util::directory_problem(c.archive)) {
      r.issue(node["archive"], YamlReader::join(key, "archive"), *problem);
    } else if (std::error_code ec;
               fs::path(c.archive) == fs::path(c.dir) || fs::equivalent(c.archive, c.dir, ec)) {
      // However spelled ("inbox/", a symlink to it): moving files into it would start the
      // watched load again for each, under ever longer names.
      r.issue(node["archive"], YamlReader::join(key, "archive"),
              "is the load directory itself; name another directory");
    }
  }
  c.remove = r.boolean(node, "delete", key).value_or(false);
  if (c.remove && !c.archive.empty()) {
    r.issue(node["delete"], YamlReader::join(key, "delete"),
            "archive and delete exclude each other: keep one");
  }
  return std::make_shared<const LoadCsvConfig>(std::move(c));
}

}  // namespace sqlcron::config
