// MergePolicy: which segments an IndexWriter merges into one, and when.
//
// An index is a list of immutable segments in the order their documents were added. Each commit
// adds segments; merging adjacent ones bounds their number (each open segment costs a reader
// memory and every query work) and drops deleted documents. The writer asks its policy for a
// merge after each commit (and again after each merge) and runs what it is given, in the
// background or inside Commit() (IndexWriterOptions::merge_in_background), until the policy
// answers "nothing".
//
//   trawl::TieredMergeOptions tiers;
//   tiers.segments_per_tier = 8;
//   tiers.max_merged_docs = 5'000'000;
//   options.merge_policy = std::make_shared<trawl::TieredMergePolicy>(tiers);
//
// Only adjacent segments merge, so documents keep the order they were added in and ties in
// ranking break the same way as in a fresh index.
#ifndef TRAWL_MERGE_POLICY_H_
#define TRAWL_MERGE_POLICY_H_

#include <cstddef>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "trawl/export.h"

namespace trawl {

// What a policy knows of one segment.
struct SegmentSummary {
  std::string name;          // the segment's file name stem, e.g. "seg_12"
  uint64_t num_docs = 0;     // documents it holds, deleted ones included
  uint64_t num_deleted = 0;  // of those, deleted: a merge drops them
  bool merging = false;      // in a merge already: a merge may not include it
};

// A run of adjacent segments to merge: segments [first, first + count). count 0: none.
struct MergeSpec {
  size_t first = 0;
  size_t count = 0;
  bool empty() const { return count == 0; }
};

class TRAWL_EXPORT MergePolicy {
 public:
  virtual ~MergePolicy();

  // The next merge among `segments` (oldest first), or an empty spec. The writer calls it from
  // one thread at a time, holding a lock that Add and Delete need, so it should be quick (it is
  // given only numbers). It refuses (as if empty) a spec out of range, one that includes a
  // segment already merging, and a single segment without deleted documents (a merge that would
  // change nothing). Must not throw.
  virtual MergeSpec FindMerge(const std::vector<SegmentSummary>& segments) const = 0;
};

// The tuning numbers of TieredMergePolicy, with their trade-offs.
struct TieredMergeOptions {
  // F: this many adjacent segments of one tier merge into one. A tier spans a factor of F in
  // size, so an index holds about F-1 segments per power of F documents and each document is
  // rewritten about log_F(index size) times. Larger: fewer merges, more segments to search.
  // Below 2, the policy never merges (then only Optimize() does).
  uint32_t segments_per_tier = 10;
  // Segments with fewer live documents than this count as this size, so that small flushes
  // of any size bucket together instead of each forming its own tier.
  uint64_t floor_docs = 1000;
  // How far below the largest segment of a run (in tiers, log_F of live documents) a segment
  // may be and still belong to its tier. 0.75, as Lucene's LogMergePolicy.
  double tier_span = 0.75;
  // No merge produces a segment of more live documents than this: segments near it stop
  // merging (Lucene's maxMergedSegmentMB, in documents). Bounds the longest merge, and so how
  // stale the segment layout may get behind commits. Default: unbounded.
  uint64_t max_merged_docs = std::numeric_limits<uint64_t>::max();
  // When no tier is full, a segment with more than this percentage of its documents deleted is
  // merged on its own, to reclaim the space. 100 disables it.
  uint32_t reclaim_deleted_percent = 20;
};

// Tiered merging in the manner of Lucene's LogMergePolicy. A segment's tier is log_F of its live
// documents (at least floor_docs). Scanning from the oldest segment, a run is the segments up to
// the last one within tier_span of the run's largest; the first F adjacent segments of a run of
// F or more, none merging and together at most max_merged_docs, are picked. Failing that, a
// segment with over reclaim_deleted_percent deleted is picked alone. Thread-safe (no state).
class TRAWL_EXPORT TieredMergePolicy final : public MergePolicy {
 public:
  explicit TieredMergePolicy(TieredMergeOptions options = {});
  MergeSpec FindMerge(const std::vector<SegmentSummary>& segments) const override;
  const TieredMergeOptions& options() const { return options_; }

 private:
  TieredMergeOptions options_;
};

}  // namespace trawl

#endif  // TRAWL_MERGE_POLICY_H_
