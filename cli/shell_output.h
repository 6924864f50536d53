// What the shell prints, as text: a page of hits, an explanation, a stored document. Kept
// apart from the shell's loop so that the formats can be read (and changed) in one place.
#ifndef TRAWL_CLI_SHELL_OUTPUT_H_
#define TRAWL_CLI_SHELL_OUTPUT_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "trawl/document.h"
#include "trawl/explanation.h"
#include "trawl/searcher.h"

namespace trawl::cli {

// ANSI escapes when colour is on, the text alone otherwise.
struct Style {
  explicit Style(bool on) : on(on) {}
  std::string Wrap(const char* code, std::string_view text) const;
  std::string Bold(std::string_view t) const { return Wrap("1", t); }
  std::string Dim(std::string_view t) const { return Wrap("2", t); }
  std::string Id(std::string_view t) const { return Wrap("36", t); }
  std::string Error(std::string_view t) const { return Wrap("31", t); }
  std::string Notice(std::string_view t) const { return Wrap("33", t); }
  bool on;
};

// Ids, titles and stored values come from arbitrary input; control characters in them must
// not drive the terminal. Newlines and tabs survive where `keep_lines`.
std::string Printable(std::string_view s, bool keep_lines = false);

// The 1-based column a syntax error message names ("syntax error at column 7: ..."), or 0.
size_t ErrorColumn(const std::string& message);

// A page of hits that starts at `offset` (0-based) of all matches: a header with the count
// and the time, each hit with its rank, score, id, title, fields, snippet (and explanation
// if `explain`), the facets, and how many more follow.
std::string FormatResults(const SearchResults& results, size_t offset, uint64_t took_us,
                          bool explain, const Style& style);

// One line per node, "<value> <description>", each level of details indented two more.
std::string FormatExplanation(const Explanation& e, size_t indent, const Style& style);

// "name: value" lines; the values of a multi-valued field on one line, separated by commas.
std::string FormatDocument(const Document& doc, const Style& style);

}  // namespace trawl::cli

#endif  // TRAWL_CLI_SHELL_OUTPUT_H_
