#include "http/http_server.hpp"

#include <utility>

#include "http/http_listener.hpp"
#include "http/http_routes.hpp"

namespace sqlcron::http {

// HttpServer's private part: owns the listener's lifetime. The listener is shared with its
// pending handlers, so destroying the server stops it (closing every connection, so the
// io_context has no work of ours left) rather than freeing it under them. Like every Asio
// object, the server must be destroyed on the io_context's thread or while it is not running.
class HttpServerImpl {
 public:
  explicit HttpServerImpl(std::shared_ptr<HttpListener> listener)
      : listener_(std::move(listener)) {}
  ~HttpServerImpl() { listener_->stop(); }
  HttpServerImpl(const HttpServerImpl&) = delete;
  HttpServerImpl& operator=(const HttpServerImpl&) = delete;

  [[nodiscard]] unsigned short port() const { return listener_->port(); }

 private:
  std::shared_ptr<HttpListener> listener_;
};

HttpServer::HttpServer(boost::asio::io_context& io, const std::string& address, unsigned short port,
                       const metrics::Metrics& metrics, std::function<HealthState()> health) {
  auto routes = std::make_shared<const HttpRoutes>(metrics, std::move(health));
  auto listener = std::make_shared<HttpListener>(io, address, port, std::move(routes));
  impl_ = std::make_unique<HttpServerImpl>(listener);
  listener->start();
}

HttpServer::~HttpServer() = default;

unsigned short HttpServer::port() const { return impl_->port(); }

}  // namespace sqlcron::http
