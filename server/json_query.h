// A structured query in a POST /search body ({"query": {"bool": {"must": [...]}}}) into a
// trawl::Query, node by node onto the builders of trawl/query.h. Text in it is never query
// syntax, so a client puts a user's words in a leaf without escaping anything. The shapes are
// in docs/server.md ("Structured queries").
#ifndef TRAWL_SERVER_JSON_QUERY_H_
#define TRAWL_SERVER_JSON_QUERY_H_

#include <nlohmann/json.hpp>
#include <string>

#include "trawl/query.h"

namespace trawl::serve {

// Builds *out from `node`. On a bad shape returns what is wrong, starting with the JSON path of
// the offending member (`path` names `node`, e.g. "query"):
// "query.bool.must[1].phrase: missing \"text\"". An empty string on success.
std::string QueryFromJson(const nlohmann::json& node, const std::string& path, Query* out);

}  // namespace trawl::serve

#endif  // TRAWL_SERVER_JSON_QUERY_H_
