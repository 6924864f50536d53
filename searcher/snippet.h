// Snippets: a short, highlighted excerpt of a stored document for a result list.
#ifndef TRAWL_SEARCHER_SNIPPET_H_
#define TRAWL_SEARCHER_SNIPPET_H_

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

#include "analysis/analyzer.h"
#include "format/token_marks.h"

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

// What MakeSnippet analyzes first, and of a longer text at most: a text no longer than the
// first is the one MakeSnippetScanning's whole-text snippet is made of. Only the start of a huge
// document is scanned: a snippet must stay cheap next to the query, and a result list rarely
// needs a match from megabytes into a document.
inline constexpr size_t kSnippetFirstScanBytes = 1u << 16;
inline constexpr size_t kSnippetMaxScanBytes = 1u << 20;

// MakeSnippet, which analyzes at most the first max_scan_bytes of text, and first_scan_bytes
// before that (the rest only when that prefix lacks a query term); MakeSnippet scans
// kSnippetFirstScanBytes, then kSnippetMaxScanBytes.
std::string MakeSnippetScanning(std::string_view text, Analyzer& analyzer,
                                const std::unordered_set<std::string>& terms, size_t max_chars,
                                std::string_view begin_mark, std::string_view end_mark,
                                size_t first_scan_bytes, size_t max_scan_bytes);

// A query term's positions in the field a snippet is made of, from its postings.
struct TermPositions {
  std::string_view term;
  std::vector<uint32_t> positions;
};

// Makes text[begin, end) readable, for a text whose bytes are read from storage only as they are
// needed (LazyDocument); false if they cannot be.
using LoadText = std::function<bool(size_t begin, size_t end)>;

// The snippet MakeSnippetScanning would make of the whole text, found from the query terms'
// positions and the field's token marks (format/token_marks.h; none for a text with too few
// tokens to have any): the bytes of the matches that could make the best window are found by
// the tokenizer alone, from the mark before each; the text shown is tokenized too, its matches
// are the postings' (each match's token must analyze alone to its term), and it is analyzed
// only where a window's edge falls inside a run without whitespace (its matches must then be
// exactly the postings'). The search stops once it has read as many bytes as
// MakeSnippet at most scans (the best window found by then is shown). nullopt if the text, marks
// and positions disagree (the caller falls back to MakeSnippet), or if `load` fails. With
// `load`, only the text's size is known beforehand: every range is loaded before it is read, and
// only the ranges read are (the intervals tokenized and the bytes around the window shown).
// `analyzer` must restart at tokens (Analyzer::restarts_at_tokens).
std::optional<std::string> MakeSnippetFromMarks(
    std::string_view text, Analyzer& analyzer, const std::unordered_set<std::string>& terms,
    const std::vector<TokenMark>& marks, const std::vector<TermPositions>& positions,
    size_t max_chars, std::string_view begin_mark, std::string_view end_mark,
    const LoadText& load = nullptr);

// How many tokens of text[0, prefix_bytes) analyze to one of `terms`, as analyzing that prefix
// alone counts them, from the terms' positions and the field's token marks (as
// MakeSnippetFromMarks takes them): only the tokenizer up to the last token starting in the
// prefix, and the analysis of what is left from there, read the text. nullopt if the marks
// disagree with the text, or if `load` fails.
std::optional<size_t> CountMatchesInPrefix(std::string_view text, Analyzer& analyzer,
                                           const std::unordered_set<std::string>& terms,
                                           const std::vector<TokenMark>& marks,
                                           const std::vector<TermPositions>& positions,
                                           size_t prefix_bytes, const LoadText& load = nullptr);

}  // namespace trawl

#endif  // TRAWL_SEARCHER_SNIPPET_H_
