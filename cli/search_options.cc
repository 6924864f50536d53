#include "cli/search_options.h"

#include <exception>
#include <sstream>
#include <utility>

namespace trawl::cli {
namespace {

// "FIELD:REST" split at the last ':'; false if either side is empty.
bool SplitFieldSpec(const std::string& spec, std::string* field, std::string* rest) {
  const size_t colon = spec.rfind(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 == spec.size()) return false;
  *field = spec.substr(0, colon);
  *rest = spec.substr(colon + 1);
  return true;
}

std::string Trim(const std::string& s) {
  const size_t b = s.find_first_not_of(" \t\r\n");
  if (b == std::string::npos) return std::string();
  const size_t e = s.find_last_not_of(" \t\r\n");
  return s.substr(b, e - b + 1);
}

}  // namespace

std::string ParseSortSpec(const std::string& spec, const std::string& option, SortField* out) {
  SortField key;
  std::string order;
  if (SplitFieldSpec(spec, &key.field, &order)) {
    if (order != "asc" && order != "desc")
      return option + " expects FIELD, FIELD:asc or FIELD:desc, not '" + spec + "'";
    key.descending = order == "desc";
  } else {
    key.field = spec;
    key.descending = spec == "score";
  }
  if (key.field.empty()) return option + " expects FIELD[:asc|desc], not '" + spec + "'";
  *out = std::move(key);
  return std::string();
}

std::string ParseFacetSpec(const std::string& spec, const std::string& option,
                           FacetRequest* out) {
  FacetRequest request;
  std::string n;
  if (SplitFieldSpec(spec, &request.field, &n)) {
    size_t used = 0;
    unsigned long top = 0;
    try {
      top = std::stoul(n, &used);
    } catch (const std::exception&) {
      used = 0;
    }
    if (used != n.size() || top > 1000000)
      return option + " expects FIELD or FIELD:N (N from 0 to 1000000), not '" + spec + "'";
    request.top_n = top;
  } else {
    request.field = spec;
  }
  if (request.field.empty()) return option + " expects FIELD[:N], not '" + spec + "'";
  *out = std::move(request);
  return std::string();
}

std::string ParseRangeFacetSpec(const std::string& spec, const std::string& option,
                                RangeFacetRequest* out) {
  RangeFacetRequest request;
  if (!SplitFieldSpec(spec, &request.field, &request.interval))
    return option + " expects FIELD:INTERVAL, not '" + spec + "'";
  *out = std::move(request);
  return std::string();
}

std::vector<std::string> SplitFieldList(const std::string& list) {
  std::vector<std::string> out;
  std::stringstream names(list);
  for (std::string name; std::getline(names, name, ',');) {
    name = Trim(name);
    if (!name.empty()) out.push_back(name);
  }
  return out;
}

std::string ParseFieldValues(const std::vector<std::string>& specs, const std::string& option,
                             std::map<std::string, double, std::less<>>* out) {
  for (const std::string& spec : specs) {
    const size_t eq = spec.find('=');
    size_t used = 0;
    double value = 0;
    if (eq != std::string::npos && eq > 0) {
      try {
        value = std::stod(spec.substr(eq + 1), &used);
      } catch (const std::exception&) {
        used = 0;
      }
    }
    if (eq == std::string::npos || eq == 0 || used == 0 || eq + 1 + used != spec.size()) {
      return option + " expects FIELD=NUMBER, not '" + spec + "'";
    }
    (*out)[spec.substr(0, eq)] = value;
  }
  return std::string();
}

const std::vector<QueryLimitFlag>& QueryLimitFlags() {
  static const std::vector<QueryLimitFlag> flags = {
      {"max-query-bytes", "longest query and filter, in bytes", &QueryLimits::max_query_bytes, 1,
       size_t{1} << 30, true},
      {"max-depth", "deepest nesting of parentheses in a query",
       &QueryLimits::max_depth, 1, QueryLimits::kMaxDepthCeiling, false},
      {"max-clauses",
       "most clauses in a query, counted at every level (each word, phrase, prefix, range and "
       "group; each word of a plain-text query)",
       &QueryLimits::max_clauses, 1, 10000000, false},
      {"max-expansions", "most terms one prefix, wildcard or fuzzy word may match in a segment",
       &QueryLimits::max_expansions, 1, 1000000000, false},
      {"max-phrase-terms", "most terms in one phrase", &QueryLimits::max_phrase_terms, 1, 1000000,
       false},
      {"max-top", "largest number of hits a search may ask for", &QueryLimits::max_top, 0,
       10000000, true},
      {"max-offset", "largest offset a search may ask for", &QueryLimits::max_offset, 0, 10000000,
       true},
  };
  return flags;
}

std::string CheckQueryLimits(const QueryLimits& limits) {
  for (const QueryLimitFlag& flag : QueryLimitFlags()) {
    const size_t value = limits.*flag.member;
    if (value < flag.min || value > flag.max) {
      return "--" + std::string(flag.name) + " must be from " + std::to_string(flag.min) +
             " to " + std::to_string(flag.max);
    }
  }
  return std::string();
}

}  // namespace trawl::cli
