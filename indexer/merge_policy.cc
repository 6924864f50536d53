// The tiered merge policy (include/trawl/merge_policy.h).
#include "trawl/merge_policy.h"

#include <algorithm>
#include <cmath>

namespace trawl {

MergePolicy::~MergePolicy() = default;

TieredMergePolicy::TieredMergePolicy(TieredMergeOptions options) : options_(options) {}

namespace {

uint64_t Live(const SegmentSummary& s) {
  return s.num_docs - std::min(s.num_deleted, s.num_docs);
}

// The first `factor` adjacent segments of [start, end) that are not merging and together hold
// at most max_docs live documents.
MergeSpec FirstWindow(const std::vector<SegmentSummary>& segments, size_t start, size_t end,
                      size_t factor, uint64_t max_docs) {
  for (size_t first = start; first + factor <= end; ++first) {
    uint64_t docs = 0;
    bool usable = true;
    for (size_t k = first; k < first + factor && usable; ++k) {
      usable = !segments[k].merging && docs + Live(segments[k]) >= docs;
      docs += Live(segments[k]);
    }
    if (usable && docs <= max_docs) return {first, factor};
  }
  return {};
}

}  // namespace

MergeSpec TieredMergePolicy::FindMerge(const std::vector<SegmentSummary>& segments) const {
  const TieredMergeOptions& o = options_;
  if (o.segments_per_tier < 2) return {};
  const size_t factor = o.segments_per_tier;
  const uint64_t floor_docs = std::max<uint64_t>(1, o.floor_docs);
  const double log_factor = std::log(static_cast<double>(factor));
  const double floor_level = std::log(static_cast<double>(floor_docs)) / log_factor;
  const size_t n = segments.size();
  std::vector<double> level(n);
  for (size_t i = 0; i < n; ++i)
    level[i] = std::log(static_cast<double>(std::max(Live(segments[i]), floor_docs))) / log_factor;
  for (size_t start = 0; start < n;) {
    const double top = *std::max_element(level.begin() + start, level.end());
    const double bottom = top <= floor_level ? -1.0 : top - o.tier_span;
    size_t end = n;  // one past the run's last segment
    while (end > start + 1 && level[end - 1] < bottom) --end;
    if (end - start >= factor) {
      const MergeSpec spec = FirstWindow(segments, start, end, factor, o.max_merged_docs);
      if (!spec.empty()) return spec;
    }
    start = end;
  }
  for (size_t i = 0; i < n; ++i) {
    const SegmentSummary& s = segments[i];
    if (!s.merging && s.num_deleted > 0 && o.reclaim_deleted_percent < 100 &&
        s.num_deleted * 100 > s.num_docs * o.reclaim_deleted_percent)
      return {i, 1};
  }
  return {};
}

}  // namespace trawl
