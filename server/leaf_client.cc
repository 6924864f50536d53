#include "server/leaf_client.h"

#include <httplib.h>

namespace trawl::serve {

namespace {

// Idle connections kept per leaf: enough for the root's threads, each holding at most one per
// leaf at a time.
constexpr size_t kMaxIdlePerLeaf = 64;

}  // namespace

LeafClients::LeafClients() = default;
LeafClients::~LeafClients() = default;

std::unique_ptr<httplib::Client> LeafClients::Take(const std::string& url, bool* reused) {
  *reused = true;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    auto& idle = idle_[url];
    if (!idle.empty()) {
      std::unique_ptr<httplib::Client> client = std::move(idle.back());
      idle.pop_back();
      return client;
    }
  }
  *reused = false;
  auto client = std::make_unique<httplib::Client>(url);
  client->set_keep_alive(true);
  // As the server side does: without it, a small body waits for a delayed ACK.
  client->set_tcp_nodelay(true);
  return client;
}

void LeafClients::Give(const std::string& url, std::unique_ptr<httplib::Client> client) {
  std::lock_guard<std::mutex> lock(mutex_);
  auto& idle = idle_[url];
  if (idle.size() < kMaxIdlePerLeaf) idle.push_back(std::move(client));
}

LeafReply LeafClients::Call(const std::string& url, const std::string& path,
                            const std::string* body, Clock::time_point deadline) {
  LeafReply reply;
  // A pooled connection the leaf has closed meanwhile (its keep-alive timeout, a restart)
  // fails at once: then once more on a new one.
  for (int attempt = 0; attempt < 2; ++attempt) {
    const auto left = deadline - Clock::now();
    if (left <= Clock::duration::zero()) {
      reply.timed_out = true;
      if (reply.error.empty()) reply.error = "no time left";
      return reply;
    }
    const auto us = std::chrono::duration_cast<std::chrono::microseconds>(left).count();
    bool reused = false;
    std::unique_ptr<httplib::Client> client = Take(url, &reused);
    client->set_connection_timeout(us / 1000000, us % 1000000);
    client->set_read_timeout(us / 1000000, us % 1000000);
    client->set_write_timeout(us / 1000000, us % 1000000);
    httplib::Result result = body != nullptr
                                 ? client->Post(path.c_str(), *body, "application/json")
                                 : client->Get(path.c_str());
    if (result) {
      reply.answered = true;
      reply.timed_out = false;
      reply.status = result->status;
      reply.body = std::move(result->body);
      Give(url, std::move(client));
      return reply;
    }
    const httplib::Error error = result.error();
    reply.error = httplib::to_string(error);
    // A read that ends with the deadline is the leaf being slow, not gone.
    reply.timed_out = error == httplib::Error::ConnectionTimeout ||
                      Clock::now() + std::chrono::milliseconds(2) >= deadline;
    if (!reused || reply.timed_out) break;
  }
  return reply;
}

}  // namespace trawl::serve
