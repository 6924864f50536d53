// Fuzz target: HTML text extraction (gumbo) on arbitrary bytes: it returns text or refuses a page
// nested too deep, and never crashes or leaks.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "ingest/html_text.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  trawl::HtmlText text;
  std::string why;
  trawl::ExtractHtmlText(std::string_view(reinterpret_cast<const char*>(data), size), &text, &why);
  return 0;
}
