// Connector: the entry point to the MySQL client library. Makes Sessions, and sets up the client
// library for each thread that uses one (ThreadScope). Create it once, early, on the main thread:
// the client library's own initialisation is not thread-safe.
//
// Error contract: open() throws DbError (e.g. 2002/2003 cannot connect, 1045 access denied).
#pragma once

#include <memory>

#include "mysql/connection_settings.hpp"
#include "mysql/session.hpp"

namespace sqlcron::mysql {

class Connector {
 public:
  Connector();

  [[nodiscard]] std::unique_ptr<Session> open(const ConnectionSettings& settings) const;

  // Held by every thread that uses Sessions, for the thread's whole life.
  class ThreadScope {
   public:
    explicit ThreadScope(const Connector& connector);
    ~ThreadScope();
    ThreadScope(const ThreadScope&) = delete;
    ThreadScope& operator=(const ThreadScope&) = delete;

   private:
    void* driver_;
  };

 private:
  void* driver_;  // sql::mysql::MySQL_Driver*, owned by the client library
};

}  // namespace sqlcron::mysql
