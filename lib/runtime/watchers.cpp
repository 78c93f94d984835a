#include "runtime/watchers.hpp"

#include <spdlog/spdlog.h>

#include <chrono>
#include <stdexcept>

namespace sqlcron::runtime {

void Watchers::watch(const config::Config& config) {
  watchers_.clear();
  for (const auto& j : config.jobs) {
    if (j.watch.empty() || !j.enabled) continue;
    const bool settles = j.load_csv && j.load_csv->dir == j.watch;
    const auto settle = settles ? j.load_csv->settle : std::chrono::milliseconds(0);
    try {
      watchers_.emplace(j.name,
                        std::make_unique<DirWatcher>(
                            io_, j.watch, settle,
                            [this, name = j.name](const std::string& f) { on_file_(name, f); }));
      spdlog::info("job {}: watching {} (a file counts once unchanged for {} ms)", j.name, j.watch,
                   settle.count());
    } catch (const std::runtime_error& e) {
      spdlog::error("job {}: {}; it will not start on new files", j.name, e.what());
    }
  }
  rescan("");
}

void Watchers::rescan(const std::string& job) const {
  for (const auto& [name, watcher] : watchers_) {
    if (job.empty() || name == job) watcher->rescan();
  }
}

}  // namespace sqlcron::runtime
