// The Searcher behind include/trawl/searcher.h: one commit's segments, queries run against them.
#include "trawl/searcher.h"

#include <chrono>
#include <mutex>

#include "analysis/analyzer.h"
#include "format/deletes.h"
#include "format/segment_reader.h"
#include "searcher/collector.h"
#include "searcher/facets.h"
#include "searcher/max_score.h"
#include "searcher/query_parser.h"
#include "searcher/searcher_impl.h"
#include "searcher/snippet.h"
#include "searcher/weight.h"

namespace trawl {

// Analyzers keep stemmer state, so each query borrows one; the pool grows to the number of
// concurrent queries and is touched once per query, never per posting.
class AnalyzerPool {
 public:
  explicit AnalyzerPool(AnalyzerOptions options) : options_(std::move(options)) {}
  Status Borrow(std::unique_ptr<Analyzer>* out) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (!free_.empty()) {
        *out = std::move(free_.back());
        free_.pop_back();
        return Status::OK();
      }
    }
    return Analyzer::Create(options_, out);
  }
  void Return(std::unique_ptr<Analyzer> a) {
    std::lock_guard<std::mutex> lock(mu_);
    free_.push_back(std::move(a));
  }

 private:
  AnalyzerOptions options_;
  std::mutex mu_;
  std::vector<std::unique_ptr<Analyzer>> free_;
};

// A segment's deletions serialized again, so that counts can leave them out straight from
// posting lists (common/roaring_count.h) rather than through a bitmap built per query.
struct DeletedView {
  std::unique_ptr<char[]> bytes;
  RoaringView view;  // over `bytes`
};

namespace {

class BorrowedAnalyzer {
 public:
  explicit BorrowedAnalyzer(AnalyzerPool* pool) : pool_(pool) {}
  ~BorrowedAnalyzer() {
    if (analyzer_) pool_->Return(std::move(analyzer_));
  }
  Status Init() { return pool_->Borrow(&analyzer_); }
  Analyzer& operator*() { return *analyzer_; }

 private:
  AnalyzerPool* pool_;
  std::unique_ptr<Analyzer> analyzer_;
};

// The plain-text query: each token's original text as an optional term, which the weight
// analyzes back into that token.
std::unique_ptr<QueryNode> PlainTextQuery(std::string_view text, Analyzer& analyzer) {
  auto query = std::make_unique<QueryNode>();
  query->kind = QueryNode::Kind::kBoolean;
  analyzer.Analyze(text, [&](const Token& token) {
    auto term = std::make_unique<QueryNode>();
    term->kind = QueryNode::Kind::kTerm;
    term->text = std::string(text.substr(token.start_byte, token.end_byte - token.start_byte));
    query->clauses.push_back({QueryNode::Occur::kShould, std::move(term)});
  });
  return query;
}

std::string FirstBodyField(const Document& doc) {
  std::string_view body = doc.Field(kBodyField);
  if (!body.empty()) return std::string(body);
  for (const auto& [name, value, kind] : doc.fields)
    if (name != kIdField && name != kTitleField && !value.empty()) return value;
  return std::string(doc.Field(kTitleField));
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

}  // namespace

Status SearcherImpl::Init(const std::string& dir, const SearcherOptions& options,
                          const SearcherImpl* previous) {
  dir_ = dir;
  options_ = options;
  TRAWL_RETURN_IF_ERROR(ReadLatestManifest(dir, &manifest_, options.file_system));
  pool_ = std::make_unique<AnalyzerPool>(manifest_.analyzer);
  std::unique_ptr<Analyzer> probe;
  TRAWL_RETURN_IF_ERROR(pool_->Borrow(&probe));  // fails early on an unknown language
  pool_->Return(std::move(probe));
  for (const auto& entry : manifest_.segments) {
    std::shared_ptr<const SegmentReader> seg;
    if (previous != nullptr) seg = previous->SharedSegment(entry.name);
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
    for (const FieldInfo& f : seg->fields()) {
      FieldInfo* global = nullptr;
      for (auto& g : fields_)
        if (g.name == f.name) global = &g;
      if (global == nullptr) {
        fields_.push_back(FieldInfo{f.name, 0, 0});
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

Status SearcherImpl::Search(std::string_view query, const SearchOptions& options,
                            SearchResults* results) const {
  *results = SearchResults();
  BorrowedAnalyzer analyzer(pool_.get());
  TRAWL_RETURN_IF_ERROR(analyzer.Init());
  std::unique_ptr<QueryNode> parsed;
  if (options.plain_text) {
    parsed = PlainTextQuery(query, *analyzer);
  } else {
    TRAWL_RETURN_IF_ERROR(ParseQuery(query, &parsed));
  }
  IndexContext context = Context(options.k1, options.b);
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
  context.proximity = options.proximity;
  context.proximity_window = options.proximity_window;
  context.bm25f = options.bm25f;
  context.field_weights = options.field_weights;
  context.field_b = options.field_b;
  std::unique_ptr<Weight> weight;
  TRAWL_RETURN_IF_ERROR(CreateWeight(*parsed, context, *analyzer, &weight));
  TRAWL_RETURN_IF_ERROR(AddProximity(*parsed, context, *analyzer, &weight));
  // Facets count every match (searcher/facets.h), whatever part of them a page shows.
  TRAWL_RETURN_IF_ERROR(
      ComputeFacets(*weight, segment_pointers_, deleted_, schema(), options, &results->facets));
  // Exact totals: counting with Roaring is cheap unless the query needs positions; then the
  // one scoring pass below counts too (visiting every match, instead of matching every phrase
  // twice). Without exact totals (as the top-k of Lucene's search(query, k)) nothing is
  // counted, and every pass may skip what cannot make the top k.
  const bool only_count = options.count_only || options.top_k == 0;
  const bool cheap = weight->CountIsCheap();
  const bool count_in_pass = options.exact_total && !cheap && !only_count;
  if (only_count || (options.exact_total && cheap))
    TRAWL_RETURN_IF_ERROR(CountWeight(*weight, &results->total));
  if (only_count) return Status::OK();

  TopKCollector collector(options.offset + options.top_k);
  TRAWL_RETURN_IF_ERROR(
      CollectTopK(*weight, count_in_pass ? &results->total : nullptr, &collector));
  if (!options.exact_total) {
    // Documents are skipped only once k are held: until then, every match was collected.
    results->total = collector.size();
    results->total_exact = !collector.full();
  }
  std::vector<ScoredDoc> top = collector.TakeSorted();
  std::unordered_set<std::string> terms;
  if (options.load_documents) weight->CollectTerms(&terms);
  for (size_t i = options.offset; i < top.size(); ++i) {
    Hit hit;
    hit.score = top[i].score;
    hit.segment = top[i].segment;
    hit.docid = top[i].docid;
    if (options.explain) {
      double explained;
      TRAWL_RETURN_IF_ERROR(
          weight->Explain(hit.segment, hit.docid, 0, &hit.explanation, &explained));
    }
    if (options.load_documents) {
      Document doc;
      TRAWL_RETURN_IF_ERROR(segments_[hit.segment]->store().Get(hit.docid, &doc));
      hit.id = doc.id.empty() ? std::string(doc.Field(kIdField)) : doc.id;
      hit.title = std::string(doc.Field(kTitleField));
      hit.snippet = MakeSnippet(FirstBodyField(doc), *analyzer, terms, options.snippet_chars,
                                options.highlight_begin, options.highlight_end);
    }
    results->hits.push_back(std::move(hit));
  }
  return Status::OK();
}

Status SearcherImpl::CollectTopK(const Weight& weight, uint64_t* total_in_pass,
                                 TopKCollector* collector) const {
  for (size_t seg = 0; seg < segments_.size(); ++seg) {
    const uint32_t seg_id = static_cast<uint32_t>(seg);
    // The weight says whether MaxScore over its clauses serves it best; counting in the pass
    // visits every match, which only document-at-a-time collection does.
    std::unique_ptr<MaxScoreQuery> plan;
    if (total_in_pass == nullptr) TRAWL_RETURN_IF_ERROR(weight.MakeMaxScorePlan(seg, &plan));
    if (plan) {
      CollectMaxScore(std::move(*plan), seg_id, deleted_[seg].get(), collector);
    } else {
      std::unique_ptr<Scorer> scorer;
      TRAWL_RETURN_IF_ERROR(weight.MakeScorer(seg, &scorer));
      if (scorer) {
        CollectAll(scorer.get(), seg_id, deleted_[seg].get(), collector, total_in_pass);
      }
    }
  }
  return Status::OK();
}

Status SearcherImpl::Count(std::string_view query, uint64_t* count) const {
  std::unique_ptr<QueryNode> parsed;
  TRAWL_RETURN_IF_ERROR(ParseQuery(query, &parsed));
  BorrowedAnalyzer analyzer(pool_.get());
  TRAWL_RETURN_IF_ERROR(analyzer.Init());
  IndexContext context = Context(1.2, 0.75);
  std::unique_ptr<Weight> weight;
  TRAWL_RETURN_IF_ERROR(CreateWeight(*parsed, context, *analyzer, &weight));
  return CountWeight(*weight, count);
}

Status SearcherImpl::CountWeight(const Weight& weight, uint64_t* total) const {
  *total = 0;
  if (weight.IsEmpty()) return Status::OK();
  for (size_t seg = 0; seg < segments_.size(); ++seg) {
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

std::shared_ptr<const SegmentReader> SearcherImpl::SharedSegment(const std::string& name) const {
  for (size_t i = 0; i < segments_.size(); ++i)
    if (manifest_.segments[i].name == name) return segments_[i];
  return nullptr;
}

IndexContext SearcherImpl::Context(double k1, double b) const {
  IndexContext c;
  c.segments = segment_pointers_;
  c.fields = fields_;
  c.k1 = k1;
  c.b = b;
  return c;
}

SearcherImpl::SearcherImpl() = default;
SearcherImpl::~SearcherImpl() = default;

Searcher::~Searcher() = default;

namespace {

Status OpenLatest(const std::string& dir, const SearcherOptions& options,
                  const SearcherImpl* previous, std::unique_ptr<Searcher>* out) {
  // A writer deletes the files of commits it no longer keeps. A reader that read a manifest
  // just before its files went away finds one missing, and retries with the newest commit.
  Status s;
  for (int attempt = 0; attempt < 10; ++attempt) {
    auto searcher = std::make_unique<SearcherImpl>();
    s = searcher->Init(dir, options, previous);
    if (s.ok()) {
      *out = std::move(searcher);
      return s;
    }
    if (!s.IsNotFound()) return s;
    Manifest latest;
    if (!ReadLatestManifest(dir, &latest, options.file_system).ok() || latest.generation == searcher->generation())
      return s;
  }
  return s;
}

}  // namespace

Status Searcher::Open(const std::string& dir, const SearcherOptions& options,
                      std::unique_ptr<Searcher>* out) {
  return OpenLatest(dir, options, nullptr, out);
}

Status Searcher::OpenIfChanged(const Searcher& current, std::unique_ptr<Searcher>* out) {
  out->reset();
  const auto& impl = static_cast<const SearcherImpl&>(current);
  Manifest latest;
  TRAWL_RETURN_IF_ERROR(ReadLatestManifest(impl.dir(), &latest, impl.options().file_system));
  if (latest.generation == impl.generation()) return Status::OK();
  return OpenLatest(impl.dir(), impl.options(), &impl, out);
}

}  // namespace trawl
