// The order a search returns its hits in, beyond relevance alone: sorting by columns (with
// "score" as a key among them), collapsing by a keyword field, and search-after cursors for
// every order, relevance included. Relevance order itself is still collected with pruning by
// TopKCollector (collector.h, max_score.h); this file gives it its cursor bound and its next
// cursor, and collects every other order by visiting every match.
#ifndef TRAWL_SEARCHER_SORT_H_
#define TRAWL_SEARCHER_SORT_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/roaring_view.h"
#include "format/column_reader.h"
#include "format/segment_reader.h"
#include "searcher/collector.h"
#include "searcher/weight.h"
#include "trawl/schema.h"
#include "trawl/searcher.h"

namespace trawl {

// One commit's segments as hit collection reads them: views of what the searcher holds.
struct CommitView {
  std::span<const SegmentReader* const> segments;
  std::span<const RoaringPtr> deleted;  // parallel to segments; null: none deleted
  const Schema* schema = nullptr;
  uint64_t generation = 0;
};

// A hit of the page, before its stored fields are loaded.
struct PageHit {
  double score = 0;
  uint32_t segment = 0;
  uint32_t docid = 0;
  uint64_t collapsed = 0;  // with collapse: the other matches sharing its value
};

struct Page {
  std::vector<PageHit> hits;
  // The cursor of the last hit, set when more hits (or groups) follow it.
  std::string next;
  // CollectByFields only: every match, counted as they were visited.
  uint64_t total = 0;
};

// A search-after cursor, decoded. The text form is base64url (no padding) of:
//   u8 version (1) | varint generation | fixed32 order fingerprint | varint key count |
//   per key: u8 tag (0 missing, 1 number: fixed64, 2 text: varint length + bytes) |
//   varint segment | varint docid | fixed32 check (FNV-1a of every byte before it)
// Numbers are the sortable keys of format/values.h; a score is the sortable key of its double
// (SortableFromFloat), so it comes back exactly; a keyword is its text, since ordinals differ
// by segment. The fingerprint hashes the sort keys and the collapse field, so a cursor of
// another order is refused rather than misread.
struct Cursor {
  struct Value {
    enum class Tag : uint8_t { kMissing = 0, kNumber = 1, kText = 2 };
    Tag tag = Tag::kMissing;
    uint64_t number = 0;
    std::string text;
  };
  uint64_t generation = 0;
  uint32_t fingerprint = 0;
  std::vector<Value> values;
  uint32_t segment = 0;
  uint32_t docid = 0;
};

std::string EncodeCursor(const Cursor& cursor);
// A cursor's value as EncodeCursor reads it, without a copy of its text.
struct CursorValueView {
  Cursor::Value::Tag tag = Cursor::Value::Tag::kMissing;
  uint64_t number = 0;
  std::string_view text;
};
// EncodeCursor of a Cursor with these fields, for a cursor that is not otherwise needed.
std::string EncodeCursor(uint64_t generation, uint32_t fingerprint,
                         std::span<const CursorValueView> values, uint32_t segment, uint32_t docid);
// InvalidArgument("bad cursor ...") for anything EncodeCursor did not write.
Status DecodeCursor(std::string_view text, Cursor* out);

// The number of documents to collect for a page: offset + top_k, and one more, which says
// whether a next page exists. Saturates.
size_t PageLimit(const SearchOptions& options);

// SearchOptions::sort, collapse and after, resolved against one commit: the keys with each
// segment's column, and the cursor.
class HitOrder {
 public:
  // InvalidArgument naming the field for a sort or collapse field the schema does not have,
  // one without a column, text or stored fields, and a collapse field that is not a keyword;
  // InvalidArgument "bad cursor" for an `after` that is damaged or of another order. A field
  // the schema has but no segment has a column of is missing in every document. "score" is
  // relevance, never a field of that name. A sort of only "score" descending is relevance
  // order, collected as without a sort.
  static Status Make(const SearchOptions& options, const CommitView& commit,
                     std::unique_ptr<HitOrder>* out);
  ~HitOrder();

  // True when hits are collected by CollectByFields: a sort by fields or by ascending score,
  // or collapse. False: relevance order, by TopKCollector with pruning.
  bool by_fields() const { return by_fields_; }

  // Relevance order: where SearchOptions::after says to resume, if it is set.
  const std::optional<ScoreAfter>& score_after() const { return score_after_; }
  // Relevance order: the page of `top` (TopKCollector's, best first, collected with
  // PageLimit) with its next cursor.
  void RelevancePage(const std::vector<ScoredDoc>& top, const SearchOptions& options,
                     Page* page) const;

  // Every other order: visits every match of `weight` that is not deleted (scoring it only
  // when a key is the score; Hit::score is 0 otherwise), counts them into page->total, and
  // fills the page. Stops with its status when `stop` (may be null) trips.
  Status CollectByFields(const Weight& weight, const SearchOptions& options, QueryStop* stop,
                         Page* page) const;

  struct Key {
    bool score = false;  // relevance; else a column
    std::string field;
    FieldType type = FieldType::kInt;
    bool descending = false;
    std::vector<const Column*> columns;  // by segment; null where the segment has none
  };

 private:
  HitOrder() = default;
  class Collection;
  // A document's value for one key, as the collection by keys compares it (keyword ordinals
  // are the segment's: see Collection).
  struct KeyValue {
    uint64_t v = 0;
    bool missing = true;
  };
  Status DecodeAfter(std::string_view after);
  // The cursor after the document `docid` of `segment`, whose values are `values` (one per key).
  std::string CursorAfter(uint32_t segment, uint32_t docid, std::span<const KeyValue> values) const;

  CommitView commit_;
  std::vector<Key> keys_;
  bool by_fields_ = false;
  bool needs_scores_ = false;
  std::vector<const Column*> collapse_;  // by segment; empty: no collapse
  bool collapse_on_ = false;
  uint32_t fingerprint_ = 0;
  std::optional<Cursor> after_;
  std::optional<ScoreAfter> score_after_;
};

}  // namespace trawl

#endif  // TRAWL_SEARCHER_SORT_H_
