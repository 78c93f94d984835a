#include "mysql/connection_pool.hpp"

namespace sqlcron::mysql {

ConnectionPool::Lease::Lease(ConnectionPool& pool, std::unique_ptr<Session> session, Duration idle)
    : pool_(&pool), session_(std::move(session)), idle_(idle) {}

ConnectionPool::Lease::Lease(Lease&& other) noexcept
    : pool_(other.pool_),
      session_(std::move(other.session_)),
      discard_(other.discard_),
      idle_(other.idle_) {}

ConnectionPool::Lease& ConnectionPool::Lease::operator=(Lease&& other) noexcept {
  if (this != &other) {
    if (session_) pool_->give_back(std::move(session_), discard_);
    pool_ = other.pool_;
    session_ = std::move(other.session_);
    discard_ = other.discard_;
    idle_ = other.idle_;
  }
  return *this;
}

void ConnectionPool::Lease::release() {
  if (session_) pool_->give_back(std::move(session_), discard_);
}

ConnectionPool::Lease::~Lease() {
  if (session_) pool_->give_back(std::move(session_), discard_);
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
  lock.unlock();
  try {
    return Lease(*this, connector_.open(settings_));
  } catch (...) {
    lock.lock();
    --open_;
    available_.notify_one();
    throw;
  }
}

std::unique_ptr<Session> ConnectionPool::open_dedicated() const {
  return connector_.open(settings_);
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

void ConnectionPool::give_back(std::unique_ptr<Session> session, bool discard) {
  if (discard) session.reset();  // close outside the lock
  {
    std::lock_guard lock(mutex_);
    if (discard) {
      --open_;
    } else {
      idle_.push_back(Idle{std::move(session), std::chrono::steady_clock::now()});
    }
  }
  available_.notify_one();
}

}  // namespace sqlcron::mysql
