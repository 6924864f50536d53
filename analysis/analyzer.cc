#include "analysis/analyzer.h"

#include <libstemmer.h>
#include <utf8proc.h>

#include <algorithm>
#include <array>
#include <cassert>
#include <climits>
#include <cstring>
#include <fstream>
#include <type_traits>

#include "analysis/registry.h"
#include "analysis/word_break.h"

namespace trawl {

namespace {

constexpr int32_t kSeparator = -1;
constexpr int32_t kReplacementChar = 0xFFFD;

// Lucene's EnglishAnalyzer.ENGLISH_STOP_WORDS_SET, so stop-worded token streams compare equal.
constexpr const char* kEnglishStopWords[] = {
    "a",   "an",    "and",  "are",   "as",    "at",   "be",   "but", "by",  "for",  "if",
    "in",  "into",  "is",   "it",    "no",    "not",  "of",   "on",  "or",  "such", "that",
    "the", "their", "then", "there", "these", "they", "this", "to",  "was", "will", "with"};

// Byte classes, so that the common ASCII byte costs one table load instead of a Unicode lookup.
enum ByteClass : uint8_t { kAsciiSeparator, kAsciiWord, kNonAscii };

constexpr std::array<ByteClass, 256> MakeByteClasses() {
  std::array<ByteClass, 256> classes{};
  for (int c = 0; c < 256; ++c) {
    const bool word = (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
    classes[c] = c >= 0x80 ? kNonAscii : word ? kAsciiWord : kAsciiSeparator;
  }
  return classes;
}
constexpr std::array<ByteClass, 256> kByteClasses = MakeByteClasses();

// Reads the code point at text[*pos], advancing *pos, and returns it case-folded if it belongs
// to a token, or kSeparator. U+FFFD (an invalid byte) is a symbol, hence a separator.
inline int32_t ReadFoldedWordChar(std::string_view text, size_t* pos) {
  const auto byte = static_cast<unsigned char>(text[*pos]);
  switch (kByteClasses[byte]) {
    case kAsciiSeparator:
      ++*pos;
      return kSeparator;
    case kAsciiWord:
      ++*pos;
      return byte | 0x20;  // lowercases A-Z and leaves a-z and 0-9 alone
    case kNonAscii:
      break;
  }
  const int32_t cp = DecodeUtf8(text, pos);
  return IsLetterOrDigit(cp) ? utf8proc_tolower(cp) : kSeparator;
}

// ReadFoldedWordChar without the folding: whether the code point at text[*pos] belongs to a
// token.
inline bool ReadWordChar(std::string_view text, size_t* pos) {
  switch (kByteClasses[static_cast<unsigned char>(text[*pos])]) {
    case kAsciiSeparator:
      ++*pos;
      return false;
    case kAsciiWord:
      ++*pos;
      return true;
    case kNonAscii:
      break;
  }
  return IsLetterOrDigit(DecodeUtf8(text, pos));
}

// The end of the run of ASCII letters and digits from text[p].
inline size_t AsciiWordRunEnd(std::string_view text, size_t p) {
  while (p < text.size() && kByteClasses[static_cast<unsigned char>(text[p])] == kAsciiWord) ++p;
  return p;
}

// The first byte from text[p] that is not an ASCII separator.
inline size_t SkipAsciiSeparators(std::string_view text, size_t p) {
  while (p < text.size() && kByteClasses[static_cast<unsigned char>(text[p])] == kAsciiSeparator)
    ++p;
  return p;
}

// Lowercases bytes[0, n), ASCII letters and digits: setting bit 0x20 lowercases A-Z and leaves
// a-z and 0-9 as they are, so it is done a word at a time, in pieces that overlap (setting a
// bit twice changes nothing).
inline void LowercaseAsciiWordBytes(char* bytes, size_t n) {
  auto set_bits = [bytes](size_t at, auto word) {
    std::memcpy(&word, bytes + at, sizeof(word));
    word |= static_cast<decltype(word)>(0x2020202020202020);
    std::memcpy(bytes + at, &word, sizeof(word));
  };
  if (n >= 8) {
    for (size_t at = 0; at + 8 < n; at += 8) set_bits(at, uint64_t{0});
    set_bits(n - 8, uint64_t{0});
  } else if (n >= 4) {
    set_bits(0, uint32_t{0});
    set_bits(n - 4, uint32_t{0});
  } else {
    for (size_t i = 0; i < n; ++i) bytes[i] |= 0x20;
  }
}

inline void AppendCodePoint(int32_t cp, std::string* out) {
  if (cp < 0x80) {
    out->push_back(static_cast<char>(cp));
  } else {
    AppendUtf8(cp, out);
  }
}

// Letters Lucene's ASCIIFoldingFilter folds that Unicode gives no decomposition into ASCII (and
// the two it folds otherwise than their decomposition: "ẛ" -> "f", "ﬅ" -> "ft"), in their lower
// case (tokens are case-folded first), sorted by code point. Decomposable letters ("é", "ǿ" =
// "ø" + accent, "ﬁ") need no entry: FoldToAscii decomposes them and folds the parts.
struct AsciiFolding {
  int32_t from;
  const char* to;
};
constexpr AsciiFolding kUndecomposableFoldings[] = {
    {0x00DF, "ss"}, {0x00E6, "ae"}, {0x00F0, "d"},  {0x00F8, "o"},  {0x00FE, "th"},
    {0x0111, "d"},  {0x0127, "h"},  {0x0131, "i"},  {0x0138, "q"},  {0x0140, "l"},
    {0x0142, "l"},  {0x0149, "n"},  {0x014B, "n"},  {0x0153, "oe"}, {0x0167, "t"},
    {0x0180, "b"},  {0x0183, "b"},  {0x0188, "c"},  {0x018C, "d"},  {0x0192, "f"},
    {0x0195, "hv"}, {0x0199, "k"},  {0x019A, "l"},  {0x019E, "n"},  {0x01A5, "p"},
    {0x01AB, "t"},  {0x01AD, "t"},  {0x01B4, "y"},  {0x01B6, "z"},  {0x01BF, "w"},
    {0x01DD, "e"},  {0x01E5, "g"},  {0x021D, "z"},  {0x0221, "d"},  {0x0223, "ou"},
    {0x0225, "z"},  {0x0234, "l"},  {0x0235, "n"},  {0x0236, "t"},  {0x0237, "j"},
    {0x0238, "db"}, {0x0239, "qp"}, {0x023C, "c"},  {0x023F, "s"},  {0x0240, "z"},
    {0x0247, "e"},  {0x0249, "j"},  {0x024B, "q"},  {0x024D, "r"},  {0x024F, "y"},
    {0x0250, "a"},  {0x0253, "b"},  {0x0254, "o"},  {0x0255, "c"},  {0x0256, "d"},
    {0x0257, "d"},  {0x0258, "e"},  {0x0259, "a"},  {0x025A, "a"},  {0x025B, "e"},
    {0x025C, "e"},  {0x025D, "e"},  {0x025E, "e"},  {0x025F, "j"},  {0x0260, "g"},
    {0x0261, "g"},  {0x0262, "g"},  {0x0265, "h"},  {0x0266, "h"},  {0x0268, "i"},
    {0x0269, "i"},  {0x026A, "i"},  {0x026B, "l"},  {0x026C, "l"},  {0x026D, "l"},
    {0x026F, "m"},  {0x0270, "m"},  {0x0271, "m"},  {0x0272, "n"},  {0x0273, "n"},
    {0x0274, "n"},  {0x0275, "o"},  {0x0276, "oe"}, {0x027C, "r"},  {0x027D, "r"},
    {0x027E, "r"},  {0x027F, "r"},  {0x0280, "r"},  {0x0281, "r"},  {0x0282, "s"},
    {0x0284, "j"},  {0x0287, "t"},  {0x0288, "t"},  {0x0289, "u"},  {0x028B, "v"},
    {0x028C, "v"},  {0x028D, "w"},  {0x028E, "y"},  {0x028F, "y"},  {0x0290, "z"},
    {0x0291, "z"},  {0x0297, "c"},  {0x0299, "b"},  {0x029A, "e"},  {0x029B, "g"},
    {0x029C, "h"},  {0x029D, "j"},  {0x029E, "k"},  {0x029F, "l"},  {0x02A0, "q"},
    {0x02A3, "dz"}, {0x02A5, "dz"}, {0x02A6, "ts"}, {0x02A8, "tc"}, {0x02AA, "ls"},
    {0x02AB, "lz"}, {0x02AE, "h"},  {0x02AF, "h"},  {0x1D00, "a"},  {0x1D01, "ae"},
    {0x1D02, "ae"}, {0x1D03, "b"},  {0x1D04, "c"},  {0x1D05, "d"},  {0x1D06, "d"},
    {0x1D07, "e"},  {0x1D08, "e"},  {0x1D09, "i"},  {0x1D0A, "j"},  {0x1D0B, "k"},
    {0x1D0C, "l"},  {0x1D0D, "m"},  {0x1D0E, "n"},  {0x1D0F, "o"},  {0x1D10, "o"},
    {0x1D14, "oe"}, {0x1D15, "ou"}, {0x1D16, "o"},  {0x1D17, "o"},  {0x1D18, "p"},
    {0x1D19, "r"},  {0x1D1A, "r"},  {0x1D1B, "t"},  {0x1D1C, "u"},  {0x1D20, "v"},
    {0x1D21, "w"},  {0x1D22, "z"},  {0x1D6B, "ue"}, {0x1D6C, "b"},  {0x1D6D, "d"},
    {0x1D6E, "f"},  {0x1D6F, "m"},  {0x1D70, "n"},  {0x1D71, "p"},  {0x1D72, "r"},
    {0x1D73, "r"},  {0x1D74, "s"},  {0x1D75, "t"},  {0x1D76, "z"},  {0x1D77, "g"},
    {0x1D79, "g"},  {0x1D7A, "th"}, {0x1D7B, "i"},  {0x1D7C, "i"},  {0x1D7D, "p"},
    {0x1D7E, "u"},  {0x1D80, "b"},  {0x1D81, "d"},  {0x1D82, "f"},  {0x1D83, "g"},
    {0x1D84, "k"},  {0x1D85, "l"},  {0x1D86, "m"},  {0x1D87, "n"},  {0x1D88, "p"},
    {0x1D89, "r"},  {0x1D8A, "s"},  {0x1D8C, "v"},  {0x1D8D, "x"},  {0x1D8E, "z"},
    {0x1D8F, "a"},  {0x1D91, "d"},  {0x1D92, "e"},  {0x1D93, "e"},  {0x1D94, "e"},
    {0x1D95, "a"},  {0x1D96, "i"},  {0x1D97, "o"},  {0x1D99, "u"},  {0x1E9B, "f"},
    {0x1E9C, "s"},  {0x1E9D, "s"},  {0x1EFB, "ll"}, {0x1EFF, "y"},  {0x2184, "c"},
    {0x2C61, "l"},  {0x2C65, "a"},  {0x2C66, "t"},  {0x2C68, "h"},  {0x2C6A, "k"},
    {0x2C6C, "z"},  {0x2C71, "v"},  {0x2C73, "w"},  {0x2C74, "v"},  {0x2C76, "h"},
    {0x2C78, "e"},  {0x2C7A, "o"},  {0x2C7B, "e"},  {0xA729, "tz"}, {0xA730, "f"},
    {0xA731, "s"},  {0xA733, "aa"}, {0xA735, "ao"}, {0xA737, "au"}, {0xA739, "av"},
    {0xA73B, "av"}, {0xA73D, "ay"}, {0xA73F, "c"},  {0xA741, "k"},  {0xA743, "k"},
    {0xA745, "k"},  {0xA747, "l"},  {0xA749, "l"},  {0xA74B, "o"},  {0xA74D, "o"},
    {0xA74F, "oo"}, {0xA751, "p"},  {0xA753, "p"},  {0xA755, "p"},  {0xA757, "q"},
    {0xA759, "q"},  {0xA75B, "r"},  {0xA75F, "v"},  {0xA761, "vy"}, {0xA763, "z"},
    {0xA767, "th"}, {0xA77A, "d"},  {0xA77C, "f"},  {0xA77F, "g"},  {0xA781, "l"},
    {0xA783, "r"},  {0xA785, "s"},  {0xA7FB, "f"},  {0xA7FC, "p"},  {0xA7FD, "m"},
    {0xA7FE, "i"},  {0xA7FF, "m"},  {0xFB05, "ft"},
};
static_assert(std::is_sorted(std::begin(kUndecomposableFoldings), std::end(kUndecomposableFoldings),
                             [](const AsciiFolding& a, const AsciiFolding& b) {
                               return a.from < b.from;
                             }));

const char* UndecomposableFolding(int32_t cp) {
  const auto it = std::lower_bound(
      std::begin(kUndecomposableFoldings), std::end(kUndecomposableFoldings), cp,
      [](const AsciiFolding& f, int32_t c) { return f.from < c; });
  return it != std::end(kUndecomposableFoldings) && it->from == cp ? it->to : nullptr;
}

bool IsCombiningMark(int32_t cp) {
  const utf8proc_category_t category = utf8proc_category(cp);
  return category == UTF8PROC_CATEGORY_MN || category == UTF8PROC_CATEGORY_MC ||
         category == UTF8PROC_CATEGORY_ME;
}

bool IsAsciiLetterOrDigit(int32_t cp) {
  return (cp >= '0' && cp <= '9') || (cp >= 'a' && cp <= 'z') || (cp >= 'A' && cp <= 'Z');
}

// Appends what non-ASCII `cp` folds to; false (appending nothing) when it has no ASCII form.
bool AppendAsciiEquivalent(int32_t cp, std::string* out) {
  if (const char* to = UndecomposableFolding(cp)) {
    out->append(to);
    return true;
  }
  // Compatibility decompositions are short (the longest Latin one is 3 code points; 18 in all
  // of Unicode).
  utf8proc_int32_t parts[32];
  int boundclass = 0;
  const utf8proc_ssize_t n = utf8proc_decompose_char(
      cp, parts, 32, static_cast<utf8proc_option_t>(UTF8PROC_DECOMPOSE | UTF8PROC_COMPAT),
      &boundclass);
  if (n <= 0 || n > 32 || (n == 1 && parts[0] == cp)) return false;
  const size_t mark = out->size();
  bool any = false;
  for (utf8proc_ssize_t i = 0; i < n; ++i) {
    const int32_t part = parts[i];
    if (IsCombiningMark(part)) continue;
    if (IsAsciiLetterOrDigit(part)) {
      out->push_back(static_cast<char>(part | (part >= 'A' ? 0x20 : 0)));
    } else if (const char* to = UndecomposableFolding(part)) {
      out->append(to);
    } else {
      // One part without an ASCII form ("й" = "и" + breve): the letter is not Latin, keep it.
      out->resize(mark);
      return false;
    }
    any = true;
  }
  if (!any) out->resize(mark);
  return any;
}

std::string_view TrimWhitespace(std::string_view s) {
  constexpr std::string_view kWhitespace = " \t\r\n\v\f";
  const size_t begin = s.find_first_not_of(kWhitespace);
  if (begin == std::string_view::npos) return {};
  return s.substr(begin, s.find_last_not_of(kWhitespace) - begin + 1);
}

std::string JoinLanguages() {
  std::string joined;
  for (const std::string& language : Analyzer::Languages()) {
    joined += joined.empty() ? "" : ", ";
    joined += language;
  }
  return joined;
}

}  // namespace

bool IsLetterOrDigit(int32_t cp) {
  switch (utf8proc_category(cp)) {
    case UTF8PROC_CATEGORY_LU:
    case UTF8PROC_CATEGORY_LL:
    case UTF8PROC_CATEGORY_LT:
    case UTF8PROC_CATEGORY_LM:
    case UTF8PROC_CATEGORY_LO:
    case UTF8PROC_CATEGORY_ND:
      return true;
    default:
      return false;
  }
}

int32_t DecodeUtf8(std::string_view text, size_t* pos) {
  const size_t start = *pos;
  const auto lead = static_cast<unsigned char>(text[start]);
  *pos = start + 1;  // what ASCII and every invalid sequence consume
  if (lead < 0x80) return lead;
  size_t length;
  int32_t cp;
  int32_t min_cp;  // smaller values are overlong encodings
  if ((lead & 0xE0) == 0xC0) {
    length = 2, cp = lead & 0x1F, min_cp = 0x80;
  } else if ((lead & 0xF0) == 0xE0) {
    length = 3, cp = lead & 0x0F, min_cp = 0x800;
  } else if ((lead & 0xF8) == 0xF0) {
    length = 4, cp = lead & 0x07, min_cp = 0x10000;
  } else {
    return kReplacementChar;  // a continuation byte or 0xF8..0xFF
  }
  if (length > text.size() - start) return kReplacementChar;
  for (size_t k = 1; k < length; ++k) {
    const auto byte = static_cast<unsigned char>(text[start + k]);
    if ((byte & 0xC0) != 0x80) return kReplacementChar;
    cp = (cp << 6) | (byte & 0x3F);
  }
  if (cp < min_cp || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return kReplacementChar;
  *pos = start + length;
  return cp;
}

void AppendUtf8(int32_t cp, std::string* out) {
  utf8proc_uint8_t buf[4];
  const utf8proc_ssize_t n = utf8proc_encode_char(cp, buf);
  out->append(reinterpret_cast<const char*>(buf), static_cast<size_t>(n));
}

bool HasNonAscii(std::string_view text) {
  for (char c : text)
    if (static_cast<unsigned char>(c) >= 0x80) return true;
  return false;
}

std::string FoldToAscii(std::string_view folded) {
  std::string out;
  out.reserve(folded.size());
  bool previous_folded = false;  // the previous code point became ASCII
  size_t pos = 0;
  while (pos < folded.size()) {
    const int32_t cp = DecodeUtf8(folded, &pos);
    if (cp < 0x80) {
      out.push_back(static_cast<char>(cp));
      previous_folded = true;
      continue;
    }
    // A decomposed "e\u0301" is the "é" that folds to "e".
    if (previous_folded && IsCombiningMark(cp)) continue;
    previous_folded = AppendAsciiEquivalent(cp, &out);
    if (!previous_folded) AppendUtf8(cp, &out);
  }
  return out;
}

std::vector<std::string> Analyzer::Languages() {
  std::vector<std::string> languages;
  for (const char** name = sb_stemmer_list(); *name != nullptr; ++name) {
    languages.emplace_back(*name);
  }
  return languages;
}

// A program's tokenizer and filters (include/trawl/analysis.h), chained once when the analyzer
// is made: tokenizer -> filters[0] -> ... -> filters[n-1] -> the built-in steps (case folding,
// length limit, ASCII folding, stop words, stemming), which hand each term to the caller's sink.
class Analyzer::Components {
 public:
  // Null *out when options name no registered component. InvalidArgument naming a component
  // that is neither built in nor registered in this process.
  static Status Create(const AnalyzerOptions& options, std::unique_ptr<Components>* out) {
    out->reset();
    const bool builtin_tokenizer = IsBuiltinTokenizer(options.tokenizer);
    if (builtin_tokenizer && options.filters.empty()) return Status::OK();
    std::unique_ptr<Components> c(new Components());
    if (!builtin_tokenizer) {
      TokenizerFactory factory;
      if (!FindTokenizer(options.tokenizer, &factory)) {
        return Status::InvalidArgument(
            "unknown tokenizer '" + options.tokenizer +
            "': expected simple or standard, or one registered in this program "
            "(trawl::RegisterTokenizer)");
      }
      c->tokenizer_ = Make(factory);
      if (c->tokenizer_ == nullptr) {
        return Status::InvalidArgument("tokenizer '" + options.tokenizer + "': factory made none");
      }
    }
    for (const std::string& name : options.filters) {
      TokenFilterFactory factory;
      if (!FindTokenFilter(name, &factory)) {
        return Status::InvalidArgument("unknown token filter '" + name +
                                       "': not registered in this program "
                                       "(trawl::RegisterTokenFilter)");
      }
      c->filters_.push_back(Make(factory));
      if (c->filters_.back() == nullptr) {
        return Status::InvalidArgument("token filter '" + name + "': factory made none");
      }
    }
    // Reserved first: the links point into the vector.
    c->links_.reserve(c->filters_.size());
    for (size_t i = 0; i < c->filters_.size(); ++i) c->links_.emplace_back(c->filters_[i].get());
    for (size_t i = 0; i < c->links_.size(); ++i) {
      c->links_[i].next = i + 1 < c->links_.size() ? static_cast<TokenSink*>(&c->links_[i + 1])
                                                   : &c->steps_;
    }
    *out = std::move(c);
    return Status::OK();
  }

  void Run(Analyzer* analyzer, std::string_view text,
           const std::function<void(const Token&)>& sink) {
    steps_.Start(analyzer, text.size(), &sink);
    TokenSink& head = links_.empty() ? static_cast<TokenSink&>(steps_) : links_.front();
    if (tokenizer_ != nullptr) {
      tokenizer_->Tokenize(text, head);
    } else {
      analyzer->TokenizeBuiltin(text, head);
    }
    // In chain order, so what one filter lets go at the end still passes the filters after it.
    for (FilterLink& link : links_) link.filter->Finish(*link.next);
  }

 private:
  Components() = default;

  // noexcept: a program's factory must not throw through the library.
  template <typename Factory>
  static std::invoke_result_t<const Factory&> Make(const Factory& factory) noexcept {
    return factory();
  }

  struct FilterLink : TokenSink {
    explicit FilterLink(TokenFilter* f) : filter(f) {}
    void Add(const Token& token) override { filter->Filter(token, *next); }
    TokenFilter* filter;
    TokenSink* next = nullptr;
  };

  // Steps 3 to 7 of the pipeline (trawl/analysis.h) for each token that reaches them, with the
  // Analyzer's own buffers, stop words and stem cache.
  class BuiltinSteps : public TokenSink {
   public:
    void Start(Analyzer* analyzer, size_t text_bytes,
               const std::function<void(const Token&)>* sink) {
      analyzer_ = analyzer;
      text_bytes_ = static_cast<uint32_t>(std::min<size_t>(text_bytes, UINT32_MAX));
      sink_ = sink;
      last_position_ = 0;
    }

    void Add(const Token& token) override {
      Analyzer& a = *analyzer_;
      // The index's positions and snippets rely on these whatever a component did.
      const uint32_t position = std::max(token.position, last_position_);
      last_position_ = position;
      const uint32_t end = std::min(token.end_byte, text_bytes_);
      const uint32_t start = std::min(token.start_byte, end);
      a.folded_.clear();
      uint32_t chars = 0;
      size_t pos = 0;
      while (pos < token.term.size()) {
        const int32_t cp = DecodeUtf8(token.term, &pos);
        if (++chars <= a.options_.max_token_chars) {
          AppendCodePoint(utf8proc_tolower(cp), &a.folded_);
        }
      }
      if (chars == 0) return;
      if (chars > a.options_.max_token_chars) {
        ++a.dropped_long_tokens_;
        return;
      }
      a.FoldCurrentTokenToAscii();
      if (a.IsStopword()) return;
      const std::string_view term = a.CachedStem();
      if (term.empty()) return;
      (*sink_)(Token{term, position, start, end});
    }

   private:
    Analyzer* analyzer_ = nullptr;
    uint32_t text_bytes_ = 0;
    const std::function<void(const Token&)>* sink_ = nullptr;
    uint32_t last_position_ = 0;
  };

  std::unique_ptr<Tokenizer> tokenizer_;  // null: the analyzer's built-in one
  std::vector<std::unique_ptr<TokenFilter>> filters_;
  std::vector<FilterLink> links_;  // links_[i] feeds filters_[i]
  BuiltinSteps steps_;
};

void Analyzer::AnalyzeWithComponents(std::string_view text,
                                     const std::function<void(const Token&)>& sink) noexcept {
  components_->Run(this, text, sink);
}

void Analyzer::TokenizeBuiltin(std::string_view text, TokenSink& out) {
  size_t pos = 0;
  uint32_t next_position = 0;
  TokenSpan span;
  while (NextToken(text, &pos, &span)) {
    const uint32_t position = next_position++;
    // Its folded form is cut short, so the built-in steps could not tell it is too long.
    if (span.chars > options_.max_token_chars) {
      ++dropped_long_tokens_;
      continue;
    }
    // The built-in steps fold into folded_ while the filters may still hold this word.
    builtin_word_.swap(folded_);
    out.Add(Token{builtin_word_, position, static_cast<uint32_t>(span.start),
                  static_cast<uint32_t>(span.end)});
  }
}

Status Analyzer::Create(const AnalyzerOptions& options, std::unique_ptr<Analyzer>* out) {
  if (options.max_token_chars == 0) {
    return Status::InvalidArgument("max_token_chars must be at least 1");
  }
  std::unique_ptr<Analyzer> analyzer(new Analyzer());
  TRAWL_RETURN_IF_ERROR(Components::Create(options, &analyzer->components_));
  analyzer->options_ = options;
  analyzer->standard_tokenizer_ = options.tokenizer == "standard";
  // Lucene's EnglishAnalyzer strips possessives before stemming; Snowball "english" would also
  // remove them, but "porter" (what Anserini's Porter filter is) would not.
  analyzer->strip_possessives_ = analyzer->standard_tokenizer_ &&
                                 (options.language == "english" || options.language == "porter");
  if (options.language != "none") {
    analyzer->stemmer_ = sb_stemmer_new(options.language.c_str(), "UTF_8");
    if (analyzer->stemmer_ == nullptr) {
      return Status::InvalidArgument("unknown language '" + options.language +
                                     "': expected none or one of " + JoinLanguages());
    }
  }
  TRAWL_RETURN_IF_ERROR(analyzer->LoadStopwords());
  *out = std::move(analyzer);
  return Status::OK();
}

Analyzer::~Analyzer() {
  if (stemmer_ != nullptr) sb_stemmer_delete(stemmer_);
}

Status Analyzer::LoadStopwords() {
  if (options_.stopwords.empty()) return Status::OK();
  if (options_.stopwords == "english") {
    stopwords_.insert(std::begin(kEnglishStopWords), std::end(kEnglishStopWords));
    return Status::OK();
  }
  return LoadStopwordFile(options_.stopwords);
}

Status Analyzer::LoadStopwordFile(const std::string& path) {
  std::ifstream in(path);
  if (!in) return Status::InvalidArgument("cannot open stopword file '" + path + "'");
  std::string line;
  bool first_line = true;
  while (std::getline(in, line)) {
    std::string_view word = line;
    // Editors on Windows like to start UTF-8 files with a byte order mark.
    if (first_line && word.starts_with("\xEF\xBB\xBF")) word.remove_prefix(3);
    first_line = false;
    word = TrimWhitespace(word.substr(0, word.find('#')));
    // Folded here because tokens are compared after folding.
    if (!word.empty()) stopwords_.insert(Fold(word));
  }
  // A directory opens fine and only fails on the first read.
  if (in.bad()) return Status::InvalidArgument("cannot read stopword file '" + path + "'");
  return Status::OK();
}

bool Analyzer::NextToken(std::string_view text, size_t* pos, TokenSpan* span) {
  return standard_tokenizer_ ? NextStandardToken(text, pos, span)
                             : NextSimpleToken(text, pos, span);
}

bool Analyzer::NextStandardToken(std::string_view text, size_t* pos, TokenSpan* span) {
  if (!NextWord(text, pos, &span->start, &span->end)) return false;
  folded_.clear();
  span->chars = 0;
  size_t p = span->start;
  while (p < span->end) {
    const auto byte = static_cast<unsigned char>(text[p]);
    int32_t cp;
    if (byte < 0x80) {
      ++p;
      cp = byte >= 'A' && byte <= 'Z' ? byte | 0x20 : byte;
    } else {
      cp = DecodeUtf8(text, &p);
      // Invisible inside a word (soft hyphen, joiners): "co\u00ADoperate" is "cooperate".
      if (WordBreakOf(cp) == WordBreak::kFormat) continue;
      cp = cp == 0x2019 || cp == 0xFF07 ? '\'' : utf8proc_tolower(cp);
    }
    if (++span->chars <= options_.max_token_chars) AppendCodePoint(cp, &folded_);
  }
  if (strip_possessives_ && folded_.size() > 2 && folded_.ends_with("'s")) {
    folded_.resize(folded_.size() - 2);
  }
  return true;
}

// Text is mostly runs of ASCII letters and digits between ASCII separators: those are passed a
// run at a time, in locals (a store through `pos` may alias the text's bytes, so a loop over it
// reloads both every byte), and only other bytes are decoded one code point at a time.
bool Analyzer::NextSimpleToken(std::string_view text, size_t* pos, TokenSpan* span) {
  size_t p = SkipAsciiSeparators(text, *pos);
  folded_.clear();
  // Past the limit the token will be dropped, so there is no point in growing the buffer.
  const size_t max_chars = options_.max_token_chars;
  size_t chars = 0;  // of the token so far; 0 while separators are skipped
  size_t start = p, end = p;
  while (p < text.size()) {
    const size_t run_end = AsciiWordRunEnd(text, p);
    if (run_end > p) {
      if (chars == 0) start = p;
      const size_t run = run_end - p;
      const size_t kept = chars >= max_chars ? 0 : std::min(run, max_chars - chars);
      if (kept > 0) {
        const size_t at = folded_.size();
        folded_.append(text.data() + p, kept);
        LowercaseAsciiWordBytes(folded_.data() + at, kept);
      }
      chars += run;
      p = end = run_end;
      if (p >= text.size()) break;
    }
    const size_t at = p;
    const int32_t cp = ReadFoldedWordChar(text, &p);
    if (cp == kSeparator) {
      if (chars > 0) break;  // the separator that ends a token is consumed with it
      p = SkipAsciiSeparators(text, p);
      continue;
    }
    if (chars == 0) start = at;
    if (++chars <= max_chars) AppendCodePoint(cp, &folded_);
    end = p;
  }
  *pos = p;
  if (chars == 0) return false;
  span->start = start;
  span->end = end;
  span->chars = static_cast<uint32_t>(std::min<size_t>(chars, UINT32_MAX));
  return true;
}

void Analyzer::FoldCurrentTokenToAscii() {
  if (!options_.ascii_folding || !HasNonAscii(folded_)) return;
  ascii_folded_ = FoldToAscii(folded_);
  folded_.swap(ascii_folded_);
}

bool Analyzer::IsStopword() const { return !stopwords_.empty() && stopwords_.contains(folded_); }

std::string_view Analyzer::Stem(std::string_view word) {
  if (stemmer_ == nullptr || word.size() > static_cast<size_t>(INT_MAX)) return word;
  const sb_symbol* stem = sb_stemmer_stem(stemmer_, reinterpret_cast<const sb_symbol*>(word.data()),
                                          static_cast<int>(word.size()));
  if (stem == nullptr) return word;  // the stemmer ran out of memory: index the word as is
  return std::string_view(reinterpret_cast<const char*>(stem),
                          static_cast<size_t>(sb_stemmer_length(stemmer_)));
}

std::string_view Analyzer::CachedStem() {
  if (stemmer_ == nullptr) return folded_;
  return stem_memo_.Get(folded_, [this](std::string_view word) { return Stem(word); });
}

template <typename BatchSink>
void Analyzer::AnalyzeBuiltinInBatches(std::string_view text, BatchSink&& sink) {
  // A batch of words is folded before any is stemmed, each word's stem memo set prefetched as
  // it is folded: a lookup that missed the cache stalled every token's analysis on it, while
  // tokenizing and folding the batch's other words hides the load.
  size_t pos = 0;
  uint32_t next_position = 0;
  TokenSpan span;
  bool more = true;
  while (more) {
    size_t pending = 0;
    pending_words_.clear();
    while (pending < kBatchTokens && (more = NextToken(text, &pos, &span))) {
      const uint32_t position = next_position++;
      if (span.chars > options_.max_token_chars) {
        ++dropped_long_tokens_;
        continue;
      }
      FoldCurrentTokenToAscii();
      if (IsStopword()) continue;
      PendingWord& word = pending_[pending++];
      word.position = position;
      word.start = static_cast<uint32_t>(span.start);
      word.end = static_cast<uint32_t>(span.end);
      word.memo = stemmer_ != nullptr && StemMemo::Keeps(folded_);
      if (word.memo) {  // the probe holds the word
        word.probe = StemMemo::ProbeOf(folded_);
        stem_memo_.Prefetch(word.probe);
      } else {
        word.offset = static_cast<uint32_t>(pending_words_.size());
        word.bytes = static_cast<uint32_t>(folded_.size());
        pending_words_.Append(folded_);
      }
    }
    // A stem is valid only until the next lookup: the batch's are copied out.
    batch_size_ = 0;
    batch_terms_.clear();
    const auto stem = [this](std::string_view w) { return Stem(w); };
    for (size_t i = 0; i < pending; ++i) {
      const PendingWord& word = pending_[i];
      const std::string_view term =
          word.memo ? stem_memo_.Get(word.probe.word(), word.probe, stem)
                    : stem(std::string_view(pending_words_.data() + word.offset, word.bytes));
      // Snowball "porter" stems "s" to nothing; an empty term would be indexed and searched.
      if (term.empty()) continue;
      AddToBatch(Token{term, word.position, word.start, word.end});
    }
    if (batch_size_ > 0) sink(TakeBatch());
  }
}

void Analyzer::AddToBatch(const Token& token) {
  assert(batch_size_ < kBatchTokens);
  batch_[batch_size_] = token;
  batch_terms_.Append(token.term);
  batch_term_ends_[batch_size_++] = static_cast<uint32_t>(batch_terms_.size());
}

std::span<const Token> Analyzer::TakeBatch() {
  uint32_t start = 0;
  for (size_t i = 0; i < batch_size_; ++i) {
    batch_[i].term = std::string_view(batch_terms_.data() + start, batch_term_ends_[i] - start);
    start = batch_term_ends_[i];
  }
  return std::span<const Token>(batch_, batch_size_);
}

void Analyzer::Analyze(std::string_view text, const std::function<void(const Token&)>& sink) {
  if (components_ != nullptr) return AnalyzeWithComponents(text, sink);
  AnalyzeBuiltinInBatches(text, [&sink](std::span<const Token> batch) {
    for (const Token& token : batch) sink(token);
  });
}

void Analyzer::AnalyzeInBatches(std::string_view text,
                                const std::function<void(std::span<const Token>)>& sink) {
  if (components_ == nullptr) return AnalyzeBuiltinInBatches(text, sink);
  // A program's components hand over one token at a time: gathered into batches here.
  batch_size_ = 0;
  batch_terms_.clear();
  auto flush = [&] {
    if (batch_size_ > 0) sink(TakeBatch());
    batch_size_ = 0;
    batch_terms_.clear();
  };
  AnalyzeWithComponents(text, [&](const Token& token) {
    AddToBatch(token);
    if (batch_size_ == kBatchTokens) flush();
  });
  flush();
}

bool Analyzer::NextTokenBytes(std::string_view text, size_t* pos, size_t* start, size_t* end) {
  assert(restarts_at_tokens());
  if (standard_tokenizer_) return NextWord(text, pos, start, end);
  // NextSimpleToken's boundaries, passed as it passes them (runs of ASCII at a time): whether
  // a code point belongs to a token does not depend on its case.
  size_t p = *pos;
  size_t first;
  do {
    p = SkipAsciiSeparators(text, p);
    if (p >= text.size()) {
      *pos = p;
      return false;
    }
    first = p;
  } while (!ReadWordChar(text, &p));
  size_t last;
  do {
    p = last = AsciiWordRunEnd(text, p);
  } while (p < text.size() && ReadWordChar(text, &p));
  *pos = p;
  *start = first;
  *end = last;
  return true;
}

std::vector<std::string> Analyzer::Terms(std::string_view text) {
  std::vector<std::string> terms;
  Analyze(text, [&terms](const Token& token) { terms.emplace_back(token.term); });
  return terms;
}

std::string Analyzer::Fold(std::string_view word) {
  std::string folded;
  folded.reserve(word.size());
  size_t pos = 0;
  while (pos < word.size()) {
    int32_t cp = DecodeUtf8(word, &pos);
    if (standard_tokenizer_ && (cp == 0x2019 || cp == 0xFF07)) cp = '\'';
    AppendCodePoint(utf8proc_tolower(cp), &folded);
  }
  if (options_.ascii_folding && HasNonAscii(folded)) return FoldToAscii(folded);
  return folded;
}

}  // namespace trawl
