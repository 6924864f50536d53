// A search request's parameters, from a query string (GET /search?q=...&filter=...&filter=...)
// or a JSON body (POST /search {"q": ..., "filter": [...]}), into a query and SearchOptions.
// The names are trawl-search's flags without the dashes; each means what its flag means.
#ifndef TRAWL_SERVER_SEARCH_REQUEST_H_
#define TRAWL_SERVER_SEARCH_REQUEST_H_

#include <cstddef>
#include <map>
#include <string>

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
};

struct SearchRequest {
  std::string query;
  SearchOptions options;
  bool count = false;  // count=true: the total only, as trawl-search --count
};

// Fills *out from `params`; the first thing wrong ("unknown parameter 'x'", "top must be ..."),
// or an empty string.
std::string ParseSearchParams(const Params& params, const RequestLimits& limits,
                              SearchRequest* out);

// A JSON object body into params: strings as they are, numbers and booleans as their JSON
// text, an array as one entry per element. The first thing wrong, or an empty string.
std::string ParamsFromJson(const std::string& body, Params* out);

}  // namespace trawl::serve

#endif  // TRAWL_SERVER_SEARCH_REQUEST_H_
