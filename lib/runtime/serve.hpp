// serve(): runs the daemon's event loop (Daemon) until it is shut down, so that `sqlcrond serve`
// starts it without seeing Asio.
//
// Error contract: throws what Daemon throws (std::exception when the event loop itself fails,
// e.g. the HTTP port was taken). Returns ServeEnd::runs_hung when runs did not end after being
// killed at the end of the shutdown grace: their threads are not waited for and the Daemon is
// not destroyed (its destructor would wait for them), so the caller must end the process.
#pragma once

#include <memory>

#include "config/config.hpp"
#include "mysql/connection_pool.hpp"
#include "mysql/connector.hpp"
#include "runtime/daemon_options.hpp"

namespace sqlcron::runtime {

enum class ServeEnd { stopped, runs_hung };

[[nodiscard]] ServeEnd serve(const mysql::Connector& connector, mysql::ConnectionPool& pool,
                             std::shared_ptr<const config::Config> config, DaemonOptions options);

}  // namespace sqlcron::runtime
