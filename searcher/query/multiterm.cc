#include "searcher/query/multiterm.h"

#include <algorithm>
#include <map>
#include <utility>

#include "searcher/query/bitmap.h"
#include "searcher/query/boolean.h"
#include "searcher/query/term.h"

namespace trawl {

std::u32string CodePoints(std::string_view s) {
  std::u32string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size();) {
    const unsigned char c = static_cast<unsigned char>(s[i]);
    const size_t n = c < 0x80           ? 1
                     : (c >> 5) == 0x6  ? 2
                     : (c >> 4) == 0xE  ? 3
                     : (c >> 3) == 0x1E ? 4
                                        : 0;
    bool valid = n > 0 && i + n <= s.size();
    char32_t cp = n == 1 ? c : n == 2 ? c & 0x1F : n == 3 ? c & 0x0F : c & 0x07;
    for (size_t k = 1; valid && k < n; ++k) {
      const unsigned char cc = static_cast<unsigned char>(s[i + k]);
      valid = (cc & 0xC0) == 0x80;
      cp = (cp << 6) | (cc & 0x3F);
    }
    if (!valid) {
      out.push_back(c);
      ++i;
    } else {
      out.push_back(cp);
      i += n;
    }
  }
  return out;
}

uint32_t EditDistance(std::u32string_view a, std::u32string_view b, uint32_t max_edits) {
  const uint32_t over = max_edits + 1;
  const size_t diff = a.size() > b.size() ? a.size() - b.size() : b.size() - a.size();
  if (diff > max_edits) return over;
  // Three rows of the optimal-string-alignment table: two back for transpositions.
  std::vector<uint32_t> before(b.size() + 1), previous(b.size() + 1), current(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) previous[j] = static_cast<uint32_t>(j);
  for (size_t i = 1; i <= a.size(); ++i) {
    current[0] = static_cast<uint32_t>(i);
    uint32_t row_min = current[0];
    for (size_t j = 1; j <= b.size(); ++j) {
      const uint32_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
      uint32_t d = std::min({previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) {
        d = std::min(d, before[j - 2] + 1);
      }
      current[j] = d;
      row_min = std::min(row_min, d);
    }
    // Every later cell descends from this row (or the one before, for a transposition, which
    // costs 1 on top of it), so once a row and its predecessor are past the limit, all are.
    if (row_min > max_edits && i > 1 &&
        *std::min_element(previous.begin(), previous.end()) > max_edits) {
      return over;
    }
    std::swap(before, previous);
    std::swap(previous, current);
  }
  return std::min(previous[b.size()], over);
}

namespace {

// One element of a parsed wildcard pattern.
struct GlobPart {
  enum Kind { kLiteral, kOne, kAny } kind;
  char32_t cp = 0;
};

std::vector<GlobPart> ParseGlob(std::string_view pattern) {
  std::vector<GlobPart> parts;
  const std::u32string cps = CodePoints(pattern);
  for (size_t i = 0; i < cps.size(); ++i) {
    if (cps[i] == U'\\' && i + 1 < cps.size()) {
      parts.push_back({GlobPart::kLiteral, cps[++i]});
    } else if (cps[i] == U'?') {
      parts.push_back({GlobPart::kOne});
    } else if (cps[i] == U'*') {
      parts.push_back({GlobPart::kAny});
    } else {
      parts.push_back({GlobPart::kLiteral, cps[i]});
    }
  }
  return parts;
}

// Greedy matching that returns to the last '*' on a mismatch: linear in the common case and
// O(pattern · term) at worst, never exponential.
bool GlobMatches(const std::vector<GlobPart>& pattern, std::u32string_view term) {
  size_t p = 0, t = 0;
  size_t star = SIZE_MAX, star_t = 0;
  while (t < term.size()) {
    if (p < pattern.size() &&
        (pattern[p].kind == GlobPart::kOne ||
         (pattern[p].kind == GlobPart::kLiteral && pattern[p].cp == term[t]))) {
      ++p;
      ++t;
    } else if (p < pattern.size() && pattern[p].kind == GlobPart::kAny) {
      star = p++;
      star_t = t;
    } else if (star != SIZE_MAX) {
      p = star + 1;
      t = ++star_t;
    } else {
      return false;
    }
  }
  while (p < pattern.size() && pattern[p].kind == GlobPart::kAny) ++p;
  return p == pattern.size();
}

}  // namespace

bool WildcardMatches(std::string_view pattern, std::string_view term) {
  return GlobMatches(ParseGlob(pattern), CodePoints(term));
}

std::string WildcardLiteralPrefix(std::string_view pattern) {
  std::string out;
  for (size_t i = 0; i < pattern.size(); ++i) {
    if (pattern[i] == '*' || pattern[i] == '?') break;
    if (pattern[i] == '\\' && i + 1 < pattern.size()) ++i;
    out += pattern[i];
  }
  return out;
}

Status NewFuzzyWeight(const IndexContext& index, const std::string& field, const std::string& word,
                      uint32_t max_edits, double boost, std::unique_ptr<Weight>* out,
                      const ExpansionLimit& limit) {
  out->reset();
  if (index.Field(field) == nullptr) return Status::OK();
  const std::u32string query = CodePoints(word);
  // Every term of the field is read, in every segment: a fuzzy word costs a pass over the
  // field's dictionaries (Lucene intersects a Levenshtein automaton with the terms index
  // instead). The length check keeps most terms from a distance computation.
  std::map<std::string, uint32_t, std::less<>> within;  // term -> distance
  LoopStop loop_stop(index.stop);
  for (const SegmentReader* segment : index.segments) {
    const int fid = segment->FieldId(field);
    if (fid < 0) continue;
    size_t in_segment = 0;  // terms of this segment within reach
    TRAWL_RETURN_IF_ERROR(segment->ForEachTermWithPrefix(
        static_cast<uint32_t>(fid), "", [&](std::string_view term, const TermInfo&) {
          // A pass over whole dictionaries, before any document is looked at.
          if (loop_stop.Tick()) return false;
          const auto known = within.find(term);
          if (known != within.end()) return ++in_segment <= index.limits.max_expansions;
          const std::u32string cps = CodePoints(term);
          const uint32_t d = EditDistance(query, cps, max_edits);
          if (d > max_edits) return true;
          within.emplace(std::string(term), d);
          return ++in_segment <= index.limits.max_expansions;
        }));
    if (index.stop != nullptr && index.stop->stopped()) return index.stop->status();
    if (in_segment > index.limits.max_expansions) return limit.Exceeded(index, field);
  }
  // Over shards on several machines, the words within reach in the other shards' dictionaries
  // too (their statistics hold every term each shard expanded the word to), so that every shard
  // keeps the same best expansions and blends the same document frequency as one index would.
  if (index.statistics != nullptr) {
    const auto in_field = index.statistics->doc_freq.find(field);
    if (in_field != index.statistics->doc_freq.end()) {
      for (const auto& [term, df] : in_field->second) {
        if (df == 0 || within.count(term) != 0) continue;
        const uint32_t d = EditDistance(query, CodePoints(term), max_edits);
        if (d <= max_edits) within.emplace(term, d);
      }
    }
  }
  struct Candidate {
    std::string term;
    uint32_t distance;
    size_t length;  // in code points
    TermInSegments entries;
  };
  std::vector<Candidate> candidates;
  for (auto& [term, distance] : within) {
    Candidate c{term, distance, CodePoints(term).size(), {}};
    TRAWL_RETURN_IF_ERROR(index.LookUpTerm(field, term, &c.entries));
    if (c.entries.doc_freq > 0) candidates.push_back(std::move(c));
  }
  std::sort(candidates.begin(), candidates.end(), [](const Candidate& a, const Candidate& b) {
    if (a.distance != b.distance) return a.distance < b.distance;
    if (a.entries.doc_freq != b.entries.doc_freq) return a.entries.doc_freq > b.entries.doc_freq;
    return a.term < b.term;
  });
  if (candidates.size() > kMaxFuzzyExpansions) candidates.resize(kMaxFuzzyExpansions);
  if (candidates.empty()) return Status::OK();
  uint64_t blended_df = 0;
  for (const Candidate& c : candidates) blended_df = std::max(blended_df, c.entries.doc_freq);
  std::vector<std::unique_ptr<Weight>> terms;
  for (Candidate& c : candidates) {
    const size_t shorter = std::min(c.length, query.size());
    const double similarity = shorter == 0
                                  ? (c.distance == 0 ? 1.0 : 0.0)
                                  : std::max(0.0, 1.0 - static_cast<double>(c.distance) / shorter);
    terms.push_back(NewTermWeight(index, field, std::move(c.term), std::move(c.entries),
                                  boost * similarity, blended_df));
  }
  if (terms.size() == 1) {
    *out = std::move(terms.front());
  } else {
    *out = NewBooleanWeight(index, {}, std::move(terms), {});
  }
  return Status::OK();
}

namespace {

// The documents holding any term of a field that matches a wildcard pattern: the terms after
// the pattern's literal prefix (the whole field when it starts with a wildcard), each matched
// against the pattern.
class WildcardWeight final : public TermUnionWeight {
 public:
  WildcardWeight(const IndexContext& index, std::string field, const std::string& pattern,
                 double score, ExpansionLimit limit)
      : TermUnionWeight(index, std::move(field), WildcardLiteralPrefix(pattern), score,
                        std::move(limit)),
        glob_(ParseGlob(pattern)) {}

 protected:
  bool Keeps(std::string_view term) const override { return GlobMatches(glob_, CodePoints(term)); }

 private:
  std::vector<GlobPart> glob_;
};

}  // namespace

std::unique_ptr<Weight> NewWildcardWeight(const IndexContext& index, std::string field,
                                          std::string pattern, double score,
                                          ExpansionLimit limit) {
  return std::make_unique<WildcardWeight>(index, std::move(field), pattern, score,
                                          std::move(limit));
}

}  // namespace trawl
