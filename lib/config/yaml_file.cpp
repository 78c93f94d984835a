#include "config/yaml_file.hpp"

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "config/yaml_syntax_error.hpp"

namespace sqlcron::config {

// Reads and parses on a short-lived thread: the file text and the tree (a few large blocks, and
// yaml-cpp's many small short-lived ones) then live in that thread's malloc arena, apart from the
// Config built from them, so their pages can be handed back (malloc_trim) once they are freed
// instead of being pinned by the Config's small allocations made in between.
std::optional<YamlTree> parse_yaml_file(const std::string& file, std::vector<ConfigIssue>& issues) {
  std::optional<YamlTree> tree;
  const auto fail = [&](std::string message) {
    issues.push_back(ConfigIssue{file, 0, 0, "", std::move(message)});
  };
  const auto read_and_parse = [&] {
    std::error_code ec;
    if (std::filesystem::is_directory(file, ec)) {
      // Opening a directory works, reading it gives nothing: it would pass for an empty file.
      fail(
          "is a directory, not a YAML file (the config is a file; the jobs in its include: "
          "directory are read from there)");
      return;
    }
    std::ifstream in(file, std::ios::binary);
    if (!in) {
      fail("cannot read file: " + std::string(std::strerror(errno)));
      return;
    }
    std::ostringstream text;
    text << in.rdbuf();
    if (in.bad() || text.bad()) {
      fail("cannot read file: read error");
      return;
    }
    try {
      tree = YamlTree::parse(text.view());
    } catch (const YamlSyntaxError& e) {
      issues.push_back(ConfigIssue{file, e.line() + 1, e.column() + 1, "",
                                   "invalid YAML: " + std::string(e.what())});
    } catch (const std::bad_alloc&) {
      fail("out of memory reading the file");
    } catch (const std::exception& e) {  // never let anything end the thread (std::terminate)
      fail("cannot read file: " + std::string(e.what()));
    }
  };
  try {
    std::thread(read_and_parse).join();
  } catch (const std::system_error&) {  // no thread to spare: parse here, memory is secondary
    read_and_parse();
  }
  return tree;
}

}  // namespace sqlcron::config
