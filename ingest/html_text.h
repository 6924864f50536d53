// The visible text of an HTML page, through gumbo (an HTML5 parser, so it takes real-world tag
// soup the way a browser does).
#ifndef TRAWL_INGEST_HTML_TEXT_H_
#define TRAWL_INGEST_HTML_TEXT_H_

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace trawl {

struct HtmlText {
  std::string title;  // the <title> text, whitespace collapsed; empty if there is none
  std::string body;   // the visible text: block elements on lines of their own
  // From the first <meta name="description|keywords|author" content="..."> of each name (the
  // name matched case-insensitively), whitespace collapsed; empty where there is none.
  std::string description;
  std::vector<std::string> keywords;  // the comma-separated values, trimmed, empties dropped
  std::string author;
};

// Gumbo's tree building takes time quadratic in the nesting depth (100,000 unclosed <div>s, a
// 500 KB file, take a quarter of an hour), so deeper pages are refused rather than parsed.
inline constexpr size_t kMaxHtmlDepth = 10000;

// Extracts title and visible text; skips script, style, template, noscript and the like. False
// (with *why) only for pages nested deeper than kMaxHtmlDepth.
bool ExtractHtmlText(std::string_view html, HtmlText* out, std::string* why);

}  // namespace trawl

#endif  // TRAWL_INGEST_HTML_TEXT_H_
