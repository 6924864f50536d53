#include "server/shard_search.h"

#include <httplib.h>

#include <algorithm>
#include <future>
#include <map>
#include <utility>

#include "server/statistics_json.h"

namespace trawl::serve {
namespace {

using cli::Json;

RootAnswer Error(int status, const std::string& message) {
  RootAnswer answer;
  answer.status = status;
  answer.body["error"] = message;
  return answer;
}

// A leaf's JSON answer, keys in their order (hits are passed on as the leaf made them).
Json ParseOrdered(const std::string& text) {
  return Json::parse(text, nullptr, /*allow_exceptions=*/false);
}

// What a search over shards cannot answer exactly; empty if nothing.
std::string NotDistributable(const SearchOptions& options) {
  const bool by_score_only =
      options.sort.empty() || (options.sort.size() == 1 && options.sort[0].field == "score" &&
                               !options.sort[0].descending);
  if (!by_score_only) return "sort (only by score)";
  if (!options.after.empty()) return "after (search-after cursors; use offset)";
  if (!options.collapse.empty()) return "collapse";
  return std::string();
}

// One facet's counts summed over the leaves' answers (each leaf sends every value: FIELD:0).
struct MergedFacet {
  std::string field;
  bool is_range = false;
  size_t top_n = 0;
  // Canonical text (what the engine orders values by) -> (the value's JSON, count).
  std::map<std::string, std::pair<Json, uint64_t>> counts;
};

std::string CanonicalText(const Json& value) {
  return value.is_string() ? value.get<std::string>() : value.dump();
}

// The facets of one index over all the shards' matches: keyword facets by count, then value
// bytewise, cut to their top_n; range facets every bucket in order (numbers by value, dates
// as their RFC 3339 text).
Json MergedFacetsJson(const std::vector<MergedFacet>& facets) {
  Json out = Json::object();
  for (const MergedFacet& f : facets) {
    std::vector<std::pair<std::string, const std::pair<Json, uint64_t>*>> entries;
    for (const auto& [text, entry] : f.counts) entries.emplace_back(text, &entry);
    if (f.is_range) {
      std::sort(entries.begin(), entries.end(), [](const auto& a, const auto& b) {
        const Json& x = a.second->first;
        const Json& y = b.second->first;
        if (x.is_number() && y.is_number()) return x.get<double>() < y.get<double>();
        return a.first < b.first;
      });
    } else {
      std::sort(entries.begin(), entries.end(), [](const auto& a, const auto& b) {
        if (a.second->second != b.second->second) return a.second->second > b.second->second;
        return a.first < b.first;
      });
      if (f.top_n != 0 && entries.size() > f.top_n) entries.resize(f.top_n);
    }
    Json counts = Json::array();
    for (const auto& [text, entry] : entries) {
      Json one;
      one["value"] = entry->first;
      one["count"] = entry->second;
      counts.push_back(std::move(one));
    }
    out[f.field] = std::move(counts);
  }
  return out;
}

// A hit of a leaf's query phase, with what orders it among all shards' hits.
struct ShardHit {
  double score;
  size_t shard;
  uint32_t segment;
  uint32_t docid;
};

}  // namespace

ShardSearch::ShardReply ShardSearch::CallShard(size_t shard, const std::string& path,
                                               const std::optional<std::string>& body,
                                               size_t first_leaf, bool only_first,
                                               Clock::time_point deadline) {
  const std::vector<std::string>& leaves = map_.shards[shard].leaves;
  ShardReply reply;
  const size_t tries = only_first ? 1 : leaves.size();
  for (size_t t = 0; t < tries; ++t) {
    const size_t leaf = (first_leaf + t) % leaves.size();
    LeafReply r = clients_.Call(leaves[leaf], path, body ? &*body : nullptr, deadline);
    reply.leaf = leaf;
    if (!r.answered) {
      reply.status = 0;
      reply.timed_out = r.timed_out;
      if (!reply.error.empty()) reply.error += "; ";
      reply.error += leaves[leaf] + ": " + (r.timed_out ? "no answer in time" : r.error);
      if (r.timed_out) break;  // no time left for another leaf
      continue;
    }
    reply.status = r.status;
    reply.timed_out = r.status == 504;
    reply.body = nlohmann::json::parse(r.body, nullptr, /*allow_exceptions=*/false);
    if (r.status == 200 && !reply.body.is_discarded()) {
      reply.ok = true;
      reply.error.clear();
      reply.raw = std::move(r.body);
      return reply;
    }
    std::string message = reply.body.is_object() && reply.body.contains("error") &&
                                  reply.body["error"].is_string()
                              ? reply.body["error"].get<std::string>()
                              : "not the JSON expected";
    if (!reply.error.empty()) reply.error += "; ";
    reply.error += leaves[leaf] + ": HTTP " + std::to_string(r.status) + ": " + message;
    // A bad request is bad on every leaf; a timeout leaves no time for another.
    if ((r.status >= 400 && r.status < 500) || r.status == 504) break;
  }
  return reply;
}

std::vector<ShardSearch::ShardReply> ShardSearch::FanOut(
    const std::vector<size_t>& shards, const std::string& path,
    const std::function<std::optional<std::string>(size_t)>& body_of,
    const std::vector<size_t>& first_leaf, bool only_first, Clock::time_point deadline) {
  std::vector<std::future<ShardReply>> calls;
  calls.reserve(shards.size());
  // One thread per shard but the last, which runs on this one.
  for (size_t k = 0; k + 1 < shards.size(); ++k) {
    const size_t shard = shards[k];
    calls.push_back(std::async(std::launch::async, [&, shard] {
      return CallShard(shard, path, body_of(shard), first_leaf[shard], only_first, deadline);
    }));
  }
  std::vector<ShardReply> replies;
  replies.reserve(shards.size());
  ShardReply last;
  if (!shards.empty()) {
    const size_t shard = shards.back();
    last = CallShard(shard, path, body_of(shard), first_leaf[shard], only_first, deadline);
  }
  for (auto& call : calls) replies.push_back(call.get());
  if (!shards.empty()) replies.push_back(std::move(last));
  return replies;
}

RootAnswer ShardSearch::Failure(const std::vector<ShardReply>& replies,
                                const std::vector<size_t>& shards, const std::string& phase,
                                uint64_t timeout_ms) const {
  bool timed_out = false;
  std::string message;
  Json missing = Json::array();
  for (size_t k = 0; k < replies.size(); ++k) {
    if (replies[k].ok) continue;
    const std::string& name = map_.shards[shards[k]].name;
    missing.push_back(name);
    timed_out = timed_out || replies[k].timed_out;
    message += (message.empty() ? "" : "; ") + ("shard " + name + ": " + replies[k].error);
  }
  RootAnswer answer;
  answer.status = timed_out ? 504 : 502;
  answer.body["error"] = "the " + phase + " phase failed (partial=true answers from the other shards): " + message;
  answer.body["missing_shards"] = std::move(missing);
  if (timed_out) answer.body["timeout_ms"] = timeout_ms;
  return answer;
}

RootAnswer ShardSearch::Search(const SearchRequest& request, nlohmann::json body) {
  const auto start = Clock::now();
  const SearchOptions& options = request.options;
  const std::string refused = NotDistributable(options);
  if (!refused.empty()) {
    return Error(400, refused + " is not supported by a root over shards (--shards): "
                     "it cannot be answered exactly from each shard's top hits");
  }
  if (!request.count && options.offset + options.top_k > max_top_) {
    return Error(400, "offset + top is " + std::to_string(options.offset + options.top_k) +
                          ", more than " + std::to_string(max_top_) +
                          " (--max-top): a root over shards asks each leaf for offset + top hits");
  }
  // Each phase has its share of the budget, so that a leaf that does not answer in one phase
  // leaves time for the others: the statistics phase (term lookups) a quarter, the query
  // phase up to seven eighths, the fetch phase (a page of documents) what is left.
  const auto budget = std::chrono::milliseconds(request.timeout_ms);
  const auto deadline = start + budget;
  const auto stats_deadline = start + budget / 4;
  const auto query_deadline = start + budget * 7 / 8;
  const bool allow_partial = options.allow_partial;
  const size_t want = options.offset + options.top_k;
  body.erase("timeout_ms");
  // Each leaf gets what is left of the budget, less a margin for the way back, so that its own
  // 504 or partial answer arrives before the root gives up on it.
  auto with_budget = [](nlohmann::json j, Clock::time_point until) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(until - Clock::now());
    const int64_t ms = left.count() - std::min<int64_t>(left.count() / 10, 50);
    j["timeout_ms"] = std::max<int64_t>(ms, 1);
    return std::optional<std::string>(j.dump());
  };

  std::vector<size_t> live(map_.shards.size());
  for (size_t i = 0; i < live.size(); ++i) live[i] = i;
  std::vector<size_t> first_leaf(map_.shards.size(), 0);
  std::vector<bool> missing(map_.shards.size(), false);
  bool partial = false;
  // Keeps the shards of `live` whose reply is ok; the others are missing (with partial
  // results) or the request's failure (*failed set).
  auto keep_answered = [&](const std::vector<ShardReply>& replies, const std::string& phase,
                           std::optional<RootAnswer>* failed) {
    std::vector<size_t> kept;
    for (size_t k = 0; k < replies.size(); ++k) {
      const ShardReply& r = replies[k];
      if (r.ok) {
        first_leaf[live[k]] = r.leaf;
        kept.push_back(live[k]);
      } else if (r.status >= 400 && r.status < 500 && r.body.is_object()) {
        RootAnswer answer;
        answer.status = r.status;
        answer.body = ParseOrdered(r.body.dump());
        *failed = std::move(answer);
        return;
      }
    }
    if (kept.size() != replies.size()) {
      if (!allow_partial) {
        *failed = Failure(replies, live, phase, request.timeout_ms);
        return;
      }
      partial = true;
      for (size_t k = 0; k < replies.size(); ++k)
        if (!replies[k].ok) missing[live[k]] = true;
    }
    live = std::move(kept);
  };

  // 1. Statistics.
  CollectionStatistics stats;
  if (!request.count) {
    const auto replies =
        FanOut(live, "/_stats", [&](size_t) { return with_budget(body, stats_deadline); },
               first_leaf, false, stats_deadline);
    std::optional<RootAnswer> failed;
    std::vector<size_t> asked = live;
    keep_answered(replies, "statistics", &failed);
    if (failed) return std::move(*failed);
    for (size_t k = 0; k < replies.size(); ++k) {
      if (!replies[k].ok) continue;
      CollectionStatistics one;
      std::string error = replies[k].body.contains("statistics")
                              ? StatisticsFromJson(replies[k].body["statistics"], &one)
                              : "no statistics";
      if (!error.empty())
        return Error(502, "shard " + map_.shards[asked[k]].name + ": " + error);
      const Status s = stats.Add(one);
      if (!s.ok()) return Error(502, "shard " + map_.shards[asked[k]].name + ": " + s.message());
    }
  }
  const nlohmann::json stats_json = StatisticsToJson(stats);

  // 2. Query: each shard's first offset + top, merged; facets with every value, summed.
  nlohmann::json query_body = body;
  query_body["top"] = want;
  query_body["offset"] = 0;
  std::vector<MergedFacet> facets;
  if (!options.facets.empty()) {
    nlohmann::json all_values = nlohmann::json::array();
    for (const FacetRequest& f : options.facets) {
      all_values.push_back(f.field + ":0");
      facets.push_back({f.field, false, f.top_n, {}});
    }
    query_body["facet"] = std::move(all_values);
  }
  for (const RangeFacetRequest& f : options.range_facets) facets.push_back({f.field, true, 0, {}});
  if (!request.count) query_body["statistics"] = stats_json;
  std::vector<ShardHit> merged;
  std::vector<uint64_t> generation(map_.shards.size(), 0);
  uint64_t total = 0;
  {
    const auto replies =
        FanOut(live, "/_query", [&](size_t) { return with_budget(query_body, query_deadline); },
               first_leaf, false, query_deadline);
    std::vector<size_t> asked = live;
    std::optional<RootAnswer> failed;
    keep_answered(replies, "query", &failed);
    if (failed) return std::move(*failed);
    for (size_t k = 0; k < replies.size(); ++k) {
      const ShardReply& r = replies[k];
      if (!r.ok) continue;
      const size_t shard = asked[k];
      try {
        total += r.body.at("total").get<uint64_t>();
        generation[shard] = r.body.at("generation").get<uint64_t>();
        if (r.body.value("partial", false)) partial = true;
        for (const auto& h : r.body.at("hits")) {
          merged.push_back({h.at("score").get<double>(), shard, h.at("segment").get<uint32_t>(),
                            h.at("docid").get<uint32_t>()});
        }
        if (const auto leaf_facets = r.body.find("facets"); leaf_facets != r.body.end()) {
          for (MergedFacet& f : facets) {
            const auto values = leaf_facets->find(f.field);
            if (values == leaf_facets->end()) continue;
            for (const auto& v : *values) {
              const Json value = v.at("value");
              auto& entry = f.counts[CanonicalText(value)];
              entry.first = value;
              entry.second += v.at("count").get<uint64_t>();
            }
          }
        }
      } catch (const nlohmann::json::exception&) {
        return Error(502, "shard " + map_.shards[shard].name + ": not the /_query answer expected");
      }
    }
  }
  std::sort(merged.begin(), merged.end(), [](const ShardHit& a, const ShardHit& b) {
    if (a.score != b.score) return a.score > b.score;
    if (a.shard != b.shard) return a.shard < b.shard;
    if (a.segment != b.segment) return a.segment < b.segment;
    return a.docid < b.docid;
  });
  const size_t begin = std::min(options.offset, merged.size());
  const size_t end = std::min(want, merged.size());

  // 3. Fetch: the page's hits from the leaves that found them.
  std::vector<Json> page(end - begin);
  std::vector<bool> fetched(end - begin, false);
  if (!request.count && begin < end) {
    std::vector<std::vector<size_t>> by_shard(map_.shards.size());  // positions in page
    for (size_t i = begin; i < end; ++i) by_shard[merged[i].shard].push_back(i - begin);
    std::vector<size_t> holding;
    for (size_t shard = 0; shard < by_shard.size(); ++shard)
      if (!by_shard[shard].empty()) holding.push_back(shard);
    nlohmann::json fetch_body = body;
    fetch_body["statistics"] = stats_json;
    auto body_of = [&](size_t shard) {
      nlohmann::json j = fetch_body;
      j["generation"] = generation[shard];
      nlohmann::json hits = nlohmann::json::array();
      for (size_t pos : by_shard[shard]) {
        const ShardHit& h = merged[begin + pos];
        hits.push_back({{"segment", h.segment}, {"docid", h.docid}, {"score", h.score}});
      }
      j["hits"] = std::move(hits);
      return with_budget(std::move(j), deadline);
    };
    // Only the leaf that found the hits knows their addresses.
    const auto replies = FanOut(holding, "/_fetch", body_of, first_leaf, true, deadline);
    live = holding;
    std::optional<RootAnswer> failed;
    keep_answered(replies, "fetch", &failed);
    if (failed) return std::move(*failed);
    for (size_t k = 0; k < replies.size(); ++k) {
      if (!replies[k].ok) continue;
      const size_t shard = holding[k];
      const Json answer = ParseOrdered(replies[k].raw);
      const auto hits = answer.find("hits");
      if (hits == answer.end() || !hits->is_array() || hits->size() != by_shard[shard].size())
        return Error(502, "shard " + map_.shards[shard].name + ": not the /_fetch answer expected");
      for (size_t i = 0; i < by_shard[shard].size(); ++i) {
        page[by_shard[shard][i]] = (*hits)[i];
        fetched[by_shard[shard][i]] = true;
      }
    }
  }

  RootAnswer answer;
  Json& j = answer.body;
  j["query"] = request.query;
  j["total"] = total;
  if (partial) j["partial"] = true;
  if (partial) {
    Json names = Json::array();
    for (size_t shard = 0; shard < missing.size(); ++shard)
      if (missing[shard]) names.push_back(map_.shards[shard].name);
    if (!names.empty()) j["missing_shards"] = std::move(names);
  }
  j["took_us"] = static_cast<uint64_t>(
      std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - start).count());
  if (!request.count) {
    Json hits = Json::array();
    for (size_t i = 0; i < page.size(); ++i)
      if (fetched[i]) hits.push_back(std::move(page[i]));
    j["hits"] = std::move(hits);
  }
  // As one index: no facets with partial results (counts of some matches would read as all).
  if (!facets.empty() && !partial) j["facets"] = MergedFacetsJson(facets);
  return answer;
}

RootAnswer ShardSearch::Count(const std::string& query, uint64_t timeout_ms) {
  const auto deadline = Clock::now() + std::chrono::milliseconds(timeout_ms);
  std::vector<size_t> all(map_.shards.size());
  for (size_t i = 0; i < all.size(); ++i) all[i] = i;
  const std::vector<size_t> first_leaf(all.size(), 0);
  const std::string path = httplib::append_query_params(
      "/count", {{"q", query}, {"timeout_ms", std::to_string(timeout_ms)}});
  const auto replies = FanOut(all, path, [](size_t) { return std::optional<std::string>(); },
                              first_leaf, false, deadline);
  uint64_t total = 0;
  for (size_t k = 0; k < replies.size(); ++k) {
    const ShardReply& r = replies[k];
    if (!r.ok) {
      if (r.status >= 400 && r.status < 500 && r.body.is_object()) {
        return RootAnswer{r.status, ParseOrdered(r.body.dump())};
      }
      return Failure(replies, all, "count", timeout_ms);
    }
    total += r.body.value("total", uint64_t{0});
  }
  RootAnswer answer;
  answer.body["query"] = query;
  answer.body["total"] = total;
  return answer;
}

RootAnswer ShardSearch::Document(const std::string& id) {
  std::vector<size_t> all(map_.shards.size());
  for (size_t i = 0; i < all.size(); ++i) all[i] = i;
  const std::vector<size_t> first_leaf(all.size(), 0);
  const std::string path = httplib::append_query_params("/documents", {{"id", id}});
  const auto deadline = Clock::now() + std::chrono::seconds(10);
  const auto replies = FanOut(all, path, [](size_t) { return std::optional<std::string>(); },
                              first_leaf, false, deadline);
  bool all_answered = true;
  for (const ShardReply& r : replies) {
    if (r.ok) return RootAnswer{200, ParseOrdered(r.raw)};
    if (r.status != 404) all_answered = false;
  }
  if (all_answered) return Error(404, "no document with id '" + id + "'");
  return Failure(replies, all, "document", 10000);
}

RootAnswer ShardSearch::Stats() {
  std::vector<size_t> all(map_.shards.size());
  for (size_t i = 0; i < all.size(); ++i) all[i] = i;
  const std::vector<size_t> first_leaf(all.size(), 0);
  const auto deadline = Clock::now() + std::chrono::seconds(10);
  const auto replies = FanOut(all, "/stats", [](size_t) { return std::optional<std::string>(); },
                              first_leaf, false, deadline);
  RootAnswer answer;
  uint64_t documents = 0, segments = 0, bytes = 0, generation = 0, pending = 0;
  Json shards = Json::array();
  Json missing = Json::array();
  for (size_t k = 0; k < replies.size(); ++k) {
    const ShardReply& r = replies[k];
    Json shard;
    shard["name"] = map_.shards[k].name;
    if (!r.ok) {
      shard["error"] = r.error;
      missing.push_back(map_.shards[k].name);
    } else {
      shard["leaf"] = map_.shards[k].leaves[r.leaf];
      for (const char* key : {"documents", "segments", "bytes", "generation", "pending"})
        shard[key] = r.body.value(key, uint64_t{0});
      documents += shard["documents"].get<uint64_t>();
      segments += shard["segments"].get<uint64_t>();
      bytes += shard["bytes"].get<uint64_t>();
      generation += shard["generation"].get<uint64_t>();
      pending += shard["pending"].get<uint64_t>();
    }
    shards.push_back(std::move(shard));
  }
  answer.body["documents"] = documents;
  answer.body["segments"] = segments;
  answer.body["bytes"] = bytes;
  answer.body["generation"] = generation;
  answer.body["pending"] = pending;
  answer.body["shards"] = std::move(shards);
  if (!missing.empty()) answer.body["missing_shards"] = std::move(missing);
  return answer;
}

}  // namespace trawl::serve
