#include "searcher/max_score.h"

#include <algorithm>

namespace trawl {

namespace {

// A document matches a conjunction of groups only if each group has a clause on it: the first
// document >= `doc` where that may hold, with the groups' clauses advanced to `doc` (lazily:
// a group stops at its first clause on `doc`). kNoMoreDocs when a group is exhausted. Essential
// clauses (from `first_essential` on) may stand on unconfirmed candidates, which the caller
// confirms; a non-essential clause is advanced, which confirms a candidate it stands on.
uint32_t LeapfrogGroups(const std::vector<std::unique_ptr<Scorer>>& clauses,
                        const std::vector<std::vector<size_t>>& groups, size_t first_essential,
                        uint32_t doc) {
  uint32_t next = doc;
  for (const auto& group : groups) {
    uint32_t group_doc = kNoMoreDocs;
    for (size_t i : group) {
      if (i < first_essential ? clauses[i]->doc() <= doc : clauses[i]->doc() < doc)
        clauses[i]->Advance(doc);
      group_doc = std::min(group_doc, clauses[i]->doc());
      if (group_doc == doc) break;
    }
    next = std::max(next, group_doc);
    if (next != doc) break;
  }
  return next;
}

// After two-phase clauses were confirmed: whether each group still has a clause on `doc`, an
// essential one among the confirmed `at_doc` or a non-essential one (advanced, which confirms).
bool GroupsMatch(const std::vector<std::unique_ptr<Scorer>>& clauses,
                 const std::vector<std::vector<size_t>>& groups, size_t first_essential,
                 const std::vector<size_t>& at_doc, uint32_t doc, std::vector<char>* on_doc) {
  if (groups.empty()) return true;
  for (size_t i : at_doc) (*on_doc)[i] = true;
  bool all = true;
  for (const auto& group : groups) {
    bool any = false;
    for (size_t i : group) {
      any = i >= first_essential ? (*on_doc)[i] : clauses[i]->Advance(doc) == doc;
      if (any) break;
    }
    if (!any) {
      all = false;
      break;
    }
  }
  for (size_t i : at_doc) (*on_doc)[i] = false;
  return all;
}

}  // namespace

void CollectMaxScore(MaxScoreQuery query, uint32_t segment, const roaring_bitmap_t* deleted,
                     TopKCollector* collector) {
  const size_t n = query.clauses.size();
  if (n == 0) return;
  std::vector<std::unique_ptr<Scorer>> clauses;
  std::vector<int> group;
  {
    std::vector<size_t> order(n);
    for (size_t i = 0; i < n; ++i) order[i] = i;
    std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
      return query.clauses[a]->MaxScore() < query.clauses[b]->MaxScore();
    });
    for (size_t i : order) {
      clauses.push_back(std::move(query.clauses[i]));
      group.push_back(query.group[i]);
    }
  }
  // The clauses of each required group, to check that a candidate matches every group.
  std::vector<std::vector<size_t>> members(query.num_groups);
  for (size_t i = 0; i < n; ++i)
    if (group[i] >= 0) members[static_cast<size_t>(group[i])].push_back(i);
  for (const auto& m : members)
    if (m.empty()) return;  // a required part with no match in this segment
  Scorer* excluded = query.excluded.get();

  // upto[i]: bound of the clauses 0..i together.
  std::vector<double> upto(n);
  double sum = 0;
  for (size_t i = 0; i < n; ++i) upto[i] = sum += clauses[i]->MaxScore();
  std::vector<double> block_upto(n);
  uint32_t window_end = kNoMoreDocs;  // none yet

  double threshold = collector->threshold();
  // Clauses [0, first_essential) cannot lift a document above the threshold on their own: only
  // documents matching an essential clause are visited. Required groups do not change that: a
  // document matching only non-essential clauses cannot compete, whatever it matches.
  size_t first_essential = 0;
  auto update_essential = [&] {
    while (first_essential < n && upto[first_essential] <= threshold) ++first_essential;
  };
  update_essential();
  // Essential clauses move over candidates (two-phase: see TwoPhase), confirmed only
  // for documents that can still compete.
  bool has_two_phase = false;
  std::vector<BlockBounds*> bounds;  // parallel to clauses; null: none
  std::vector<TwoPhase*> two_phase;  // parallel to clauses; null: every candidate matches
  for (const auto& c : clauses) {
    bounds.push_back(c->block_bounds());
    two_phase.push_back(c->two_phase());
    has_two_phase |= two_phase.back() != nullptr;
  }
  // Moves the essential clauses to `target` or beyond; only they are kept current (clauses
  // only ever leave the essential set, so none falls behind).
  auto advance_essential = [&](uint32_t target) {
    for (size_t i = first_essential; i < n; ++i) {
      if (clauses[i]->doc() >= target) continue;
      if (two_phase[i] != nullptr) {
        two_phase[i]->AdvanceApproximate(target);
      } else {
        clauses[i]->Advance(target);
      }
    }
  };
  std::vector<size_t> at_doc;          // the essential clauses on the current document
  std::vector<char> on_doc(n, false);  // by clause: confirmed on the current document
  auto next_approximate = [&](size_t i) {
    if (two_phase[i] != nullptr) {
      two_phase[i]->NextApproximate();
    } else {
      clauses[i]->Next();
    }
  };
  auto next_at_doc = [&] {
    for (size_t i : at_doc) next_approximate(i);
  };
  while (first_essential < n) {
    uint32_t doc = kNoMoreDocs;
    for (size_t i = first_essential; i < n; ++i) doc = std::min(doc, clauses[i]->doc());
    if (doc == kNoMoreDocs) break;
    if (collector->full() && (doc > window_end || window_end == kNoMoreDocs)) {
      // Block-max over the whole query: the blocks of all clauses holding `doc` bound every
      // document up to the first of their ends. If that cannot reach the threshold, the window
      // is skipped; otherwise it is not looked at again until `doc` leaves it.
      // An essential clause past `doc` stands on its next candidate and adds nothing before
      // it: the narrower window up to there has a lower bound (which lets a dense clause's
      // blocks be skipped between the matches of a rare one, as a title's between a body's).
      double window_bound = 0, near_bound = 0;
      uint32_t near_end = kNoMoreDocs - 1;
      window_end = kNoMoreDocs - 1;
      for (size_t i = 0; i < n; ++i) {
        const double bound = BlockMaxScoreAtOf(*clauses[i], bounds[i], doc);
        const uint32_t end = ShallowBlockEndOf(bounds[i]);
        window_bound += bound;
        window_end = std::min(window_end, end);
        if (i >= first_essential && clauses[i]->doc() > doc) {
          near_end = std::min(near_end, clauses[i]->doc() - 1);
        } else {
          near_bound += bound;
          near_end = std::min(near_end, end);
        }
      }
      if (window_bound > threshold && near_bound <= threshold) window_end = near_end;
      if (window_bound <= threshold || near_bound <= threshold) {
        if (window_end >= kNoMoreDocs - 1) break;
        advance_essential(window_end + 1);
        continue;
      }
    }
    if (!members.empty()) {
      const uint32_t next = LeapfrogGroups(clauses, members, first_essential, doc);
      if (next == kNoMoreDocs) break;
      if (next != doc) {
        advance_essential(next);
        continue;
      }
    }
    const bool skip = (deleted != nullptr && roaring_bitmap_contains(deleted, doc)) ||
                      (excluded != nullptr && excluded->Advance(doc) == doc);
    double score = 0;
    if (!has_two_phase) {
      for (size_t i = first_essential; i < n; ++i) {
        if (clauses[i]->doc() == doc) {
          if (!skip) score += clauses[i]->Score();
          clauses[i]->Next();
        }
      }
      if (skip) continue;
    } else {
      at_doc.clear();
      bool unconfirmed = false;
      for (size_t i = first_essential; i < n; ++i) {
        if (clauses[i]->doc() == doc) {
          at_doc.push_back(i);
          unconfirmed |= two_phase[i] != nullptr;
        }
      }
      if (!skip && unconfirmed) {
        // Bound the candidate before any clause on it is confirmed; then drop the clauses
        // that do not match, and the document if no essential clause or not every group is
        // left.
        double bound = first_essential > 0 ? upto[first_essential - 1] : 0;
        for (size_t i : at_doc) {
          bound += two_phase[i] != nullptr ? two_phase[i]->ApproximateBound()
                                           : DocBoundOf(*clauses[i], bounds[i]);
        }
        if (bound > threshold) {
          size_t kept = 0;
          for (size_t i : at_doc) {
            if (two_phase[i] == nullptr || two_phase[i]->Confirm()) {
              at_doc[kept++] = i;
            } else {
              two_phase[i]->NextApproximate();
            }
          }
          at_doc.resize(kept);
          unconfirmed = at_doc.empty() ||
                        !GroupsMatch(clauses, members, first_essential, at_doc, doc, &on_doc);
        }
      }
      if (skip || unconfirmed) {
        next_at_doc();
        continue;
      }
      for (size_t i : at_doc) {
        score += clauses[i]->Score();
        next_approximate(i);
      }
    }
    // Block-max MaxScore: a document that survives the clauses' global bounds is bounded
    // again by the blocks of the non-essential clauses that hold it (block_upto[i]: clauses
    // 0..i), looked up without decoding, before any of them is advanced and scored.
    bool pruned = first_essential > 0 && score + upto[first_essential - 1] <= threshold;
    if (!pruned && first_essential > 0) {
      double bound = 0;
      for (size_t i = 0; i < first_essential; ++i)
        block_upto[i] = bound += BlockMaxScoreAtOf(*clauses[i], bounds[i], doc);
      for (size_t i = first_essential; i-- > 0;) {
        if (score + block_upto[i] <= threshold) {
          pruned = true;
          break;
        }
        if (clauses[i]->Advance(doc) == doc) score += clauses[i]->Score();
      }
    }
    if (pruned) continue;
    if (collector->Offer(score, segment, doc)) {
      threshold = collector->threshold();
      update_essential();
    }
  }
}

}  // namespace trawl
