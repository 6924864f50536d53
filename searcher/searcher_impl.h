// The Searcher behind include/trawl/searcher.h: the segments of one commit, their deletions and
// statistics, and queries run against them (parse, bind to a Weight, count, collect the top k
// per segment, load the hits). Over a shard set, the segments of each shard's commit, shard
// after shard: the statistics are then summed over the union, and everything else (matching,
// collection, ties in segment order) is as for one index whose segments they were.
#ifndef TRAWL_SEARCHER_SEARCHER_IMPL_H_
#define TRAWL_SEARCHER_SEARCHER_IMPL_H_

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

#include "common/roaring_view.h"
#include "format/manifest.h"
#include "format/segment_reader.h"
#include "searcher/collector.h"
#include "searcher/hit_terms.h"
#include "searcher/index_context.h"
#include "searcher/query/filtered.h"
#include "trawl/searcher.h"

namespace trawl {

class AnalyzerPool;
class FieldAnalyzers;
struct DeletedView;
class Weight;

class SearcherImpl final : public Searcher {
 public:
  SearcherImpl();
  ~SearcherImpl() override;

  // Opens the latest commit of each of `dirs` (index directories: `roots` as given to Open,
  // resolved by ResolveShards) as one index. `previous`, if not null, is a searcher of earlier
  // commits of the same directories whose segments are reused where these commits still have
  // them. InvalidArgument naming the shard when shards disagree on analyzers or fields.
  Status Init(const std::vector<std::string>& roots, const std::vector<std::string>& dirs,
              const SearcherOptions& options, const SearcherImpl* previous);

  Status Search(std::string_view query, const SearchOptions& options,
                SearchResults* results) const override;
  Status Search(const Query& query, const SearchOptions& options,
                SearchResults* results) const override;
  Status Count(std::string_view query, uint64_t* count) const override;
  Status Count(std::string_view query, const SearchOptions& options,
               uint64_t* count) const override;
  Status Count(const Query& query, const SearchOptions& options, uint64_t* count) const override;
  Status Analyze(std::string_view field, std::string_view text,
                 std::vector<std::string>* terms) const override;
  Status CollectStatistics(std::string_view query, const SearchOptions& options,
                           CollectionStatistics* out) const override;
  Status CollectStatistics(const Query& query, const SearchOptions& options,
                           CollectionStatistics* out) const override;
  Status FetchHits(std::string_view query, const SearchOptions& options,
                   std::vector<Hit>* hits) const override;
  Status FetchHits(const Query& query, const SearchOptions& options,
                   std::vector<Hit>* hits) const override;
  Status Get(std::string_view id, Document* out) const override;
  const Schema& schema() const override { return schema_; }
  uint64_t num_docs() const override { return num_docs_; }
  uint64_t generation() const override { return generation_; }

  // Segments are immutable once committed and their names are never reused within an index,
  // so a segment of the same name in a later commit of the same directory is the same segment.
  std::shared_ptr<const SegmentReader> SharedSegment(const std::string& dir,
                                                     const std::string& name) const;
  // Whether any shard opened so far has a newer commit than the one this searcher sees (after
  // a failed Init: whether a commit moved on under it).
  Status NewerCommit(bool* newer) const;
  // Whether `dirs` (the roots resolved again) are other shards than this searcher's, or any
  // of them has a newer commit.
  Status Changed(const std::vector<std::string>& dirs, bool* changed) const;
  const std::vector<std::string>& roots() const { return roots_; }
  const SearcherOptions& options() const { return options_; }

 private:
  // Search, ticking `stop` (never null) as it goes; Search turns a stopped run's outcome into
  // the stop's status.
  Status SearchUntilStopped(const Query& query, const SearchOptions& options, bool validated,
                            QueryStop* stop, SearchResults* results) const;
  // Search and Count of a query that is `validated` against options.limits already (as
  // ParseQuery leaves it), so that a query given as text is not walked twice.
  Status SearchQuery(const Query& query, const SearchOptions& options, bool validated,
                     SearchResults* results) const;
  Status CountQuery(const Query& query, const SearchOptions& options, bool validated,
                    uint64_t* count) const;
  // Whether `query` is one indexed term whose count is the sum of its document frequencies
  // (CountByDocFreq): a field searched by its text (or the id, or not searched at all), no
  // filter, no injected statistics, and no segment with deletions. Lucene's
  // IndexSearcher.count answers a TermQuery so as well.
  bool CountsByDocFreq(const Query& query, const SearchOptions& options) const;
  Status CountByDocFreq(const QueryNode& term, QueryStop* stop, uint64_t* count) const;
  // True when a search that ended with `s` after `stop` tripped returns what it found
  // (SearchOptions::allow_partial and a deadline), not an error.
  static bool PartialAllowed(const SearchOptions& options, const QueryStop& stop, const Status& s);
  IndexContext Context(double k1, double b) const;
  // The weight of `query` with the options' filters, bound to *context, which it refers to and
  // which must outlive it; unless `scored`, without what adds only to scores (proximity).
  // The context ticks `stop` (never null). Unless `validated`, the query is first checked
  // against options.limits. It scores with options.statistics when set, unless `recorded` is
  // not null: then it records there every term looked up, with this index's numbers
  // (CollectStatistics).
  Status MakeWeight(const Query& query, const SearchOptions& options, bool scored,
                    bool validated, FieldAnalyzers& analyzers, QueryStop* stop,
                    IndexContext* context, std::unique_ptr<Weight>* out,
                    CollectionStatistics* recorded = nullptr) const;
  // Per segment, the documents every filter query matches (SearchOptions::filters and
  // filter_queries), as sets or per-document checks (searcher/query/filtered.h).
  Status FilterSets(const SearchOptions& options, const IndexContext& context,
                    FieldAnalyzers& analyzers, std::vector<SegmentFilter>* out) const;
  // The hit's explanation (with options.explain) and what LoadHit loads (with
  // options.load_documents), for a hit whose segment, docid and score are set.
  Status CompleteHit(const Weight& weight, const SearchOptions& options, HitTerms& terms,
                     FieldAnalyzers& analyzers, Hit* hit) const;
  // The hit's stored fields, title and snippet, as the options ask.
  Status LoadHit(const SearchOptions& options, HitTerms& terms, FieldAnalyzers& analyzers,
                 Hit* hit) const;
  // The matches of `weight` that are not deleted, summed over the segments (each weight counts
  // its own).
  Status CountWeight(const Weight& weight, QueryStop* stop, uint64_t* total) const;
  // Offers the matches of `weight` in every segment to `collector`, by the execution the weight
  // chooses; with `total_in_pass` not null, every match is visited and counted there instead.
  Status CollectTopK(const Weight& weight, uint64_t* total_in_pass, QueryStop* stop,
                     TopKCollector* collector) const;

  // One index directory of the searcher and the commit of it that the searcher sees; its
  // segments are segments_[first_segment ...] in the manifest's order.
  struct Shard {
    std::string dir;
    Manifest manifest;
    size_t first_segment = 0;
  };
  // Opens the latest commit of `dir` and appends its segments, fields and statistics.
  Status AddShard(const std::string& dir, const SearcherImpl* previous);

  std::vector<std::string> roots_;  // as given to Open: directories or shard sets
  SearcherOptions options_;
  std::vector<Shard> shards_;
  uint64_t generation_ = 0;
  std::shared_ptr<AnalyzerPool> pool_;  // shared: threads' kept sets find it (searcher.cc)
  std::vector<std::shared_ptr<const SegmentReader>> segments_;
  std::vector<const SegmentReader*> segment_pointers_;       // segments_' own, for IndexContext
  std::vector<RoaringPtr> deleted_;                          // null: none deleted
  std::vector<std::unique_ptr<DeletedView>> deleted_views_;  // the same, null alike
  std::vector<FieldInfo> fields_;
  Schema schema_;
  uint64_t num_docs_ = 0;
};

}  // namespace trawl

#endif  // TRAWL_SEARCHER_SEARCHER_IMPL_H_
