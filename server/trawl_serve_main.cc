// trawl-serve: an HTTP/JSON search service over one index (docs/server.md). Flags, the
// listening socket, signals, the commit timer and shutdown live here; the endpoints in
// routes.cc; the index behind them in index_service.cc.
#include <httplib.h>
#include <pthread.h>
#include <signal.h>

#include <atomic>
#include <boost/program_options.hpp>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <cstdlib>
#include <exception>
#include <fstream>
#include <iostream>
#include <iterator>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "cli/limit_options.h"
#include "cli/search_options.h"
#include "server/bounded_queue.h"
#include "server/index_service.h"
#include "server/routes.h"
#include "server/shard_map.h"
#include "server/shard_search.h"

#ifndef TRAWL_VERSION
#define TRAWL_VERSION "unknown"
#endif

namespace po = boost::program_options;

namespace trawl::serve {
namespace {

constexpr char kProgram[] = "trawl-serve";
constexpr int kExitOk = 0;
constexpr int kExitFailed = 1;

void PrintError(const std::string& message) {
  std::cerr << kProgram << ": error: " << message << "\n";
}

struct Flags {
  std::string index_dir;
  std::string shards_file;
  std::string listen = "127.0.0.1:8080";
  int64_t threads = 8;
  int64_t max_waiting = 256;
  double commit_interval = 0;
  std::string write_token;
  std::string cors;
  std::string on_shutdown = "commit";
  int64_t max_body_bytes = 16 << 20;
  int64_t max_query_bytes = 8192;
  int64_t max_top = 1000;
  int64_t max_offset = 100000;
  int64_t max_doc_bytes = 64 << 20;
  int64_t timeout_ms = 10000;
  int64_t refresh_ms = 1000;
  // --max-depth, --max-clauses, --max-expansions, --max-phrase-terms (the others are above).
  QueryLimits limits;
  // Parsed from `listen`.
  std::string host;
  int port = 0;
};

po::options_description VisibleOptions(Flags* f) {
  po::options_description visible(
      "Usage: trawl-serve --index DIR [options]\n"
      "       trawl-serve --shards FILE [options]\n\n"
      "Serves the index in DIR (created if missing) over HTTP/JSON: GET/POST /search, GET /count,\n"
      "GET/POST/DELETE /documents, POST /commit, POST /backup, GET /stats, GET /health\n"
      "(docs/server.md). The first line on stdout is 'listening on HOST:PORT'. SIGTERM or\n"
      "SIGINT stops it: no new connections, requests in flight finish, then pending writes are\n"
      "committed or discarded (--on-shutdown). With --shards, it is the root of a shard set\n"
      "instead: the same searches, answered by the leaves FILE lists (docs/scaling.md).\n\n"
      "Options");
  // clang-format off
  visible.add_options()
      ("index", po::value(&f->index_dir)->value_name("DIR"), "index directory (this or --shards)")
      ("shards", po::value(&f->shards_file)->value_name("FILE"),
       "be a root over shards: JSON listing each shard's leaves (trawl-serve --index servers), "
       "docs/scaling.md")
      ("listen", po::value(&f->listen)->value_name("HOST:PORT")->default_value(f->listen),
       "address to listen on; port 0 picks a free one")
      ("threads", po::value(&f->threads)->value_name("N")->default_value(f->threads),
       "threads serving connections (each serves one connection at a time)")
      ("max-waiting", po::value(&f->max_waiting)->value_name("N")->default_value(f->max_waiting),
       "connections that may wait for a thread; more are answered 503 at once")
      ("commit-interval", po::value(&f->commit_interval)->value_name("SECONDS")->default_value(0),
       "commit pending writes this often (0: only on POST /commit and at shutdown)")
      ("write-token", po::value(&f->write_token)->value_name("TOKEN"),
       "writes need 'Authorization: Bearer TOKEN' (default: $TRAWL_WRITE_TOKEN if set, else "
       "anyone who can connect may write)")
      ("cors", po::value(&f->cors)->value_name("ORIGIN"),
       "send CORS headers allowing ORIGIN (or *) and answer preflight requests")
      ("on-shutdown", po::value(&f->on_shutdown)->value_name("commit|discard")->default_value("commit"),
       "what to do with writes not yet committed when the server stops")
      ("max-body-bytes", po::value(&f->max_body_bytes)->value_name("N")->default_value(f->max_body_bytes),
       "largest request body (413 beyond)")
      ("max-query-bytes", po::value(&f->max_query_bytes)->value_name("N")->default_value(f->max_query_bytes),
       "longest query and filter")
      ("max-top", po::value(&f->max_top)->value_name("N")->default_value(f->max_top),
       "largest top a search may ask for")
      ("max-offset", po::value(&f->max_offset)->value_name("N")->default_value(f->max_offset),
       "largest offset a search may ask for")
      ("max-doc-bytes", po::value(&f->max_doc_bytes)->value_name("N")->default_value(f->max_doc_bytes),
       "documents added are cut to this size, as trawl-index --max-doc-bytes")
      ("timeout-ms", po::value(&f->timeout_ms)->value_name("MS")->default_value(f->timeout_ms),
       "longest a search or count may run (504 beyond); a request's timeout_ms may ask for less")
      ("refresh-ms", po::value(&f->refresh_ms)->value_name("MS")->default_value(f->refresh_ms),
       "look for a commit made by another process at most this often, before a search "
       "(the server's own commits are seen at once)")
      ("help,h", "show this help and exit")
      ("version", "show the version and exit");
  // clang-format on
  cli::AddQueryLimitOptions(&visible, &f->limits, /*request_limits=*/false);
  return visible;
}

// "HOST:PORT" or "[V6]:PORT"; false if malformed.
bool SplitListen(const std::string& listen, std::string* host, int* port) {
  const size_t colon = listen.rfind(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 == listen.size()) return false;
  *host = listen.substr(0, colon);
  if (host->front() == '[' && host->back() == ']') *host = host->substr(1, host->size() - 2);
  const std::string digits = listen.substr(colon + 1);
  if (digits.find_first_not_of("0123456789") != std::string::npos || digits.size() > 5) return false;
  *port = std::stoi(digits);
  return *port <= 65535 && !host->empty();
}

std::string CheckFlags(Flags* f) {
  if (f->index_dir.empty() == f->shards_file.empty())
    return "give either --index DIR or --shards FILE";
  if (!SplitListen(f->listen, &f->host, &f->port)) return "--listen expects HOST:PORT, not '" + f->listen + "'";
  if (f->threads < 1 || f->threads > 1024) return "--threads must be from 1 to 1024";
  if (f->max_waiting < 0 || f->max_waiting > 1000000) return "--max-waiting must be from 0 to 1000000";
  if (!(f->commit_interval >= 0 && f->commit_interval <= 1e6)) return "--commit-interval must be from 0 to 1000000 seconds";
  if (f->on_shutdown != "commit" && f->on_shutdown != "discard") return "--on-shutdown expects commit or discard";
  if (f->max_body_bytes < 1) return "--max-body-bytes must be at least 1";
  if (f->max_query_bytes < 1) return "--max-query-bytes must be at least 1";
  if (f->max_top < 0 || f->max_top > 10000000) return "--max-top must be from 0 to 10000000";
  if (f->max_offset < 0 || f->max_offset > 10000000) return "--max-offset must be from 0 to 10000000";
  if (f->max_doc_bytes < 1) return "--max-doc-bytes must be at least 1";
  if (f->timeout_ms < 1 || f->timeout_ms > 86400000) return "--timeout-ms must be from 1 to 86400000";
  if (f->refresh_ms < 0 || f->refresh_ms > 86400000) return "--refresh-ms must be from 0 to 86400000";
  return cli::CheckQueryLimits(f->limits);
}

std::optional<int> ParseFlags(int argc, char** argv, Flags* flags) {
  const po::options_description visible = VisibleOptions(flags);
  po::variables_map vm;
  try {
    po::store(po::command_line_parser(argc, argv).options(visible).run(), vm);
    po::notify(vm);
  } catch (const po::error& e) {
    PrintError(std::string(e.what()) + " (see --help)");
    return kExitFailed;
  }
  if (vm.count("help")) {
    std::cout << visible << "\n";
    return kExitOk;
  }
  if (vm.count("version")) {
    std::cout << kProgram << " " << TRAWL_VERSION << "\n";
    return kExitOk;
  }
  if (!vm.count("write-token")) {
    if (const char* token = std::getenv("TRAWL_WRITE_TOKEN")) flags->write_token = token;
  }
  const std::string problem = CheckFlags(flags);
  if (!problem.empty()) {
    PrintError(problem + " (see --help)");
    return kExitFailed;
  }
  return std::nullopt;
}

// Commits every `interval` while the server runs, when there is something to commit.
class CommitTimer {
 public:
  CommitTimer(IndexService* service, double interval_seconds) : service_(*service) {
    if (interval_seconds <= 0) return;
    const auto interval = std::chrono::duration_cast<std::chrono::steady_clock::duration>(
        std::chrono::duration<double>(interval_seconds));
    thread_ = std::thread([this, interval] { Run(interval); });
  }
  ~CommitTimer() { Stop(); }

  void Stop() {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      stopped_ = true;
    }
    wake_.notify_all();
    if (thread_.joinable()) thread_.join();
  }

 private:
  void Run(std::chrono::steady_clock::duration interval) {
    std::unique_lock<std::mutex> lock(mutex_);
    while (!wake_.wait_for(lock, interval, [this] { return stopped_; })) {
      lock.unlock();
      if (service_.pending() > 0) {
        CommitResult result;
        const Status s = service_.Commit(&result);
        if (!s.ok()) PrintError("commit (--commit-interval): " + s.ToString());
      }
      lock.lock();
    }
  }

  IndexService& service_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopped_ = false;  // guarded by mutex_
  std::thread thread_;
};

// Waits for SIGTERM or SIGINT (blocked in every thread, so only this one sees them) and stops
// the server: it closes the listening socket and lets requests in flight finish.
class SignalWatcher {
 public:
  SignalWatcher(httplib::Server* server, const sigset_t& signals) : server_(*server), signals_(signals) {
    thread_ = std::thread([this] { Run(); });
  }
  // After the server has stopped for any reason.
  ~SignalWatcher() {
    done_ = true;
    ::pthread_kill(thread_.native_handle(), SIGTERM);
    thread_.join();
  }
  int signal() const { return signal_; }

 private:
  void Run() {
    int sig = 0;
    if (::sigwait(&signals_, &sig) != 0 || done_) return;
    signal_ = sig;
    // stop() before listen has started would be lost: wait for it to run.
    while (!server_.is_running() && !done_) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    server_.stop();
  }

  httplib::Server& server_;
  const sigset_t signals_;
  std::atomic<bool> done_{false};
  std::atomic<int> signal_{0};
  std::thread thread_;
};

int FinishWrites(IndexService* service, const std::string& on_shutdown) {
  const uint64_t pending = service->pending();
  if (pending == 0) {
    std::cerr << kProgram << ": stopped; no pending writes\n";
    return kExitOk;
  }
  if (on_shutdown == "discard") {
    std::cerr << kProgram << ": stopped; discarded " << pending
              << " pending writes (--on-shutdown discard)\n";
    return kExitOk;
  }
  CommitResult result;
  const Status s = service->Commit(&result);
  if (!s.ok()) {
    PrintError("stopped; commit of " + std::to_string(pending) + " pending writes failed: " +
               s.ToString());
    return kExitFailed;
  }
  std::cerr << kProgram << ": stopped; committed " << pending << " pending writes (generation "
            << result.generation << ", " << result.documents << " documents)\n";
  return kExitOk;
}

RouteOptions RouteOptionsOf(const Flags& flags) {
  RouteOptions route_options;
  route_options.limits.max_query_bytes = static_cast<size_t>(flags.max_query_bytes);
  route_options.limits.max_top = static_cast<size_t>(flags.max_top);
  route_options.limits.max_offset = static_cast<size_t>(flags.max_offset);
  route_options.limits.max_timeout_ms = static_cast<uint64_t>(flags.timeout_ms);
  route_options.limits.query = flags.limits;
  route_options.write_token = flags.write_token;
  route_options.cors_origin = flags.cors;
  route_options.log = &std::cerr;
  return route_options;
}

// The server's thread pool and limits, as flags ask.
void ConfigureServer(const Flags& flags, httplib::Server* server) {
  const size_t threads = static_cast<size_t>(flags.threads);
  const size_t max_waiting = static_cast<size_t>(flags.max_waiting);
  server->new_task_queue = [threads, max_waiting] { return new BoundedQueue(threads, max_waiting); };
  server->set_payload_max_length(static_cast<size_t>(flags.max_body_bytes));
  // httplib writes the headers and the body separately: with Nagle's algorithm the body then
  // waits for the client's delayed ACK, 40 ms on Linux, on every keep-alive request.
  server->set_tcp_nodelay(true);
}

// Binds as --listen asks and prints the "listening on" line; false (after saying why) if not.
bool Bind(const Flags& flags, httplib::Server* server) {
  int port = flags.port;
  if (port == 0) {
    port = server->bind_to_any_port(flags.host);
    if (port < 0) port = 0;
  } else if (!server->bind_to_port(flags.host, port)) {
    port = 0;
  }
  if (port == 0) {
    PrintError("cannot listen on " + flags.listen);
    return false;
  }
  const bool v6 = flags.host.find(':') != std::string::npos;
  std::cout << "listening on " << (v6 ? "[" + flags.host + "]" : flags.host) << ":" << port
            << std::endl;
  return true;
}

// A root over shards: no index of its own, so nothing to commit at the end.
int RunRoot(const Flags& flags, const sigset_t& signals) {
  std::string text;
  {
    std::ifstream in(flags.shards_file, std::ios::binary);
    if (!in) {
      PrintError("--shards " + flags.shards_file + ": cannot read it");
      return kExitFailed;
    }
    text.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }
  ShardMap map;
  const std::string problem = ParseShardMap(text, &map);
  if (!problem.empty()) {
    PrintError("--shards " + flags.shards_file + ": " + problem);
    return kExitFailed;
  }
  ShardSearch shards(std::move(map), static_cast<size_t>(flags.max_top));
  const RouteOptions route_options = RouteOptionsOf(flags);
  httplib::Server server;
  ConfigureServer(flags, &server);
  const auto routes = InstallRootRoutes(&shards, &route_options, &server);
  if (!Bind(flags, &server)) return kExitFailed;
  int stop_signal = 0;
  bool listened = false;
  {
    SignalWatcher watcher(&server, signals);
    listened = server.listen_after_bind();
    stop_signal = watcher.signal();
  }
  if (stop_signal == 0 && !listened) {
    PrintError("the server stopped unexpectedly");
    return kExitFailed;
  }
  std::cerr << kProgram << ": stopped\n";
  return kExitOk;
}

int Run(int argc, char** argv) {
  Flags flags;
  if (const std::optional<int> exit_code = ParseFlags(argc, argv, &flags)) return *exit_code;

  // Before any thread starts, so that every thread inherits the mask.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  ::pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  // A client that hangs up mid-answer must not end the server.
  ::signal(SIGPIPE, SIG_IGN);

  if (!flags.shards_file.empty()) return RunRoot(flags, signals);

  std::unique_ptr<IndexService> service;
  const Status s = IndexService::Open(flags.index_dir, static_cast<uint64_t>(flags.max_doc_bytes),
                                    static_cast<uint32_t>(flags.refresh_ms), &service);
  if (!s.ok()) {
    PrintError(flags.index_dir + ": " + (s.IsInvalidArgument() || s.IsNotFound() ? s.message() : s.ToString()));
    return kExitFailed;
  }

  const RouteOptions route_options = RouteOptionsOf(flags);
  httplib::Server server;
  ConfigureServer(flags, &server);
  const auto routes = InstallRoutes(service.get(), &route_options, &server);
  if (!Bind(flags, &server)) return kExitFailed;

  CommitTimer timer(service.get(), flags.commit_interval);
  int stop_signal = 0;
  bool listened = false;
  {
    SignalWatcher watcher(&server, signals);
    listened = server.listen_after_bind();
    stop_signal = watcher.signal();
  }
  timer.Stop();
  if (stop_signal != 0) {
    std::cerr << kProgram << ": " << (stop_signal == SIGINT ? "SIGINT" : "SIGTERM")
              << ": stopping after the requests in flight\n";
  } else if (!listened) {
    PrintError("the server stopped unexpectedly");
  }
  const int code = FinishWrites(service.get(), flags.on_shutdown);
  return stop_signal != 0 || listened ? code : kExitFailed;
}

}  // namespace
}  // namespace trawl::serve

int main(int argc, char** argv) {
  try {
    return trawl::serve::Run(argc, argv);
  } catch (const std::exception& e) {
    std::cerr << "trawl-serve: error: " << e.what() << "\n";
    return 1;
  }
}
