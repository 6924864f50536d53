// The JSON of search results and stored documents that the programs print or serve:
// trawl-search --json and trawl-serve's GET /search answer with the same bytes for the same
// query, because both build them here.
#ifndef TRAWL_CLI_SEARCH_JSON_H_
#define TRAWL_CLI_SEARCH_JSON_H_

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "trawl/document.h"
#include "trawl/searcher.h"

namespace trawl::cli {

// ordered_json keeps the documented key order (query, total, took_us, hits), which people
// reading the output and line-oriented tools expect.
using Json = nlohmann::ordered_json;

// Never throws on bad UTF-8 in stored ids or titles (replaced by U+FFFD): a damaged document
// must not end a batch or a request.
std::string Dump(const Json& j);

// A stored value as JSON of its field's type: numbers and bools as JSON numbers and bools, the
// rest (dates in RFC 3339) as strings.
Json TypedJson(ValueKind kind, const std::string& value);

// {"name": value, ...}: a field given several values is an array.
Json FieldsJson(const std::vector<DocField>& fields);

// {"field": [{"value", "count"}, ...], ...}
Json FacetsJson(const std::vector<FacetResult>& facets);

// A successful search: {"query", "total", "partial"?, "took_us", "hits": [{"id", "score",
// "title", "snippet", "fields"?, "collapsed"?, "explanation"?}], "next"?, "facets"?}; with
// `count` no hits and no cursor. "partial": true only for partial results
// (SearchResults::partial), when `total` is a lower bound. (A failed one is {"query", "error"}, which each program words itself.)
Json SearchJson(std::string_view query, const SearchResults& results, uint64_t took_us,
                bool count, bool explain);

// One hit of SearchJson: {"id", "score", "title", "snippet", "fields"?, "collapsed"?,
// "explanation"?}.
Json HitJson(const Hit& hit, bool explain);

// A stored document: {"id": ID, field: value, ...} with values typed as in FieldsJson.
Json DocumentJson(const Document& doc);

}  // namespace trawl::cli

#endif  // TRAWL_CLI_SEARCH_JSON_H_
