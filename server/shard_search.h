// The root of a search over shards on several machines (trawl-serve --shards FILE): the same
// HTTP API as one trawl-serve, answered by leaves that each serve one shard (docs/scaling.md,
// "Searching shards on several machines"). A search runs in three phases:
//   1. statistics: every leaf's statistics for the query (POST /_stats), added in shard order;
//   2. query: every leaf's first offset + top hits scored with those statistics (POST /_query),
//      merged by (score, shard order, the leaf's index order) into the page asked for;
//   3. fetch: stored fields and snippets of the page's hits only, from the leaves that found
//      them (POST /_fetch).
// A shard none of whose leaves answers in time is left out when the request allows partial
// results ("partial": true, "missing_shards"), and fails the request otherwise (502 or 504).
#ifndef TRAWL_SERVER_SHARD_SEARCH_H_
#define TRAWL_SERVER_SHARD_SEARCH_H_

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "cli/search_json.h"
#include "server/leaf_client.h"
#include "server/search_request.h"
#include "server/shard_map.h"

namespace trawl::serve {

// An answer to send: HTTP status and JSON body.
struct RootAnswer {
  int status = 200;
  cli::Json body;
};

// Thread-safe: any number of requests at once.
class ShardSearch {
 public:
  using Clock = std::chrono::steady_clock;
  // `max_top`: the most hits a leaf is asked for (offset + top), the root's --max-top.
  ShardSearch(ShardMap map, size_t max_top) : map_(std::move(map)), max_top_(max_top) {}

  // GET or POST /search: `request` parsed from `body` (the POST body, or the GET parameters
  // as ParamsToJson makes them), which is what the leaves are sent.
  RootAnswer Search(const SearchRequest& request, nlohmann::json body);
  // GET /count?q=: the leaves' counts summed.
  RootAnswer Count(const std::string& query, uint64_t timeout_ms);
  // GET /documents?id=: the document from whichever shard holds it.
  RootAnswer Document(const std::string& id);
  // GET /analyze, answered by the first shard (in shards.json's order) that answers: the
  // shards of a set analyze alike (built with one analyzer, as Searcher::Open over shards
  // requires).
  RootAnswer Analyze(const std::string& field, const std::string& text);
  // GET /stats: the leaves' numbers summed, and each shard's.
  RootAnswer Stats();

  const ShardMap& map() const { return map_; }

 private:
  class Run;
  // What one shard answered in one phase.
  struct ShardReply {
    bool ok = false;         // a 200 from one of its leaves
    size_t leaf = 0;         // which one (index into its leaves)
    int status = 0;          // the leaf's status; 0: none answered
    bool timed_out = false;  // none answered in time
    nlohmann::json body;     // the 200's JSON, or the leaf's error
    std::string raw;         // the body as it came (its keys in their order)
    std::string error;       // why no 200
  };
  // Calls every shard in `shards` at once: `path` with body_of(shard) (GET when it returns
  // null), trying the shard's leaves in turn from `first_leaf[shard]` (all of them unless
  // `only_first`); a leaf that answers 4xx (a bad request, the same on every leaf) is not
  // retried elsewhere.
  std::vector<ShardReply> FanOut(const std::vector<size_t>& shards, const std::string& path,
                                 const std::function<std::optional<std::string>(size_t)>& body_of,
                                 const std::vector<size_t>& first_leaf, bool only_first,
                                 Clock::time_point deadline);
  ShardReply CallShard(size_t shard, const std::string& path, const std::optional<std::string>& body,
                       size_t first_leaf, bool only_first, Clock::time_point deadline);
  // The answer for shards that failed a phase, without partial results: 504 if any timed out,
  // else 502, or the leaf's own 4xx.
  RootAnswer Failure(const std::vector<ShardReply>& replies, const std::vector<size_t>& shards,
                     const std::string& phase, uint64_t timeout_ms) const;

  const ShardMap map_;
  const size_t max_top_;
  LeafClients clients_;
};

}  // namespace trawl::serve

#endif  // TRAWL_SERVER_SHARD_SEARCH_H_
