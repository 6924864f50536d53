#include "searcher/query/proximity.h"

#include <algorithm>

#include "searcher/explain.h"

namespace trawl {

ProximityScorer::ProximityScorer(std::vector<Term> terms, const SegmentReader* segment,
                                 uint32_t field_id, Params params)
    : terms_(std::move(terms)), segment_(segment), field_id_(field_id), params_(std::move(params)) {
  const size_t n = terms_.size();
  inverse_sq_.assign(params_.window + 1, 0.0);
  double sum = 0;
  for (uint32_t d = 1; d <= params_.window; ++d)
    sum += inverse_sq_[d] = 1.0 / (static_cast<double>(d) * d);
  max_instances_ = 2 * sum;
  cursors_.reserve(n);
  uint64_t max_df = 0;
  for (const Term& t : terms_) {
    cursors_.emplace_back(t.list.get());
    cost_ += t.list->doc_freq();
    max_df = std::max<uint64_t>(max_df, t.list->doc_freq());
  }
  cost_ -= max_df;  // a co-occurrence holds some term other than the most frequent one
  for (size_t a = 0; a < n; ++a) {
    for (size_t b = a + 1; b < n; ++b) {
      const double weight = params_.PairWeight(terms_[a].index, terms_[b].index);
      if (weight > 0) pairs_.push_back({a, b, weight});
    }
  }
  for (const CursorPair& p : pairs_) {
    const TermInfo& a = terms_[p.a].list->info();
    const TermInfo& b = terms_[p.b].list->info();
    max_score_ += PairBound(p.weight, a.max_tf, b.max_tf, std::max(a.min_length, b.min_length));
  }
  positions_.resize(n);
  present_.assign(n, 0);
  shallow_blocks_.assign(n, 0);
  shallow_bound_ = max_score_;
  doc_ = FindCoOccurrence();
}

double ProximityScorer::PairScore(double weight, double acc, double norm) const {
  if (!(acc > 0)) return 0;  // also keeps k1 = 0 (norm 0) from dividing 0 by 0
  return weight * (params_.bm25.k1 + 1) * acc / (acc + norm);
}

double ProximityScorer::PairBound(double weight, uint32_t max_tf_a, uint32_t max_tf_b,
                                  uint32_t min_length) const {
  const double acc = max_instances_ * std::min(max_tf_a, max_tf_b);
  return PairScore(weight, acc, params_.bm25.Norm(min_length)) * kBoundSlack;
}

uint32_t ProximityScorer::FindCoOccurrence() {
  for (;;) {
    uint32_t first = kNoMoreDocs, second = kNoMoreDocs;
    size_t at = 0;
    for (size_t i = 0; i < cursors_.size(); ++i) {
      const uint32_t d = cursors_[i].doc();
      if (d < first) {
        second = first;
        first = d;
        at = i;
      } else if (d < second) {
        second = d;
      }
    }
    if (first == second || second == kNoMoreDocs) return second;
    // The only cursor on `first` cannot pair there: it skips to where another one stands.
    cursors_[at].Advance(second);
  }
}

uint32_t ProximityScorer::Next() {
  if (doc_ == kNoMoreDocs) return doc_;
  for (auto& c : cursors_)
    if (c.doc() == doc_) c.Next();
  return doc_ = FindCoOccurrence();
}

uint32_t ProximityScorer::Advance(uint32_t target) {
  if (target <= doc_) return doc_;
  for (auto& c : cursors_) c.Advance(target);
  return doc_ = FindCoOccurrence();
}

void ProximityScorer::LoadPositions() {
  for (size_t i = 0; i < cursors_.size(); ++i) {
    // Damaged positions contribute nothing, as they make a phrase not match.
    present_[i] = cursors_[i].doc() == doc_ && cursors_[i].Positions(&positions_[i]) &&
                  !positions_[i].empty();
  }
}

double ProximityScorer::PairInstances(const std::vector<uint32_t>& a,
                                      const std::vector<uint32_t>& b) const {
  // A sliding window over b: each position holds one token, so at most 2 · window + 1 of b's
  // occurrences are in reach of one of a's, and the pass is linear in both lists.
  const uint32_t window = params_.window;
  double acc = 0;
  size_t lo = 0;
  for (uint32_t p : a) {
    while (lo < b.size() && static_cast<uint64_t>(b[lo]) + window < p) ++lo;
    for (size_t k = lo; k < b.size() && b[k] <= p + static_cast<uint64_t>(window); ++k) {
      const uint32_t d = b[k] > p ? b[k] - p : p - b[k];
      acc += inverse_sq_[d];  // inverse_sq_[0] is 0: a shared position is no instance
    }
  }
  return acc;
}

double ProximityScorer::Score() {
  LoadPositions();
  const double norm = params_.bm25.Norm(field_length());
  double score = 0;
  for (const CursorPair& p : pairs_) {
    if (!present_[p.a] || !present_[p.b]) continue;
    score += PairScore(p.weight, PairInstances(positions_[p.a], positions_[p.b]), norm);
  }
  return score;
}

std::vector<ProximityScorer::Pair> ProximityScorer::Pairs() {
  LoadPositions();
  const double norm = params_.bm25.Norm(field_length());
  std::vector<Pair> pairs;
  for (const CursorPair& p : pairs_) {
    if (!present_[p.a] || !present_[p.b]) continue;
    const double acc = PairInstances(positions_[p.a], positions_[p.b]);
    if (acc > 0)
      pairs.push_back({terms_[p.a].index, terms_[p.b].index, acc, PairScore(p.weight, acc, norm)});
  }
  return pairs;
}

double ProximityScorer::BlockMaxScoreAt(uint32_t target) {
  if (target <= shallow_last_doc_) return shallow_bound_;
  const size_t n = terms_.size();
  // Per term, the block that would hold target; a term past its last posting has tf 0 from
  // here on, and pairs with it score nothing.
  block_max_tf_.assign(n, 0);
  block_min_length_.assign(n, 0);
  uint32_t last = kNoMoreDocs;
  for (size_t i = 0; i < n; ++i) {
    const PostingList& list = *terms_[i].list;
    const size_t b = shallow_blocks_[i] = BlockAtOrAfter(list, shallow_blocks_[i], target);
    const PostingList::BlockInfo info = list.block(b);
    if (info.last_doc < target) continue;
    block_max_tf_[i] = info.max_tf;
    block_min_length_[i] = info.min_length;
    last = std::min(last, info.last_doc);
  }
  double bound = 0;
  for (const CursorPair& p : pairs_) {
    if (block_max_tf_[p.a] == 0 || block_max_tf_[p.b] == 0) continue;
    bound += PairBound(p.weight, block_max_tf_[p.a], block_max_tf_[p.b],
                       std::max(block_min_length_[p.a], block_min_length_[p.b]));
  }
  shallow_last_doc_ = last;
  shallow_bound_ = std::min(max_score_, bound);
  return shallow_bound_;
}

namespace {

// The term proximity of a bag of words in one field (ProximityScorer). It adds to the scores of
// documents its words' own clauses match, and matches nothing by itself: its match set is empty,
// so counts and filters are those of the words.
class ProximityWeight final : public Weight {
 public:
  ProximityWeight(const IndexContext& index, std::string field, std::vector<std::string> terms,
                  std::vector<double> pair_weight)
      : index_(index), field_(std::move(field)), terms_(std::move(terms)) {
    params_.window = index.proximity_window;
    params_.bm25 = index.FieldBm25(*index.Field(field_), 0);
    params_.num_terms = terms_.size();
    params_.pair_weight = std::move(pair_weight);
  }
  Status MakeScorer(size_t seg, std::unique_ptr<Scorer>* out) const override {
    out->reset();
    const SegmentReader& reader = *index_.segments[seg];
    std::vector<ProximityScorer::Term> terms;
    uint32_t fid = 0;
    for (size_t i = 0; i < terms_.size(); ++i) {
      TermInfo info;
      bool found;
      TRAWL_RETURN_IF_ERROR(FindTerm(reader, field_, terms_[i], &info, &fid, &found));
      if (!found) continue;
      auto list = std::make_unique<PostingList>();
      TRAWL_RETURN_IF_ERROR(reader.OpenPostings(info, list.get()));
      terms.push_back({std::move(list), i});
    }
    if (terms.size() < 2) return Status::OK();
    auto scorer = std::make_unique<ProximityScorer>(std::move(terms), &reader, fid, params_);
    if (scorer->doc() != kNoMoreDocs) *out = std::move(scorer);
    return Status::OK();
  }
  Status MatchBitmap(size_t, roaring_bitmap_t** out) const override {
    *out = roaring_bitmap_create();
    return Status::OK();
  }
  Status CountInSegment(size_t, const DeletedDocs&, uint64_t* count) const override {
    *count = 0;
    return Status::OK();
  }
  Status Explain(size_t seg, uint32_t doc, std::vector<Explanation>* out) const override {
    std::unique_ptr<Scorer> s;
    TRAWL_RETURN_IF_ERROR(MakeScorer(seg, &s));
    if (!s || s->Advance(doc) != doc) return Status::OK();
    auto* proximity = static_cast<ProximityScorer*>(s.get());
    const std::vector<ProximityScorer::Pair> pairs = proximity->Pairs();
    if (pairs.empty()) return Status::OK();
    double score = 0;
    for (const auto& p : pairs) score += p.score;
    const double norm = params_.bm25.Norm(proximity->field_length());
    std::vector<Explanation> details;
    for (const auto& p : pairs) {
      details.push_back(Explained(
          p.score, terms_[p.first] + " " + terms_[p.second] + ": acc " + Fmt(p.acc) +
                       " (Σ 1/d²), pair weight " + Fmt(params_.PairWeight(p.first, p.second)) +
                       ": weight·acc·(k1+1)/(acc + " + Fmt(norm) + ")"));
    }
    out->push_back(Explained(
        score,
        field_ + " proximity (term pairs within " + std::to_string(params_.window) +
            " positions; dl " + std::to_string(proximity->field_length()) + ", avgdl " +
            Fmt(params_.bm25.avgdl) + ", k1 " + Fmt(params_.bm25.k1) + ", b " +
            Fmt(params_.bm25.b) + ")",
        std::move(details)));
    return Status::OK();
  }
  void CollectTerms(std::unordered_set<std::string>* terms) const override {
    terms->insert(terms_.begin(), terms_.end());
  }

 private:
  const IndexContext& index_;
  std::string field_;
  std::vector<std::string> terms_;
  ProximityScorer::Params params_;
};

}  // namespace

std::unique_ptr<Weight> NewProximityWeight(const IndexContext& index, std::string field,
                                           std::vector<std::string> terms,
                                           std::vector<double> pair_weight) {
  return std::make_unique<ProximityWeight>(index, std::move(field), std::move(terms),
                                           std::move(pair_weight));
}

}  // namespace trawl
