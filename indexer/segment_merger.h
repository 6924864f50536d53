// Merges segments into one without re-analysing text: postings, positions, field lengths and
// stored documents are copied with docids renumbered, and deleted documents are dropped.
#ifndef TRAWL_INDEXER_SEGMENT_MERGER_H_
#define TRAWL_INDEXER_SEGMENT_MERGER_H_

#include <roaring/roaring.h>

#include <atomic>
#include <string>
#include <vector>

#include "format/segment_writer.h"
#include "format/segment_reader.h"
#include "format/store_writer.h"

namespace trawl {

struct MergeInput {
  const SegmentReader* segment;
  const roaring_bitmap_t* deleted;  // may be null
};

// Writes the live documents of `inputs`, in input order, as segment `name` in `dir`.
// Streams: stored documents are copied one at a time, and the dictionaries are walked side by
// side so that only one term's postings are held at once. Memory is that term's postings plus
// 4 bytes per input document (docid maps) and 4 per document and field (merged field lengths),
// whatever the size of the stored text. Nothing is re-analysed. Once *cancel (if given) is
// set, it stops within a document or a term and returns Cancelled; the files it has written
// are left for the caller to remove, as on any failure.
// The merged store is compressed as `compression` says.
Status MergeSegments(const std::vector<MergeInput>& inputs, const std::string& dir,
                     const std::string& name, SegmentStats* stats,
                     FileSystem* fs = nullptr, const std::atomic<bool>* cancel = nullptr,
                     const StoreCompression& compression = {});

}  // namespace trawl

#endif  // TRAWL_INDEXER_SEGMENT_MERGER_H_
