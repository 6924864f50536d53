#include "searcher/collector.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <random>
#include <tuple>
#include <vector>

namespace trawl {
namespace collector_test {
namespace {

// Higher score first, then the document indexed first.
bool Before(const ScoredDoc& a, const ScoredDoc& b) {
  return std::make_tuple(-a.score, a.segment, a.docid) < std::make_tuple(-b.score, b.segment, b.docid);
}

// Documents in index order across a few segments, with scores from a small set (so that many
// tie) or spread out, optionally only those a cursor admits.
std::vector<ScoredDoc> RandomOffers(std::mt19937* rng, size_t n, bool many_ties) {
  std::vector<ScoredDoc> docs;
  uint32_t segment = 0, docid = 0;
  for (size_t i = 0; i < n; ++i) {
    if ((*rng)() % 50 == 0) {
      ++segment;
      docid = 0;
    }
    docid += 1 + (*rng)() % 3;
    const double score = many_ties ? static_cast<double>((*rng)() % 6)
                                   : std::uniform_real_distribution<double>(0, 20)(*rng);
    docs.push_back({score, segment, docid});
  }
  return docs;
}

// The collector keeps exactly the k first documents of the order above among those offered in
// index order (and, with a cursor, admitted by it), says which offers entered, and its threshold
// is the k-th score once full: checked against sorting everything, for heaps of every small
// depth, with many ties and without.
TEST(TopKCollectorTest, KeepsTheBestKAsSortingEverythingWould) {
  std::mt19937 rng(7);
  for (int round = 0; round < 400; ++round) {
    const size_t k = std::vector<size_t>{1, 2, 3, 4, 7, 10, 31, 100}[round % 8];
    const bool many_ties = round % 3 != 0;
    const bool with_cursor = round % 5 == 4;
    const std::vector<ScoredDoc> offers = RandomOffers(&rng, rng() % 300, many_ties);
    const ScoreAfter after{3.0, static_cast<uint32_t>(rng() % 4), static_cast<uint32_t>(rng() % 60)};
    TopKCollector collector = with_cursor ? TopKCollector(k, after) : TopKCollector(k);
    std::vector<ScoredDoc> admitted;
    for (const ScoredDoc& d : offers) {
      if (with_cursor && !after.Admits(d.score, d.segment, d.docid)) {
        EXPECT_FALSE(collector.Offer(d.score, d.segment, d.docid));
        continue;
      }
      admitted.push_back(d);
      std::vector<ScoredDoc> best = admitted;
      std::sort(best.begin(), best.end(), Before);
      const bool entered =
          std::find_if(best.begin(), best.begin() + std::min(k, best.size()), [&](const ScoredDoc& b) {
            return b.segment == d.segment && b.docid == d.docid;
          }) != best.begin() + std::min(k, best.size());
      ASSERT_EQ(collector.Offer(d.score, d.segment, d.docid), entered) << round;
      ASSERT_EQ(collector.full(), best.size() >= k);
      if (collector.full()) {
        ASSERT_EQ(collector.threshold(), best[k - 1].score);
      }
    }
    std::sort(admitted.begin(), admitted.end(), Before);
    admitted.resize(std::min(k, admitted.size()));
    const std::vector<ScoredDoc> got = collector.TakeSorted();
    ASSERT_EQ(got.size(), admitted.size()) << round;
    for (size_t i = 0; i < got.size(); ++i) {
      EXPECT_EQ(got[i].score, admitted[i].score) << round << " " << i;
      EXPECT_EQ(got[i].segment, admitted[i].segment) << round << " " << i;
      EXPECT_EQ(got[i].docid, admitted[i].docid) << round << " " << i;
    }
  }
}

}  // namespace
}  // namespace collector_test
}  // namespace trawl
