#include "searcher/snippet.h"

#include <algorithm>
#include <boost/container/small_vector.hpp>
#include <climits>
#include <cstdint>
#include <optional>
#include <span>
#include <unordered_map>
#include <vector>

namespace trawl {

namespace {

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

// Bytes shown as they are: ASCII that is neither space nor control.
bool IsVisibleAscii(char c) {
  const auto u = static_cast<unsigned char>(c);
  return u > 0x20 && u < 0x7F;
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

// A snippet's text with the means to load it (none when it is all in memory). A failed load
// is remembered: what follows reads nothing more, and the snippet is not used.
class SnippetText {
 public:
  // `load` null or empty: the text is all in memory.
  SnippetText(std::string_view text, const LoadText* load) : text_(text), load_(load) {}
  std::string_view text() const { return text_; }
  bool failed() const { return failed_; }
  bool Load(size_t begin, size_t end) {
    end = std::min(end, text_.size());
    if (load_ == nullptr || !*load_ || begin >= end) return !failed_;
    if (!failed_ && !(*load_)(begin, end)) failed_ = true;
    return !failed_;
  }

 private:
  std::string_view text_;
  const LoadText* load_;
  bool failed_ = false;
};

// Whether text[begin, end) holds a byte that is not space. Loaded a piece at a time from the
// `from_end` side (the side next to the window, loaded already): the answer is usually the first
// byte read.
bool HasNonSpace(SnippetText& source, size_t begin, size_t end, bool from_end) {
  constexpr size_t kPiece = 4096;
  const std::string_view text = source.text();
  while (begin < end) {
    const size_t n = std::min(kPiece, end - begin);
    const size_t piece_begin = from_end ? end - n : begin;
    if (!source.Load(piece_begin, piece_begin + n)) return false;
    const std::string_view piece = text.substr(piece_begin, n);
    if (std::any_of(piece.begin(), piece.end(), [](char c) { return !IsSpaceByte(c); }))
      return true;
    if (from_end) {
      end -= n;
    } else {
      begin += n;
    }
  }
  return false;
}

// A snippet's per-hit lists, inline up to a size most hits stay within: a page of hits makes
// a snippet for each, and their allocations were a fifth of a snippet's instructions.
template <typename T, size_t N>
using SmallVector = boost::container::small_vector<T, N>;
using Tokens = SmallVector<SnippetToken, 64>;
// (position, index of the query term), by position.
using Hits = SmallVector<std::pair<uint32_t, int>, 32>;
std::span<const SnippetToken> AsSpan(const Tokens& tokens) {
  return {tokens.data(), tokens.size()};
}

// SnapStart, SnapEnd and RenderSnippet take `analyzed`, a callable that returns the analyzed
// tokens (those Analyzer::Analyze emits) of every token that starts or ends within a window's
// bytes, in order (empty if they cannot be had); it is asked only where a window's edge falls
// inside a run without whitespace.

// Moves a window start forward to where a word begins, but never past `limit` (the first match).
// Whitespace boundaries read best; inside a long run without whitespace (URLs, CJK) an analyzed
// token's boundary will do.
template <typename AnalyzedTokens>
size_t SnapStart(std::string_view text, const AnalyzedTokens& analyzed, size_t start,
                 size_t limit) {
  if (start == 0 || IsSpaceByte(text[start - 1]) || IsSpaceByte(text[start])) return start;
  for (size_t p = start; p < limit; ++p)
    if (IsSpaceByte(text[p])) return p;
  {
    const std::span<const SnippetToken> tokens = analyzed();
    auto it = std::lower_bound(tokens.begin(), tokens.end(), start,
                               [](const SnippetToken& t, size_t pos) { return t.start < pos; });
    if (it != tokens.end() && it->start <= limit) return it->start;
  }
  while (start < limit && IsContinuationByte(text[start])) ++start;
  return start;
}

// Moves a window end back to where a word ends, but never before `limit` (the end of the last
// match); the mirror image of SnapStart.
template <typename AnalyzedTokens>
size_t SnapEnd(std::string_view text, const AnalyzedTokens& analyzed, size_t end, size_t limit) {
  if (end >= text.size()) return text.size();
  if (IsSpaceByte(text[end]) || (end > 0 && IsSpaceByte(text[end - 1]))) return end;
  for (size_t p = end; p > limit; --p)
    if (IsSpaceByte(text[p - 1])) return p;
  // The last token ending at or before `end`.
  {
    const std::span<const SnippetToken> tokens = analyzed();
    auto it = std::upper_bound(tokens.begin(), tokens.end(), end,
                               [](size_t pos, const SnippetToken& t) { return pos < t.end; });
    if (it != tokens.begin() && std::prev(it)->end >= limit && std::prev(it)->end > 0)
      return std::prev(it)->end;
  }
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
  std::string_view term(int i) const { return list_[static_cast<size_t>(i)]; }
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
  SmallVector<std::string_view, 8> list_;  // into the caller's set
  std::unordered_map<std::string_view, int> index_;
};

// The bytes a snippet shows of a text of text_size bytes, before they are snapped to word
// boundaries (which only narrows them): without a match, the start of the text; else the
// matches, a little context before them and the rest after (results read forwards), with the
// budget the end of the text cannot use going to the front.
struct Window {
  size_t start;
  size_t end;
};
Window PlaceWindow(size_t text_size, bool matched, size_t match_start, size_t match_end,
                   size_t max_chars) {
  if (!matched) return {0, std::min(text_size, max_chars)};
  const size_t slack =
      max_chars > match_end - match_start ? max_chars - (match_end - match_start) : 0;
  size_t before = std::min(match_start, slack / 4);
  const size_t after = std::min(text_size - match_end, slack - before);
  before = std::min(match_start, slack - after);
  return {match_start - before, match_end + after};
}

// The snippet text for a chosen window: tokens must hold every match (a token with a term) that
// starts or ends within PlaceWindow's bytes, in order, and may hold other tokens; `analyzed`
// gives the analyzed tokens there for a snap inside a run without whitespace. scan_truncated:
// text is only the start of the field's value. Reads the text within max_chars + 1 bytes of the
// matches, and beyond only until a byte that is not space on either side.
template <typename AnalyzedTokens>
std::string RenderSnippet(SnippetText& source, std::span<const SnippetToken> tokens,
                          const AnalyzedTokens& analyzed, bool matched, size_t match_start,
                          size_t match_end, size_t max_chars, bool scan_truncated,
                          std::string_view begin_mark, std::string_view end_mark) {
  const std::string_view text = source.text();
  if (!source.Load(match_start > max_chars ? match_start - max_chars - 1 : 0,
                   match_end + std::min(max_chars, text.size()) + 1))
    return std::string();
  const Window placed = PlaceWindow(text.size(), matched, match_start, match_end, max_chars);
  size_t start = 0, end = 0;
  if (!matched) {
    end = SnapEnd(text, analyzed, placed.end, 0);
  } else {
    start = SnapStart(text, analyzed, placed.start, match_start);
    end = SnapEnd(text, analyzed, placed.end, match_end);
  }

  std::string out;
  out.reserve(end - start + 16);
  if (HasNonSpace(source, 0, start, /*from_end=*/true)) out += kEllipsis;
  const size_t content_begin = out.size();
  bool pending_space = false;
  auto token = std::lower_bound(tokens.begin(), tokens.end(), start,
                                [](const SnippetToken& t, size_t pos) { return t.start < pos; });
  auto next_match = token;  // the first match starting after i
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
    if (IsVisibleAscii(text[i])) {
      // Most text is: copied a run at a time, up to the next match.
      while (next_match != tokens.end() && (next_match->start <= i || next_match->term < 0))
        ++next_match;
      const size_t limit =
          next_match == tokens.end() ? end : std::min<size_t>(end, next_match->start);
      size_t run_end = i + 1;
      while (run_end < limit && IsVisibleAscii(text[run_end])) ++run_end;
      if (pending_space && out.size() > content_begin) out += ' ';
      pending_space = false;
      out.append(text.substr(i, run_end - i));
      i = run_end;
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
  if (scan_truncated || HasNonSpace(source, end, text.size(), /*from_end=*/false)) out += kEllipsis;
  return out;
}

}  // namespace

std::string MakeSnippet(std::string_view text, Analyzer& analyzer,
                        const std::unordered_set<std::string>& terms, size_t max_chars,
                        std::string_view begin_mark, std::string_view end_mark) {
  return MakeSnippetScanning(text, analyzer, terms, max_chars, begin_mark, end_mark,
                             kSnippetFirstScanBytes, kSnippetMaxScanBytes);
}

std::string MakeSnippetScanning(std::string_view text, Analyzer& analyzer,
                                const std::unordered_set<std::string>& terms, size_t max_chars,
                                std::string_view begin_mark, std::string_view end_mark,
                                size_t first_scan_bytes, size_t max_scan_bytes) {
  if (max_chars == 0) return std::string();
  const bool full_truncated = text.size() > max_scan_bytes;
  if (full_truncated) {
    size_t cut = max_scan_bytes;
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
  for (size_t limit : {first_scan_bytes, max_scan_bytes}) {
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
  const bool matched = best_distinct > 0;
  SnippetText source(text, nullptr);
  return RenderSnippet(
      source, tokens, [&] { return std::span<const SnippetToken>(tokens); }, matched,
      matched ? tokens[hits[best_first]].start : 0, matched ? tokens[hits[best_last]].end : 0,
      max_chars, scan_truncated, begin_mark, end_mark);
}

namespace {

// The field's text cut into the intervals between token marks. Where a posting's position lies
// in the text is found by the tokenizer alone (Analyzer::NextTokenBytes), run through an
// interval only as far as the positions asked for. The text a snippet shows is tokenized too,
// and its matches are the postings': a hit's own token must analyze to its term, and the rest is
// analyzed (every match then one of the postings and every posting a match) only when the
// window's edge needs the analyzed tokens.
class MarkedText {
 public:
  MarkedText(SnippetText& source, Analyzer& analyzer, const QueryTerms& query_terms,
             const std::vector<TokenMark>& marks, const Hits& hits)
      : source_(source),
        text_(source.text()),
        analyzer_(analyzer),
        query_terms_(query_terms),
        hits_(hits) {
    bounds_.reserve(marks.size() + 2);
    bounds_.push_back({0, 0});
    bounds_.insert(bounds_.end(), marks.begin(), marks.end());
    bounds_.push_back({UINT32_MAX, static_cast<uint32_t>(text_.size())});
    intervals_.resize(bounds_.size() - 1);
  }

  // False once the text disagrees with the marks or the postings.
  bool consistent() const { return consistent_; }
  // The bytes of the intervals read so far.
  size_t read_bytes() const { return read_bytes_; }

  // The bytes of the token at `position`, which a hit names; false if the text has none there.
  bool TokenAt(uint32_t position, size_t* start, size_t* end) {
    const Interval& in = TokenizedUntil(IntervalOfPosition(position),
                                        [&](const Span& s) { return s.position >= position; });
    auto it = std::lower_bound(in.spans.begin(), in.spans.end(), position,
                               [](const Span& s, uint32_t p) { return s.position < p; });
    if (it == in.spans.end() || it->position != position) {
      consistent_ = false;
      return false;
    }
    *start = it->start;
    *end = it->end;
    return true;
  }

  // The start and position of the last token starting before `byte` (0 and 0 when none does:
  // the text's start); false if the text disagrees with the marks.
  bool LastTokenStartingBefore(size_t byte, size_t* start, uint32_t* position) {
    *start = 0;
    *position = 0;
    if (byte == 0 || text_.empty()) return consistent_;
    const size_t k = IntervalOfByte(std::min(byte, text_.size()) - 1);
    const Interval& in = TokenizedUntil(k, [&](const Span& s) { return s.start >= byte; });
    auto after = std::lower_bound(in.spans.begin(), in.spans.end(), byte,
                                  [](const Span& s, size_t b) { return s.start < b; });
    if (after != in.spans.begin()) {
      *start = std::prev(after)->start;
      *position = std::prev(after)->position;
    } else if (k > 0) {
      consistent_ = false;  // an interval starts with its mark's token
    }
    return consistent_;
  }

  // Every token that starts or ends in bytes [begin, end], found by the tokenizer alone, each
  // with the term its position's hit names (-1 without one): the text from the last token
  // starting at or before `begin` to the first starting after `end`. A hit's token must analyze,
  // alone, to the hit's term; the others are not analyzed, as the postings list every match.
  void TokenizedAround(size_t begin, size_t end, Tokens* tokens) {
    Tokens& out = *tokens;
    out.clear();
    Around around;
    if (!FindAround(begin, end, &around)) return;
    auto hit = FirstHitAt(around.from_position);
    const std::string_view piece =
        text_.substr(around.from_byte, around.to_byte - around.from_byte);
    size_t next = 0, start, stop;
    for (uint32_t position = around.from_position;
         analyzer_.NextTokenBytes(piece, &next, &start, &stop); ++position) {
      const SnippetToken token{static_cast<uint32_t>(around.from_byte + start),
                               static_cast<uint32_t>(around.from_byte + stop), -1};
      out.push_back(token);
      if (position >= around.to_position) consistent_ = false;
      if (hit == hits_.end() || hit->first != position) continue;
      out.back().term = hit->second;
      if (!AnalyzesTo(text_.substr(token.start, token.end - token.start), hit->second))
        consistent_ = false;
      ++hit;
    }
    if (hit != hits_.end() && hit->first < around.to_position) consistent_ = false;
  }

  // The analyzed tokens, as Analyzer::Analyze of the whole text gives them, of every token that
  // starts or ends in bytes [begin, end]: the text TokenizedAround reads is analyzed, from its
  // first token's position, and its matches checked against the postings.
  void TokensAround(size_t begin, size_t end, Tokens* tokens) {
    Tokens& out = *tokens;
    out.clear();
    Around around;
    if (!FindAround(begin, end, &around)) return;
    auto hit = FirstHitAt(around.from_position);
    analyzer_.Analyze(text_.substr(around.from_byte, around.to_byte - around.from_byte),
                      [&](const Token& t) {
                        const uint32_t position = around.from_position + t.position;
                        const int term = query_terms_.Find(t.term);
                        out.push_back({static_cast<uint32_t>(around.from_byte + t.start_byte),
                                       static_cast<uint32_t>(around.from_byte + t.end_byte), term});
                        if (position >= around.to_position) consistent_ = false;
                        if (term < 0) return;
                        if (hit == hits_.end() || hit->first != position || hit->second != term) {
                          consistent_ = false;
                        } else {
                          ++hit;
                        }
                      });
    if (hit != hits_.end() && hit->first < around.to_position) consistent_ = false;
  }

 private:
  struct Span {
    uint32_t position;
    uint32_t start;
    uint32_t end;
  };
  struct Interval {
    bool read = false;
    bool done = false;
    size_t next = 0;  // where the tokenizer goes on, from the interval's first byte
    std::vector<Span> spans;
  };

  // The text that holds every token starting or ending in some bytes: from the token at
  // from_position, which starts at from_byte, to the one at to_position (to_byte; the text's
  // end when there is none).
  struct Around {
    size_t from_byte = 0;
    uint32_t from_position = 0;
    size_t to_byte = 0;
    uint32_t to_position = UINT32_MAX;
  };

  // Around bytes [begin, end], loaded; false if the text disagrees with the marks or cannot be
  // loaded.
  bool FindAround(size_t begin, size_t end, Around* out) {
    begin = std::min(begin, text_.size());
    end = std::min(end, text_.size());
    if (!LastTokenStartingBefore(begin + 1, &out->from_byte, &out->from_position)) return false;
    out->to_byte = text_.size();
    out->to_position = UINT32_MAX;
    const size_t k = IntervalOfByte(end);
    const Interval& in = TokenizedUntil(k, [&](const Span& s) { return s.start > end; });
    auto after = std::upper_bound(in.spans.begin(), in.spans.end(), end,
                                  [](size_t b, const Span& s) { return b < s.start; });
    if (after != in.spans.end()) {
      out->to_byte = after->start;
      out->to_position = after->position;
    } else if (k + 1 < intervals_.size()) {
      out->to_byte = bounds_[k + 1].byte;
      out->to_position = bounds_[k + 1].position;
    }
    if (!consistent_ || !source_.Load(out->from_byte, out->to_byte)) consistent_ = false;
    return consistent_;
  }

  Hits::const_iterator FirstHitAt(uint32_t position) const {
    return std::lower_bound(
        hits_.begin(), hits_.end(), position,
        [](const std::pair<uint32_t, int>& h, uint32_t p) { return h.first < p; });
  }

  // Whether a token's bytes, analyzed alone, are one token of query term `term`.
  bool AnalyzesTo(std::string_view token, int term) {
    // Reached through one pointer, so that the callback fits std::function's inline storage:
    // this is asked of every match a snippet shows.
    struct {
      std::string_view want;
      size_t tokens = 0;
      bool same = false;
    } seen{query_terms_.term(term)};
    analyzer_.Analyze(token, [s = &seen](const Token& t) {
      ++s->tokens;
      s->same = t.term == s->want;
    });
    return seen.tokens == 1 && seen.same;
  }

  size_t IntervalOfPosition(uint32_t position) const {
    auto it = std::upper_bound(bounds_.begin(), bounds_.end() - 1, position,
                               [](uint32_t p, const TokenMark& m) { return p < m.position; });
    return static_cast<size_t>(it - bounds_.begin()) - 1;
  }
  size_t IntervalOfByte(size_t byte) const {
    auto it = std::upper_bound(bounds_.begin(), bounds_.end() - 1, byte,
                               [](size_t b, const TokenMark& m) { return b < m.byte; });
    return static_cast<size_t>(it - bounds_.begin()) - 1;
  }

  // Interval k, tokenized on until its last token found is `enough` or it has no more.
  template <typename Enough>
  const Interval& TokenizedUntil(size_t k, Enough enough) {
    Interval& in = intervals_[k];
    const TokenMark from = bounds_[k];
    const TokenMark to = bounds_[k + 1];
    if (!in.read) {
      in.read = true;
      if (!source_.Load(from.byte, to.byte)) {
        consistent_ = false;
        in.done = true;
      }
      read_bytes_ += to.byte - from.byte;
      // A marked interval holds its marks' distance in tokens, the last one a token every few
      // bytes; bounded, as damaged marks may be far apart.
      constexpr size_t kMaxReserve = 512;
      const size_t guess = k + 2 < bounds_.size() ? size_t{to.position - from.position}
                                                  : (to.byte - from.byte) / 4 + 1;
      in.spans.reserve(std::min(guess, kMaxReserve));
    }
    const std::string_view piece = text_.substr(from.byte, to.byte - from.byte);
    while (!in.done && (in.spans.empty() || !enough(in.spans.back()))) {
      size_t start, end;
      if (!analyzer_.NextTokenBytes(piece, &in.next, &start, &end)) {
        in.done = true;
        break;
      }
      const Span span{from.position + static_cast<uint32_t>(in.spans.size()),
                      static_cast<uint32_t>(from.byte + start),
                      static_cast<uint32_t>(from.byte + end)};
      // A mark is where a token starts, and the tokenizer restarts there as it ran: the first
      // token must be the marked one, and the interval's tokens end before the next mark's.
      if ((k > 0 && in.spans.empty() && span.start != from.byte) ||
          (k + 1 < intervals_.size() && span.position >= to.position)) {
        consistent_ = false;
        in.done = true;
        break;
      }
      in.spans.push_back(span);
    }
    return in;
  }

  SnippetText& source_;
  std::string_view text_;
  Analyzer& analyzer_;
  const QueryTerms& query_terms_;
  const Hits& hits_;
  SmallVector<TokenMark, 8> bounds_;  // interval k is [bounds_[k], bounds_[k + 1])
  std::vector<Interval> intervals_;
  size_t read_bytes_ = 0;
  bool consistent_ = true;
};

}  // namespace

namespace {

// The query terms' positions as (position, index of the term in query_terms), by position; false
// if the marks are not strictly increasing inside the text, or if two terms share a position.
bool MatchesOfPositions(size_t text_size, const std::vector<TokenMark>& marks,
                        const std::vector<TermPositions>& positions, const QueryTerms& query_terms,
                        Hits* hits) {
  for (size_t i = 0; i < marks.size(); ++i) {
    const TokenMark previous = i == 0 ? TokenMark{} : marks[i - 1];
    if (marks[i].position <= previous.position || marks[i].byte <= previous.byte ||
        marks[i].byte >= text_size)
      return false;
  }
  size_t total = 0;
  for (const TermPositions& tp : positions) total += tp.positions.size();
  hits->reserve(total);
  for (const TermPositions& tp : positions) {
    const int id = query_terms.Find(tp.term);
    if (id < 0) continue;
    for (uint32_t p : tp.positions) hits->emplace_back(p, id);
  }
  std::sort(hits->begin(), hits->end());
  // One token is one term.
  return std::adjacent_find(hits->begin(), hits->end(), [](const auto& a, const auto& b) {
           return a.first == b.first;
         }) == hits->end();
}

}  // namespace

std::optional<size_t> CountMatchesInPrefix(std::string_view text, Analyzer& analyzer,
                                           const std::unordered_set<std::string>& terms,
                                           const std::vector<TokenMark>& marks,
                                           const std::vector<TermPositions>& positions,
                                           size_t prefix_bytes, const LoadText& load) {
  const QueryTerms query_terms(terms);
  Hits hits;
  if (!MatchesOfPositions(text.size(), marks, positions, query_terms, &hits)) return std::nullopt;
  if (prefix_bytes >= text.size()) return hits.size();
  // The tokens before the last one starting in the prefix are whole in it; that one, perhaps
  // cut, and what follows it in the prefix are analyzed as the prefix alone would be.
  SnippetText source(text, &load);
  MarkedText marked(source, analyzer, query_terms, marks, hits);
  size_t start = 0;
  uint32_t position = 0;
  if (!marked.LastTokenStartingBefore(prefix_bytes, &start, &position)) return std::nullopt;
  if (!source.Load(start, prefix_bytes)) return std::nullopt;
  size_t count = static_cast<size_t>(
      std::lower_bound(hits.begin(), hits.end(), std::make_pair(position, INT_MIN)) -
      hits.begin());
  analyzer.Analyze(text.substr(start, prefix_bytes - start),
                   [&](const Token& t) { count += query_terms.Find(t.term) >= 0; });
  return count;
}

std::optional<std::string> MakeSnippetFromMarks(
    std::string_view text, Analyzer& analyzer, const std::unordered_set<std::string>& terms,
    const std::vector<TokenMark>& marks, const std::vector<TermPositions>& positions,
    size_t max_chars, std::string_view begin_mark, std::string_view end_mark,
    const LoadText& load) {
  if (max_chars == 0) return std::string();
  const QueryTerms query_terms(terms);
  Hits hits;
  if (!MatchesOfPositions(text.size(), marks, positions, query_terms, &hits)) return std::nullopt;

  SnippetText source(text, &load);
  MarkedText marked(source, analyzer, query_terms, marks, hits);
  SmallVector<int, 8> seen(query_terms.size(), 0);
  size_t present = 0;
  for (const auto& h : hits) present += seen[h.second]++ == 0;

  // A window of at most max_chars bytes spans fewer than max_chars positions (a token is at
  // least a byte): the distinct terms of the hits that close in positions bound what a window
  // ending at a hit can hold, so only the hits whose bound beats the best are measured in bytes.
  // Measured, a window is what MakeSnippet's sliding window finds: for each last hit, the earliest
  // first hit within max_chars bytes; only a strictly better one replaces the best.
  size_t best_distinct = 0, best_first = 0, best_last = 0;
  SmallVector<int, 8> in_bound(query_terms.size(), 0), in_window(query_terms.size(), 0);
  size_t bound = 0, low = 0;
  SmallVector<size_t, 32> starts(hits.size(), SIZE_MAX), ends(hits.size(), 0);
  auto measure = [&](size_t i) {
    if (starts[i] == SIZE_MAX) marked.TokenAt(hits[i].first, &starts[i], &ends[i]);
    return marked.consistent();
  };
  for (size_t last = 0; last < hits.size() && best_distinct < present; ++last) {
    if (in_bound[hits[last].second]++ == 0) ++bound;
    while (hits[last].first - hits[low].first >= max_chars) {
      if (--in_bound[hits[low].second] == 0) --bound;
      ++low;
    }
    if (bound <= best_distinct) continue;
    if (marked.read_bytes() > kSnippetMaxScanBytes) break;  // the same budget as a full scan
    if (!measure(last)) return std::nullopt;
    size_t first = low;
    for (; first < last; ++first) {
      if (!measure(first)) return std::nullopt;
      if (ends[last] - starts[first] <= max_chars) break;
    }
    std::fill(in_window.begin(), in_window.end(), 0);
    size_t distinct = 0;
    for (size_t j = first; j <= last; ++j) distinct += in_window[hits[j].second]++ == 0;
    if (distinct > best_distinct) {
      best_distinct = distinct;
      best_first = first;
      best_last = last;
    }
  }

  const bool matched = best_distinct > 0;
  const size_t match_start = matched ? starts[best_first] : 0;
  const size_t match_end = matched ? ends[best_last] : 0;
  const Window window = PlaceWindow(text.size(), matched, match_start, match_end, max_chars);
  // The window's tokens by the tokenizer, its matches from the postings: only a snap inside a
  // run without whitespace needs the analyzed tokens (which the analysis checks again).
  Tokens tokens;
  marked.TokenizedAround(window.start, window.end, &tokens);
  if (!marked.consistent()) return std::nullopt;
  // The window was measured from where the intervals' tokenizer put the matches; the window's
  // tokenizer must have put them there too.
  for (size_t j = best_first; matched && j <= best_last; ++j) {
    if (starts[j] == SIZE_MAX) continue;  // not measured
    auto t = std::lower_bound(tokens.begin(), tokens.end(), starts[j],
                              [](const SnippetToken& t, size_t b) { return t.start < b; });
    if (t == tokens.end() || t->start != starts[j] || t->end != ends[j] || t->term < 0)
      return std::nullopt;
  }
  Tokens analyzed;
  bool analyzed_made = false;
  auto analyzed_tokens = [&]() -> std::span<const SnippetToken> {
    if (!analyzed_made) marked.TokensAround(window.start, window.end, &analyzed);
    analyzed_made = true;
    return marked.consistent() ? AsSpan(analyzed) : std::span<const SnippetToken>();
  };
  std::string snippet = RenderSnippet(source, AsSpan(tokens), analyzed_tokens, matched, match_start,
                                      match_end, max_chars,
                                      /*scan_truncated=*/false, begin_mark, end_mark);
  if (source.failed() || !marked.consistent()) return std::nullopt;
  return snippet;
}

}  // namespace trawl
