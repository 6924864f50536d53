// Weights: a parsed query bound to one open index. A weight holds what is global to the index
// (analyzed terms, document frequencies and BM25 statistics summed over all segments), and makes
// per-segment scorers and match bitmaps. Query -> Weight -> Scorer -> Collector, as in Lucene
// and Tantivy.
#ifndef TRAWL_SEARCHER_WEIGHT_H_
#define TRAWL_SEARCHER_WEIGHT_H_

#include <roaring/roaring.h>

#include <map>
#include <memory>
#include <span>
#include <string>
#include <unordered_set>
#include <vector>

#include "analysis/analyzer.h"
#include "analysis/field_analyzers.h"
#include "common/roaring_count.h"
#include "format/segment_reader.h"
#include "searcher/index_context.h"
#include "searcher/max_score.h"
#include "searcher/query.h"
#include "searcher/scorer.h"
#include "trawl/explanation.h"

namespace trawl {

// Posting lists whose intersection, or union, is what a weight matches in one segment.
struct PostingSets {
  bool is_union = false;  // else the intersection (one list is both)
  std::vector<RoaringView> lists;

  // How many documents that is, leaving out those in `excluded` (null: none).
  uint64_t Count(const RoaringView* excluded) const {
    return is_union ? UnionCardinality(lists, excluded) : IntersectionCardinality(lists, excluded);
  }
};

// A segment's deleted documents, as a bitmap and as a view that counts read straight from
// posting lists (common/roaring_count.h); both null when none are deleted.
struct DeletedDocs {
  const roaring_bitmap_t* bitmap = nullptr;
  const RoaringView* view = nullptr;
};

class Weight {
 public:
  virtual ~Weight() = default;
  // A scorer for segment `seg`; *out stays null when nothing in that segment can match.
  virtual Status MakeScorer(size_t seg, std::unique_ptr<Scorer>* out) const = 0;
  // How the weight's top k in segment `seg` is best collected, when that is MaxScore over its
  // clauses (collector/max_score.h): fills *out with the clauses' scorers, or leaves it null,
  // and top-k collection runs over MakeScorer's scorer instead. A weight decides this about
  // itself; the collector does not look inside it.
  virtual Status MakeMaxScorePlan(size_t /*seg*/, std::unique_ptr<MaxScoreQuery>* out) const {
    out->reset();
    return Status::OK();
  }
  // The weights whose scores this weight's score is the sum of, any one of which matching
  // making it match (a pure disjunction: its clauses, flattened), appended to *out; the weight
  // itself by default. Lets an enclosing MaxScore plan prune per clause rather than per word.
  virtual void AppendDisjunctionClauses(std::vector<const Weight*>* out) const {
    out->push_back(this);
  }
  // How many weights AppendDisjunctionClauses appends, without building the list.
  virtual size_t NumDisjunctionClauses() const { return 1; }
  // The set of matching docids in segment `seg` (caller frees), for counting and filters.
  virtual Status MatchBitmap(size_t seg, roaring_bitmap_t** out) const;
  // The matches in segment `seg` as a filter needs them: the set in *bitmap (caller frees), or,
  // where building the set would mean a scan of the whole segment (a wide range answered from
  // a column), null there and a per-document test in *predicate instead, which the caller
  // checks candidates with or turns into the set. By default the match bitmap.
  virtual Status FilterInSegment(size_t seg, roaring_bitmap_t** bitmap,
                                 std::unique_ptr<DocPredicate>* predicate) const {
    predicate->reset();
    return MatchBitmap(seg, bitmap);
  }
  // Why document `doc` of segment `seg` scores what it does: appends one tree whose value is
  // the document's score; nothing when the document does not match.
  virtual Status Explain(size_t seg, uint32_t doc, std::vector<Explanation>* out) const;
  // Analyzed terms to highlight in snippets.
  virtual void CollectTerms(std::unordered_set<std::string>* terms) const = 0;
  // The number of matches in segment `seg` that are not deleted. By default from the weight's
  // posting sets where it has them and there are deletions, else from its match bitmap; kinds
  // that know a cheaper way say so.
  virtual Status CountInSegment(size_t seg, const DeletedDocs& deleted, uint64_t* count) const;
  // When the matches in segment `seg` are exactly the intersection or the union of posting lists
  // (a term, required terms, optional terms, a prefix), fills *out with those lists' docids, read
  // in place, and sets *found; otherwise clears *found. Lets counts skip building bitmaps.
  virtual Status PostingSetsInSegment(size_t /*seg*/, PostingSets* /*out*/, bool* found) const {
    *found = false;
    return Status::OK();
  }
  // True when counting needs no scorer pass (Roaring set algebra suffices). Queries that need
  // positions count in the same pass that collects the top k instead.
  virtual bool CountIsCheap() const { return true; }
  // True for a weight that matches nothing anywhere (e.g. a query made only of stop words).
  virtual bool IsEmpty() const { return false; }
};

// Binds `query` to `index`, analyzing each word with the analyzer of the field it is searched
// in (a word without a field: with each default field's).
Status CreateWeight(const QueryNode& query, const IndexContext& index, FieldAnalyzers& analyzers,
                    std::unique_ptr<Weight>* out);

// `query` with every bag of words (QueryNode::Kind::kMatch) replaced by the optional terms the
// analyzer it is searched with finds in it: the tree CreateWeight and AddProximity see. A query
// without one is copied as it is.
Status ExpandMatches(const QueryNode& query, const IndexContext& index, FieldAnalyzers& analyzers,
                     std::unique_ptr<QueryNode>* out);
// True when `query` holds a bag of words anywhere (ExpandMatches then has work).
bool HasMatch(const QueryNode& query);

// A range or exists query (QueryNode::Kind::kRange, kExists) on `query.field`, answered from
// the field's terms or column. Ranges need a typed field: a text field is InvalidArgument naming
// it. `field:*` works on any field.
Status CreateTypedWeight(const QueryNode& query, const IndexContext& index,
                         std::unique_ptr<Weight>* out);

// With index.proximity > 0 and a query that is a bag of words (only optional words without a
// field or boost, as bare words and plain-text queries are), adds a term-proximity clause per default
// field holding two of its terms to *weight, which CreateWeight made from `query`. Other
// queries are left as they are.
Status AddProximity(const QueryNode& query, const IndexContext& index, FieldAnalyzers& analyzers,
                    std::unique_ptr<Weight>* weight);

}  // namespace trawl

#endif  // TRAWL_SEARCHER_WEIGHT_H_
