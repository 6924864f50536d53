// The query's terms as a page of hits needs them: to highlight in snippets, and their positions
// in the field a snippet is made of, from postings opened once per segment and field for the
// whole page. Looking every term up again for each hit cost more than analyzing a short hit's
// text whole.
#ifndef TRAWL_SEARCHER_HIT_TERMS_H_
#define TRAWL_SEARCHER_HIT_TERMS_H_

#include <cstdint>
#include <list>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_set>
#include <utility>
#include <vector>

#include "format/segment_reader.h"
#include "searcher/snippet.h"

namespace trawl {

class HitTerms {
 public:
  explicit HitTerms(std::unordered_set<std::string> terms) : terms_(std::move(terms)) {}
  HitTerms(const HitTerms&) = delete;
  HitTerms& operator=(const HitTerms&) = delete;

  const std::unordered_set<std::string>& terms() const { return terms_; }

  // The positions of each term in `docid`'s `field` of `segment` (the terms the document does
  // not have there are left out); null if the segment does not index the field, or if a
  // posting list cannot be read (a snippet then scans the text). Valid until the next call;
  // the same question asked again (the field a snippet is chosen from, then made of) is
  // answered without reading the postings again. `segment` must outlive this.
  const std::vector<TermPositions>* Positions(const SegmentReader& segment,
                                              std::string_view field, uint32_t docid);

 private:
  struct FieldPostings {
    const SegmentReader* segment;
    std::string field;
    bool readable;
    // The terms the field has, with their postings (not movable: views into themselves).
    std::vector<std::pair<std::string_view, std::unique_ptr<PostingList>>> lists;
  };
  const FieldPostings& Open(const SegmentReader& segment, std::string_view field);

  std::unordered_set<std::string> terms_;
  // A page's hits are in few segments: searched in order. A list, so that what it holds stays
  // where it is as it grows, and so that a search that loads no documents allocates nothing
  // here (a deque allocates as it is made).
  std::list<FieldPostings> opened_;
  // The last answer of Positions, and what it answered.
  const FieldPostings* last_postings_ = nullptr;
  uint32_t last_docid_ = 0;
  std::vector<TermPositions> last_positions_;
};

}  // namespace trawl

#endif  // TRAWL_SEARCHER_HIT_TERMS_H_
