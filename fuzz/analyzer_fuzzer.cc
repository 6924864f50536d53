// Fuzz target: both tokenizers, with and without ASCII folding, on arbitrary bytes (invalid
// UTF-8 included). Every token must be non-empty, lie inside the input, and come in increasing
// positions and byte order; a folded term is what FoldToAscii makes of the unfolded one, which
// folds to itself.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "analysis/analyzer.h"

namespace {

trawl::Analyzer* MakeAnalyzer(const char* tokenizer, bool ascii_folding = false) {
  trawl::AnalyzerOptions options;
  options.tokenizer = tokenizer;
  options.ascii_folding = ascii_folding;
  options.language = "none";  // so that a folded term can be compared with the unfolded one
  options.stopwords = "english";
  options.max_token_chars = 40;
  std::unique_ptr<trawl::Analyzer> a;
  if (!trawl::Analyzer::Create(options, &a).ok()) std::abort();
  return a.release();  // lives for the process, as libFuzzer runs
}

std::vector<std::string> Check(trawl::Analyzer* analyzer, std::string_view text) {
  int64_t last_position = -1;
  uint32_t last_end = 0;
  std::vector<std::string> terms;
  analyzer->Analyze(text, [&](const trawl::Token& t) {
    if (t.term.empty() || static_cast<int64_t>(t.position) <= last_position ||
        t.start_byte < last_end || t.start_byte >= t.end_byte || t.end_byte > text.size())
      std::abort();
    last_position = t.position;
    last_end = t.end_byte;
    terms.emplace_back(t.term);
  });
  return terms;
}

// Stop words are matched after folding, so only the terms both keep are compared.
void CheckFolded(const std::vector<std::string>& plain, const std::vector<std::string>& folded) {
  for (const std::string& term : folded)
    if (trawl::FoldToAscii(term) != term) std::abort();
  if (folded.size() > plain.size()) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static trawl::Analyzer* simple = MakeAnalyzer("simple");
  static trawl::Analyzer* standard = MakeAnalyzer("standard");
  static trawl::Analyzer* simple_folding = MakeAnalyzer("simple", true);
  static trawl::Analyzer* standard_folding = MakeAnalyzer("standard", true);
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  CheckFolded(Check(simple, text), Check(simple_folding, text));
  CheckFolded(Check(standard, text), Check(standard_folding, text));
  return 0;
}
