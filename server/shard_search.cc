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
    reply.raw = std::move(r.body);
    if (r.status == 200 && !reply.body.is_discarded()) {
      reply.ok = true;
      reply.error.clear();
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

// One search over the shards, step by step: each phase either moves on or ends the search
// with the answer it returns.
class ShardSearch::Run {
 public:
  Run(ShardSearch* search, const SearchRequest& request, nlohmann::json body)
      : search_(*search),
        map_(search->map_),
        request_(request),
        options_(request.options),
        body_(std::move(body)),
        start_(Clock::now()),
        // Each phase has its share of the budget, so that a leaf that does not answer in one
        // phase leaves time for the others: the statistics phase (term lookups) a quarter,
        // the query phase up to seven eighths, the fetch phase (a page of documents) the rest.
        deadline_(start_ + std::chrono::milliseconds(request.timeout_ms)),
        stats_deadline_(start_ + std::chrono::milliseconds(request.timeout_ms) / 4),
        query_deadline_(start_ + std::chrono::milliseconds(request.timeout_ms) * 7 / 8),
        first_leaf_(map_.shards.size(), 0),
        missing_(map_.shards.size(), false),
        generation_(map_.shards.size(), 0) {
    body_.erase("timeout_ms");
    live_.resize(map_.shards.size());
    for (size_t i = 0; i < live_.size(); ++i) live_[i] = i;
  }

  RootAnswer Answer() {
    if (!request_.count) {
      if (auto failed = Statistics()) return std::move(*failed);
    }
    if (auto failed = Query()) return std::move(*failed);
    if (!request_.count) {
      if (auto failed = Fetch()) return std::move(*failed);
    }
    return Result();
  }

 private:
  // 1. Every leaf's statistics, added in shard order.
  std::optional<RootAnswer> Statistics() {
    const auto replies =
        search_.FanOut(live_, "/_stats", [&](size_t) { return WithBudget(body_, stats_deadline_); },
                       first_leaf_, false, stats_deadline_);
    const std::vector<size_t> asked = live_;
    if (auto failed = KeepAnswered(replies, "statistics")) return failed;
    CollectionStatistics stats;
    for (size_t k = 0; k < replies.size(); ++k) {
      if (!replies[k].ok) continue;
      CollectionStatistics one;
      const std::string error = replies[k].body.contains("statistics")
                                    ? StatisticsFromJson(replies[k].body["statistics"], &one)
                                    : "no statistics";
      if (!error.empty()) return Error(502, "shard " + map_.shards[asked[k]].name + ": " + error);
      const Status s = stats.Add(one);
      if (!s.ok()) return Error(502, "shard " + map_.shards[asked[k]].name + ": " + s.message());
    }
    stats_json_ = StatisticsToJson(stats);
    return std::nullopt;
  }

  // 2. Each shard's first offset + top hits scored with the statistics, merged; facets with
  // every value, summed.
  std::optional<RootAnswer> Query() {
    nlohmann::json query_body = body_;
    query_body["top"] = options_.offset + options_.top_k;
    query_body["offset"] = 0;
    if (!options_.facets.empty()) {
      nlohmann::json all_values = nlohmann::json::array();
      for (const FacetRequest& f : options_.facets) {
        all_values.push_back(f.field + ":0");
        facets_.push_back({f.field, false, f.top_n, {}});
      }
      query_body["facet"] = std::move(all_values);
    }
    for (const RangeFacetRequest& f : options_.range_facets)
      facets_.push_back({f.field, true, 0, {}});
    if (!request_.count) query_body["statistics"] = stats_json_;
    const auto replies = search_.FanOut(
        live_, "/_query", [&](size_t) { return WithBudget(query_body, query_deadline_); },
        first_leaf_, false, query_deadline_);
    const std::vector<size_t> asked = live_;
    if (auto failed = KeepAnswered(replies, "query")) return failed;
    for (size_t k = 0; k < replies.size(); ++k) {
      if (!replies[k].ok) continue;
      try {
        AddQueryReply(asked[k], replies[k].body);
      } catch (const nlohmann::json::exception&) {
        return Error(502, "shard " + map_.shards[asked[k]].name +
                              ": not the /_query answer expected");
      }
    }
    std::sort(merged_.begin(), merged_.end(), [](const ShardHit& a, const ShardHit& b) {
      if (a.score != b.score) return a.score > b.score;
      if (a.shard != b.shard) return a.shard < b.shard;
      if (a.segment != b.segment) return a.segment < b.segment;
      return a.docid < b.docid;
    });
    return std::nullopt;
  }

  // A shard's query phase answer into the total, the hits to merge and the facets.
  void AddQueryReply(size_t shard, const nlohmann::json& reply) {
    total_ += reply.at("total").get<uint64_t>();
    generation_[shard] = reply.at("generation").get<uint64_t>();
    if (reply.value("partial", false)) partial_ = true;
    for (const auto& h : reply.at("hits")) {
      merged_.push_back({h.at("score").get<double>(), shard, h.at("segment").get<uint32_t>(),
                         h.at("docid").get<uint32_t>()});
    }
    const auto leaf_facets = reply.find("facets");
    if (leaf_facets == reply.end()) return;
    for (MergedFacet& f : facets_) {
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

  // 3. The page's hits, each from the leaf that found it (only it knows their addresses).
  std::optional<RootAnswer> Fetch() {
    const size_t begin = std::min(options_.offset, merged_.size());
    const size_t end = std::min(options_.offset + options_.top_k, merged_.size());
    page_.assign(end - begin, Json());
    fetched_.assign(end - begin, false);
    if (begin == end) return std::nullopt;
    std::vector<std::vector<size_t>> by_shard(map_.shards.size());  // positions in the page
    for (size_t i = begin; i < end; ++i) by_shard[merged_[i].shard].push_back(i - begin);
    std::vector<size_t> holding;
    for (size_t shard = 0; shard < by_shard.size(); ++shard)
      if (!by_shard[shard].empty()) holding.push_back(shard);
    nlohmann::json fetch_body = body_;
    fetch_body["statistics"] = stats_json_;
    auto body_of = [&](size_t shard) {
      nlohmann::json j = fetch_body;
      j["generation"] = generation_[shard];
      nlohmann::json hits = nlohmann::json::array();
      for (size_t pos : by_shard[shard]) {
        const ShardHit& h = merged_[begin + pos];
        hits.push_back({{"segment", h.segment}, {"docid", h.docid}, {"score", h.score}});
      }
      j["hits"] = std::move(hits);
      return WithBudget(std::move(j), deadline_);
    };
    const auto replies = search_.FanOut(holding, "/_fetch", body_of, first_leaf_, true, deadline_);
    live_ = holding;
    if (auto failed = KeepAnswered(replies, "fetch")) return failed;
    for (size_t k = 0; k < replies.size(); ++k) {
      if (!replies[k].ok) continue;
      const size_t shard = holding[k];
      const Json answer = ParseOrdered(replies[k].raw);
      const auto hits = answer.find("hits");
      if (hits == answer.end() || !hits->is_array() || hits->size() != by_shard[shard].size())
        return Error(502, "shard " + map_.shards[shard].name + ": not the /_fetch answer expected");
      for (size_t i = 0; i < by_shard[shard].size(); ++i) {
        page_[by_shard[shard][i]] = (*hits)[i];
        fetched_[by_shard[shard][i]] = true;
      }
    }
    return std::nullopt;
  }

  // Keeps the shards of live_ whose reply is ok. The others are missing with partial results;
  // otherwise they end the search (502 or 504), as does a leaf's 4xx (a bad request is bad on
  // every shard), which is passed on as the leaf said it.
  std::optional<RootAnswer> KeepAnswered(const std::vector<ShardReply>& replies,
                                         const std::string& phase) {
    std::vector<size_t> kept;
    for (size_t k = 0; k < replies.size(); ++k) {
      const ShardReply& r = replies[k];
      if (r.ok) {
        first_leaf_[live_[k]] = r.leaf;
        kept.push_back(live_[k]);
      } else if (r.status >= 400 && r.status < 500 && r.body.is_object()) {
        return RootAnswer{r.status, ParseOrdered(r.raw)};
      }
    }
    if (kept.size() != replies.size()) {
      if (!options_.allow_partial) return search_.Failure(replies, live_, phase, request_.timeout_ms);
      partial_ = true;
      for (size_t k = 0; k < replies.size(); ++k)
        if (!replies[k].ok) missing_[live_[k]] = true;
    }
    live_ = std::move(kept);
    return std::nullopt;
  }

  // A leaf's request body with what is left of `until`, less a margin for the way back, so
  // that the leaf's own 504 or partial answer arrives before the root gives up on it.
  static std::optional<std::string> WithBudget(nlohmann::json j, Clock::time_point until) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(until - Clock::now());
    const int64_t ms = left.count() - std::min<int64_t>(left.count() / 10, 50);
    j["timeout_ms"] = std::max<int64_t>(ms, 1);
    return j.dump();
  }

  // The answer, in the keys and order of one server's (cli::SearchJson).
  RootAnswer Result() {
    RootAnswer answer;
    Json& j = answer.body;
    j["query"] = request_.query;
    j["total"] = total_;
    if (partial_) {
      j["partial"] = true;
      Json names = Json::array();
      for (size_t shard = 0; shard < missing_.size(); ++shard)
        if (missing_[shard]) names.push_back(map_.shards[shard].name);
      if (!names.empty()) j["missing_shards"] = std::move(names);
    }
    j["took_us"] = static_cast<uint64_t>(
        std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - start_).count());
    if (!request_.count) {
      Json hits = Json::array();
      for (size_t i = 0; i < page_.size(); ++i)
        if (fetched_[i]) hits.push_back(std::move(page_[i]));
      j["hits"] = std::move(hits);
    }
    // As one server: no facets with partial results (counts of some matches read as all).
    if (!facets_.empty() && !partial_) j["facets"] = MergedFacetsJson(facets_);
    return answer;
  }

  ShardSearch& search_;
  const ShardMap& map_;
  const SearchRequest& request_;
  const SearchOptions& options_;
  nlohmann::json body_;  // the client's request, as each leaf is sent it
  const Clock::time_point start_, deadline_, stats_deadline_, query_deadline_;
  std::vector<size_t> live_;        // the shards still in the search, in order
  std::vector<size_t> first_leaf_;  // per shard: the leaf that answered last
  std::vector<bool> missing_;       // per shard: left out (partial results)
  bool partial_ = false;
  nlohmann::json stats_json_ = StatisticsToJson(CollectionStatistics());
  std::vector<MergedFacet> facets_;
  std::vector<uint64_t> generation_;  // per shard: of its query phase
  uint64_t total_ = 0;
  std::vector<ShardHit> merged_;
  std::vector<Json> page_;     // the page's hits as the leaves made them
  std::vector<bool> fetched_;  // which of page_ a leaf sent
};

RootAnswer ShardSearch::Search(const SearchRequest& request, nlohmann::json body) {
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
  return Run(this, request, std::move(body)).Answer();
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
        return RootAnswer{r.status, ParseOrdered(r.raw)};
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

RootAnswer ShardSearch::Analyze(const std::string& field, const std::string& text) {
  const std::string path =
      httplib::append_query_params("/analyze", {{"field", field}, {"text", text}});
  const auto deadline = Clock::now() + std::chrono::seconds(10);
  // One shard at a time: the first that answers speaks for all.
  std::vector<ShardReply> replies;
  std::vector<size_t> asked;
  for (size_t shard = 0; shard < map_.shards.size(); ++shard) {
    ShardReply r = CallShard(shard, path, std::nullopt, /*first_leaf=*/0, false, deadline);
    if (r.ok) return RootAnswer{200, ParseOrdered(r.raw)};
    // A field the shards refuse (an int field) is refused by every one alike.
    if (r.status >= 400 && r.status < 500 && r.body.is_object())
      return RootAnswer{r.status, ParseOrdered(r.raw)};
    replies.push_back(std::move(r));
    asked.push_back(shard);
  }
  return Failure(replies, asked, "analyze", 10000);
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
