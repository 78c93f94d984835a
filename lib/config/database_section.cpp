#include "config/database_section.hpp"

#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <map>
#include <sstream>

#include "config/identifier.hpp"
#include "config/option_file.hpp"
#include "util/directory.hpp"

namespace sqlcron::config {

namespace fs = std::filesystem;

namespace {

void read_tls(YamlReader& r, const YamlNode& tls, const fs::path& base_dir, DatabaseConfig& d) {
  if (!tls.defined()) return;
  const std::string p = "database.tls";
  if (!r.expect_map(tls, p)) return;
  r.check_keys(tls, p, kTlsKeys);
  if (auto mode = r.string(tls, "mode", p)) {
    static const std::vector<std::string> kModes{"disabled", "preferred", "required", "verify_ca",
                                                 "verify_identity"};
    if (std::find(kModes.begin(), kModes.end(), *mode) == kModes.end()) {
      r.issue(tls["mode"], p + ".mode",
              "'" + *mode +
                  "' is not a TLS mode; expected disabled, preferred, required, verify_ca or "
                  "verify_identity");
    } else {
      d.tls_mode = *mode;
    }
  }
  const auto file = [&](const char* key, std::string& out) {
    auto v = r.string(tls, key, p);
    if (!v) return;
    out = (base_dir / *v).lexically_normal().string();
    if (auto problem = util::path_problem(out)) r.issue(tls[key], p + "." + key, *problem);
  };
  file("ca", d.tls_ca);
  file("cert", d.tls_cert);
  file("key", d.tls_key);
  if ((d.tls_mode == "verify_ca" || d.tls_mode == "verify_identity") && d.tls_ca.empty()) {
    r.issue(tls, p + ".ca", "is required with mode " + d.tls_mode + " (the CA to verify with)");
  }
  if (d.tls_cert.empty() != d.tls_key.empty()) {
    r.issue(tls, p, "cert and key go together (a client certificate needs its key)");
  }
}

// Returns the file's content, or nullopt with an issue if it is unreadable or not private.
std::optional<std::string> read_private_file(YamlReader& r, const YamlNode& at,
                                             const std::string& key, const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    r.issue(at, key, "cannot read " + path + ": " + std::string(strerror(errno)));
    return std::nullopt;
  }
  if ((st.st_mode & (S_IRWXG | S_IRWXO)) != 0) {
    r.issue(at, key,
            path + " holds a password but can be read by group or others; run: chmod 600 " + path);
    return std::nullopt;
  }
  std::ifstream in(path);
  if (!in) {
    r.issue(at, key, "cannot read " + path + ": " + std::string(strerror(errno)));
    return std::nullopt;
  }
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void read_option_file(YamlReader& r, const YamlNode& at, const fs::path& file, DatabaseConfig& d) {
  const auto path = file.lexically_normal().string();
  d.option_file = path;
  const auto text = read_private_file(r, at, "database.option_file", path);
  if (!text) return;
  std::map<std::string, std::string> opts;
  try {
    opts = OptionFile::parse(*text);
  } catch (const std::invalid_argument& e) {
    r.issue(at, "database.option_file", path + ": " + e.what());
    return;
  }
  if (auto it = opts.find("host"); it != opts.end()) d.host = it->second;
  if (auto it = opts.find("socket"); it != opts.end()) d.socket = it->second;
  if (auto it = opts.find("user"); it != opts.end()) d.user = it->second;
  if (auto it = opts.find("password"); it != opts.end()) d.password = it->second;
  if (auto it = opts.find("port"); it != opts.end()) {
    try {
      d.port = std::stoi(it->second);
    } catch (const std::exception&) {
      r.issue(at, "database.option_file", path + ": port '" + it->second + "' is not a number");
    }
  }
}

void read_password(YamlReader& r, const YamlNode& at, DatabaseConfig& d) {
  const auto text = read_private_file(r, at, "database.password_file", d.password_file);
  if (!text) return;
  d.password = text->substr(0, text->find('\n'));
  while (!d.password.empty() && (d.password.back() == '\r' || d.password.back() == ' ')) {
    d.password.pop_back();
  }
}

}  // namespace

void read_database(YamlReader& r, const YamlNode& db, const fs::path& base_dir,
                   const std::optional<std::string>& env_password, DatabaseConfig& d) {
  if (!db.defined()) {
    r.issue_at(YamlMark{}, "database", "section is required");
    return;
  }
  if (!r.expect_map(db, "database")) return;
  const std::string p = "database";
  r.check_keys(db, p, kDatabaseKeys);
  // An option file gives defaults; keys written here take precedence, as on a command line.
  if (auto file = r.string(db, "option_file", p)) {
    read_option_file(r, db["option_file"], base_dir / *file, d);
  }
  d.host = r.string(db, "host", p).value_or(d.host);
  d.port = r.integer(db, "port", p, 1, 65535).value_or(d.port);
  d.socket = r.string(db, "socket", p).value_or(d.socket);
  d.user = r.string(db, "user", p).value_or(d.user);
  read_tls(r, db["tls"], base_dir, d);
  d.pool_size = r.integer(db, "pool_size", p, 1, 1024).value_or(d.pool_size);
  if (auto schema = r.string(db, "schema", p)) {
    if (auto problem = identifier_problem(*schema)) {
      r.issue(db["schema"], "database.schema", *problem);
    }
    d.schema = *schema;
  } else if (!db["schema"].defined()) {
    r.issue(db, "database.schema", "is required (the default schema for jobs)");
  }
  if (auto file = r.string(db, "password_file", p)) {
    d.password_file = (base_dir / *file).lexically_normal().string();
    read_password(r, db["password_file"], d);
  } else if (d.password.empty() && env_password) {
    d.password = *env_password;
  }
}

}  // namespace sqlcron::config
