// What a query is bound to: the open segments of one commit, the ranking options, and the
// collection statistics every weight kind scores with (N, document frequencies summed over the
// segments, average field lengths), computed here and nowhere else.
#ifndef TRAWL_SEARCHER_INDEX_CONTEXT_H_
#define TRAWL_SEARCHER_INDEX_CONTEXT_H_

#include <boost/container/small_vector.hpp>
#include <cstdint>
#include <map>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "format/segment_reader.h"
#include "searcher/query_stop.h"
#include "searcher/scorer.h"
#include "trawl/query.h"
#include "trawl/schema.h"
#include "trawl/searcher.h"
#include "trawl/status.h"

namespace trawl {

// A term of one field looked up in every segment once, as its weight is made: the weight's
// scorers, bitmaps and counts reuse the entries instead of searching the dictionaries again.
struct TermInSegments {
  struct Entry {
    bool found = false;
    uint32_t field_id = 0;
    TermInfo info;
  };
  // Parallel to IndexContext::segments. Inline up to two segments: every term of a query makes
  // one, and an index merged to one segment then looks its terms up without allocating.
  boost::container::small_vector<Entry, 2> by_segment;
  uint64_t doc_freq = 0;          // summed over the segments
};

// The open segments of one commit and their combined statistics: views of what the searcher
// holds, so that a query sets up its context without copying them.
struct IndexContext {
  IndexContext() = default;
  // Moves keep `fields` valid when it views `injected_fields`; a copy would not.
  IndexContext(IndexContext&&) = default;
  IndexContext& operator=(IndexContext&&) = default;
  IndexContext(const IndexContext&) = delete;
  IndexContext& operator=(const IndexContext&) = delete;

  std::span<const SegmentReader* const> segments;
  // Field names in first-seen order, with their statistics summed over segments (or, with
  // injected statistics, those of the whole collection: a view of `injected_fields`).
  std::span<const FieldInfo> fields;
  // The index's schema (for an index from before schemas, its fields as text); never null
  // once the searcher set it.
  const Schema* schema = nullptr;
  double k1 = 1.2;
  double b = 0.75;
  // BM25F for words without a field (SearchOptions::bm25f), with per-field weights (default 1)
  // and b (default `b`).
  bool bm25f = false;
  std::map<std::string, double, std::less<>> field_weights;
  std::map<std::string, double, std::less<>> field_b;
  // Term proximity (SearchOptions::proximity): its weight (0: off) and window in positions.
  double proximity = 0;
  uint32_t proximity_window = 5;
  // The query's deadline and cancel flag, ticked by every loop that can run long (weights
  // expanding terms, scorers matching candidates); null: nothing stops the query. Mutable
  // state of the one thread running the query, as weights and scorers are.
  QueryStop* stop = nullptr;
  // What one query may ask for (SearchOptions::limits): weights check the phrase length and
  // the expansions of multi-term words against it.
  QueryLimits limits;
  // Statistics of a whole collection of shards (SearchOptions::statistics) that LookUpTerm's
  // document frequencies come from; null: those of these segments. Set by InjectStatistics.
  const CollectionStatistics* statistics = nullptr;
  std::vector<FieldInfo> injected_fields;
  // Searcher::CollectStatistics: every term LookUpTerm is asked for is recorded here with its
  // document frequency in these segments; null otherwise.
  CollectionStatistics* recorded = nullptr;

  // Scores with `stats` from now on: `fields` become its fields (so a field of other shards
  // only is known here too, as over all the shards), document frequencies its own.
  void InjectStatistics(const CollectionStatistics* stats);
  double FieldWeight(std::string_view field) const {
    auto it = field_weights.find(field);
    return it == field_weights.end() ? 1.0 : it->second;
  }
  double FieldB(std::string_view field) const {
    auto it = field_b.find(field);
    return it == field_b.end() ? b : it->second;
  }
  // The schema entry of a field searched by value rather than by words (keyword, int, float,
  // date, bool); null for text, stored-only and unknown fields.
  const Schema::Field* TypedField(std::string_view name) const {
    if (schema == nullptr) return nullptr;
    const Schema::Field* f = schema->Find(name);
    if (f == nullptr || f->spec.type == FieldType::kText || f->spec.type == FieldType::kStored)
      return nullptr;
    return f;
  }
  const FieldInfo* Field(std::string_view name) const {
    for (const auto& f : fields)
      if (f.name == name) return &f;
    return nullptr;
  }

  // Collection statistics. N of a field: the documents that have it (deleted ones count until
  // a merge drops them, as in Lucene).
  static uint64_t DocCount(const FieldInfo& field) { return field.docs_with_field; }
  // The field's average length in tokens; 1 for a field without any.
  static double AverageLength(const FieldInfo& field);
  // `term` of `field` looked up in every segment, its document frequency summed (with injected
  // statistics, theirs, when they have the term).
  Status LookUpTerm(std::string_view field, std::string_view term, TermInSegments* out) const;
  // BM25 of `field` under this context's k1 and b, for a term (or phrase) of inverse document
  // frequency `idf`.
  Bm25 FieldBm25(const FieldInfo& field, double idf) const;
};

// A prefix, wildcard or fuzzy word whose expansions are counted against
// QueryLimits::max_expansions: how the error names it.
struct ExpansionLimit {
  uint32_t column = 0;  // QueryNode::column
  std::string word;     // as the query has it ("a*"); empty: unnamed
  // InvalidArgument: the word matches more than index.limits.max_expansions terms of `field`.
  Status Exceeded(const IndexContext& index, std::string_view field) const;
};

// Looks a term up in one segment's field; false (and OK) when absent.
Status FindTerm(const SegmentReader& seg, std::string_view field, std::string_view term,
                TermInfo* info, uint32_t* field_id, bool* found);

}  // namespace trawl

#endif  // TRAWL_SEARCHER_INDEX_CONTEXT_H_
