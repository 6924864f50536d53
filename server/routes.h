// The HTTP interface of trawl-serve (docs/server.md): endpoints, JSON errors, the write token,
// CORS and the request log, over an IndexService. No search logic: parameters become
// SearchOptions, results become the JSON trawl-search prints.
#ifndef TRAWL_SERVER_ROUTES_H_
#define TRAWL_SERVER_ROUTES_H_

#include <iosfwd>
#include <memory>
#include <string>

#include "server/index_service.h"
#include "server/search_request.h"
#include "server/shard_search.h"

namespace httplib {
class Server;
}

namespace trawl::serve {

struct RouteOptions {
  RequestLimits limits;
  // Writes (POST /documents, DELETE /documents, POST /commit, POST /backup) need
  // "Authorization: Bearer <write_token>"; empty: anyone may write.
  std::string write_token;
  // Access-Control-Allow-Origin for browser clients; empty: no CORS headers.
  std::string cors_origin;
  // Where one line per request goes: method, path, status, bytes, microseconds.
  std::ostream* log = nullptr;
};

class Routes;
struct RoutesDeleter {
  void operator()(Routes* routes) const;
};

// Installs every endpoint, the error handler and the logger on *server. The handlers refer to
// the returned object, `service` and `options`: all must outlive the server's last request.
std::unique_ptr<Routes, RoutesDeleter> InstallRoutes(IndexService* service,
                                                     const RouteOptions* options,
                                                     httplib::Server* server);

// The same API answered by the leaves of a shard set (a root: trawl-serve --shards): searches,
// counts, documents and stats; writes refused. `shards` and `options` must outlive the
// server's last request.
std::unique_ptr<Routes, RoutesDeleter> InstallRootRoutes(ShardSearch* shards,
                                                         const RouteOptions* options,
                                                         httplib::Server* server);

// Whether the request running on this thread arrived while the server was overloaded (set by
// the server's task queue): such a request is answered 503 at once.
void SetOverloadedForThisThread(bool overloaded);

}  // namespace trawl::serve

#endif  // TRAWL_SERVER_ROUTES_H_
