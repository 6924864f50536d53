// Merges segments into one without re-analysing text: postings, positions, field lengths and
// stored documents are copied with docids renumbered, and deleted documents are dropped.
#ifndef TRAWL_INDEXER_SEGMENT_MERGER_H_
#define TRAWL_INDEXER_SEGMENT_MERGER_H_

#include <roaring/roaring.h>

#include <string>
#include <vector>

#include "indexer/segment_builder.h"
#include "searcher/segment_reader.h"

namespace trawl {

struct MergeInput {
  const SegmentReader* segment;
  const roaring_bitmap_t* deleted;  // may be null
};

// Writes the live documents of `inputs`, in input order, as segment `name` in `dir`.
// The merged segment is built in memory (like a flush), so its size is bounded by what one
// builder may hold; the merge policy chooses inputs accordingly.
Status MergeSegments(const std::vector<MergeInput>& inputs, Analyzer* analyzer,
                     const std::string& dir, const std::string& name, SegmentStats* stats,
                     FileSystem* fs = nullptr);

}  // namespace trawl

#endif  // TRAWL_INDEXER_SEGMENT_MERGER_H_
