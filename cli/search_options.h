// Search options written as text, as trawl-search's flags and trawl-serve's parameters take
// them: "FIELD[:asc|desc]", "FIELD[:N]", "FIELD:INTERVAL", "A,B", "FIELD=NUMBER". Each parser
// returns the first thing wrong with its input, worded with `option` ("--sort" or "sort"), or
// an empty string.
#ifndef TRAWL_CLI_SEARCH_OPTIONS_H_
#define TRAWL_CLI_SEARCH_OPTIONS_H_

#include <functional>
#include <map>
#include <string>
#include <vector>

#include "trawl/searcher.h"

namespace trawl::cli {

// "FIELD", "FIELD:asc" or "FIELD:desc"; "score" alone sorts best first.
std::string ParseSortSpec(const std::string& spec, const std::string& option, SortField* out);
// "FIELD" (top 10) or "FIELD:N" (N from 0, all, to 1000000).
std::string ParseFacetSpec(const std::string& spec, const std::string& option,
                           FacetRequest* out);
// "FIELD:INTERVAL".
std::string ParseRangeFacetSpec(const std::string& spec, const std::string& option,
                                RangeFacetRequest* out);
// "A,B" into {"A", "B"}: names trimmed, empty ones dropped.
std::vector<std::string> SplitFieldList(const std::string& list);
// "FIELD=NUMBER" entries into *out.
std::string ParseFieldValues(const std::vector<std::string>& specs, const std::string& option,
                             std::map<std::string, double, std::less<>>* out);

// A flag that sets one of QueryLimits (trawl/query.h): trawl-search and trawl-serve take the
// same ones (cli/limit_options.h adds them to a program's options), named as the library's
// errors name them (QueryLimits::max_depth is --max-depth).
struct QueryLimitFlag {
  const char* name;  // without "--"
  const char* help;
  size_t QueryLimits::*member;
  size_t min, max;
  // --max-query-bytes, --max-top and --max-offset: trawl-serve had them first, as limits on a
  // request with defaults of its own (server/search_request.h), and adds them itself.
  bool request_limit;
};
const std::vector<QueryLimitFlag>& QueryLimitFlags();

// The first limit outside its flag's range, worded with the flag, or an empty string.
std::string CheckQueryLimits(const QueryLimits& limits);

}  // namespace trawl::cli

#endif  // TRAWL_CLI_SEARCH_OPTIONS_H_
