// A search request's parameters, from a query string (GET /search?q=...&filter=...&filter=...)
// or a JSON body (POST /search {"q": ..., "filter": [...]}), into a query and SearchOptions.
// The names are trawl-search's flags without the dashes; each means what its flag means.
#ifndef TRAWL_SERVER_SEARCH_REQUEST_H_
#define TRAWL_SERVER_SEARCH_REQUEST_H_

#include <cstddef>
#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <string>

#include "trawl/query.h"
#include "trawl/searcher.h"

namespace trawl::serve {

// Name -> value, a name repeated for each value of a repeatable parameter (httplib::Params is
// one of these).
using Params = std::multimap<std::string, std::string>;

// What one request may ask for: a bound on the work and memory a single request can take.
struct RequestLimits {
  size_t max_query_bytes = 8192;  // q and each filter
  size_t max_top = 1000;
  size_t max_offset = 100000;
  // The longest a search or count may run (--timeout-ms); a request's timeout_ms may ask for
  // less, never more.
  uint64_t max_timeout_ms = 10000;
  // What the library checks of every query (--max-depth, --max-clauses, ...): the options of
  // every search and count carry these, with the three above as max_query_bytes, max_top and
  // max_offset.
  QueryLimits query;
  QueryLimits QueryLimitsOfRequest() const {
    QueryLimits out = query;
    out.max_query_bytes = max_query_bytes;
    out.max_top = max_top;
    out.max_offset = max_offset;
    return out;
  }
};

struct SearchRequest {
  // The query string (q); with a structured query, its canonical text (Query::ToString), which
  // the answer's "query" shows.
  std::string query;
  bool is_structured = false;  // POST /search {"query": {...}}: run `structured`, not `query`
  Query structured;
  SearchOptions options;
  bool count = false;  // count=true: the total only, as trawl-search --count
  uint64_t timeout_ms = 0;  // the request's budget: timeout_ms capped by max_timeout_ms
};

// Fills *out from `params`; the first thing wrong ("unknown parameter 'x'", "top must be ..."),
// or an empty string. `q` is required unless `structured` (then it is refused: one query).
std::string ParseSearchParams(const Params& params, const RequestLimits& limits,
                              SearchRequest* out, bool structured = false);

// A POST /search body: the parameters of ParseSearchParams as JSON members (ParamsFromJson),
// and in place of "q" a structured query, "query" (server/json_query.h). The first thing
// wrong, naming the JSON path in a structured query, or an empty string.
std::string ParseSearchBody(const std::string& body, const RequestLimits& limits,
                            SearchRequest* out);

// ParseSearchBody of a body already parsed.
std::string ParseSearchJson(nlohmann::json body, const RequestLimits& limits, SearchRequest* out);

// `params` as the JSON object of a POST /search body: values as strings, repeatable parameters
// as arrays.
nlohmann::json ParamsToJson(const Params& params);

// "timeout_ms" of `params` (at most once) capped by limits.max_timeout_ms, into *timeout_ms;
// limits.max_timeout_ms without one. The first thing wrong, or an empty string.
std::string ParseTimeout(const Params& params, const RequestLimits& limits, uint64_t* timeout_ms);

// A JSON object body into params: strings as they are, numbers and booleans as their JSON
// text, an array as one entry per element. The first thing wrong, or an empty string.
std::string ParamsFromJson(const std::string& body, Params* out);

}  // namespace trawl::serve

#endif  // TRAWL_SERVER_SEARCH_REQUEST_H_
