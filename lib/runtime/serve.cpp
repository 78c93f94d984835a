#include "runtime/serve.hpp"

#include "runtime/daemon.hpp"

namespace sqlcron::runtime {

ServeEnd serve(const mysql::Connector& connector, mysql::ConnectionPool& pool,
               std::shared_ptr<const config::Config> config, DaemonOptions options) {
  auto daemon = std::make_unique<Daemon>(connector, pool, std::move(config), std::move(options));
  if (daemon->run()) return ServeEnd::stopped;
  // Left alive on purpose: destroying it would wait for the hung runs' threads.
  static_cast<void>(daemon.release());
  return ServeEnd::runs_hung;
}

}  // namespace sqlcron::runtime
