// RunRequest: one run to execute, as handed from the event loop to a worker thread: what the
// scheduler ordered (core::RunOrder) and how to interrupt it.
#pragma once

#include <memory>

#include "core/run_order.hpp"
#include "exec/run_control.hpp"

namespace sqlcron::exec {

struct RunRequest : core::RunOrder {
  RunRequest() = default;
  explicit RunRequest(core::RunOrder order) : core::RunOrder(std::move(order)) {}
  // Kills of this run: ended by the worker when the SQL has ended, before the connection goes
  // back to the pool (from then on its connection id may belong to another run).
  std::shared_ptr<RunControl> control = std::make_shared<RunControl>();
};

}  // namespace sqlcron::exec
