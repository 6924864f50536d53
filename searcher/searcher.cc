// The Searcher behind include/trawl/searcher.h: one commit's segments, queries run against them.
#include "trawl/searcher.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <numeric>
#include <tuple>

#include "analysis/analyzer.h"
#include "analysis/field_analyzers.h"
#include "format/deletes.h"
#include "format/segment_reader.h"
#include "format/token_marks.h"
#include "searcher/collector.h"
#include "searcher/facets.h"
#include "searcher/max_score.h"
#include "searcher/query/filtered.h"
#include "searcher/query/typed.h"
#include "searcher/query_parser.h"
#include "searcher/searcher_impl.h"
#include "searcher/snippet.h"
#include "searcher/sort.h"
#include "searcher/weight.h"
#include "trawl/shards.h"

namespace trawl {

// Analyzers keep stemmer state, so each query borrows a set (the index's and its fields'); the
// pool grows to the number of concurrent queries and is touched once per query, never per
// posting. Each thread keeps the last set it returned, so a thread's queries after its first
// take no lock and share no cache line with other threads' (a lock and a shared vector were a
// twentieth of a term's count). Owned by a shared_ptr: a thread's kept set goes back to its own
// pool, if that pool is still open, when the thread moves on to another searcher's.
class AnalyzerPool : public std::enable_shared_from_this<AnalyzerPool> {
 public:
  explicit AnalyzerPool(AnalyzerOptions options)
      : options_(std::move(options)), id_(next_id_.fetch_add(1, std::memory_order_relaxed)) {}
  Status Borrow(std::unique_ptr<FieldAnalyzers>* out) {
    Kept& kept = ThreadKept();
    if (kept.pool == id_ && kept.analyzers != nullptr) {
      *out = std::move(kept.analyzers);
      return Status::OK();
    }
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (!free_.empty()) {
        *out = std::move(free_.back());
        free_.pop_back();
        return Status::OK();
      }
    }
    return FieldAnalyzers::Create(options_, out);
  }
  void Return(std::unique_ptr<FieldAnalyzers> a) {
    Kept& kept = ThreadKept();
    if (kept.pool == id_) {
      if (kept.analyzers == nullptr) {
        kept.analyzers = std::move(a);
      } else {  // a second set borrowed on this thread (a query within a query)
        ReturnShared(std::move(a));
      }
      return;
    }
    // The thread kept another pool's set: back to that pool while it is open (dropped with it
    // otherwise), so that a thread serving several searchers in turn creates no sets.
    if (kept.analyzers != nullptr) {
      if (std::shared_ptr<AnalyzerPool> other = kept.owner.lock())
        other->ReturnShared(std::move(kept.analyzers));
    }
    kept.pool = id_;
    kept.owner = weak_from_this();
    kept.analyzers = std::move(a);
  }

 private:
  // A thread's kept set and the pool it came from, which stays its pool while the set is lent
  // out (so that a return does not copy a weak_ptr, an atomic operation on a shared count).
  // Pools are told apart by an id that is never reused, not by address.
  struct Kept {
    uint64_t pool = 0;
    std::weak_ptr<AnalyzerPool> owner;
    std::unique_ptr<FieldAnalyzers> analyzers;
  };
  static Kept& ThreadKept() {
    thread_local Kept kept;
    return kept;
  }
  void ReturnShared(std::unique_ptr<FieldAnalyzers> a) {
    std::lock_guard<std::mutex> lock(mu_);
    free_.push_back(std::move(a));
  }
  static inline std::atomic<uint64_t> next_id_{1};

  AnalyzerOptions options_;
  const uint64_t id_;
  std::mutex mu_;
  std::vector<std::unique_ptr<FieldAnalyzers>> free_;
};

// A segment's deletions serialized again, so that counts can leave them out straight from
// posting lists (common/roaring_count.h) rather than through a bitmap built per query.
struct DeletedView {
  std::unique_ptr<char[]> bytes;
  RoaringView view;  // over `bytes`
};

namespace {

// Loading a hit (reading, decompressing and analyzing its stored document for a snippet), in
// QueryStop ticks: about as much work as scoring a few hundred documents.
constexpr int64_t kHitCost = 256;

// The positions of hits[first...] in the order their stored documents are read: by segment and
// docid, so that the hits of one store block decompress it once (StoreReader::Get keeps a
// thread's last block), as a search engine's fetch phase reads its hits in docid order.
std::vector<size_t> LoadOrder(const std::vector<Hit>& hits, size_t first) {
  std::vector<size_t> order(hits.size() - first);
  std::iota(order.begin(), order.end(), first);
  std::sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    return std::tie(hits[a].segment, hits[a].docid) < std::tie(hits[b].segment, hits[b].docid);
  });
  return order;
}

// How a stored value of a field of this type is shown.
ValueKind ValueKindOf(FieldType type) {
  switch (type) {
    case FieldType::kKeyword: return ValueKind::kKeyword;
    case FieldType::kInt: return ValueKind::kInt;
    case FieldType::kFloat: return ValueKind::kFloat;
    case FieldType::kBool: return ValueKind::kBool;
    case FieldType::kDate: return ValueKind::kDate;
    case FieldType::kText:
    case FieldType::kStored: break;
  }
  return ValueKind::kText;
}

class BorrowedAnalyzer {
 public:
  explicit BorrowedAnalyzer(AnalyzerPool* pool) : pool_(pool) {}
  ~BorrowedAnalyzer() {
    if (analyzer_) pool_->Return(std::move(analyzer_));
  }
  Status Init() { return pool_->Borrow(&analyzer_); }
  FieldAnalyzers& operator*() { return *analyzer_; }

 private:
  AnalyzerPool* pool_;
  std::unique_ptr<FieldAnalyzers> analyzer_;
};

// The scoring options a weight takes, whether or not it scores: InvalidArgument naming the
// first out of range.
Status CheckScoringOptions(const SearchOptions& options) {
  for (const auto& [field, w] : options.field_weights) {
    if (!(w >= 0 && w <= 1e6)) {
      return Status::InvalidArgument("field weight of '" + field + "' must be between 0 and 1e6");
    }
  }
  for (const auto& [field, b] : options.field_b) {
    if (!(b >= 0 && b <= 1)) {
      return Status::InvalidArgument("b of field '" + field + "' must be between 0 and 1");
    }
  }
  if (!(options.proximity >= 0 && options.proximity <= 1e6))
    return Status::InvalidArgument("the proximity weight must be between 0 and 1e6");
  if (options.proximity_window < 1 || options.proximity_window > 64)
    return Status::InvalidArgument("the proximity window must be between 1 and 64");
  return Status::OK();
}

// A query given as text: in the query language, or with plain_text a bag of words; validated
// against options.limits either way.
Status QueryOfText(std::string_view text, const SearchOptions& options, Query* out) {
  if (options.plain_text) {
    TRAWL_RETURN_IF_ERROR(CheckQueryBytes(text, options.limits, "the query"));
    *out = Query::Match("", text);
    return ValidateQuery(out->node(), options.limits);
  }
  return ParseQuery(text, options.limits, out);
}

// A filter's text for an error about it: a long one (which may be why it failed) cut short.
std::string Shortened(std::string_view text) {
  constexpr size_t kShown = 80;
  if (text.size() <= kShown) return std::string(text);
  size_t end = kShown;
  while (end > 0 && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80) --end;
  return std::string(text.substr(0, end)) + "...";
}

// The page the options ask for within their limits; InvalidArgument naming the limit if not.
Status CheckPageLimits(const SearchOptions& options) {
  if (options.count_only) return Status::OK();
  const QueryLimits& limits = options.limits;
  if (options.top_k > limits.max_top) {
    return QueryLimitError(0,
                           "top_k " + std::to_string(options.top_k) + " is more than " +
                               std::to_string(limits.max_top),
                           "max_top");
  }
  if (options.offset > limits.max_offset) {
    return QueryLimitError(0,
                           "offset " + std::to_string(options.offset) + " is more than " +
                               std::to_string(limits.max_offset),
                           "max_offset");
  }
  return Status::OK();
}

// The analyzer of a field, as the weights find it.
Status AnalyzerOfField(const Schema& schema, FieldAnalyzers& analyzers, const std::string& field,
                       Analyzer** out) {
  const Schema::Field* f = schema.Find(field);
  return analyzers.For(field, f != nullptr ? &f->spec : nullptr, out);
}

// A stored field as a hit's snippet sees it, from a document read whole or lazily.
struct FieldView {
  std::string_view name;
  std::string_view value;
};

// The value of the first field called `name`, or an empty view (Document::Field).
std::string_view FirstValue(const std::vector<FieldView>& fields, std::string_view name) {
  for (const FieldView& f : fields)
    if (f.name == name) return f.value;
  return {};
}

struct SnippetText {
  std::string field;      // "" with no text
  std::string_view text;  // into the hit's document
};

// Whether the postings' positions of `field` in a document are those of its stored `text`
// counted from its start, without marks to find them by: a text field's only value, short
// enough that MakeSnippet analyzes it whole. (A value of several would continue the positions
// of the one before; marks are only written for a field's only value.)
bool PositionsIndexWholeText(const std::vector<FieldView>& fields, const Schema& schema,
                             std::string_view field, std::string_view text) {
  if (text.size() > kSnippetFirstScanBytes) return false;
  const Schema::Field* spec = schema.Find(std::string(field));
  if (spec != nullptr && spec->spec.type != FieldType::kText) return false;
  return std::count_if(fields.begin(), fields.end(),
                       [&](const FieldView& f) { return f.name == field; }) == 1;
}

// Loads bytes of `text` from `lazy`, keeping the first failure in *status.
struct LazyText {
  LazyDocument* lazy;
  std::string_view text;
  Status* status;
};

// A LoadText that loads through *from (none without a document: the text is all in memory).
// It holds only the pointer, which std::function keeps without allocating: a snippet is made
// for every hit of a page. *from must outlive it.
LoadText LoadFrom(const LazyText* from) {
  if (from->lazy == nullptr) return nullptr;
  return [from](size_t begin, size_t end) {
    *from->status = from->lazy->Load(from->text.substr(begin, end - begin));
    return from->status->ok();
  };
}

// How many of the tokens `analyzer` makes of the first look_bytes of candidate `f` are query
// terms, from the postings: when they index the whole field (PositionsIndexWholeText), or with
// its token marks from `marks_value` when it is longer. nullopt when neither is at hand (a
// repeated field, or one without marks, is analyzed instead).
std::optional<size_t> MatchesFromPostings(const SegmentReader& segment, uint32_t docid,
                                          const std::vector<FieldView>& fields,
                                          const Schema& schema, std::string_view marks_value,
                                          const FieldView& f, Analyzer& analyzer,
                                          HitTerms& terms, size_t look_bytes, LazyDocument* lazy,
                                          Status* load_status) {
  std::vector<TokenMark> marks;
  uint32_t interval = 0;
  const bool whole =
      f.value.size() <= look_bytes && PositionsIndexWholeText(fields, schema, f.name, f.value);
  const bool marked = !whole && analyzer.restarts_at_tokens() && !marks_value.empty() &&
                      f.value.data() == FirstValue(fields, f.name).data() &&
                      DecodeTokenMarks(marks_value, f.name, f.value.size(), &interval, &marks);
  const std::vector<TermPositions>* positions =
      whole || marked ? terms.Positions(segment, f.name, docid) : nullptr;
  if (positions == nullptr) return std::nullopt;
  if (whole) {
    size_t count = 0;
    for (const TermPositions& tp : *positions) count += tp.positions.size();
    return count;
  }
  const LazyText lazy_text{lazy, f.value, load_status};
  return CountMatchesInPrefix(f.value, analyzer, terms.terms(), marks, *positions, look_bytes,
                              LoadFrom(&lazy_text));
}

// The text a hit's snippet comes from: the first of the requested fields the document has;
// by default the text field holding the most query terms in its first 64 KiB (ties: body, then
// the first such field), falling back to the title. A field's terms are counted from the
// postings where they can be (MatchesFromPostings), else by its own analyzer. With `lazy` (the
// document the fields are in), what is read is loaded first.
Status SnippetSource(const SegmentReader& segment, uint32_t docid,
                     const std::vector<FieldView>& fields, std::string_view marks_value,
                     const Schema& schema, const std::vector<std::string>& requested,
                     HitTerms& terms, FieldAnalyzers& analyzers, LazyDocument* lazy,
                     SnippetText* out) {
  *out = SnippetText();
  for (const std::string& name : requested) {
    std::string_view value = FirstValue(fields, name);
    if (!value.empty()) {
      *out = {name, value};
      return Status::OK();
    }
  }
  if (!requested.empty()) return Status::OK();
  auto is_text = [&](std::string_view name) {
    const Schema::Field* f = schema.Find(std::string(name));
    return f == nullptr || f->spec.type == FieldType::kText;
  };
  auto is_candidate = [&](const FieldView& f) {
    return f.name != kIdField && f.name != kTitleField && !f.value.empty() && is_text(f.name);
  };
  // Ranking reads every candidate's start: not needed when there is only one.
  const bool rank =
      !terms.terms().empty() && std::count_if(fields.begin(), fields.end(), is_candidate) > 1;
  // Looking at a field's start is enough to rank it: snippets come from there too.
  constexpr size_t kLookBytes = kSnippetFirstScanBytes;
  const FieldView* best = nullptr;
  size_t best_hits = 0;
  for (const FieldView& f : fields) {
    if (!is_candidate(f)) continue;
    size_t hits = 0;
    if (rank) {
      Analyzer* analyzer;
      TRAWL_RETURN_IF_ERROR(AnalyzerOfField(schema, analyzers, std::string(f.name), &analyzer));
      Status load_status;
      const std::optional<size_t> counted =
          MatchesFromPostings(segment, docid, fields, schema, marks_value, f, *analyzer, terms,
                              kLookBytes, lazy, &load_status);
      TRAWL_RETURN_IF_ERROR(load_status);
      if (counted.has_value()) {
        hits = *counted;
      } else {
        const std::string_view look = f.value.substr(0, kLookBytes);
        if (lazy != nullptr) TRAWL_RETURN_IF_ERROR(lazy->Load(look));
        analyzer->Analyze(look, [&](const Token& t) {
          hits += terms.terms().count(std::string(t.term));
        });
      }
    }
    const bool better = best == nullptr || hits > best_hits ||
                        (hits == best_hits && f.name == kBodyField && best->name != kBodyField);
    if (better) {
      best = &f;
      best_hits = hits;
    }
  }
  if (best != nullptr) {
    *out = {std::string(best->name), best->value};
  } else if (const std::string_view title = FirstValue(fields, kTitleField); !title.empty()) {
    *out = {std::string(kTitleField), title};
  }
  return Status::OK();
}

// Removes the engine's fields from a stored document, which then holds only its own, and returns
// the value of its token marks ("" without).
std::string TakeEngineFields(Document* doc) {
  std::string marks;
  std::erase_if(doc->fields, [&](DocField& f) {
    if (!IsEngineField(f.name)) return false;
    if (f.name == kMarksField && marks.empty()) marks = std::move(f.value);
    return true;
  });
  return marks;
}

// The snippet of a hit's text, found from the postings' positions of the query terms when the
// analyzer restarts at tokens: through the field's token marks (`marks_value`) when the
// document has them, so that only the text around the matches is read (and, with `lazy`,
// loaded), or from the start of a short text without them. Only the text shown is analyzed.
// Else, and if the text disagrees with the postings, by scanning the text's start.
Status HitSnippet(const SegmentReader& segment, const Schema& schema, uint32_t docid,
                  const std::vector<FieldView>& fields, std::string_view marks_value,
                  std::string_view field, std::string_view text, Analyzer& analyzer,
                  HitTerms& terms, const SearchOptions& options, LazyDocument* lazy,
                  std::string* out) {
  std::vector<TokenMark> marks;
  uint32_t interval = 0;
  bool by_positions = analyzer.restarts_at_tokens() && !field.empty() &&
                      text.data() == FirstValue(fields, field).data();
  if (by_positions) {
    const bool marked = !marks_value.empty() &&
                        DecodeTokenMarks(marks_value, field, text.size(), &interval, &marks);
    by_positions = marked || PositionsIndexWholeText(fields, schema, field, text);
  }
  const std::vector<TermPositions>* positions =
      by_positions ? terms.Positions(segment, field, docid) : nullptr;
  if (positions != nullptr) {
    Status load_status;
    const LazyText lazy_text{lazy, text, &load_status};
    std::optional<std::string> snippet = MakeSnippetFromMarks(
        text, analyzer, terms.terms(), marks, *positions, options.snippet_chars,
        options.highlight_begin, options.highlight_end, LoadFrom(&lazy_text));
    TRAWL_RETURN_IF_ERROR(load_status);
    if (snippet.has_value()) {
      *out = std::move(*snippet);
      return Status::OK();
    }
  }
  if (lazy != nullptr) TRAWL_RETURN_IF_ERROR(lazy->Load(text));
  *out = MakeSnippet(text, analyzer, terms.terms(), options.snippet_chars,
                     options.highlight_begin, options.highlight_end);
  return Status::OK();
}

// The snippet of a hit, from the field SnippetSource chooses.
Status LoadSnippet(const SegmentReader& segment, const Schema& schema, uint32_t docid,
                   const SearchOptions& options, HitTerms& terms, FieldAnalyzers& analyzers,
                   const std::vector<FieldView>& fields, std::string_view marks_value,
                   LazyDocument* lazy, std::string* out) {
  SnippetText source;
  TRAWL_RETURN_IF_ERROR(SnippetSource(segment, docid, fields, marks_value, schema,
                                      options.snippet_fields, terms, analyzers, lazy, &source));
  Analyzer* analyzer = &analyzers.Default();
  if (!source.field.empty())
    TRAWL_RETURN_IF_ERROR(AnalyzerOfField(schema, analyzers, source.field, &analyzer));
  return HitSnippet(segment, schema, docid, fields, marks_value, source.field, source.text,
                    *analyzer, terms, options, lazy, out);
}

Status MakeDeletedView(const roaring_bitmap_t* deleted, std::unique_ptr<DeletedView>* out) {
  auto d = std::make_unique<DeletedView>();
  const size_t size = roaring_bitmap_portable_size_in_bytes(deleted);
  d->bytes = std::make_unique<char[]>(size);
  roaring_bitmap_portable_serialize(deleted, d->bytes.get());
  TRAWL_RETURN_IF_ERROR(RoaringView::Open(std::string_view(d->bytes.get(), size), &d->view));
  *out = std::move(d);
  return Status::OK();
}

// What an analyzer setting differs in, for the error of shards built with different ones.
std::string AnalyzerDifference(const AnalyzerOptions& a, const AnalyzerOptions& b) {
  if (a.tokenizer != b.tokenizer) return "tokenizer " + a.tokenizer + ", not " + b.tokenizer;
  if (a.language != b.language) return "language " + a.language + ", not " + b.language;
  if (a.stopwords != b.stopwords)
    return "stop words '" + a.stopwords + "', not '" + b.stopwords + "'";
  if (a.ascii_folding != b.ascii_folding) return "ASCII folding differs";
  if (a.max_token_chars != b.max_token_chars) return "max token chars differ";
  return "token filters differ";
}

}  // namespace

Status SearcherImpl::Init(const std::vector<std::string>& roots,
                          const std::vector<std::string>& dirs, const SearcherOptions& options,
                          const SearcherImpl* previous) {
  roots_ = roots;
  options_ = options;
  for (const std::string& dir : dirs) TRAWL_RETURN_IF_ERROR(AddShard(dir, previous));
  // One index: its commit. A shard set: the sum, which grows with every commit of any shard,
  // so that a cursor of another state of the set is told apart as one of another commit is.
  generation_ = 0;
  for (const Shard& shard : shards_) generation_ += shard.manifest.generation;
  pool_ = std::make_shared<AnalyzerPool>(shards_.front().manifest.analyzer);
  std::unique_ptr<FieldAnalyzers> probe;
  TRAWL_RETURN_IF_ERROR(pool_->Borrow(&probe));  // fails early on an unknown language
  // An index from before schemas: its fields are text.
  for (const FieldInfo& f : fields_) {
    if (f.name == kIdField || schema_.Find(f.name) != nullptr) continue;
    TRAWL_RETURN_IF_ERROR(schema_.AddField(f.name, FieldSpec::Default(f.type)));
  }
  // Fields' analyzers fail here too (a stopword file gone), not at the first query.
  TRAWL_RETURN_IF_ERROR(probe->CreateAll(schema_));
  pool_->Return(std::move(probe));
  return Status::OK();
}

Status SearcherImpl::AddShard(const std::string& dir, const SearcherImpl* previous) {
  const SearcherOptions& options = options_;
  {
    Shard shard;
    shard.dir = dir;
    shard.first_segment = segments_.size();
    TRAWL_RETURN_IF_ERROR(ReadLatestManifest(dir, &shard.manifest, options.file_system));
    // Recorded before its segments open, so that a failed open can tell whether it moved on.
    shards_.push_back(std::move(shard));
  }
  const Manifest& manifest = shards_.back().manifest;
  if (shards_.size() == 1) {
    schema_ = manifest.schema;
  } else {
    // Terms are compared byte for byte across shards: every shard must analyze alike, and a
    // field must mean the same everywhere.
    const Shard& first = shards_.front();
    if (!(manifest.analyzer == first.manifest.analyzer)) {
      return Status::InvalidArgument("shard " + dir + " was built with another analyzer than " +
                                     first.dir + " (" +
                                     AnalyzerDifference(manifest.analyzer, first.manifest.analyzer) +
                                     "): shards searched together must be analyzed alike");
    }
    Status merged = schema_.Merge(manifest.schema);
    if (!merged.ok()) {
      return Status::InvalidArgument("shard " + dir + " does not fit the fields of the shards " +
                                     "before it: " + merged.message());
    }
  }
  std::map<std::string, FieldType, std::less<>> earlier_types;  // of the shards before
  for (const FieldInfo& f : fields_) earlier_types.emplace(f.name, f.type);
  for (const auto& entry : manifest.segments) {
    std::shared_ptr<const SegmentReader> seg;
    if (previous != nullptr) seg = previous->SharedSegment(dir, entry.name);
    if (seg == nullptr) {
      std::unique_ptr<SegmentReader> opened;
      TRAWL_RETURN_IF_ERROR(
          SegmentReader::Open(dir, entry.name, options.verify_checksums, &opened,
                                options.file_system));
      seg = std::move(opened);
    }
    if (seg->num_docs() != entry.num_docs) {
      return Status::Corruption(entry.name + ".meta: " + std::to_string(seg->num_docs()) +
                                " documents, the manifest says " + std::to_string(entry.num_docs));
    }
    roaring_bitmap_t* deleted = nullptr;
    if (!entry.deletes.empty()) {
      TRAWL_RETURN_IF_ERROR(
          ReadDeletes(dir + "/" + entry.deletes, entry.num_docs, entry.num_deleted, &deleted,
                        options.file_system));
    }
    deleted_.emplace_back(deleted);
    deleted_views_.emplace_back();
    if (deleted != nullptr) TRAWL_RETURN_IF_ERROR(MakeDeletedView(deleted, &deleted_views_.back()));
    // BM25 statistics keep counting deleted documents until a merge drops them, as Lucene's.
    num_docs_ += seg->num_docs() - entry.num_deleted;
    // Summed over every segment of every shard: the statistics of the union.
    for (const FieldInfo& f : seg->fields()) {
      FieldInfo* global = nullptr;
      for (auto& g : fields_)
        if (g.name == f.name) global = &g;
      // A field of one type across shards: an index from before schemas has text where another
      // shard may declare the field typed.
      const auto earlier = earlier_types.find(f.name);
      if (earlier != earlier_types.end() && earlier->second != f.type) {
        return Status::InvalidArgument("shard " + dir + ": field '" + f.name + "' is " +
                                       std::string(FieldTypeName(f.type)) +
                                       " there but " +
                                       std::string(FieldTypeName(earlier->second)) +
                                       " in the shards before it");
      }
      if (global == nullptr) {
        FieldInfo info;
        info.name = f.name;
        info.type = f.type;
        fields_.push_back(std::move(info));
        global = &fields_.back();
      }
      global->docs_with_field += f.docs_with_field;
      global->total_length += f.total_length;
    }
    segment_pointers_.push_back(seg.get());
    segments_.push_back(std::move(seg));
  }
  return Status::OK();
}

Status SearcherImpl::NewerCommit(bool* newer) const {
  *newer = false;
  for (const Shard& shard : shards_) {
    Manifest latest;
    TRAWL_RETURN_IF_ERROR(ReadLatestManifest(shard.dir, &latest, options_.file_system));
    if (latest.generation != shard.manifest.generation) {
      *newer = true;
      break;
    }
  }
  return Status::OK();
}

Status SearcherImpl::Changed(const std::vector<std::string>& dirs, bool* changed) const {
  *changed = dirs.size() != shards_.size();
  for (size_t i = 0; i < shards_.size() && !*changed; ++i) *changed = dirs[i] != shards_[i].dir;
  if (*changed) return Status::OK();
  return NewerCommit(changed);
}

Status SearcherImpl::Search(std::string_view query, const SearchOptions& options,
                            SearchResults* results) const {
  *results = SearchResults();
  Query parsed;
  TRAWL_RETURN_IF_ERROR(QueryOfText(query, options, &parsed));
  return SearchQuery(parsed, options, /*validated=*/true, results);
}

Status SearcherImpl::Count(std::string_view query, const SearchOptions& options,
                           uint64_t* count) const {
  *count = 0;
  Query parsed;
  TRAWL_RETURN_IF_ERROR(QueryOfText(query, options, &parsed));
  return CountQuery(parsed, options, /*validated=*/true, count);
}

Status SearcherImpl::Count(const Query& query, const SearchOptions& options,
                           uint64_t* count) const {
  return CountQuery(query, options, /*validated=*/false, count);
}

Status SearcherImpl::CountQuery(const Query& query, const SearchOptions& options,
                                bool validated, uint64_t* count) const {
  *count = 0;
  QueryStop stop(options.deadline, options.cancel);
  if (CountsByDocFreq(query, options)) {
    // What MakeWeight checks first, in its order.
    if (!validated) TRAWL_RETURN_IF_ERROR(ValidateQuery(query.node(), options.limits));
    TRAWL_RETURN_IF_ERROR(CheckScoringOptions(options));
    Status s = CountByDocFreq(query.node(), &stop, count);
    if (stop.stopped()) {
      *count = 0;
      return stop.status();
    }
    return s;
  }
  BorrowedAnalyzer analyzer(pool_.get());
  TRAWL_RETURN_IF_ERROR(analyzer.Init());
  IndexContext context;
  std::unique_ptr<Weight> weight;
  Status s = MakeWeight(query, options, /*scored=*/false, validated, *analyzer, &stop, &context,
                        &weight);
  if (s.ok()) s = CountWeight(*weight, &stop, count);
  // A stopped count is partial (a scorer that stopped just ran out of documents).
  if (stop.stopped()) {
    *count = 0;
    return stop.status();
  }
  return s;
}

// A term's weight counts its document frequency in a segment without deletions; reading those
// from the dictionaries does the same lookups without building the weight (its statistics and
// allocations, about two fifths of such a count).
bool SearcherImpl::CountsByDocFreq(const Query& query, const SearchOptions& options) const {
  const QueryNode& q = query.node();
  if (q.kind != QueryNode::Kind::kIndexedTerm || q.field.empty() || !options.filters.empty() ||
      !options.filter_queries.empty() || options.statistics != nullptr)
    return false;
  for (const RoaringPtr& deleted : deleted_)
    if (deleted != nullptr) return false;
  const Schema::Field* f = schema_.Find(q.field);
  return f == nullptr || f->spec.type == FieldType::kText || f->spec.type == FieldType::kStored;
}

Status SearcherImpl::CountByDocFreq(const QueryNode& term, QueryStop* stop, uint64_t* count) const {
  *count = 0;
  uint64_t total = 0;
  for (const std::shared_ptr<const SegmentReader>& segment : segments_) {
    TermInfo info;
    uint32_t field_id;
    bool found;
    TRAWL_RETURN_IF_ERROR(FindTerm(*segment, term.field, term.text, &info, &field_id, &found));
    if (found) total += info.doc_freq;
  }
  // As the weight's count: none of a term no segment has, with no tick; else a tick per
  // segment (CountWeight), where an expired deadline or a set flag stops the count.
  if (total == 0) return Status::OK();
  for (size_t seg = 0; seg < segments_.size(); ++seg)
    if (StopRequested(stop, QueryStop::kCheckInterval)) return stop->status();
  *count = total;
  return Status::OK();
}

Status SearcherImpl::Analyze(std::string_view field, std::string_view text,
                             std::vector<std::string>* terms) const {
  terms->clear();
  const std::string name(field);
  const Schema::Field* f = name.empty() ? nullptr : schema_.Find(name);
  if (f != nullptr && f->spec.type != FieldType::kText) {
    if (f->spec.type == FieldType::kKeyword) {
      terms->push_back(KeywordTerm(*f, text));
      return Status::OK();
    }
    return Status::InvalidArgument(
        "field '" + name + "' is " + std::string(FieldTypeName(f->spec.type)) +
        (f->spec.type == FieldType::kStored ? ": never searched, so never analyzed"
                                            : ": its values are not text to analyze"));
  }
  if (name == kIdField) {
    terms->emplace_back(text);
    return Status::OK();
  }
  BorrowedAnalyzer analyzers(pool_.get());
  TRAWL_RETURN_IF_ERROR(analyzers.Init());
  Analyzer* analyzer = &(*analyzers).Default();
  if (!name.empty()) TRAWL_RETURN_IF_ERROR(AnalyzerOfField(schema_, *analyzers, name, &analyzer));
  *terms = analyzer->Terms(text);
  return Status::OK();
}

Status SearcherImpl::MakeWeight(const Query& query, const SearchOptions& options, bool scored,
                                bool validated, FieldAnalyzers& analyzer, QueryStop* stop,
                                IndexContext* context, std::unique_ptr<Weight>* out,
                                CollectionStatistics* recorded) const {
  // Before ExpandMatches too: it walks the tree recursively.
  if (!validated) TRAWL_RETURN_IF_ERROR(ValidateQuery(query.node(), options.limits));
  *context = Context(options.k1, options.b);
  if (recorded != nullptr) {
    context->recorded = recorded;
  } else if (options.statistics != nullptr) {
    context->InjectStatistics(options.statistics.get());
  }
  context->stop = stop;
  context->limits = options.limits;
  TRAWL_RETURN_IF_ERROR(CheckScoringOptions(options));
  context->proximity = options.proximity;
  context->proximity_window = options.proximity_window;
  context->bm25f = options.bm25f;
  context->field_weights = options.field_weights;
  context->field_b = options.field_b;
  // Bags of words become their terms first: proximity looks for a bag at the top.
  std::unique_ptr<QueryNode> expanded;
  const QueryNode* root = &query.node();
  if (HasMatch(*root)) {
    TRAWL_RETURN_IF_ERROR(ExpandMatches(*root, *context, analyzer, &expanded));
    root = expanded.get();
    // A bag of words counts each of its words as a clause.
    TRAWL_RETURN_IF_ERROR(ValidateQuery(*root, options.limits));
  }
  std::unique_ptr<Weight> weight;
  TRAWL_RETURN_IF_ERROR(CreateWeight(*root, *context, analyzer, &weight));
  // Proximity adds to scores only; counts and matches are those of the words.
  if (scored) TRAWL_RETURN_IF_ERROR(AddProximity(*root, *context, analyzer, &weight));
  if (!options.filters.empty() || !options.filter_queries.empty()) {
    std::vector<SegmentFilter> sets;
    TRAWL_RETURN_IF_ERROR(FilterSets(options, *context, analyzer, &sets));
    weight = NewFilteredWeight(*context, std::move(weight), std::move(sets));
  }
  *out = std::move(weight);
  return Status::OK();
}

Status SearcherImpl::Search(const Query& query, const SearchOptions& options,
                            SearchResults* results) const {
  return SearchQuery(query, options, /*validated=*/false, results);
}

Status SearcherImpl::SearchQuery(const Query& query, const SearchOptions& options, bool validated,
                                 SearchResults* results) const {
  QueryStop stop(options.deadline, options.cancel);
  Status s = SearchUntilStopped(query, options, validated, &stop, results);
  if (stop.stopped()) {
    if (PartialAllowed(options, stop, s)) {
      // What SearchUntilStopped kept: real matches with their full scores (the collectors
      // refuse documents once the stop has tripped), counted as far as counting got.
      results->partial = true;
      results->total_exact = false;
      if (!results->hits.empty())
        results->total = std::max<uint64_t>(results->total, options.offset + results->hits.size());
      results->facets.clear();
      results->next.clear();
      return Status::OK();
    }
    // Whatever a stopped query gathered is partial (a scorer that stopped just ran out of
    // documents): none of it is returned.
    *results = SearchResults();
    return stop.status();
  }
  return s;
}

bool SearcherImpl::PartialAllowed(const SearchOptions& options, const QueryStop& stop,
                                  const Status& s) {
  return options.allow_partial && stop.deadline_passed() && (s.ok() || s.IsDeadlineExceeded());
}

Status SearcherImpl::SearchUntilStopped(const Query& query, const SearchOptions& options,
                                        bool validated, QueryStop* stop,
                                        SearchResults* results) const {
  *results = SearchResults();
  TRAWL_RETURN_IF_ERROR(CheckPageLimits(options));
  // With allow_partial, a step the deadline stopped does not end the search: what it gathered
  // is kept, and every later step stops at its first check, so that what was found is returned.
  auto fails = [&](const Status& s) { return !s.ok() && !PartialAllowed(options, *stop, s); };
  BorrowedAnalyzer analyzer(pool_.get());
  TRAWL_RETURN_IF_ERROR(analyzer.Init());
  IndexContext context;
  std::unique_ptr<Weight> weight;
  TRAWL_RETURN_IF_ERROR(
      MakeWeight(query, options, /*scored=*/true, validated, *analyzer, stop, &context, &weight));
  // The order of the hits (searcher/sort.h), checked before any work: sort keys, collapse and
  // the cursor to resume after.
  const CommitView commit{segment_pointers_, deleted_, &schema_, generation_};
  std::unique_ptr<HitOrder> order;
  TRAWL_RETURN_IF_ERROR(HitOrder::Make(options, commit, &order));
  // Facets count every match (searcher/facets.h), whatever part of them a page shows.
  Status s = ComputeFacets(*weight, segment_pointers_, deleted_, schema(), options, stop,
                           &results->facets);
  if (fails(s)) return s;
  // Exact totals: counting with Roaring is cheap unless the query needs positions; then the
  // one scoring pass below counts too (visiting every match, instead of matching every phrase
  // twice). Without exact totals (as the top-k of Lucene's search(query, k)) nothing is
  // counted, and every pass may skip what cannot make the top k. An order by fields visits
  // and counts every match anyway.
  const bool only_count = options.count_only || options.top_k == 0;
  const bool cheap = weight->CountIsCheap();
  const bool count_in_pass = options.exact_total && !cheap && !only_count;
  if (only_count || (options.exact_total && cheap && !order->by_fields())) {
    s = CountWeight(*weight, stop, &results->total);
    if (fails(s)) return s;
  }
  if (only_count) return Status::OK();

  // Hit collection: the page of hits in the order asked, and the cursor after it.
  Page page;
  if (order->by_fields()) {
    s = order->CollectByFields(*weight, options, stop, &page);
    if (fails(s)) return s;
    results->total = page.total;
  } else {
    TopKCollector collector = order->score_after()
                                  ? TopKCollector(PageLimit(options), *order->score_after())
                                  : TopKCollector(PageLimit(options));
    if (options.allow_partial) collector.RefuseOnceStopped(stop);
    s = CollectTopK(*weight, count_in_pass ? &results->total : nullptr, stop, &collector);
    if (fails(s)) return s;
    if (!options.exact_total) {
      // Documents are skipped only once k are held: until then, every match was collected
      // (every match after the cursor, with one).
      results->total = collector.size();
      results->total_exact = !collector.full() && options.after.empty();
    }
    order->RelevancePage(collector.TakeSorted(), options, &page);
  }
  results->next = std::move(page.next);

  std::unordered_set<std::string> terms;
  if (options.load_documents) weight->CollectTerms(&terms);
  HitTerms hit_terms(std::move(terms));
  const size_t first = results->hits.size();
  results->hits.reserve(first + page.hits.size());
  for (const PageHit& collected : page.hits) {
    Hit& hit = results->hits.emplace_back();
    hit.score = collected.score;
    hit.segment = collected.segment;
    hit.docid = collected.docid;
    hit.collapsed = collected.collapsed;
  }
  const std::vector<size_t> load_order =
      options.load_documents ? LoadOrder(results->hits, first) : std::vector<size_t>();
  for (size_t n = first; n < results->hits.size(); ++n) {
    const size_t i = load_order.empty() ? n : load_order[n - first];
    // Loading a hit reads and analyzes its stored document: a page of thousands of long ones
    // takes a while. Partial results are loaded whole: hits without ids would be of no use.
    Hit& hit = results->hits[i];
    const Status loaded = !options.allow_partial && StopRequested(stop, kHitCost)
                              ? stop->status()
                              : CompleteHit(*weight, options, hit_terms, *analyzer, &hit);
    if (!loaded.ok()) {
      results->hits.resize(first);
      return loaded;
    }
  }
  return Status::OK();
}

Status SearcherImpl::CompleteHit(const Weight& weight, const SearchOptions& options,
                                 HitTerms& terms, FieldAnalyzers& analyzers, Hit* hit) const {
  if (options.explain) {
    std::vector<Explanation> explained;
    TRAWL_RETURN_IF_ERROR(weight.Explain(hit->segment, hit->docid, &explained));
    if (!explained.empty()) {
      hit->explain_tree = std::move(explained.front());
      hit->explanation = hit->explain_tree.ToString();
    }
  }
  if (options.load_documents) TRAWL_RETURN_IF_ERROR(LoadHit(options, terms, analyzers, hit));
  return Status::OK();
}

Status SearcherImpl::CollectStatistics(std::string_view query, const SearchOptions& options,
                                       CollectionStatistics* out) const {
  *out = CollectionStatistics();
  Query parsed;
  TRAWL_RETURN_IF_ERROR(QueryOfText(query, options, &parsed));
  return CollectStatistics(parsed, options, out);
}

Status SearcherImpl::CollectStatistics(const Query& query, const SearchOptions& options,
                                       CollectionStatistics* out) const {
  *out = CollectionStatistics();
  QueryStop stop(options.deadline, options.cancel);
  BorrowedAnalyzer analyzer(pool_.get());
  TRAWL_RETURN_IF_ERROR(analyzer.Init());
  CollectionStatistics stats;
  for (const FieldInfo& f : fields_)
    stats.fields.push_back({f.name, f.type, f.docs_with_field, f.total_length});
  // The weight Search would make, scored (proximity looks words up too), looking up exactly
  // the terms Search would.
  IndexContext context;
  std::unique_ptr<Weight> weight;
  Status s = MakeWeight(query, options, /*scored=*/true, /*validated=*/false, *analyzer, &stop,
                        &context, &weight, &stats);
  if (stop.stopped()) return stop.status();
  TRAWL_RETURN_IF_ERROR(s);
  *out = std::move(stats);
  return Status::OK();
}

Status SearcherImpl::FetchHits(std::string_view query, const SearchOptions& options,
                               std::vector<Hit>* hits) const {
  Query parsed;
  TRAWL_RETURN_IF_ERROR(QueryOfText(query, options, &parsed));
  return FetchHits(parsed, options, hits);
}

Status SearcherImpl::FetchHits(const Query& query, const SearchOptions& options,
                               std::vector<Hit>* hits) const {
  for (const Hit& hit : *hits) {
    if (hit.segment >= segments_.size() || hit.docid >= segments_[hit.segment]->num_docs()) {
      return Status::InvalidArgument("no document at segment " + std::to_string(hit.segment) +
                                     ", docid " + std::to_string(hit.docid) +
                                     " in generation " + std::to_string(generation_));
    }
  }
  QueryStop stop(options.deadline, options.cancel);
  BorrowedAnalyzer analyzer(pool_.get());
  TRAWL_RETURN_IF_ERROR(analyzer.Init());
  IndexContext context;
  std::unique_ptr<Weight> weight;
  Status s = MakeWeight(query, options, /*scored=*/true, /*validated=*/false, *analyzer, &stop,
                        &context, &weight);
  if (stop.stopped()) return stop.status();
  TRAWL_RETURN_IF_ERROR(s);
  std::unordered_set<std::string> terms;
  if (options.load_documents) weight->CollectTerms(&terms);
  HitTerms hit_terms(std::move(terms));
  const std::vector<size_t> load_order =
      options.load_documents ? LoadOrder(*hits, 0) : std::vector<size_t>();
  for (size_t n = 0; n < hits->size(); ++n) {
    const size_t i = load_order.empty() ? n : load_order[n];
    if (StopRequested(&stop, kHitCost)) return stop.status();
    TRAWL_RETURN_IF_ERROR(CompleteHit(*weight, options, hit_terms, *analyzer, &(*hits)[i]));
  }
  return Status::OK();
}

Status SearcherImpl::FilterSets(const SearchOptions& options, const IndexContext& context,
                                FieldAnalyzers& analyzer, std::vector<SegmentFilter>* out) const {
  std::vector<std::unique_ptr<Weight>> weights;
  const std::vector<std::string>& filters = options.filters;
  for (size_t i = 0; i < filters.size() + options.filter_queries.size(); ++i) {
    Query filter;
    Status s;
    if (i < filters.size()) {
      s = CheckQueryBytes(filters[i], options.limits, "the filter");
      if (s.ok()) s = ParseQuery(filters[i], options.limits, &filter);
    } else {
      filter = options.filter_queries[i - filters.size()];
      s = ValidateQuery(filter.node(), options.limits);
    }
    std::unique_ptr<QueryNode> expanded;
    if (s.ok() && HasMatch(filter.node()))
      s = ExpandMatches(filter.node(), context, analyzer, &expanded);
    std::unique_ptr<Weight> weight;
    if (s.ok())
      s = CreateWeight(expanded ? *expanded : filter.node(), context, analyzer, &weight);
    if (!s.ok()) {
      return Status::InvalidArgument("filter " + std::to_string(i + 1) + " (" +
                                     Shortened(i < filters.size() ? filters[i] : filter.ToString()) +
                                     "): " + s.message());
    }
    weights.push_back(std::move(weight));
  }
  std::vector<const Weight*> views;
  for (const auto& w : weights) views.push_back(w.get());
  return ComputeSegmentFilters(views, segments_.size(), context.stop, out);
}

Status SearcherImpl::LoadHit(const SearchOptions& options, HitTerms& terms,
                             FieldAnalyzers& analyzers, Hit* hit) const {
  const StoreReader& store = segments_[hit->segment]->store();
  // A hit with a snippet and no fields shows its id, title and snippet: of a large document's
  // block, only the frames those lie in are decompressed.
  if (options.snippet_chars > 0 && options.fields.empty()) {
    LazyDocument lazy;
    TRAWL_RETURN_IF_ERROR(store.GetLazy(hit->docid, &lazy));
    std::vector<FieldView> fields;
    std::string_view marks_value;
    for (const LazyDocument::Field& f : lazy.fields()) {
      if (!IsEngineField(f.name)) {
        fields.push_back({f.name, f.value});
      } else if (f.name == kMarksField && marks_value.empty()) {
        marks_value = f.value;
      }
    }
    // An empty id (never written: Add refuses one) is looked for among the fields.
    const std::string_view id = lazy.id().empty() ? FirstValue(fields, kIdField) : lazy.id();
    const std::string_view title = FirstValue(fields, kTitleField);
    for (std::string_view bytes : {marks_value, id, title})
      TRAWL_RETURN_IF_ERROR(lazy.Load(bytes));
    hit->id = std::string(id);
    hit->title = std::string(title);
    return LoadSnippet(*segments_[hit->segment], schema_, hit->docid, options, terms, analyzers,
                       fields, marks_value, &lazy, &hit->snippet);
  }
  Document doc;
  // A hit without snippet or fields shows only its id and title: a large document's block is
  // then decompressed only up to its body (StoreReader::GetIdAndField).
  const bool id_and_title_only = options.snippet_chars == 0 && options.fields.empty();
  if (id_and_title_only) TRAWL_RETURN_IF_ERROR(store.GetIdAndField(hit->docid, kTitleField, &doc));
  // An empty id (never written: Add refuses one) is looked for among all the fields.
  if (!id_and_title_only || doc.id.empty()) TRAWL_RETURN_IF_ERROR(store.Get(hit->docid, &doc));
  const std::string marks_value = TakeEngineFields(&doc);
  hit->id = doc.id.empty() ? std::string(doc.Field(kIdField)) : doc.id;
  hit->title = std::string(doc.Field(kTitleField));
  if (options.snippet_chars > 0) {
    std::vector<FieldView> fields;
    for (const DocField& f : doc.fields) fields.push_back({f.name, f.value});
    TRAWL_RETURN_IF_ERROR(LoadSnippet(*segments_[hit->segment], schema_, hit->docid, options,
                                      terms, analyzers, fields, marks_value, nullptr,
                                      &hit->snippet));
  }
  if (!options.fields.empty()) {
    const bool all = std::find(options.fields.begin(), options.fields.end(), "*") !=
                     options.fields.end();
    for (DocField& f : doc.fields) {
      if (f.name == kIdField) continue;
      if (!all && std::find(options.fields.begin(), options.fields.end(), f.name) ==
                      options.fields.end())
        continue;
      const Schema::Field* spec = schema_.Find(f.name);
      f.kind = ValueKindOf(spec == nullptr ? FieldType::kText : spec->spec.type);
      hit->fields.push_back(std::move(f));
    }
  }
  return Status::OK();
}

Status SearcherImpl::Get(std::string_view id, Document* out) const {
  // Ids are unique among live documents; a replaced one is deleted where it was.
  for (size_t seg = segments_.size(); seg-- > 0;) {
    const SegmentReader& reader = *segments_[seg];
    if (reader.FieldId(kIdField) != 0) continue;
    TermInfo info;
    Status s = reader.LookupTerm(0, id, &info);
    if (s.IsNotFound()) continue;
    TRAWL_RETURN_IF_ERROR(s);
    RoaringView docids;
    TRAWL_RETURN_IF_ERROR(reader.OpenDocids(info, &docids));
    for (auto c = docids.NewCursor(); c.doc() != kNoMoreDocs; c.Next()) {
      if (deleted_[seg] != nullptr && roaring_bitmap_contains(deleted_[seg].get(), c.doc()))
        continue;
      TRAWL_RETURN_IF_ERROR(reader.store().Get(c.doc(), out));
      if (out->id.empty()) out->id = std::string(out->Field(kIdField));
      TakeEngineFields(out);
      std::erase_if(out->fields, [](const DocField& f) { return f.name == kIdField; });
      for (DocField& f : out->fields) {
        const Schema::Field* spec = schema_.Find(f.name);
        f.kind = ValueKindOf(spec == nullptr ? FieldType::kText : spec->spec.type);
      }
      return Status::OK();
    }
  }
  return Status::NotFound("no document with id '" + std::string(id) + "'");
}

Status SearcherImpl::CollectTopK(const Weight& weight, uint64_t* total_in_pass, QueryStop* stop,
                                 TopKCollector* collector) const {
  for (size_t seg = 0; seg < segments_.size(); ++seg) {
    if (stop->stopped()) return stop->status();
    const uint32_t seg_id = static_cast<uint32_t>(seg);
    // The weight says whether MaxScore over its clauses serves it best; counting in the pass
    // visits every match, which only document-at-a-time collection does.
    std::unique_ptr<MaxScoreQuery> plan;
    if (total_in_pass == nullptr) TRAWL_RETURN_IF_ERROR(weight.MakeMaxScorePlan(seg, &plan));
    if (plan) {
      CollectMaxScore(std::move(*plan), seg_id, deleted_[seg].get(), collector, stop);
    } else {
      std::unique_ptr<Scorer> scorer;
      TRAWL_RETURN_IF_ERROR(weight.MakeScorer(seg, &scorer));
      if (scorer) {
        CollectAll(scorer.get(), seg_id, deleted_[seg].get(), collector, total_in_pass, stop);
      }
    }
  }
  return Status::OK();
}

Status SearcherImpl::Count(std::string_view query, uint64_t* count) const {
  return Count(query, SearchOptions(), count);
}

Status SearcherImpl::CountWeight(const Weight& weight, QueryStop* stop, uint64_t* total) const {
  *total = 0;
  if (weight.IsEmpty()) return Status::OK();
  for (size_t seg = 0; seg < segments_.size(); ++seg) {
    // A segment's count is set algebra over whole posting lists, or a scorer pass whose own
    // loops check: once per segment is often enough here.
    if (StopRequested(stop, QueryStop::kCheckInterval)) return stop->status();
    DeletedDocs deleted;
    if (deleted_[seg] != nullptr) {
      deleted.bitmap = deleted_[seg].get();
      deleted.view = &deleted_views_[seg]->view;
    }
    uint64_t n;
    TRAWL_RETURN_IF_ERROR(weight.CountInSegment(seg, deleted, &n));
    *total += n;
  }
  return Status::OK();
}

std::shared_ptr<const SegmentReader> SearcherImpl::SharedSegment(const std::string& dir,
                                                                 const std::string& name) const {
  for (const Shard& shard : shards_) {
    if (shard.dir != dir) continue;
    for (size_t i = 0; i < shard.manifest.segments.size(); ++i)
      if (shard.manifest.segments[i].name == name) return segments_[shard.first_segment + i];
  }
  return nullptr;
}

IndexContext SearcherImpl::Context(double k1, double b) const {
  IndexContext c;
  c.segments = segment_pointers_;
  c.fields = fields_;
  c.schema = &schema_;
  c.k1 = k1;
  c.b = b;
  return c;
}

SearcherImpl::SearcherImpl() = default;
SearcherImpl::~SearcherImpl() = default;

Searcher::~Searcher() = default;

namespace {

Status OpenLatest(const std::vector<std::string>& roots, const SearcherOptions& options,
                  const SearcherImpl* previous, std::unique_ptr<Searcher>* out) {
  // A writer deletes the files of commits it no longer keeps. A reader that read a manifest
  // just before its files went away finds one missing, and retries with the newest commit.
  Status s;
  for (int attempt = 0; attempt < 10; ++attempt) {
    std::vector<std::string> dirs;
    TRAWL_RETURN_IF_ERROR(ResolveShards(roots, options.file_system, &dirs));
    auto searcher = std::make_unique<SearcherImpl>();
    s = searcher->Init(roots, dirs, options, previous);
    if (s.ok()) {
      *out = std::move(searcher);
      return s;
    }
    if (!s.IsNotFound()) return s;
    bool newer = false;
    if (!searcher->NewerCommit(&newer).ok() || !newer) return s;
  }
  return s;
}

}  // namespace

Status Searcher::Open(const std::string& dir, const SearcherOptions& options,
                      std::unique_ptr<Searcher>* out) {
  return Open(std::vector<std::string>{dir}, options, out);
}

Status Searcher::Open(const std::vector<std::string>& dirs, const SearcherOptions& options,
                      std::unique_ptr<Searcher>* out) {
  out->reset();
  return OpenLatest(dirs, options, nullptr, out);
}

Status Searcher::OpenIfChanged(const Searcher& current, std::unique_ptr<Searcher>* out) {
  out->reset();
  const auto& impl = static_cast<const SearcherImpl&>(current);
  std::vector<std::string> dirs;
  TRAWL_RETURN_IF_ERROR(ResolveShards(impl.roots(), impl.options().file_system, &dirs));
  bool changed = false;
  TRAWL_RETURN_IF_ERROR(impl.Changed(dirs, &changed));
  if (!changed) return Status::OK();
  return OpenLatest(impl.roots(), impl.options(), &impl, out);
}

}  // namespace trawl
