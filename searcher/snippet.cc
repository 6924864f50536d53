#include "searcher/snippet.h"

#include <algorithm>
#include <cstdint>
#include <unordered_map>
#include <vector>

namespace trawl {

namespace {

// Only the start of a huge document is scanned: a snippet must stay cheap next to the query,
// and a result list rarely needs a match from megabytes into a document.
constexpr size_t kMaxScanBytes = 1u << 20;
constexpr size_t kFirstScanBytes = 1u << 16;

constexpr std::string_view kEllipsis = "…";

struct SnippetToken {
  uint32_t start;
  uint32_t end;
  int term;  // index of the distinct query term it matches, or -1
};

bool IsContinuationByte(char c) { return (static_cast<unsigned char>(c) & 0xC0) == 0x80; }

// ASCII whitespace and control bytes. Controls are folded too so that a stored ESC sequence can
// never reach a terminal through a snippet.
bool IsSpaceByte(char c) {
  const auto u = static_cast<unsigned char>(c);
  return u <= 0x20 || u == 0x7F;
}

// Code points shown as one folded space: IsSpaceByte, C1 controls (0x9B is a terminal CSI),
// Unicode spaces and separators, and the byte order mark.
bool IsSpaceCodePoint(int32_t cp) {
  if (cp <= 0x20 || cp == 0x7F) return true;
  if (cp >= 0x80 && cp <= 0xA0) return true;
  if (cp >= 0x2000 && cp <= 0x200A) return true;
  switch (cp) {
    case 0x1680:
    case 0x2028:
    case 0x2029:
    case 0x202F:
    case 0x205F:
    case 0x3000:
    case 0xFEFF:
      return true;
    default:
      return false;
  }
}

bool HasNonSpace(std::string_view text) {
  return std::any_of(text.begin(), text.end(), [](char c) { return !IsSpaceByte(c); });
}

// Moves a window start forward to where a word begins, but never past `limit` (the first match).
// Whitespace boundaries read best; inside a long run without whitespace (URLs, CJK) a token
// boundary will do.
size_t SnapStart(std::string_view text, const std::vector<SnippetToken>& tokens, size_t start,
                 size_t limit) {
  if (start == 0 || IsSpaceByte(text[start - 1]) || IsSpaceByte(text[start])) return start;
  for (size_t p = start; p < limit; ++p)
    if (IsSpaceByte(text[p])) return p;
  auto it = std::lower_bound(tokens.begin(), tokens.end(), start,
                             [](const SnippetToken& t, size_t pos) { return t.start < pos; });
  if (it != tokens.end() && it->start <= limit) return it->start;
  while (start < limit && IsContinuationByte(text[start])) ++start;
  return start;
}

// Moves a window end back to where a word ends, but never before `limit` (the end of the last
// match); the mirror image of SnapStart.
size_t SnapEnd(std::string_view text, const std::vector<SnippetToken>& tokens, size_t end,
               size_t limit) {
  if (end >= text.size()) return text.size();
  if (IsSpaceByte(text[end]) || (end > 0 && IsSpaceByte(text[end - 1]))) return end;
  for (size_t p = end; p > limit; --p)
    if (IsSpaceByte(text[p - 1])) return p;
  // The last token ending at or before `end`.
  auto it = std::upper_bound(tokens.begin(), tokens.end(), end,
                             [](size_t pos, const SnippetToken& t) { return pos < t.end; });
  if (it != tokens.begin() && std::prev(it)->end >= limit && std::prev(it)->end > 0)
    return std::prev(it)->end;
  while (end > limit && IsContinuationByte(text[end])) --end;
  return end;
}

// The index of a token's term among the query's terms, or -1: asked of every token a snippet
// analyzes, so a query's few terms are compared in place rather than hashed.
class QueryTerms {
 public:
  explicit QueryTerms(const std::unordered_set<std::string>& terms)
      : list_(terms.begin(), terms.end()) {
    if (list_.size() > kMaxLinear)
      for (size_t i = 0; i < list_.size(); ++i) index_.emplace(list_[i], static_cast<int>(i));
  }
  size_t size() const { return list_.size(); }
  int Find(std::string_view term) const {
    if (list_.size() > kMaxLinear) {
      const auto it = index_.find(term);
      return it == index_.end() ? -1 : it->second;
    }
    for (size_t i = 0; i < list_.size(); ++i)
      if (list_[i] == term) return static_cast<int>(i);
    return -1;
  }

 private:
  static constexpr size_t kMaxLinear = 16;
  std::vector<std::string_view> list_;  // into the caller's set
  std::unordered_map<std::string_view, int> index_;
};

}  // namespace

std::string MakeSnippet(std::string_view text, Analyzer& analyzer,
                        const std::unordered_set<std::string>& terms, size_t max_chars,
                        std::string_view begin_mark, std::string_view end_mark) {
  if (max_chars == 0) return std::string();
  const bool full_truncated = text.size() > kMaxScanBytes;
  if (full_truncated) {
    size_t cut = kMaxScanBytes;
    while (cut > 0 && IsContinuationByte(text[cut])) --cut;
    text = text.substr(0, cut);
  }

  // Most documents show every query term early: scan a short prefix first and the rest of the
  // budget only when that prefix lacks a term (analysis is the cost of a snippet).
  const std::string_view full = text;
  std::vector<SnippetToken> tokens;
  std::vector<size_t> hits;  // indexes into tokens
  const QueryTerms query_terms(terms);
  size_t best_distinct = 0, best_first = 0, best_last = 0;
  for (size_t limit : {kFirstScanBytes, kMaxScanBytes}) {
    text = full;
    if (text.size() > limit) {
      size_t cut = limit;
      while (cut > 0 && IsContinuationByte(text[cut])) --cut;
      text = text.substr(0, cut);
    }
    tokens.clear();
    hits.clear();
    best_distinct = best_first = best_last = 0;
    analyzer.Analyze(text, [&](const Token& t) {
      const int id = query_terms.Find(t.term);
      if (id >= 0) hits.push_back(tokens.size());
      tokens.push_back({t.start_byte, t.end_byte, id});
    });

    // Slide over the matches: for each last match, the earliest first match that keeps the span
    // within max_chars. Only a strictly better window replaces the best, so ties go to the earliest.
    {
      std::vector<int> in_window(query_terms.size(), 0);
      size_t distinct = 0, first = 0;
      for (size_t last = 0; last < hits.size(); ++last) {
        if (in_window[tokens[hits[last]].term]++ == 0) ++distinct;
        while (first < last && tokens[hits[last]].end - tokens[hits[first]].start > max_chars) {
          if (--in_window[tokens[hits[first]].term] == 0) --distinct;
          ++first;
        }
        if (distinct > best_distinct) {
          best_distinct = distinct;
          best_first = first;
          best_last = last;
        }
      }
    }

    if (best_distinct == terms.size() || text.size() == full.size()) break;
  }
  const bool scan_truncated = text.size() < full.size() || full_truncated;

  size_t start = 0, end = 0;
  if (best_distinct == 0) {
    end = SnapEnd(text, tokens, std::min(text.size(), max_chars), 0);
  } else {
    const size_t match_start = tokens[hits[best_first]].start;
    const size_t match_end = tokens[hits[best_last]].end;
    const size_t slack =
        max_chars > match_end - match_start ? max_chars - (match_end - match_start) : 0;
    // A little context before the matches and the rest after: results read forwards. Budget
    // the end of the text cannot use goes to the front.
    size_t before = std::min(match_start, slack / 4);
    const size_t after = std::min(text.size() - match_end, slack - before);
    before = std::min(match_start, slack - after);
    start = SnapStart(text, tokens, match_start - before, match_start);
    end = SnapEnd(text, tokens, match_end + after, match_end);
  }

  std::string out;
  out.reserve(end - start + 16 + best_distinct * (begin_mark.size() + end_mark.size()));
  if (HasNonSpace(text.substr(0, start))) out += kEllipsis;
  const size_t content_begin = out.size();
  bool pending_space = false;
  auto token = std::lower_bound(tokens.begin(), tokens.end(), start,
                                [](const SnippetToken& t, size_t pos) { return t.start < pos; });
  const std::string_view window = text.substr(0, end);
  size_t i = start;
  while (i < end) {
    while (token != tokens.end() && token->start < i) ++token;
    if (token != tokens.end() && token->start == i && token->term >= 0 && token->end <= end) {
      if (pending_space && out.size() > content_begin) out += ' ';
      pending_space = false;
      // Tokens hold only letters and digits, hence valid UTF-8: copied as they are.
      out += begin_mark;
      out.append(text.substr(i, token->end - i));
      out += end_mark;
      i = token->end;
      continue;
    }
    const size_t at = i;
    const int32_t cp = DecodeUtf8(window, &i);
    if (IsSpaceCodePoint(cp)) {
      pending_space = true;
      continue;
    }
    if (pending_space && out.size() > content_begin) out += ' ';
    pending_space = false;
    if (cp == 0xFFFD && i - at == 1) {
      AppendUtf8(cp, &out);  // an invalid byte: replaced, so the output stays valid UTF-8
    } else {
      out.append(text.substr(at, i - at));
    }
  }
  if (scan_truncated || HasNonSpace(text.substr(end))) out += kEllipsis;
  return out;
}

}  // namespace trawl
