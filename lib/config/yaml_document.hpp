// load_yaml_document: parses a YAML stream into a yaml-cpp tree, on a short-lived thread of its
// own. yaml-cpp's tree takes about 5 KB per job entry and is freed as soon as the Config is
// built; parsed on the caller's thread, the small allocations of the Config land in the holes of
// the tree and pin almost all of its pages (a 100,000-job config kept ~500 MB resident for ~40 MB
// in use). A new thread gets its own glibc malloc arena, so the tree lives apart from the Config
// and its pages can be handed back (malloc_trim) once it is freed.
//
// Error contract: as YAML::Load (YAML::ParserException for invalid YAML).
#pragma once

#include <yaml-cpp/yaml.h>

#include <istream>

namespace sqlcron::config {

YAML::Node load_yaml_document(std::istream& in);

}  // namespace sqlcron::config
