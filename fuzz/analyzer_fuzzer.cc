// Fuzz target: both tokenizers on arbitrary bytes (invalid UTF-8 included). Every token must be
// non-empty, lie inside the input, and come in increasing positions and byte order.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <string_view>

#include "analysis/analyzer.h"

namespace {

trawl::Analyzer* MakeAnalyzer(const char* tokenizer) {
  trawl::AnalyzerOptions options;
  options.tokenizer = tokenizer;
  options.stopwords = "english";
  options.max_token_chars = 40;
  std::unique_ptr<trawl::Analyzer> a;
  if (!trawl::Analyzer::Create(options, &a).ok()) std::abort();
  return a.release();  // lives for the process, as libFuzzer runs
}

void Check(trawl::Analyzer* analyzer, std::string_view text) {
  int64_t last_position = -1;
  uint32_t last_end = 0;
  analyzer->Analyze(text, [&](const trawl::Token& t) {
    if (t.term.empty() || static_cast<int64_t>(t.position) <= last_position ||
        t.start_byte < last_end || t.start_byte >= t.end_byte || t.end_byte > text.size())
      std::abort();
    last_position = t.position;
    last_end = t.end_byte;
  });
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static trawl::Analyzer* simple = MakeAnalyzer("simple");
  static trawl::Analyzer* standard = MakeAnalyzer("standard");
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  Check(simple, text);
  Check(standard, text);
  return 0;
}
