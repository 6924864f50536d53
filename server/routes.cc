#include "server/routes.h"

#include <httplib.h>

#include <chrono>
#include <cstdio>
#include <mutex>
#include <ostream>
#include <utility>

#include "cli/search_json.h"
#include "server/statistics_json.h"

namespace trawl::serve {
namespace {

using cli::Json;
using Clock = std::chrono::steady_clock;

thread_local bool tls_overloaded = false;
// When the request this thread is answering was routed: for the log line.
thread_local Clock::time_point tls_request_start;

constexpr char kJsonType[] = "application/json";
const char* const kKnownPaths[][2] = {
    {"/search", "GET, POST, OPTIONS"}, {"/count", "GET, OPTIONS"}, {"/analyze", "GET, OPTIONS"},
    {"/documents", "GET, POST, DELETE, OPTIONS"}, {"/commit", "POST, OPTIONS"},
    {"/stats", "GET, OPTIONS"}, {"/health", "GET, OPTIONS"}, {"/backup", "POST, OPTIONS"},
    {"/_stats", "POST, OPTIONS"}, {"/_query", "POST, OPTIONS"}, {"/_fetch", "POST, OPTIONS"}};

void SendJson(httplib::Response& res, int status, const Json& body) {
  res.status = status;
  res.set_content(cli::Dump(body) + "\n", kJsonType);
}

void SendError(httplib::Response& res, int status, const std::string& message) {
  Json body;
  body["error"] = message;
  SendJson(res, status, body);
}

// The column of "... at column N ..." in a query syntax error, or 0.
size_t ColumnOf(const std::string& message) {
  constexpr std::string_view kAt = "at column ";
  const size_t at = message.find(kAt);
  if (at == std::string::npos) return 0;
  size_t column = 0;
  for (size_t i = at + kAt.size(); i < message.size() && message[i] >= '0' && message[i] <= '9'; ++i)
    column = column * 10 + static_cast<size_t>(message[i] - '0');
  return column;
}

int HttpStatusOf(const Status& s) {
  if (s.IsInvalidArgument()) return 400;
  if (s.IsNotFound()) return 404;
  if (s.IsBusy()) return 503;
  if (s.IsDeadlineExceeded()) return 504;  // the request's timeout
  if (s.IsCancelled()) return 503;
  return 500;
}

// A library error as JSON: the message (the kind in front where it adds something), the
// column of a query syntax error, and the budget of a query that ran out of it.
void SendStatus(httplib::Response& res, const Status& s, uint64_t timeout_ms = 0) {
  Json body;
  if (s.IsDeadlineExceeded()) {
    body["error"] = "the query took longer than its " + std::to_string(timeout_ms) +
                    " ms (timeout_ms, at most the server's --timeout-ms) and was stopped";
    body["timeout_ms"] = timeout_ms;
    return SendJson(res, HttpStatusOf(s), body);
  }
  body["error"] = s.IsInvalidArgument() || s.IsNotFound() ? s.message() : s.ToString();
  if (s.IsInvalidArgument()) {
    if (const size_t column = ColumnOf(s.message())) body["column"] = column;
  }
  SendJson(res, HttpStatusOf(s), body);
}

// Compares without an early exit, so the time taken tells nothing about where a guess goes
// wrong (the length of the token may leak; its content does not).
bool ConstantTimeEquals(const std::string& a, const std::string& b) {
  unsigned char diff = a.size() == b.size() ? 0 : 1;
  for (size_t i = 0; i < b.size(); ++i) {
    diff |= static_cast<unsigned char>(b[i] ^ (i < a.size() ? a[i] : 0));
  }
  return diff == 0;
}

}  // namespace

class Routes {
 public:
  Routes(IndexService* service, ShardSearch* shards, const RouteOptions* options)
      : service_(service), shards_(shards), options_(*options) {}

  void Install(httplib::Server* server) {
    if (shards_ != nullptr) {
      InstallRoot(server);
    } else {
      InstallIndex(server);
    }
    InstallCommon(server);
  }

 private:
  // A root over shards (--shards): searches, counts and reads answered by the leaves; no
  // writes, which go to the leaf serving the document's shard.
  void InstallRoot(httplib::Server* server) {
    server->Get("/search", [this](const httplib::Request& req, httplib::Response& res) {
      SearchRequest request;
      const std::string error = ParseSearchParams(req.params, options_.limits, &request);
      if (!error.empty()) return SendError(res, 400, error);
      SendRoot(res, shards_->Search(request, ParamsToJson(req.params)));
    });
    server->Post("/search", [this](const httplib::Request& req, httplib::Response& res) {
      nlohmann::json body = nlohmann::json::parse(req.body, nullptr, /*allow_exceptions=*/false);
      if (body.is_discarded()) return SendError(res, 400, "the body is not valid JSON");
      SearchRequest request;
      const std::string error = ParseSearchJson(body, options_.limits, &request);
      if (!error.empty()) return SendError(res, 400, error);
      SendRoot(res, shards_->Search(request, std::move(body)));
    });
    server->Get("/count", [this](const auto& req, auto& res) {
      std::string query;
      uint64_t timeout_ms = 0;
      if (ParseCount(req, res, &query, &timeout_ms)) SendRoot(res, shards_->Count(query, timeout_ms));
    });
    server->Get("/documents", [this](const auto& req, auto& res) {
      std::string id;
      if (IdParam(req, res, &id)) SendRoot(res, shards_->Document(id));
    });
    server->Get("/analyze", [this](const auto& req, auto& res) {
      std::string field, text;
      if (ParseAnalyze(req, res, &field, &text)) SendRoot(res, shards_->Analyze(field, text));
    });
    server->Get("/stats", [this](const auto&, auto& res) { SendRoot(res, shards_->Stats()); });
    const auto no_writes = [](const httplib::Request& req, httplib::Response& res) {
      SendError(res, 400, req.method + " " + req.path +
                              ": this server is a root over shards (--shards), which takes no "
                              "writes and serves no leaf requests: send them to the leaves");
    };
    server->Post("/documents", no_writes);
    server->Delete("/documents", no_writes);
    server->Post("/commit", no_writes);
    server->Post("/backup", no_writes);
    for (const char* path : {"/_stats", "/_query", "/_fetch"}) server->Post(path, no_writes);
  }

  static void SendRoot(httplib::Response& res, const RootAnswer& answer) {
    SendJson(res, answer.status, answer.body);
  }

  // The endpoints over the index this server holds.
  void InstallIndex(httplib::Server* server) {
    server->Get("/search", [this](const httplib::Request& req, httplib::Response& res) {
      Search(req.params, res);
    });
    server->Post("/search", [this](const httplib::Request& req, httplib::Response& res) {
      SearchRequest request;
      const std::string error = ParseSearchBody(req.body, options_.limits, &request);
      if (!error.empty()) return SendError(res, 400, error);
      Search(std::move(request), res);
    });
    // A leaf's part of a search over shards on several machines (docs/server.md, "Shards on
    // several machines").
    server->Post("/_stats", [this](const auto& req, auto& res) { LeafStatistics(req, res); });
    server->Post("/_query", [this](const auto& req, auto& res) { LeafQuery(req, res); });
    server->Post("/_fetch", [this](const auto& req, auto& res) { LeafFetch(req, res); });
    server->Get("/count", [this](const auto& req, auto& res) { Count(req, res); });
    server->Get("/analyze", [this](const auto& req, auto& res) { Analyze(req, res); });
    server->Get("/documents", [this](const auto& req, auto& res) { GetDocument(req, res); });
    server->Post("/documents", [this](const auto& req, auto& res) {
      if (Authorized(req, res)) AddDocuments(req, res);
    });
    server->Delete("/documents", [this](const auto& req, auto& res) {
      if (Authorized(req, res)) DeleteDocument(req, res);
    });
    server->Post("/commit", [this](const auto& req, auto& res) {
      if (Authorized(req, res)) Commit(res);
    });
    server->Post("/backup", [this](const auto& req, auto& res) {
      if (Authorized(req, res)) Backup(req, res);
    });
    server->Get("/stats", [this](const auto&, auto& res) { Stats(res); });
  }

  // Both kinds: health, preflight, errors, overload, CORS and the log.
  void InstallCommon(httplib::Server* server) {
    server->Get("/health", [](const auto&, auto& res) { SendJson(res, 200, Json{{"status", "ok"}}); });
    server->Options(".*", [this](const auto& req, auto& res) { Preflight(req, res); });

    server->set_pre_routing_handler([](const httplib::Request& req, httplib::Response& res) {
      tls_request_start = Clock::now();
      // httplib would wait for a body without a length until the read timeout (5 s).
      if ((req.method == "POST" || req.method == "PUT" || req.method == "PATCH") &&
          !req.has_header("Content-Length") &&
          req.get_header_value("Transfer-Encoding").find("chunked") == std::string::npos) {
        res.set_header("Connection", "close");
        SendError(res, 411, "a " + req.method + " needs a Content-Length (0 for no body: curl -d '')");
        return httplib::Server::HandlerResponse::Handled;
      }
      if (!tls_overloaded) return httplib::Server::HandlerResponse::Unhandled;
      res.set_header("Connection", "close");
      res.set_header("Retry-After", "1");
      SendError(res, 503, "overloaded: too many requests waiting, try again");
      return httplib::Server::HandlerResponse::Handled;
    });
    server->set_post_routing_handler([this](const httplib::Request&, httplib::Response& res) {
      AddCorsHeaders(res);
    });
    server->set_error_handler([this](const httplib::Request& req, httplib::Response& res) {
      ErrorPage(req, res);
    });
    server->set_exception_handler(
        [](const httplib::Request&, httplib::Response& res, std::exception_ptr ep) {
          std::string what = "internal error";
          try {
            std::rethrow_exception(ep);
          } catch (const std::exception& e) {
            what += std::string(": ") + e.what();
          } catch (...) {
          }
          SendError(res, 500, what);
        });
    server->set_logger([this](const httplib::Request& req, const httplib::Response& res) {
      Log(req, res);
    });
  }

  void Search(const Params& params, httplib::Response& res) {
    SearchRequest request;
    const std::string error = ParseSearchParams(params, options_.limits, &request);
    if (!error.empty()) return SendError(res, 400, error);
    Search(std::move(request), res);
  }

  void Search(SearchRequest request, httplib::Response& res) {
    SearchOptions& options = request.options;
    // Before AcquireSearcher, which may look for a newer commit first (--refresh-ms).
    options.deadline = DeadlineOf(request.timeout_ms);
    const std::shared_ptr<const Searcher> searcher = service_->AcquireSearcher();
    // As trawl-search does (QueryRunner::Run): the same calls, so the same answers.
    SearchResults results;
    const auto start = Clock::now();
    Status s;
    if (request.count && !options.allow_partial) {
      s = request.is_structured ? searcher->Count(request.structured, options, &results.total)
                                : searcher->Count(request.query, options, &results.total);
    } else if (request.is_structured) {
      options.count_only = request.count;  // only Search returns partial results
      s = searcher->Search(request.structured, options, &results);
    } else {
      options.count_only = request.count;
      s = searcher->Search(request.query, options, &results);
    }
    const auto took_us = std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - start);
    if (!s.ok()) return SendStatus(res, s, request.timeout_ms);
    SendJson(res, 200,
             cli::SearchJson(request.query, results, static_cast<uint64_t>(took_us.count()),
                             request.count, options.explain));
  }

  // What a leaf request carries besides a POST /search body.
  struct LeafRequest {
    SearchRequest search;
    std::shared_ptr<const CollectionStatistics> statistics;  // null: none sent
    nlohmann::json hits;                                     // /_fetch: the hits to load
    uint64_t generation = 0;                                 // /_fetch: of the query phase
  };

  // A leaf request's body: the members named in `extras` taken out, the rest read as a POST
  // /search body. False with a 400 sent if anything is wrong.
  bool ParseLeafRequest(const std::string& body, std::initializer_list<const char*> extras,
                        httplib::Response& res, LeafRequest* out) {
    nlohmann::json j = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
    if (j.is_discarded() || !j.is_object()) {
      SendError(res, 400, "the body must be a JSON object");
      return false;
    }
    for (const char* name : extras) {
      const auto it = j.find(name);
      if (it == j.end()) continue;
      if (std::string_view(name) == "statistics") {
        auto stats = std::make_shared<CollectionStatistics>();
        const std::string error = StatisticsFromJson(*it, stats.get());
        if (!error.empty()) {
          SendError(res, 400, error);
          return false;
        }
        out->statistics = std::move(stats);
      } else if (std::string_view(name) == "hits") {
        out->hits = std::move(*it);
      } else if (std::string_view(name) == "generation") {
        if (!it->is_number_unsigned()) {
          SendError(res, 400, "generation must be a whole number");
          return false;
        }
        out->generation = it->get<uint64_t>();
      }
      j.erase(it);
    }
    const std::string error = ParseSearchJson(std::move(j), options_.limits, &out->search);
    if (!error.empty()) {
      SendError(res, 400, error);
      return false;
    }
    out->search.options.statistics = out->statistics;
    out->search.options.deadline = DeadlineOf(out->search.timeout_ms);
    return true;
  }

  // POST /_stats: the statistics phase, this leaf's statistics for the query.
  void LeafStatistics(const httplib::Request& req, httplib::Response& res) {
    LeafRequest request;
    if (!ParseLeafRequest(req.body, {}, res, &request)) return;
    const std::shared_ptr<const Searcher> searcher = service_->AcquireSearcher();
    CollectionStatistics stats;
    const SearchRequest& search = request.search;
    const Status s = search.is_structured
                         ? searcher->CollectStatistics(search.structured, search.options, &stats)
                         : searcher->CollectStatistics(search.query, search.options, &stats);
    if (!s.ok()) return SendStatus(res, s, search.timeout_ms);
    Json body;
    body["generation"] = searcher->generation();
    body["statistics"] = StatisticsToJson(stats);
    SendJson(res, 200, body);
  }

  // POST /_query: the query phase, this leaf's first top hits scored with the statistics sent
  // (or its own), as sort keys without documents.
  void LeafQuery(const httplib::Request& req, httplib::Response& res) {
    LeafRequest request;
    if (!ParseLeafRequest(req.body, {"statistics"}, res, &request)) return;
    SearchRequest& search = request.search;
    SearchOptions& options = search.options;
    options.load_documents = false;
    options.explain = false;
    const std::shared_ptr<const Searcher> searcher = service_->AcquireSearcher();
    SearchResults results;
    Status s;
    if (search.count && !options.allow_partial) {
      s = search.is_structured ? searcher->Count(search.structured, options, &results.total)
                               : searcher->Count(search.query, options, &results.total);
    } else {
      options.count_only = search.count;
      s = search.is_structured ? searcher->Search(search.structured, options, &results)
                               : searcher->Search(search.query, options, &results);
    }
    if (!s.ok()) return SendStatus(res, s, search.timeout_ms);
    Json body;
    body["generation"] = searcher->generation();
    body["total"] = results.total;
    body["total_exact"] = results.total_exact;
    if (results.partial) body["partial"] = true;
    Json hits = Json::array();
    for (const Hit& h : results.hits)
      hits.push_back(Json{{"score", h.score}, {"segment", h.segment}, {"docid", h.docid}});
    body["hits"] = std::move(hits);
    if (!results.facets.empty()) body["facets"] = cli::FacetsJson(results.facets);
    SendJson(res, 200, body);
  }

  // POST /_fetch: the fetch phase, stored fields, snippets (and explanations) of hits the
  // query phase of the same commit found.
  void LeafFetch(const httplib::Request& req, httplib::Response& res) {
    LeafRequest request;
    if (!ParseLeafRequest(req.body, {"statistics", "hits", "generation"}, res, &request)) return;
    if (!request.hits.is_array()) return SendError(res, 400, "hits: expected an array");
    std::vector<Hit> hits;
    for (const nlohmann::json& h : request.hits) {
      if (!h.is_object() || !h.contains("segment") || !h["segment"].is_number_unsigned() ||
          !h.contains("docid") || !h["docid"].is_number_unsigned() || !h.contains("score") ||
          !h["score"].is_number()) {
        return SendError(res, 400, "hits: expected [{\"segment\", \"docid\", \"score\"}, ...]");
      }
      Hit hit;
      hit.segment = h["segment"].get<uint32_t>();
      hit.docid = h["docid"].get<uint32_t>();
      hit.score = h["score"].get<double>();
      hits.push_back(std::move(hit));
    }
    const std::shared_ptr<const Searcher> searcher = service_->AcquireSearcher();
    if (searcher->generation() != request.generation) {
      return SendError(res, 409,
                       "this leaf now serves generation " + std::to_string(searcher->generation()) +
                           ", not " + std::to_string(request.generation) +
                           " where the hits were found: search again");
    }
    const SearchRequest& search = request.search;
    const Status s = search.is_structured
                         ? searcher->FetchHits(search.structured, search.options, &hits)
                         : searcher->FetchHits(search.query, search.options, &hits);
    if (!s.ok()) return SendStatus(res, s, search.timeout_ms);
    Json body;
    body["generation"] = searcher->generation();
    Json out = Json::array();
    for (const Hit& h : hits) out.push_back(cli::HitJson(h, search.options.explain));
    body["hits"] = std::move(out);
    SendJson(res, 200, body);
  }

  // When a request that started now and may take `timeout_ms` must stop. From the start of
  // its handler, after parsing: time waiting for a thread is not counted (that queue is
  // bounded by --max-waiting instead).
  static Clock::time_point DeadlineOf(uint64_t timeout_ms) {
    return Clock::now() + std::chrono::milliseconds(timeout_ms);
  }

  // GET /count's parameters: q and timeout_ms. False with a 400 sent if they are wrong.
  bool ParseCount(const httplib::Request& req, httplib::Response& res, std::string* query,
                  uint64_t* timeout_ms) const {
    for (const auto& [name, value] : req.params) {
      if (name != "q" && name != "timeout_ms") {
        SendError(res, 400, "unknown parameter '" + name + "'");
        return false;
      }
    }
    const std::string bad_timeout = ParseTimeout(req.params, options_.limits, timeout_ms);
    if (!bad_timeout.empty()) {
      SendError(res, 400, bad_timeout);
      return false;
    }
    if (!req.has_param("q")) {
      SendError(res, 400, "missing parameter 'q' (the query)");
      return false;
    }
    if (req.get_param_value_count("q") > 1) {
      SendError(res, 400, "parameter 'q' given more than once");
      return false;
    }
    *query = req.get_param_value("q");
    if (query->size() > options_.limits.max_query_bytes) {
      SendError(res, 400, "q is longer than " + std::to_string(options_.limits.max_query_bytes) + " bytes");
      return false;
    }
    return true;
  }

  void Count(const httplib::Request& req, httplib::Response& res) {
    std::string query;
    uint64_t timeout_ms = 0;
    if (!ParseCount(req, res, &query, &timeout_ms)) return;
    uint64_t total = 0;
    SearchOptions options;
    options.limits = options_.limits.QueryLimitsOfRequest();
    options.deadline = DeadlineOf(timeout_ms);
    const Status s = service_->AcquireSearcher()->Count(query, options, &total);
    if (!s.ok()) return SendStatus(res, s, timeout_ms);
    Json body;
    body["query"] = query;
    body["total"] = total;
    SendJson(res, 200, body);
  }

  // GET /analyze's parameters: `text` (required) and `field` (optional: "" is the index's
  // analyzer), each once; or false with a 400 sent.
  bool ParseAnalyze(const httplib::Request& req, httplib::Response& res, std::string* field,
                    std::string* text) const {
    for (const auto& [name, value] : req.params) {
      if (name != "text" && name != "field") {
        SendError(res, 400, "unknown parameter '" + name + "' (expected text and field)");
        return false;
      }
      if (req.get_param_value_count(name) > 1) {
        SendError(res, 400, "parameter '" + name + "' given more than once");
        return false;
      }
    }
    if (!req.has_param("text")) {
      SendError(res, 400, "missing parameter 'text' (the text to analyze)");
      return false;
    }
    *text = req.get_param_value("text");
    *field = req.get_param_value("field");
    if (text->size() > options_.limits.max_query_bytes) {
      SendError(res, 400, "text is longer than " + std::to_string(options_.limits.max_query_bytes) +
                              " bytes");
      return false;
    }
    return true;
  }

  // The terms the field's analyzer makes of the text (Searcher::Analyze): what a query's words
  // become, and what {"indexed_term": ...} and field:="term" search as they are.
  void Analyze(const httplib::Request& req, httplib::Response& res) {
    std::string field, text;
    if (!ParseAnalyze(req, res, &field, &text)) return;
    std::vector<std::string> terms;
    const Status s = service_->AcquireSearcher()->Analyze(field, text, &terms);
    if (!s.ok()) return SendStatus(res, s);
    Json body;
    body["field"] = field;
    body["text"] = text;
    body["terms"] = terms;
    SendJson(res, 200, body);
  }

  // The one "id" parameter, or false with a 400 sent.
  static bool IdParam(const httplib::Request& req, httplib::Response& res, std::string* id) {
    if (!req.has_param("id") || req.get_param_value("id").empty()) {
      SendError(res, 400, "missing parameter 'id'");
      return false;
    }
    if (req.get_param_value_count("id") > 1 || req.params.size() > 1) {
      SendError(res, 400, "expected exactly one parameter, 'id'");
      return false;
    }
    *id = req.get_param_value("id");
    return true;
  }

  void GetDocument(const httplib::Request& req, httplib::Response& res) {
    std::string id;
    if (!IdParam(req, res, &id)) return;
    Document doc;
    const Status s = service_->AcquireSearcher()->Get(id, &doc);
    if (s.IsNotFound()) return SendError(res, 404, "no document with id '" + id + "'");
    if (!s.ok()) return SendStatus(res, s);
    SendJson(res, 200, cli::DocumentJson(doc));
  }

  void AddDocuments(const httplib::Request& req, httplib::Response& res) {
    AddResult result;
    const Status s = service_->AddJsonl(req.body, &result);
    if (!s.ok()) return SendStatus(res, s);
    Json body;
    body["added"] = result.added;
    body["skipped"] = result.skipped;
    if (!result.errors.empty()) body["errors"] = result.errors;
    SendJson(res, 200, body);
  }

  void DeleteDocument(const httplib::Request& req, httplib::Response& res) {
    std::string id;
    if (!IdParam(req, res, &id)) return;
    bool found = false;
    const Status s = service_->Delete(id, &found);
    if (!s.ok()) return SendStatus(res, s);
    Json body;
    body["id"] = id;
    body["deleted"] = found;
    SendJson(res, found ? 200 : 404, found ? body : Json{{"error", "no document with id '" + id + "'"}});
  }

  void Commit(httplib::Response& res) {
    CommitResult result;
    const Status s = service_->Commit(&result);
    if (!s.ok()) return SendStatus(res, s);
    Json body;
    body["generation"] = result.generation;
    body["documents"] = result.documents;
    SendJson(res, 200, body);
  }

  void Backup(const httplib::Request& req, httplib::Response& res) {
    std::string dest = req.get_param_value("dest");
    if (dest.empty() && !req.body.empty()) {
      Params params;
      const std::string error = ParamsFromJson(req.body, &params);
      if (!error.empty()) return SendError(res, 400, error);
      if (auto it = params.find("dest"); it != params.end()) dest = it->second;
    }
    if (dest.empty()) return SendError(res, 400, "missing parameter 'dest' (a new or empty directory)");
    BackupResult result;
    const Status s = service_->Backup(dest, &result);
    if (!s.ok()) return SendStatus(res, s);
    Json body;
    body["dest"] = dest;
    body["generation"] = result.commit.generation;
    body["documents"] = result.commit.documents;
    body["files"] = result.commit.files.size();
    body["bytes"] = result.commit.bytes;
    body["linked"] = result.linked;
    body["copied"] = result.copied;
    SendJson(res, 200, body);
  }

  void Stats(httplib::Response& res) {
    IndexStats stats;
    const Status s = service_->Stats(&stats);
    if (!s.ok()) return SendStatus(res, s);
    Json body;
    body["documents"] = stats.documents;
    body["segments"] = stats.segments;
    body["bytes"] = stats.bytes;
    body["generation"] = stats.generation;
    body["pending"] = stats.pending;
    SendJson(res, 200, body);
  }

  bool Authorized(const httplib::Request& req, httplib::Response& res) const {
    if (options_.write_token.empty()) return true;
    const std::string header = req.get_header_value("Authorization");
    constexpr std::string_view kBearer = "Bearer ";
    if (header.size() > kBearer.size() && header.compare(0, kBearer.size(), kBearer) == 0 &&
        ConstantTimeEquals(header.substr(kBearer.size()), options_.write_token)) {
      return true;
    }
    res.set_header("WWW-Authenticate", "Bearer");
    SendError(res, 401, "writes need the header 'Authorization: Bearer TOKEN' with the server's --write-token");
    return false;
  }

  static const char* AllowedMethods(const std::string& path) {
    for (const auto& known : kKnownPaths)
      if (path == known[0]) return known[1];
    return nullptr;
  }

  void Preflight(const httplib::Request& req, httplib::Response& res) const {
    const char* allowed = AllowedMethods(req.path);
    if (allowed == nullptr) return SendError(res, 404, "no such endpoint: " + req.path);
    res.status = 204;
    res.set_header("Allow", allowed);
    if (!options_.cors_origin.empty()) {
      res.set_header("Access-Control-Allow-Methods", allowed);
      res.set_header("Access-Control-Allow-Headers", "Authorization, Content-Type");
      res.set_header("Access-Control-Max-Age", "600");
    }
  }

  void AddCorsHeaders(httplib::Response& res) const {
    if (options_.cors_origin.empty()) return;
    res.set_header("Access-Control-Allow-Origin", options_.cors_origin);
    if (options_.cors_origin != "*") res.set_header("Vary", "Origin");
  }

  // Errors httplib answers itself (no route, a body over the limit, a malformed request) in
  // JSON like ours; a known path asked with another method is 405.
  void ErrorPage(const httplib::Request& req, httplib::Response& res) const {
    if (!res.body.empty()) return;
    if (res.status == 404) {
      if (const char* allowed = AllowedMethods(req.path)) {
        res.set_header("Allow", allowed);
        AddCorsHeaders(res);
        return SendError(res, 405, req.method + " is not allowed on " + req.path + " (allowed: " + allowed + ")");
      }
      return SendError(res, 404, "no such endpoint: " + req.path);
    }
    if (res.status == 413) {
      AddCorsHeaders(res);
      return SendError(res, 413, "request body larger than the server's --max-body-bytes");
    }
    if (res.status == 414) {
      return SendError(res, 414, "request line too long (a long query fits in POST /search)");
    }
    SendError(res, res.status, "bad request (HTTP " + std::to_string(res.status) + ")");
  }

  void Log(const httplib::Request& req, const httplib::Response& res) const {
    if (options_.log == nullptr) return;
    const long long us =
        tls_request_start == Clock::time_point()
            ? 0
            : std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - tls_request_start).count();
    tls_request_start = Clock::time_point();
    // The path arrives percent-decoded: control characters in it must not forge log lines.
    std::string path = req.path.substr(0, 200);
    for (char& c : path) {
      if (static_cast<unsigned char>(c) < 0x20 || c == 0x7F || c == ' ') c = '?';
    }
    char line[512];
    std::snprintf(line, sizeof(line), "%s %s %d %zu %lldus\n", req.method.c_str(), path.c_str(),
                  res.status, res.body.size(), us);
    std::lock_guard<std::mutex> lock(log_mutex_);
    *options_.log << line << std::flush;
  }

  IndexService* service_;  // null for a root over shards
  ShardSearch* shards_;     // null unless a root over shards
  const RouteOptions& options_;
  mutable std::mutex log_mutex_;
};

void SetOverloadedForThisThread(bool overloaded) { tls_overloaded = overloaded; }

void RoutesDeleter::operator()(Routes* routes) const { delete routes; }

std::unique_ptr<Routes, RoutesDeleter> InstallRoutes(IndexService* service,
                                                     const RouteOptions* options,
                                                     httplib::Server* server) {
  std::unique_ptr<Routes, RoutesDeleter> routes(new Routes(service, nullptr, options));
  routes->Install(server);
  return routes;
}

std::unique_ptr<Routes, RoutesDeleter> InstallRootRoutes(ShardSearch* shards,
                                                         const RouteOptions* options,
                                                         httplib::Server* server) {
  std::unique_ptr<Routes, RoutesDeleter> routes(new Routes(nullptr, shards, options));
  routes->Install(server);
  return routes;
}

}  // namespace trawl::serve
