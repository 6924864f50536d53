// The text analyzer: UTF-8 text -> tokens (runs of Unicode letters and digits, or UAX #29 words),
// case folded, optionally stop-worded, Snowball-stemmed. Indexing and querying must use the same settings,
// which is why every commit records them. A field may put a program's own tokenizer and token
// filters (include/trawl/analysis.h) into the pipeline; without them the built-in path runs
// exactly as before, with no virtual call or copy per token.
#ifndef TRAWL_ANALYSIS_ANALYZER_H_
#define TRAWL_ANALYSIS_ANALYZER_H_

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

#include "analysis/stem_memo.h"
#include "common/short_bytes.h"
#include "trawl/analysis.h"
#include "trawl/status.h"

struct sb_stemmer;

namespace trawl {

struct AnalyzerOptions {
  // "simple": a token is a run of Unicode letters and digits ("don't" -> "don", "t"; "3.14" ->
  // "3", "14"). "standard": Unicode word boundaries (UAX #29) as Lucene's StandardTokenizer
  // finds them ("don't", "e.g", "3.14", "1,000", "foo_bar" stay whole; Han characters are one
  // token each), with Lucene's English possessive filter ("john's" -> "john") when the language
  // is english or porter, and ’ read as '. See analysis/word_break.h. Or the name of a
  // tokenizer the program registered (RegisterTokenizer).
  std::string tokenizer = "simple";
  // Registered token filters (RegisterTokenFilter), applied in this order after the tokenizer
  // and before case folding, ASCII folding, stop words and stemming.
  std::vector<std::string> filters;
  // Any Snowball algorithm libstemmer knows ("english", "porter", "french", ...), or "none".
  std::string language = "english";
  // "" = none; "english" = Lucene's 33 English stop words; otherwise a file, one word a line,
  // '#' starts a comment.
  std::string stopwords;
  // Longer tokens (in code points) are dropped and counted, but still use up a position.
  uint32_t max_token_chars = 255;
  // Folds case-folded tokens to ASCII as Lucene's ASCIIFoldingFilter does ("café" -> "cafe",
  // "straße" -> "strasse", "œuvre" -> "oeuvre"), before stop words and stemming; letters with no
  // ASCII form (Greek, Cyrillic, Han, ...) stay as they are. See FoldToAscii.
  bool ascii_folding = false;

  bool operator==(const AnalyzerOptions&) const = default;
};

class Analyzer {
 public:
  // InvalidArgument naming a bad language (with the valid ones), an unreadable stopword file, or
  // a tokenizer or filter that is neither built in nor registered in this process.
  static Status Create(const AnalyzerOptions& options, std::unique_ptr<Analyzer>* out);
  ~Analyzer();
  Analyzer(const Analyzer&) = delete;
  Analyzer& operator=(const Analyzer&) = delete;

  // Calls sink for every token of text, in order (Token: term folded and stemmed, valid only
  // during the callback; positions 0-based, non-decreasing, with gaps where stop words and
  // dropped tokens were; the original word is text[start_byte, end_byte)). Not thread-safe
  // (the stemmer has state and buffers are reused): one Analyzer per thread.
  void Analyze(std::string_view text, const std::function<void(const Token&)>& sink);
  // As Analyze, the tokens handed over in order a batch of at most kBatchTokens at a time
  // (their terms valid during the call): a consumer that looks each term up in a table of its
  // own can then fetch the batch's entries ahead, as the analyzer does for its stems.
  static constexpr size_t kBatchTokens = 32;
  void AnalyzeInBatches(std::string_view text,
                        const std::function<void(std::span<const Token>)>& sink);
  // The built-in tokenizer alone: the bytes [*start, *end) of the next token at or after
  // text[*pos], advancing *pos; false when there is none. Every token Analyze counts a position
  // for comes out, one call each and in order (stop words, tokens too long and tokens that
  // stem to nothing included), without being folded further or stemmed: a snippet finds the
  // bytes of a posting's position at a fraction of the cost of analysis. Only for the built-in
  // pipeline (restarts_at_tokens()).
  bool NextTokenBytes(std::string_view text, size_t* pos, size_t* start, size_t* end);
  // The terms only, for queries and tests.
  std::vector<std::string> Terms(std::string_view text);
  // Case-folds a word without stemming (prefix queries): "Résumé" -> "résumé", or "resume"
  // with ascii_folding.
  std::string Fold(std::string_view word);
  uint64_t dropped_long_tokens() const { return dropped_long_tokens_; }
  const AnalyzerOptions& options() const { return options_; }
  // True for the built-in pipeline, which analyzes text from any token's start exactly as it
  // ran there (positions counted from that token): what token marks need. A program's own
  // tokenizer or filters promise nothing of the kind.
  bool restarts_at_tokens() const { return components_ == nullptr; }
  // The Snowball algorithms libstemmer offers ("none" is accepted as well).
  static std::vector<std::string> Languages();

 private:
  Analyzer() = default;
  Status LoadStopwords();
  Status LoadStopwordFile(const std::string& path);
  struct TokenSpan {
    size_t start;  // bytes of the input
    size_t end;
    uint32_t chars;  // code points, counted past max_token_chars although folded_ stops there
  };
  // Folds the next token at or after *pos into folded_; false when text has no more tokens.
  bool NextToken(std::string_view text, size_t* pos, TokenSpan* span);
  bool NextSimpleToken(std::string_view text, size_t* pos, TokenSpan* span);
  bool NextStandardToken(std::string_view text, size_t* pos, TokenSpan* span);
  // ascii_folding: folds folded_ in place.
  void FoldCurrentTokenToAscii();
  bool IsStopword() const;
  // word stemmed (word itself without a stemmer); valid until the next call of either.
  std::string_view Stem(std::string_view word);
  std::string_view CachedStem();
  // The pipeline with a program's components (include/trawl/analysis.h). noexcept: an
  // exception from one must not cross the library.
  void AnalyzeWithComponents(std::string_view text,
                             const std::function<void(const Token&)>& sink) noexcept;
  // Analyze's built-in pipeline; sink(std::span<const Token>) gets each batch.
  template <typename BatchSink>
  void AnalyzeBuiltinInBatches(std::string_view text, BatchSink&& sink);
  // Copies the token's term into the batch; TakeBatch points the terms at their copies.
  void AddToBatch(const Token& token);
  std::span<const Token> TakeBatch();
  // The built-in tokenizer's words, case-folded but not yet ASCII-folded, as Tokens.
  void TokenizeBuiltin(std::string_view text, TokenSink& out);
  // The registered tokenizer and filters, chained to the built-in steps (analyzer.cc).
  class Components;

  AnalyzerOptions options_;
  bool standard_tokenizer_ = false;
  bool strip_possessives_ = false;
  sb_stemmer* stemmer_ = nullptr;
  // Folded word -> Stem(), so that most tokens are not stemmed again (analysis/stem_memo.h).
  StemMemo stem_memo_;
  std::unordered_set<std::string> stopwords_;
  uint64_t dropped_long_tokens_ = 0;
  std::string folded_;  // the current token, reused so the hot path does not allocate
  std::string ascii_folded_;  // folded_ folded to ASCII, swapped with it
  // Analyze's words folded but not yet stemmed: the stem memo's probe holds a word it keeps,
  // pending_words_ the others' bytes back to back.
  struct PendingWord {
    uint32_t position;
    uint32_t start;
    uint32_t end;
    bool memo;
    uint32_t offset;  // without memo
    uint32_t bytes;
    StemMemo::Probe probe;  // with memo
  };
  PendingWord pending_[kBatchTokens];
  ShortBytesBuffer pending_words_;
  // The batch handed to a sink, its terms' bytes back to back in batch_terms_ (token i's end
  // in batch_term_ends_[i]; the views are taken once the batch is complete).
  Token batch_[kBatchTokens];
  size_t batch_size_ = 0;
  ShortBytesBuffer batch_terms_;
  uint32_t batch_term_ends_[kBatchTokens];
  // Null without registered components: the built-in path then never looks at it.
  std::unique_ptr<Components> components_;
  std::string builtin_word_;  // a built-in tokenizer's word while the components see it
};

// `folded` (case-folded UTF-8) with every code point that has an ASCII equivalent replaced by
// it, as Lucene's ASCIIFoldingFilter: Unicode's compatibility decomposition without its marks
// when that leaves only ASCII letters and digits ("é" -> "e", "ﬁ" -> "fi", "ǆ" -> "dz"), and a
// table for letters Unicode does not decompose ("ß" -> "ss", "æ" -> "ae", "ø" -> "o",
// "ł" -> "l", "þ" -> "th", ...). A combining mark after a folded letter goes with it ("e\u0301"
// -> "e"). Anything else is kept, so non-Latin text is untouched.
std::string FoldToAscii(std::string_view folded);
// True if FoldToAscii could change `text`: it has a byte outside ASCII.
bool HasNonAscii(std::string_view text);

// Whether code point cp belongs to a token of the simple tokenizer: a Unicode letter (Lu, Ll,
// Lt, Lm, Lo) or decimal digit (Nd).
bool IsLetterOrDigit(int32_t cp);
// Decodes one UTF-8 code point at text[*pos] (*pos < text.size()), advancing *pos. Invalid,
// overlong, surrogate or truncated sequences decode as U+FFFD and consume exactly one byte.
int32_t DecodeUtf8(std::string_view text, size_t* pos);
// Appends cp (a valid scalar value) as UTF-8.
void AppendUtf8(int32_t cp, std::string* out);

}  // namespace trawl

#endif  // TRAWL_ANALYSIS_ANALYZER_H_
