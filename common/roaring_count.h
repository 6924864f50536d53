// Counting set algebra straight on RoaringViews: |A1 ∩ ... ∩ An| and |A1 ∪ ... ∪ An|, optionally
// leaving out the values of a set D, and the values of a small A1 ∩ ... ∩ An, without
// deserializing anything. RoaringView::ToRoaring() validates and copies every container (an
// 8 KiB bitset is copied to be ANDed once); a count needs neither, and a conjunction's count is
// mostly that copying otherwise.
//
// Safe on any bytes RoaringView::Open() accepted: every read stays inside the containers Open()
// bounded, and a scratch array gets at most one value per value read from an array container, so
// it cannot overflow. Contents Open() does not check (unsorted arrays, bitset popcounts that
// disagree with the header) can only make the count wrong; RoaringView::Validate() finds them.
#ifndef TRAWL_COMMON_ROARING_COUNT_H_
#define TRAWL_COMMON_ROARING_COUNT_H_

#include <cstdint>
#include <span>

#include "common/roaring_view.h"

namespace trawl {

// The number of values in every one of `sets` and not in `excluded` (null: nothing excluded);
// 0 when `sets` is empty.
uint64_t IntersectionCardinality(std::span<const RoaringView> sets,
                                 const RoaringView* excluded = nullptr);

// The values >= `from` in every one of `sets` (at least two), ascending, into out[0, *n), as
// long as there are at most `max` of them: false when there are more (out then holds `max` of
// them), or when `sets` has fewer than two sets. On contents Open() does not check, the values
// may be wrong or out of order, but no more than `max` are written.
bool IntersectionValues(std::span<const RoaringView> sets, uint32_t from, size_t max, uint32_t* out,
                        size_t* n);

// The number of values in any of `sets` and not in `excluded` (null: nothing excluded); 0 when
// `sets` is empty.
uint64_t UnionCardinality(std::span<const RoaringView> sets, const RoaringView* excluded = nullptr);

namespace roaring_count_internal {
// Whether two arrays are intersected eight values at a time (SSE4.2), as they are by default on
// a processor that has it; for tests of the other paths. Returns the previous setting.
bool SetVectorArrays(bool on);
}  // namespace roaring_count_internal

}  // namespace trawl

#endif  // TRAWL_COMMON_ROARING_COUNT_H_
