#include "config/yaml_document.hpp"

#include <exception>
#include <thread>

namespace sqlcron::config {

YAML::Node load_yaml_document(std::istream& in) {
  YAML::Node root;
  std::exception_ptr error;
  std::thread([&] {
    try {
      root = YAML::Load(in);
    } catch (...) {
      error = std::current_exception();
    }
  }).join();
  if (error) std::rethrow_exception(error);
  return root;
}

}  // namespace sqlcron::config
