// The collection statistics a root gathers from its leaves and sends back with the query
// (trawl::CollectionStatistics) as JSON, the shape docs/server.md gives for POST /_stats:
//   {"fields": [{"name": "body", "type": "text", "docs": 12, "length": 345}, ...],
//    "terms": {"body": {"fox": 3, ...}, ...}}
#ifndef TRAWL_SERVER_STATISTICS_JSON_H_
#define TRAWL_SERVER_STATISTICS_JSON_H_

#include <nlohmann/json.hpp>
#include <string>

#include "trawl/searcher.h"

namespace trawl::serve {

nlohmann::json StatisticsToJson(const CollectionStatistics& stats);

// The first thing wrong with `j` as statistics (naming the member), or an empty string.
std::string StatisticsFromJson(const nlohmann::json& j, CollectionStatistics* out);

}  // namespace trawl::serve

#endif  // TRAWL_SERVER_STATISTICS_JSON_H_
