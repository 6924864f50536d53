// The text analyzer: UTF-8 text -> tokens (runs of Unicode letters and digits), case folded,
// optionally stop-worded, Snowball-stemmed. Indexing and querying use the same settings, which
// every commit records.
#ifndef TRAWL_COMMON_ANALYZER_H_
#define TRAWL_COMMON_ANALYZER_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

#include "trawl/status.h"

struct sb_stemmer;

namespace trawl {

struct AnalyzerOptions {
  // Any Snowball algorithm libstemmer knows ("english", "porter", "french", ...), or "none".
  std::string language = "english";
  // "" = none; "english" = Lucene's 33 English stop words; otherwise a file, one word a line.
  std::string stopwords;
  // Longer tokens are dropped (and counted) but still use up a position.
  uint32_t max_token_chars = 255;
};

struct Token {
  std::string_view term;  // folded and stemmed; valid only during the callback
  uint32_t position;      // 0-based; stop words and dropped tokens leave gaps
  uint32_t start_byte;    // the token's bytes in the input, for snippets
  uint32_t end_byte;
};

class Analyzer {
 public:
  // InvalidArgument naming a bad language (with the valid ones) or an unreadable stopword file.
  static Status Create(const AnalyzerOptions& options, std::unique_ptr<Analyzer>* out);
  ~Analyzer();
  Analyzer(const Analyzer&) = delete;
  Analyzer& operator=(const Analyzer&) = delete;

  // Calls sink for every token of text, in order. Not thread-safe (the stemmer has state).
  void Analyze(std::string_view text, const std::function<void(const Token&)>& sink);
  std::vector<std::string> Terms(std::string_view text);
  // Case-folds a word without stemming (prefix queries).
  std::string Fold(std::string_view word);
  uint64_t dropped_long_tokens() const { return dropped_long_tokens_; }
  const AnalyzerOptions& options() const { return options_; }
  static std::vector<std::string> Languages();

 private:
  Analyzer() = default;
  std::string_view Stem(const std::string& folded);
  AnalyzerOptions options_;
  sb_stemmer* stemmer_ = nullptr;
  std::unordered_set<std::string> stopwords_;
  uint64_t dropped_long_tokens_ = 0;
  std::string folded_;  // reused across tokens
};

// Decodes one UTF-8 code point at text[*pos], advancing *pos; invalid or truncated sequences
// decode as U+FFFD and consume exactly one byte.
int32_t DecodeUtf8(std::string_view text, size_t* pos);
void AppendUtf8(int32_t cp, std::string* out);

}  // namespace trawl

#endif  // TRAWL_COMMON_ANALYZER_H_
