#include "mysql/connection_pool.hpp"

#include "mysql/db_error.hpp"

namespace sqlcron::mysql {

ConnectionPool::Lease::Lease(ConnectionPool& pool, std::unique_ptr<Session> session, Duration idle)
    : pool_(&pool), session_(std::move(session)), idle_(idle) {}

ConnectionPool::Lease::Lease(Lease&& other) noexcept
    : pool_(other.pool_),
      session_(std::move(other.session_)),
      discard_(other.discard_),
      recycle_(other.recycle_),
      idle_(other.idle_) {}

ConnectionPool::Lease& ConnectionPool::Lease::operator=(Lease&& other) noexcept {
  if (this != &other) {
    if (session_) pool_->give_back(std::move(session_), how());
    pool_ = other.pool_;
    session_ = std::move(other.session_);
    discard_ = other.discard_;
    recycle_ = other.recycle_;
    idle_ = other.idle_;
  }
  return *this;
}

ConnectionPool::Return ConnectionPool::Lease::how() const {
  if (discard_) return Return::discard;
  return recycle_ ? Return::recycle : Return::keep;
}

void ConnectionPool::Lease::release() {
  if (session_) pool_->give_back(std::move(session_), how());
}

ConnectionPool::Lease::~Lease() {
  if (session_) pool_->give_back(std::move(session_), how());
}

ConnectionPool::ConnectionPool(const Connector& connector, ConnectionSettings settings, int size)
    : connector_(connector), settings_(std::move(settings)), size_(size) {}

ConnectionPool::Lease ConnectionPool::acquire() {
  std::unique_lock lock(mutex_);
  available_.wait(lock, [&] { return !idle_.empty() || open_ < size_; });
  if (!idle_.empty()) {
    auto idle = std::move(idle_.back());
    idle_.pop_back();
    return Lease(*this, std::move(idle.session), std::chrono::steady_clock::now() - idle.since);
  }
  ++open_;
  const auto settings = settings_;
  lock.unlock();
  try {
    return Lease(*this, connector_.open(settings));
  } catch (...) {
    lock.lock();
    --open_;
    available_.notify_one();
    throw;
  }
}

std::unique_ptr<Session> ConnectionPool::open_dedicated() const {
  return connector_.open(settings());
}

ConnectionSettings ConnectionPool::settings() const {
  const std::lock_guard lock(mutex_);
  return settings_;
}

void ConnectionPool::set_io_timeouts(std::chrono::seconds read, std::chrono::seconds write) {
  {
    const std::lock_guard lock(mutex_);
    if (settings_.read_timeout == read && settings_.write_timeout == write) return;
    settings_.read_timeout = read;
    settings_.write_timeout = write;
  }
  discard_idle();  // sessions opened with the old timeouts
}

void ConnectionPool::discard_idle() {
  std::vector<Idle> dead;
  {
    std::lock_guard lock(mutex_);
    open_ -= static_cast<int>(idle_.size());
    dead.swap(idle_);
  }
  available_.notify_all();
}  // `dead` closes outside the lock

void ConnectionPool::give_back(std::unique_ptr<Session> session, Return how) {
  if (how != Return::keep) session.reset();  // close outside the lock
  if (how == Return::recycle) {
    // The slot stays counted while its replacement opens; a failure (the server went away)
    // frees it, and the next acquire() opens one when it can.
    try {
      session = connector_.open(settings());
    } catch (const DbError&) {
      how = Return::discard;
    }
  }
  {
    std::lock_guard lock(mutex_);
    if (how == Return::discard) {
      --open_;
    } else {
      idle_.push_back(Idle{std::move(session), std::chrono::steady_clock::now()});
    }
  }
  available_.notify_one();
}

}  // namespace sqlcron::mysql
