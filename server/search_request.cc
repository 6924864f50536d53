#include "server/search_request.h"

#include <algorithm>
#include <charconv>
#include <exception>
#include <nlohmann/json.hpp>
#include <set>
#include <utility>
#include <vector>

#include "cli/search_options.h"
#include "server/json_query.h"

namespace trawl::serve {
namespace {

// Parameters that may be given once at most; the others (kRepeatable) any number of times.
const std::set<std::string, std::less<>> kSingle = {
    "q", "top", "offset", "count", "plain", "k1", "b", "bm25f", "proximity",
    "proximity-weight", "proximity-window", "after", "collapse", "explain", "timeout_ms",
    "partial"};
const std::set<std::string, std::less<>> kRepeatable = {
    "filter", "sort", "facet", "facet-range", "fields", "snippet-field", "field-weight", "field-b"};

std::vector<std::string> All(const Params& params, const std::string& name) {
  std::vector<std::string> out;
  auto [begin, end] = params.equal_range(name);
  for (auto it = begin; it != end; ++it) out.push_back(it->second);
  return out;
}

const std::string* One(const Params& params, const std::string& name) {
  auto it = params.find(name);
  return it == params.end() ? nullptr : &it->second;
}

// "true", "1" or an empty value (a bare ?explain) are true; "false" and "0" false.
std::string ParseBool(const Params& params, const std::string& name, bool* out) {
  const std::string* v = One(params, name);
  if (v == nullptr) return std::string();
  if (v->empty() || *v == "true" || *v == "1") {
    *out = true;
  } else if (*v == "false" || *v == "0") {
    *out = false;
  } else {
    return name + " must be true or false, not '" + *v + "'";
  }
  return std::string();
}

std::string ParseSize(const Params& params, const std::string& name, size_t max, size_t* out) {
  const std::string* v = One(params, name);
  if (v == nullptr) return std::string();
  size_t value = 0;
  const auto [end, ec] = std::from_chars(v->data(), v->data() + v->size(), value);
  if (v->empty() || ec != std::errc() || end != v->data() + v->size() || value > max) {
    return name + " must be a whole number from 0 to " + std::to_string(max) + ", not '" + *v + "'";
  }
  *out = value;
  return std::string();
}

std::string ParseDouble(const Params& params, const std::string& name, double lo, double hi,
                        double* out) {
  const std::string* v = One(params, name);
  if (v == nullptr) return std::string();
  size_t used = 0;
  double value = 0;
  try {
    value = std::stod(*v, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (used == 0 || used != v->size() || !(value >= lo && value <= hi)) {
    return name + " must be a number from " + nlohmann::json(lo).dump() + " to " + nlohmann::json(hi).dump() + ", not '" +
           *v + "'";
  }
  *out = value;
  return std::string();
}

std::string CheckNames(const Params& params) {
  for (auto it = params.begin(); it != params.end(); it = params.upper_bound(it->first)) {
    const std::string& name = it->first;
    if (kRepeatable.count(name)) continue;
    if (!kSingle.count(name)) return "unknown parameter '" + name + "'";
    if (params.count(name) > 1) return "parameter '" + name + "' given more than once";
  }
  return std::string();
}

std::string ParseTyped(const Params& params, SearchOptions* search) {
  search->filters = All(params, "filter");
  for (const std::string& spec : All(params, "sort")) {
    SortField key;
    std::string error = cli::ParseSortSpec(spec, "sort", &key);
    if (!error.empty()) return error;
    search->sort.push_back(std::move(key));
  }
  if (const std::string* after = One(params, "after")) search->after = *after;
  for (const std::string& spec : All(params, "facet")) {
    FacetRequest request;
    std::string error = cli::ParseFacetSpec(spec, "facet", &request);
    if (!error.empty()) return error;
    search->facets.push_back(std::move(request));
  }
  for (const std::string& spec : All(params, "facet-range")) {
    RangeFacetRequest request;
    std::string error = cli::ParseRangeFacetSpec(spec, "facet-range", &request);
    if (!error.empty()) return error;
    search->range_facets.push_back(std::move(request));
  }
  if (const std::string* collapse = One(params, "collapse")) search->collapse = *collapse;
  for (const std::string& list : All(params, "fields")) {
    for (std::string& name : cli::SplitFieldList(list)) search->fields.push_back(std::move(name));
  }
  search->snippet_fields = All(params, "snippet-field");
  return std::string();
}

std::string ParseScoring(const Params& params, SearchOptions* search) {
  std::string error;
  bool proximity = false;
  size_t window = search->proximity_window;
  double proximity_weight = 0.5;
  if (error.empty()) error = ParseBool(params, "plain", &search->plain_text);
  if (error.empty()) error = ParseBool(params, "explain", &search->explain);
  if (error.empty()) error = ParseBool(params, "bm25f", &search->bm25f);
  if (error.empty()) error = ParseDouble(params, "k1", 0, 1000, &search->k1);
  if (error.empty()) error = ParseDouble(params, "b", 0, 1, &search->b);
  if (error.empty()) error = ParseBool(params, "proximity", &proximity);
  if (error.empty()) error = ParseDouble(params, "proximity-weight", 0, 1e6, &proximity_weight);
  if (error.empty()) error = ParseSize(params, "proximity-window", 64, &window);
  if (error.empty() && window < 1) error = "proximity-window must be from 1 to 64";
  if (error.empty() && !proximity &&
      (params.count("proximity-weight") || params.count("proximity-window"))) {
    error = "proximity-weight and proximity-window need proximity";
  }
  if (error.empty()) {
    error = cli::ParseFieldValues(All(params, "field-weight"), "field-weight",
                                  &search->field_weights);
  }
  if (error.empty()) error = cli::ParseFieldValues(All(params, "field-b"), "field-b", &search->field_b);
  if (error.empty() && !search->bm25f &&
      (params.count("field-weight") || params.count("field-b"))) {
    error = "field-weight and field-b need bm25f";
  }
  search->proximity = proximity ? proximity_weight : 0;
  search->proximity_window = static_cast<uint32_t>(window);
  return error;
}

}  // namespace

std::string ParseTimeout(const Params& params, const RequestLimits& limits, uint64_t* timeout_ms) {
  // Far above any sensible cap; a larger value is no error, only capped.
  constexpr size_t kLargest = 86400000;
  size_t requested = limits.max_timeout_ms;
  if (params.count("timeout_ms") > 1) return "parameter 'timeout_ms' given more than once";
  std::string error = ParseSize(params, "timeout_ms", kLargest, &requested);
  *timeout_ms = std::min<uint64_t>(requested, limits.max_timeout_ms);
  return error;
}

std::string ParseSearchParams(const Params& params, const RequestLimits& limits,
                              SearchRequest* out, bool structured) {
  Query query = std::move(out->structured);
  *out = SearchRequest();
  std::string error = CheckNames(params);
  if (!error.empty()) return error;
  const std::string* q = One(params, "q");
  if (structured) {
    if (q != nullptr) return "give either 'q' (a query string) or 'query' (a structured query), not both";
    out->is_structured = true;
    out->structured = std::move(query);
    out->query = out->structured.ToString();
  } else {
    if (q == nullptr) return "missing parameter 'q' (the query)";
    out->query = *q;
    if (out->query.size() > limits.max_query_bytes) {
      return "q is longer than " + std::to_string(limits.max_query_bytes) + " bytes";
    }
  }
  SearchOptions& search = out->options;
  search.limits = limits.QueryLimitsOfRequest();
  error = ParseTimeout(params, limits, &out->timeout_ms);
  if (error.empty()) error = ParseSize(params, "top", limits.max_top, &search.top_k);
  if (error.empty()) error = ParseSize(params, "offset", limits.max_offset, &search.offset);
  if (error.empty()) error = ParseBool(params, "count", &out->count);
  if (error.empty()) error = ParseBool(params, "partial", &search.allow_partial);
  if (error.empty()) error = ParseScoring(params, &search);
  if (error.empty()) error = ParseTyped(params, &search);
  if (!error.empty()) return error;
  for (const std::string& filter : search.filters) {
    if (filter.size() > limits.max_query_bytes) {
      return "a filter is longer than " + std::to_string(limits.max_query_bytes) + " bytes";
    }
  }
  return std::string();
}

namespace {

std::string ParamsFromJsonObject(const nlohmann::json& j, Params* out) {
  for (auto it = j.begin(); it != j.end(); ++it) {
    const bool array = it->is_array();
    const nlohmann::json& values = array ? *it : nlohmann::json::array({*it});
    if (array && !kRepeatable.count(it.key())) {
      return "'" + it.key() + "' takes one value, not an array";
    }
    for (const nlohmann::json& v : values) {
      if (v.is_string()) {
        out->emplace(it.key(), v.get<std::string>());
      } else if (v.is_number() || v.is_boolean()) {
        out->emplace(it.key(), v.dump());
      } else if (!v.is_null()) {
        return "'" + it.key() + "' must be a string, a number or a boolean";
      }
    }
  }
  return std::string();
}

}  // namespace

std::string ParamsFromJson(const std::string& body, Params* out) {
  out->clear();
  const nlohmann::json j = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return "the body is not valid JSON";
  if (!j.is_object()) return "the body must be a JSON object";
  return ParamsFromJsonObject(j, out);
}

std::string ParseSearchBody(const std::string& body, const RequestLimits& limits,
                            SearchRequest* out) {
  *out = SearchRequest();
  nlohmann::json j = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return "the body is not valid JSON";
  return ParseSearchJson(std::move(j), limits, out);
}

nlohmann::json ParamsToJson(const Params& params) {
  nlohmann::json out = nlohmann::json::object();
  for (const auto& [name, value] : params) {
    if (kRepeatable.count(name)) {
      out[name].push_back(value);
    } else {
      out[name] = value;
    }
  }
  return out;
}

std::string ParseSearchJson(nlohmann::json j, const RequestLimits& limits, SearchRequest* out) {
  *out = SearchRequest();
  if (!j.is_object()) return "the body must be a JSON object";
  const auto structured = j.find("query");
  const bool has_structured = structured != j.end();
  if (has_structured) {
    if (!structured->is_object()) {
      return "query: expected an object, a structured query (a query string goes in 'q')";
    }
    Query query;
    std::string error = QueryFromJson(*structured, "query", &query);
    if (!error.empty()) return error;
    out->structured = std::move(query);
    j.erase(structured);
  }
  Params params;
  std::string error = ParamsFromJsonObject(j, &params);
  if (!error.empty()) return error;
  return ParseSearchParams(params, limits, out, has_structured);
}

}  // namespace trawl::serve
