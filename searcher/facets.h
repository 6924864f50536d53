// Facet counts (SearchOptions::facets and range_facets): how every match of a query, not only
// the hits of a page, spreads over the values of a keyword or bool field, or over the buckets
// of an int, float or date field. Counting needs the matches only, never their scores.
//
// Per segment, a keyword facet is counted one of two ways, chosen by a cost rule
// (PreferPostings): by reading the column of every match (cost grows with the matches), or,
// when the field's values are also indexed terms, as |matches ∩ postings(value)| per value,
// straight on the posting bitmaps in the map (cost grows with the values and the containers,
// and a bitset container of 65536 documents is counted in 1024 word ANDs). Both give the same
// counts. Range facets always read the column.
#ifndef TRAWL_SEARCHER_FACETS_H_
#define TRAWL_SEARCHER_FACETS_H_

#include <roaring/roaring.h>

#include <cstdint>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

#include "common/roaring_view.h"
#include "format/column_reader.h"
#include "format/segment_reader.h"
#include "searcher/query_stop.h"
#include "trawl/schema.h"
#include "trawl/searcher.h"
#include "trawl/status.h"

namespace trawl {

class Weight;

// How keyword facets are counted in a segment. kAuto follows PreferPostings; the others force
// one way (tests and benchmarks compare them), except that kPostings falls back to the column
// in a segment whose values are not all indexed terms.
enum class KeywordCountMethod { kAuto, kColumn, kPostings };

// ---- the two counting primitives of keyword facets, on one segment.

// For every document of `matches`, adds 1 to counts[v] for each of its values v in `column`
// (keyword ordinals, or bool values 0 and 1). Corruption naming `column_file` if a value is
// not below counts.size() (a damaged column).
Status CountValuesByColumn(const Column& column, const roaring_bitmap_t* matches,
                           const std::string& column_file, std::span<uint32_t> counts);
// counts[v] = |matches ∩ postings[v]|, counted on the views without copying either.
void CountValuesByPostings(const RoaringView& matches, std::span<const RoaringView> postings,
                           std::span<uint32_t> counts);
// True when counting `num_values` values, `num_postings` postings in all over a segment of
// `num_docs` documents, by their postings should beat reading the column of `num_matches`
// matches that lie in `match_containers` Roaring containers.
bool PreferPostings(uint64_t num_matches, uint64_t match_containers, uint64_t num_values,
                    uint64_t num_postings, uint64_t num_docs);

// Counts the facets of one search, segment by segment. Not thread-safe; one per search.
class FacetCounter {
 public:
  // Checks every request against `schema`: InvalidArgument naming the field for an unknown
  // field, a field without a column, a keyword facet on a field that is not keyword or bool,
  // a range facet on one that is not int, float or date, and naming the interval for one that
  // is not a positive number (numbers) or year, month, week, day or hour (dates).
  static Status Create(const Schema& schema, std::span<const FacetRequest> facets,
                       std::span<const RangeFacetRequest> range_facets, KeywordCountMethod method,
                       std::unique_ptr<FacetCounter>* out);
  ~FacetCounter();

  // Counts the documents of `matches` in `segment`; `matches` holds live documents only (the
  // caller removed the deleted ones). Corruption naming the segment's column file if a column
  // disagrees with the schema or holds damaged values; InvalidArgument naming the field and
  // interval if a bucket of a value cannot be represented (a float width so small that
  // value / width overflows).
  Status AddSegment(const SegmentReader& segment, const roaring_bitmap_t* matches);

  // The results, in request order: keyword facets, then range facets.
  std::vector<FacetResult> Finish();

  // How many (segment, keyword facet) counts each way took, for tests and benchmarks.
  uint64_t column_counts() const { return column_counts_; }
  uint64_t posting_counts() const { return posting_counts_; }

  // How a range facet maps a value to its bucket: an index that grows with the value.
  struct Bucketing;

 private:
  struct KeywordFacet;
  struct RangeFacet;
  FacetCounter() = default;
  Status AddKeywordSegment(const SegmentReader& segment, const roaring_bitmap_t* matches,
                           KeywordFacet* facet);
  Status AddRangeSegment(const SegmentReader& segment, const roaring_bitmap_t* matches,
                         RangeFacet* facet);
  // The column of `field` in `segment` checked against the schema's type; null (and OK) when
  // the segment has no value of the field.
  Status FindColumn(const SegmentReader& segment, const std::string& field, FieldType type,
                    const Column** column, uint32_t* field_id) const;
  // `matches` serialized once per segment, for counting against posting views.
  Status MatchesView(const roaring_bitmap_t* matches, RoaringView** out);

  KeywordCountMethod method_ = KeywordCountMethod::kAuto;
  std::vector<std::unique_ptr<KeywordFacet>> keyword_;
  std::vector<std::unique_ptr<RangeFacet>> range_;
  const roaring_bitmap_t* viewed_matches_ = nullptr;  // what matches_bytes_ serializes
  std::string matches_bytes_;
  RoaringView matches_view_;
  uint64_t column_counts_ = 0;
  uint64_t posting_counts_ = 0;
};

// The facets `options` asks for, over the live matches of `weight` in every segment (deleted[i]
// null: none deleted in segments[i]), into *out in request order; nothing when none is asked.
// Stops with its status when `stop` (may be null) trips, checked segment by segment (the
// weight's own loops check within one).
Status ComputeFacets(const Weight& weight, std::span<const SegmentReader* const> segments,
                     std::span<const RoaringPtr> deleted, const Schema& schema,
                     const SearchOptions& options, QueryStop* stop,
                     std::vector<FacetResult>* out);

}  // namespace trawl

#endif  // TRAWL_SEARCHER_FACETS_H_
