// WorkerPool: a fixed number of threads taking tasks from one FIFO queue, so runs waiting for a
// free worker start in the order they were submitted (scheduled order). Each thread holds the
// MySQL client's per-thread setup for its whole life.
//
// Error contract: a task that throws has its exception logged and swallowed; the thread lives on.
#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "mysql/connector.hpp"

namespace sqlcron::exec {

class WorkerPool {
 public:
  WorkerPool(const mysql::Connector& connector, int threads, std::string name);
  ~WorkerPool();
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  void post(std::function<void()> task);
  // Finishes queued tasks, then joins the threads.
  void stop();

 private:
  void work();

  const mysql::Connector& connector_;
  std::string name_;
  std::mutex mutex_;
  std::condition_variable ready_;
  std::deque<std::function<void()>> tasks_;
  bool stopping_ = false;
  std::vector<std::thread> threads_;
};

}  // namespace sqlcron::exec
