#include "config/policies.hpp"

namespace sqlcron::config {

std::optional<Overlap> parse_overlap(std::string_view text) {
  if (text == "skip") return Overlap::skip;
  if (text == "queue") return Overlap::queue;
  if (text == "allow") return Overlap::allow;
  return std::nullopt;
}

std::optional<Misfire> parse_misfire(std::string_view text) {
  if (text == "skip") return Misfire::skip;
  if (text == "run_once") return Misfire::run_once;
  if (text == "run_all") return Misfire::run_all;
  return std::nullopt;
}

}  // namespace sqlcron::config
