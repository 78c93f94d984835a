// ConnectionPool: at most `size` open Sessions shared by worker threads. acquire() hands out an
// idle session (opening one if fewer than `size` exist) and blocks while all are in use. A Lease
// returns its session on destruction; a lease marked discard() closes it instead, so the pool
// never hands out a connection in an unknown state (after a lost connection or a kill).
//
// Error contract: acquire() throws DbError when a new connection cannot be opened.
#pragma once

#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <vector>

#include "mysql/connection_settings.hpp"
#include "mysql/connector.hpp"
#include "mysql/session.hpp"

namespace sqlcron::mysql {

class ConnectionPool {
  enum class Return { keep, discard, recycle };  // what becomes of a session given back

 public:
  class Lease {
   public:
    using Duration = std::chrono::steady_clock::duration;
    Lease(ConnectionPool& pool, std::unique_ptr<Session> session, Duration idle = Duration::zero());
    ~Lease();
    Lease(Lease&& other) noexcept;
    Lease(const Lease&) = delete;
    Lease& operator=(const Lease&) = delete;
    Lease& operator=(Lease&& other) noexcept;  // returns the current session first

    Session& operator*() const { return *session_; }
    Session* operator->() const { return session_.get(); }
    // How long the session sat idle in the pool before this lease (zero for a new one): one idle
    // for long may have died unnoticed (a server restart, wait_timeout).
    [[nodiscard]] Duration idle_before() const { return idle_; }
    // Close the session instead of returning it to the pool.
    void discard() { discard_ = true; }
    // Return a fresh session in its place: the pool closes this one and opens a new one on the
    // returning thread (off the fire path of the next run). No state of one run - user
    // variables, session settings, temporary tables - reaches the next.
    void recycle() { recycle_ = true; }
    // Give the session back (or close it, if discarded) now; the lease is empty afterwards.
    // Needed before acquiring a replacement from a pool that may have no other session.
    void release();

   private:
    [[nodiscard]] Return how() const;

    ConnectionPool* pool_;
    std::unique_ptr<Session> session_;
    bool discard_ = false;
    bool recycle_ = false;
    Duration idle_ = Duration::zero();
  };

  ConnectionPool(const Connector& connector, ConnectionSettings settings, int size);

  Lease acquire();
  // Closes every idle session (after the server was lost, they are all dead).
  void discard_idle();
  // A new session with the pool's settings that is not counted against `size` (for a writer that
  // must not wait for, nor take, a worker's connection). Throws DbError.
  [[nodiscard]] std::unique_ptr<Session> open_dedicated() const;
  [[nodiscard]] ConnectionSettings settings() const;
  // Read and write timeouts of the sessions opened from now on; idle ones are closed.
  void set_io_timeouts(std::chrono::seconds read, std::chrono::seconds write);
  [[nodiscard]] const Connector& connector() const { return connector_; }

 private:
  void give_back(std::unique_ptr<Session> session, Return how);

  const Connector& connector_;
  ConnectionSettings settings_;  // guarded by mutex_
  const int size_;
  mutable std::mutex mutex_;
  std::condition_variable available_;
  struct Idle {
    std::unique_ptr<Session> session;
    std::chrono::steady_clock::time_point since;
  };
  std::vector<Idle> idle_;
  int open_ = 0;  // sessions that exist: idle + leased
};

}  // namespace sqlcron::mysql
