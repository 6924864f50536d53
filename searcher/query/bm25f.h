// One word over several fields at once, scored by BM25F.
#ifndef TRAWL_SEARCHER_QUERY_BM25F_H_
#define TRAWL_SEARCHER_QUERY_BM25F_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "searcher/index_context.h"
#include "searcher/scorer.h"
#include "searcher/weight.h"

namespace trawl {

// BM25F (Zaragoza et al.; Robertson & Zaragoza, "The Probabilistic Relevance Framework", 2009)
// of one term over several fields: each field's tf is normalized by its own length
// normalization and weighted, the weighted sum saturates once:
//   tf~ = Σ_f w_f · tf_f / (1 − b_f + b_f · dl_f / avgdl_f),
//   score = idf · (k1 + 1) · tf~ / (k1 + tf~).
// With one field and w = 1 this is the BM25 above. Summing per-field BM25 instead saturates
// each field on its own, so a term in both title and body counts almost twice.
struct Bm25fField {
  double weight = 1;
  double b = 0.75;
  double avgdl = 1;
  double Norm(uint32_t dl) const { return 1 - b + b * dl / avgdl; }
  double Tf(double tf, uint32_t dl) const { return weight * tf / Norm(dl); }
};

struct Bm25f {
  double idf = 0;
  double k1 = 1.2;
  double Score(double combined_tf) const {
    return combined_tf <= 0 ? 0 : idf * (k1 + 1) * combined_tf / (k1 + combined_tf);
  }
};

// The documents holding a term in any of its fields, scored by BM25F. Bounds: the score rises
// with every field's tf and falls with every field's length, so each field's max_tf and
// min_length (of the list, or of the current block) bound its part of tf~.
class Bm25fTermScorer final : public Scorer, public BlockBounds {
 public:
  struct Field {
    std::unique_ptr<PostingList> list;
    uint32_t field_id;
    Bm25fField params;
  };
  Bm25fTermScorer(std::vector<Field> fields, const SegmentReader* segment, const Bm25f& bm25f);
  uint32_t Next() override;
  uint32_t Advance(uint32_t target) override;
  double Score() override;
  double MaxScore() const override { return max_score_; }
  uint64_t Cost() const override { return cost_; }
  BlockBounds* block_bounds() override { return this; }
  uint32_t BlockEnd() override;
  double BlockMaxScore() override;
  // No shallow lookup of the fields' blocks yet: the global bound, over everything.
  double BlockMaxScoreAt(uint32_t /*target*/) override { return max_score_; }
  uint32_t ShallowBlockEnd() const override { return kNoMoreDocs - 1; }
  // The current document's per-field parts (tf, dl, weighted normalized tf; tf 0 if absent).
  struct Part {
    uint32_t tf;
    uint32_t dl;
    double combined;
  };
  std::vector<Part> Parts();

 private:
  uint32_t MinDoc() const;
  std::vector<Field> fields_;
  std::vector<std::unique_ptr<PostingCursor>> cursors_;  // parallel to fields_
  const SegmentReader* segment_;
  Bm25f bm25f_;
  double max_score_ = 0;
  uint64_t cost_ = 0;
};

// One field of a BM25F word: its parameters and the word's lookups in every segment.
struct Bm25fFieldTerm {
  std::string field;
  std::string term;  // the word as this field's analyzer makes it

  Bm25fField params;
  TermInSegments entries;  // the word in this field, looked up once
};

// The weight of a word over `fields` (those that have it; `term` names it in explanations),
// with N `n` and document frequency `df` for its idf, its scores multiplied by `boost`.
std::unique_ptr<Weight> NewBm25fTermWeight(const IndexContext& index, std::string term,
                                           std::vector<Bm25fFieldTerm> fields, uint64_t n,
                                           uint64_t df, double boost = 1);

}  // namespace trawl

#endif  // TRAWL_SEARCHER_QUERY_BM25F_H_
