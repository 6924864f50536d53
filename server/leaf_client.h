// HTTP calls from a root trawl-serve to its leaves: keep-alive connections pooled per leaf,
// every call bounded by the request's deadline.
#ifndef TRAWL_SERVER_LEAF_CLIENT_H_
#define TRAWL_SERVER_LEAF_CLIENT_H_

#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace httplib {
class Client;
}

namespace trawl::serve {

struct LeafReply {
  bool answered = false;  // an HTTP answer came (of any status)
  bool timed_out = false;  // no answer by the deadline
  int status = 0;
  std::string body;
  std::string error;  // why there is no answer
};

// Thread-safe: each call takes a connection of its own from the pool (or opens one).
class LeafClients {
 public:
  using Clock = std::chrono::steady_clock;
  LeafClients();
  ~LeafClients();

  // POST `body` (JSON) to `url` + `path`, or GET `url` + `path` (with its query string) when
  // `body` is null; no answer after `deadline` is a timeout.
  LeafReply Call(const std::string& url, const std::string& path, const std::string* body,
                 Clock::time_point deadline);

 private:
  // A pooled connection (*reused true) or a new one.
  std::unique_ptr<httplib::Client> Take(const std::string& url, bool* reused);
  void Give(const std::string& url, std::unique_ptr<httplib::Client> client);

  std::mutex mutex_;
  std::map<std::string, std::vector<std::unique_ptr<httplib::Client>>> idle_;  // by url
};

}  // namespace trawl::serve

#endif  // TRAWL_SERVER_LEAF_CLIENT_H_
