// Whether the HTTP endpoint can listen where the config says, asked before the daemon registers
// itself in the database: `serve` refuses to start (a named exit code, nothing recorded) instead
// of failing after its instance row exists. Binds and listens with the options HttpListener uses,
// then closes the socket; a port taken in the moment between this and the real listener is
// still caught there.
//
// Error contract: never throws.
#pragma once

#include <optional>
#include <string>

namespace sqlcron::http {

// nullopt if `address`:`port` can be bound and listened on now; otherwise the reason, naming
// the address ("cannot listen on 127.0.0.1:9464: Address already in use").
std::optional<std::string> listen_problem(const std::string& address, unsigned short port);

}  // namespace sqlcron::http
