// Fuzz target: snippets from token marks. The input is a header (mark interval, snippet budget,
// tokenizer, query terms) and a text, optionally followed after a NUL by a "#marks" value.
// - With the marks and positions the indexer and postings would give, MakeSnippetFromMarks and
//   CountMatchesInPrefix must answer, and with the simple tokenizer (whose restart at a token
//   is exact by construction) answer exactly what MakeSnippetScanning makes of the whole text
//   and what analyzing the prefix counts.
// - With the input's own marks value, anything DecodeTokenMarks accepts must be safe to use:
//   an answer, if any, is valid UTF-8.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

#include "analysis/analyzer.h"
#include "format/token_marks.h"
#include "searcher/snippet.h"

namespace {

trawl::Analyzer* MakeAnalyzer(const char* tokenizer) {
  trawl::AnalyzerOptions options;
  options.tokenizer = tokenizer;
  options.stopwords = "english";
  options.max_token_chars = 12;  // dropped tokens take positions too
  std::unique_ptr<trawl::Analyzer> a;
  if (!trawl::Analyzer::Create(options, &a).ok()) std::abort();
  return a.release();  // lives for the process, as libFuzzer runs
}

// What the snippet promises: every sequence whole, and U+FFFD only where it was written as such.
bool IsValidUtf8(std::string_view s) {
  for (size_t i = 0; i < s.size();) {
    const size_t at = i;
    if (trawl::DecodeUtf8(s, &i) == 0xFFFD && s.substr(at, 3) != "\xEF\xBF\xBD") return false;
  }
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static trawl::Analyzer* const simple = MakeAnalyzer("simple");
  static trawl::Analyzer* const standard = MakeAnalyzer("standard");
  if (size < 4) return 0;
  const uint32_t interval = 1 + data[0] % 64;
  const size_t max_chars = 1 + data[1];
  const bool use_standard = (data[2] & 1) != 0;
  trawl::Analyzer& analyzer = use_standard ? *standard : *simple;
  std::string_view rest(reinterpret_cast<const char*>(data + 4), size - 4);
  std::string_view marks_value;
  if (const size_t nul = rest.find('\0'); nul != std::string_view::npos) {
    marks_value = rest.substr(nul + 1);
    rest = rest.substr(0, nul);
  }
  const std::string_view text = rest;

  // The query: the terms of up to data[3] % 4 + 1 of the text's tokens, picked by stride.
  std::vector<std::string> tokens;
  analyzer.Analyze(text, [&](const trawl::Token& t) { tokens.emplace_back(t.term); });
  std::vector<std::string> words;
  const size_t wanted = data[3] % 4 + 1;
  for (size_t i = 0; i < tokens.size() && words.size() < wanted; i += 1 + data[3] / 4)
    words.push_back(tokens[i]);
  words.push_back("absent");
  const std::unordered_set<std::string> terms(words.begin(), words.end());

  std::vector<trawl::TokenMark> marks;
  std::vector<trawl::TermPositions> positions;
  for (const std::string& w : terms) positions.push_back({w, {}});
  uint32_t emitted = 0;
  analyzer.Analyze(text, [&](const trawl::Token& t) {
    if (emitted > 0 && emitted % interval == 0) marks.push_back({t.position, t.start_byte});
    ++emitted;
    for (trawl::TermPositions& tp : positions)
      if (tp.term == t.term) tp.positions.push_back(t.position);
  });
  const std::optional<std::string> got = trawl::MakeSnippetFromMarks(
      text, analyzer, terms, marks, positions, max_chars, "[", "]");
  if (!got.has_value()) std::abort();
  if (!use_standard &&
      *got != trawl::MakeSnippetScanning(text, analyzer, terms, max_chars, "[", "]", SIZE_MAX,
                                         SIZE_MAX))
    std::abort();

  // The matches in a prefix cut anywhere, as its own analysis counts them.
  const size_t prefix = text.size() * data[1] / 255;
  const std::optional<size_t> in_prefix =
      trawl::CountMatchesInPrefix(text, analyzer, terms, marks, positions, prefix);
  if (!in_prefix.has_value()) std::abort();
  if (!use_standard) {
    size_t expected = 0;
    analyzer.Analyze(text.substr(0, prefix),
                     [&](const trawl::Token& t) { expected += terms.count(std::string(t.term)); });
    if (*in_prefix != expected) std::abort();
  }

  std::vector<trawl::TokenMark> decoded;
  uint32_t decoded_interval = 0;
  if (trawl::DecodeTokenMarks(marks_value, "body", text.size(), &decoded_interval, &decoded)) {
    const std::optional<std::string> any = trawl::MakeSnippetFromMarks(
        text, analyzer, terms, decoded, positions, max_chars, "[", "]");
    if (any.has_value() && !IsValidUtf8(*any)) std::abort();
  }
  return 0;
}
