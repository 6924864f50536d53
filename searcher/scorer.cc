#include "searcher/scorer.h"

#include <algorithm>

namespace trawl {

namespace {

class GlobalBounds final : public BlockBounds {
 public:
  explicit GlobalBounds(double max_score) : max_score_(max_score) {}
  uint32_t BlockEnd() override { return kNoMoreDocs - 1; }
  double BlockMaxScore() override { return max_score_; }
  double BlockMaxScoreAt(uint32_t /*target*/) override { return max_score_; }
  uint32_t ShallowBlockEnd() const override { return kNoMoreDocs - 1; }

 private:
  double max_score_;
};

}  // namespace

std::unique_ptr<BlockBounds> NewGlobalBounds(double max_score) {
  return std::make_unique<GlobalBounds>(max_score);
}

size_t BlockAtOrAfter(const PostingList& list, size_t from, uint32_t target) {
  const size_t n = list.num_blocks();
  size_t b = from;
  if (b + 1 < n && list.BlockLastDoc(b) < target) {
    // Gallop to a block ending at or after target, then binary search back to the first one.
    size_t step = 1, lo = b + 1, hi = b + 1;
    while (hi < n - 1 && list.BlockLastDoc(hi) < target) {
      lo = hi + 1;
      hi = std::min(n - 1, hi + step);
      step *= 2;
    }
    while (lo < hi) {
      const size_t mid = lo + (hi - lo) / 2;
      if (list.BlockLastDoc(mid) < target) {
        lo = mid + 1;
      } else {
        hi = mid;
      }
    }
    b = lo;
  }
  return b;
}

}  // namespace trawl
