// Snippets: a short, highlighted excerpt of a stored document for a result list.
#ifndef TRAWL_SEARCHER_SNIPPET_H_
#define TRAWL_SEARCHER_SNIPPET_H_

#include <cstddef>
#include <string>
#include <string_view>
#include <unordered_set>

#include "analysis/analyzer.h"

namespace trawl {

// Picks the window of about max_chars bytes of `text` that holds the most distinct query terms
// (ties: the earliest), cut at whitespace or token boundaries, with "…" where text was cut,
// newlines, control characters and runs of whitespace folded to one space, and every token whose
// analyzed term is in `terms` wrapped in begin_mark/end_mark. Without a match: the start of the
// text. The result is always valid UTF-8: a sequence is never split, and invalid bytes in `text`
// become U+FFFD. A window never cuts a matching token, so one very long match may exceed
// max_chars. `analyzer` must be configured like the index's (it is used, not modified in any
// way that matters to the caller, but it is not thread-safe).
std::string MakeSnippet(std::string_view text, Analyzer& analyzer,
                        const std::unordered_set<std::string>& terms, size_t max_chars,
                        std::string_view begin_mark, std::string_view end_mark);

}  // namespace trawl

#endif  // TRAWL_SEARCHER_SNIPPET_H_
