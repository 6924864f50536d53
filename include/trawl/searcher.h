// Searcher: answers queries against one commit of an index directory.
//
//   std::unique_ptr<trawl::Searcher> searcher;
//   trawl::Status s = trawl::Searcher::Open("/path/to/index", {}, &searcher);
//   trawl::SearchResults results;
//   if (s.ok()) s = searcher->Search("\"exact phrase\" +must -not", {}, &results);
//
// A Searcher sees the commit that was current when it was opened, until it is replaced by
// OpenIfChanged. It is safe to call Search and Count from many threads at once on one Searcher.
//
// One Searcher may span several indexes (shards, trawl/shards.h): opened over a list of
// directories, or a directory holding shards.json, it answers exactly as one index holding all
// their documents would (same hits, scores, ties, counts, facets, cursors), scoring with the
// statistics of the union.
#ifndef TRAWL_SEARCHER_H_
#define TRAWL_SEARCHER_H_

#include <atomic>
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "trawl/document.h"
#include "trawl/explanation.h"
#include "trawl/export.h"
#include "trawl/file_system.h"
#include "trawl/query.h"
#include "trawl/schema.h"
#include "trawl/status.h"

namespace trawl {

struct SearcherOptions {
  // Check every file's checksum when opening (reads every byte once, so opening costs as much as
  // reading the whole index). Off (the default), sizes, headers and footers are checked at open,
  // and the checksums of the small files every query trusts (the manifest, deletions, each
  // segment's .meta and dictionary index), as Lucene does; damage inside a large file is then
  // never a crash but may give wrong answers until VerifyIndex (trawl-index --verify) or an
  // open with this option finds it. docs/format.md lists what is verified when.
  bool verify_checksums = false;
  // Where the index's files are read from; null means FileSystem::Default(). Must outlive
  // every Searcher opened with these options (OpenIfChanged reads through it again).
  FileSystem* file_system = nullptr;
};

// One key of a sort order: a field with a column (int, float, date, bool, keyword), or
// "score" (relevance). Documents without a value sort last in either direction; a field with
// several values in a document sorts by its smallest ascending and its largest descending.
// Ties fall to the next key, and finally to index order.
struct SortField {
  std::string field;
  bool descending = false;
};

// Counts of a keyword or bool field's values over all matches: the top_n values by count
// (ties by value).
struct FacetRequest {
  std::string field;
  size_t top_n = 10;
};

// Counts of an int, float or date field's values over all matches, in buckets: for dates
// "year", "month", "week" (ISO weeks, from Monday), "day" or "hour" in UTC; for numbers a
// bucket width (a positive number, e.g. "10" or "0.5"), buckets starting at multiples of it.
struct RangeFacetRequest {
  std::string field;
  std::string interval;
};

struct FacetCount {
  // The value (keyword, "true"/"false") or a bucket's lower bound: numbers in canonical text,
  // dates as RFC 3339 in UTC.
  std::string value;
  uint64_t count = 0;
};

struct FacetResult {
  std::string field;
  FieldType type = FieldType::kKeyword;  // the field's type: how to show `value`
  bool is_range = false;
  // Keyword facets: by count, then value; range facets: every non-empty bucket in order.
  std::vector<FacetCount> counts;
};

// The collection statistics BM25 scores with, as a search spread over machines gathers them
// from every shard (Elasticsearch's dfs phase): per field, the documents that have it (BM25's
// N) and the sum of their lengths (for avgdl); per term of a field that a query looked up, its
// document frequency. Deleted documents count until a merge drops them, as everywhere in
// trawl. A plain value: copy, compare and share it freely.
struct FieldStatistics {
  std::string name;
  FieldType type = FieldType::kText;
  uint64_t docs_with_field = 0;
  uint64_t total_length = 0;

  bool operator==(const FieldStatistics&) const = default;
};

struct CollectionStatistics {
  // In the order the index first met them (over shards: shard after shard).
  std::vector<FieldStatistics> fields;
  // field -> term -> document frequency; a term looked up that no document has is there with 0.
  std::map<std::string, std::map<std::string, uint64_t, std::less<>>, std::less<>> doc_freq;

  // Adds the numbers of `other` (the statistics of the next shard) to these: fields new to
  // these are appended in other's order, counts and frequencies summed. Adding the statistics
  // of each shard, in shard order, to an empty value gives those of Searcher::Open(shards).
  // InvalidArgument naming the field if `other` gives a field another type (as Open refuses
  // such shards); these statistics are then left unchanged.
  TRAWL_EXPORT Status Add(const CollectionStatistics& other);
  bool operator==(const CollectionStatistics&) const = default;
};

struct SearchOptions {
  size_t top_k = 10;   // hits to return
  size_t offset = 0;   // hits to skip first (paging)
  // Queries every hit must also match, without changing scores (Lucene's FILTER clauses).
  std::vector<std::string> filters;
  // The same, built in code (trawl/query.h); every hit matches these and `filters` alike.
  std::vector<Query> filter_queries;
  // Empty: by score, best first.
  std::vector<SortField> sort;
  // A cursor from SearchResults::next: the hits after the last one of that page, in the same
  // order (the query, filters and sort must be the same). Combines with offset and top_k.
  std::string after;
  std::vector<FacetRequest> facets;
  std::vector<RangeFacetRequest> range_facets;
  // A keyword field: only the best hit of each value is returned, with Hit::collapsed saying
  // how many other matches it stands for. Hits without a value are not collapsed.
  std::string collapse;
  // Stored fields returned with each hit (Hit::fields); "*" for all.
  std::vector<std::string> fields;
  // Text fields snippets come from, the first the hit has; empty: the hit's text field with
  // the most query terms.
  std::vector<std::string> snippet_fields;
  // BM25 parameters (Lucene's defaults).
  double k1 = 1.2;
  double b = 0.75;
  // BM25F: a word without `field:` is scored once over all text fields, each field's term
  // frequency length-normalized with its own b, weighted and summed before saturation, instead
  // of summing one BM25 score per field (docs/query-language.md). Phrases and prefixes are
  // scored as without it; matches and counts do not change.
  bool bm25f = false;
  // Per-field weight (default 1) and b (default `b`) for BM25F. Weights must be >= 0 and b in
  // [0, 1]; InvalidArgument otherwise.
  std::map<std::string, double, std::less<>> field_weights;
  std::map<std::string, double, std::less<>> field_b;
  // Term proximity (after Rasolofo & Savoy's BM25TP, with the pairs of a sequential dependence
  // model): for a bag of words (bare words or a plain-text query, nothing else), each two words
  // adjacent in the query form a pair; every occurrence of a pair's words within
  // proximity_window positions of each other in a field adds 1/d² to the pair's count, which
  // saturates like a BM25 tf with the field's k1, b and length, is weighted by the mean idf of
  // the two words and by `proximity`, and is added to the BM25 score (docs/query-language.md).
  // 0 (the default) is off; must be in [0, 1e6], and the window in [1, 64], else
  // InvalidArgument. Matches and counts do not change. Costs a read of the positions of the
  // documents holding two of the words.
  double proximity = 0;
  uint32_t proximity_window = 5;
  bool count_only = false;     // compute only `total`; return no hits
  // False: nothing is counted (as the top k of Lucene's search(query, k)): `total` is then the
  // number of hits found, a lower bound unless SearchResults::total_exact, and phrases may skip
  // documents that cannot make the top k without matching them.
  bool exact_total = true;
  bool load_documents = true;  // fill Hit::id, Hit::title and Hit::snippet from the stored document
  size_t snippet_chars = 200;  // approximate snippet length; 0: no snippet, and no work for one
  // Markers around query terms in snippets.
  std::string highlight_begin = "<b>";
  std::string highlight_end = "</b>";
  // If true, explain each hit's score (Hit::explain_tree, and as text Hit::explanation).
  bool explain = false;
  // If true, the query is plain text, not the query language: every term the index's analyzer
  // finds in it is an optional clause (a bag of words, as Anserini runs TREC topics), so no
  // character has a special meaning and a word that splits into several terms is no phrase.
  // (Query::Match("", text) is the same query built in code.) Only for queries given as text.
  bool plain_text = false;
  // Deadline and cancellation (docs/embedding.md). A query still running when `deadline`
  // passes stops and returns DeadlineExceeded; one whose `*cancel` becomes true (set by any
  // thread, e.g. a request handler whose client went away, or a Ctrl-C handler) stops and
  // returns Cancelled. Either way the results are left empty: a stopped query never returns
  // part of its hits, counts or facets. The checks sit in every loop over documents, terms or
  // hits, every few thousand documents' work, so a query stops within a few milliseconds of
  // either; a query given an expired deadline or a set flag stops at its first check, before
  // it has scored or counted anything. A query that finishes first returns its results, whatever the clock says then.
  //
  // The deadline is a point of std::chrono::steady_clock (unaffected by changes of the wall
  // clock), e.g. `std::chrono::steady_clock::now() + std::chrono::milliseconds(50)` for a
  // budget of 50 ms; the default, time_point::max(), is none. A deadline spanning several
  // calls (a request that searches, then counts) is the same value passed to each.
  std::chrono::steady_clock::time_point deadline = std::chrono::steady_clock::time_point::max();
  // Null (the default): no cancellation. Read, never written, by the query; must stay alive
  // until the call returns. One flag may serve many queries at once (all stop when it is set).
  const std::atomic<bool>* cancel = nullptr;
  // With a deadline: a search still running when it passes returns OK with the hits it had
  // found by then and SearchResults::partial set, instead of DeadlineExceeded (Elasticsearch's
  // timed_out answers, Lucene's TimeLimitingCollector). The hits are the best of the documents
  // scored before the deadline, each a real match with its full score, in the order asked;
  // their stored fields and snippets are still loaded, which takes a little past the deadline
  // (about as long as loading them takes without one). `total` is then a lower bound
  // (total_exact false), and facets and the cursor are left empty: counts of part of the
  // matches would read as counts of all. A query stopped before it scored anything (while its
  // prefixes were expanded, its filters or facets computed) returns no hits. Only Search looks
  // at this: Count returns DeadlineExceeded, and cancellation always returns Cancelled.
  bool allow_partial = false;
  // Bounds on the query and the page (trawl/query.h); InvalidArgument beyond them. They apply
  // to the query and to each filter.
  QueryLimits limits;
  // Null (the default): scores use this searcher's own statistics. Set: every score (BM25,
  // BM25F, phrases, proximity, fuzzy expansions, the bounds MaxScore and block-max prune by,
  // explanations) uses these instead, for every field and every term they hold; a term they
  // lack is scored with this searcher's own document frequency. With the statistics of a set
  // of shards (CollectStatistics on each, for the same query and options, added in shard
  // order), each shard searched alone scores exactly as Searcher::Open(shards) does, so the
  // shards' top k merged by (score, shard order, Hit::segment, Hit::docid) are its top k.
  // Matches and counts do not change. Read only; kept alive by the options.
  std::shared_ptr<const CollectionStatistics> statistics;
};

struct Hit {
  std::string id;
  double score = 0;
  std::string title;
  std::string snippet;
  // With SearchOptions::explain: why the hit scores what it does, as a tree whose top value
  // is `score`, and as text (explain_tree.ToString()).
  std::string explanation;
  Explanation explain_tree;
  // The stored fields SearchOptions::fields names, values in canonical text (DocField::kind
  // says the field's type: numbers in decimal, dates in RFC 3339 UTC, bools true/false).
  std::vector<DocField> fields;
  // With SearchOptions::collapse: the other matches with this hit's value.
  uint64_t collapsed = 0;
  uint32_t segment = 0;  // internal address of the document, stable within one Searcher
  uint32_t docid = 0;
};

struct SearchResults {
  uint64_t total = 0;  // the number of matching documents (a lower bound if !total_exact)
  bool total_exact = true;
  std::vector<Hit> hits;
  // When more hits follow this page: the cursor for SearchOptions::after. Exact for the commit
  // this searcher sees (as Lucene's searchAfter); after a new commit, documents added or moved
  // by merges near the boundary may be repeated or missed.
  std::string next;
  // In the order requested: SearchOptions::facets, then range_facets.
  std::vector<FacetResult> facets;
  // The deadline passed and SearchOptions::allow_partial returned what was found by then:
  // `hits` are fewer or other than the full answer's, `total` a lower bound, no facets or cursor.
  bool partial = false;
};

class TRAWL_EXPORT Searcher {
 public:
  // Opens the latest commit of the index at `dir`. NotFound if there is no index there;
  // Corruption naming the file if a file is damaged.
  // A directory holding shards.json opens as the union of its parts (as the overload below).
  static Status Open(const std::string& dir, const SearcherOptions& options,
                     std::unique_ptr<Searcher>* out);
  // Opens the latest commit of each index in `dirs` (each an index directory or a directory
  // holding shards.json, which stands for its parts) as one index whose segments are those of
  // the shards, shard after shard: BM25 statistics (the number of documents, document
  // frequencies, field lengths) are summed over all shards, and ties fall to shard order, then
  // index order, so results are those of one index built from the shards' documents in that
  // order. The caller's contract: an id lives in at most one shard (PartOfId assigns them so);
  // Get returns one of them otherwise. On error *out is null: InvalidArgument if `dirs` is
  // empty or names a shard twice, or if shards were built with different analyzers or define a
  // field differently (naming the shard and the field); Corruption naming a malformed
  // shards.json; otherwise Open's errors for the shard that failed. Thread-safe.
  static Status Open(const std::vector<std::string>& dirs, const SearcherOptions& options,
                     std::unique_ptr<Searcher>* out);
  // If the index's latest commit is not the one `current` sees, opens it into *out, sharing the
  // segments both commits have (they are neither re-mapped nor re-verified, so a reopen after
  // a small commit is cheap); `current` stays valid and unchanged. If nothing changed, *out is
  // set to null. Options are those `current` was opened with. Over shards: reopens when any
  // shard has a new commit or a shards.json lists other parts, sharing the segments of every
  // shard that kept them.
  static Status OpenIfChanged(const Searcher& current, std::unique_ptr<Searcher>* out);
  virtual ~Searcher();

  // Runs a query in the language of docs/query-language.md (plain text with
  // SearchOptions::plain_text). InvalidArgument with the column of a syntax error, or naming
  // the limit of options.limits the query or the page exceeds; DeadlineExceeded or Cancelled,
  // with empty *results, when the query was stopped by options.deadline or options.cancel
  // (with options.allow_partial, a deadline returns OK and partial results instead).
  virtual Status Search(std::string_view query, const SearchOptions& options,
                        SearchResults* results) const = 0;
  // Runs a query built in code (trawl/query.h), exactly as Search runs the same query parsed:
  // the same hits, scores, snippets and explanations. InvalidArgument when the query holds an
  // argument out of range (a boost, a slop, an edit distance) or a range on a text field.
  virtual Status Search(const Query& query, const SearchOptions& options,
                        SearchResults* results) const = 0;
  // The statistics phase of a search over shards on several machines (docs/scaling.md): the
  // statistics of this searcher's fields, and the document frequency of every term that
  // Search(query, options) would look up to score, in this index (prefixes, wildcards and
  // fuzzy words expanded here; each shard expands them over its own terms). Options that
  // shape the query (plain_text, filters, bm25f, proximity, limits, deadline, cancel) are
  // read; the rest are ignored. Errors as Search's, with *out left empty.
  virtual Status CollectStatistics(std::string_view query, const SearchOptions& options,
                                   CollectionStatistics* out) const = 0;
  virtual Status CollectStatistics(const Query& query, const SearchOptions& options,
                                   CollectionStatistics* out) const = 0;
  // The fetch phase of a search over shards: loads what Search would for each of `*hits`
  // (stored fields, title, snippet, explanation, as options.fields, snippet_fields,
  // snippet_chars, highlight_begin/end and explain ask), given the hits' Hit::segment,
  // Hit::docid and Hit::score as a Search of this searcher with load_documents false returned
  // them. `query` and `options` (its statistics included) must be those of that search, so
  // that snippets and explanations are its own. InvalidArgument, naming it, for an address
  // this searcher has no document at (a hit of another commit); errors as Search's
  // otherwise, with *hits then unspecified.
  virtual Status FetchHits(std::string_view query, const SearchOptions& options,
                           std::vector<Hit>* hits) const = 0;
  virtual Status FetchHits(const Query& query, const SearchOptions& options,
                           std::vector<Hit>* hits) const = 0;
  // The exact number of documents matching `query`, without scoring.
  virtual Status Count(std::string_view query, uint64_t* count) const = 0;
  // The exact number of documents Search(query, options) would find (its `total` with
  // exact_total): `query` restricted by options.filters and options.filter_queries, read as
  // plain text with options.plain_text, stopped by options.deadline and options.cancel
  // (DeadlineExceeded or Cancelled with *count 0). Options about hits, their order, pages
  // and facets are ignored. Errors as Search's.
  virtual Status Count(std::string_view query, const SearchOptions& options,
                       uint64_t* count) const = 0;
  virtual Status Count(const Query& query, const SearchOptions& options,
                       uint64_t* count) const = 0;
  // The terms the analyzer of `field` makes of `text`, in order: what a query's words become
  // before they are looked up, and what Query::IndexedTerm takes, so that a program analyzes
  // its text once and searches the terms many times (or shows what a word becomes). Field ""
  // is the index's analyzer (a word without a field is analyzed by each default field's); an
  // id field's term is `text`, a keyword field's its value as indexed (lowered when the field
  // lowers values). InvalidArgument naming the field for an int, float, date, bool or
  // stored-only field, whose values are not text. Thread-safe.
  virtual Status Analyze(std::string_view field, std::string_view text,
                         std::vector<std::string>* terms) const = 0;
  // The stored fields of the live document with this id; NotFound if there is none.
  virtual Status Get(std::string_view id, Document* out) const = 0;
  // The index's fields (for an index from before schemas: its fields, all text).
  virtual const Schema& schema() const = 0;

  virtual uint64_t num_docs() const = 0;
  // The commit this searcher sees; over several shards, the sum of theirs (it grows with every
  // commit of any shard).
  virtual uint64_t generation() const = 0;
};

}  // namespace trawl

#endif  // TRAWL_SEARCHER_H_
