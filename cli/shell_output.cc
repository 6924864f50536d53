#include "cli/shell_output.h"

#include <cctype>
#include <cstdio>
#include <string>

namespace trawl::cli {

std::string Style::Wrap(const char* code, std::string_view text) const {
  if (!on) return std::string(text);
  return std::string("\x1b[") + code + "m" + std::string(text) + "\x1b[0m";
}

std::string Printable(std::string_view s, bool keep_lines) {
  std::string out(s);
  for (char& c : out) {
    const auto u = static_cast<unsigned char>(c);
    if (keep_lines && (c == '\n' || c == '\t')) continue;
    if (u < 0x20 || u == 0x7F) c = ' ';
  }
  return out;
}

size_t ErrorColumn(const std::string& message) {
  const std::string marker = "at column ";
  const size_t at = message.find(marker);
  if (at == std::string::npos) return 0;
  size_t column = 0;
  for (size_t i = at + marker.size();
       i < message.size() && std::isdigit(static_cast<unsigned char>(message[i])); ++i) {
    column = column * 10 + static_cast<size_t>(message[i] - '0');
    if (column > 100000) return 0;  // not a column of anything typed
  }
  return column;
}

std::string FormatResults(const SearchResults& results, size_t offset, uint64_t took_us,
                          bool explain, const Style& style) {
  char took[32];
  std::snprintf(took, sizeof(took), " (%.2f ms)", took_us / 1000.0);
  std::string out =
      style.Bold(std::to_string(results.total) + (results.total == 1 ? " match" : " matches")) +
      took;
  const size_t first = offset + 1;
  if (!results.hits.empty()) {
    out += ", showing " + std::to_string(first) + "-" +
           std::to_string(first + results.hits.size() - 1);
  }
  out += "\n";
  for (size_t i = 0; i < results.hits.size(); ++i) {
    const Hit& h = results.hits[i];
    char rank_score[64];
    std::snprintf(rank_score, sizeof(rank_score), "%3zu. %.4f  ", first + i, h.score);
    out += style.Dim(rank_score) + style.Id(Printable(h.id));
    if (!h.title.empty() && h.title != h.id) out += "  " + Printable(h.title);
    if (h.collapsed > 0) out += "  (+" + std::to_string(h.collapsed) + " more)";
    out += "\n";
    for (const DocField& f : h.fields) out += "     " + f.name + ": " + Printable(f.value) + "\n";
    if (!h.snippet.empty()) out += "     " + h.snippet + "\n";
    if (explain) out += FormatExplanation(h.explain_tree, 7, style);
  }
  for (const FacetResult& f : results.facets) {
    out += style.Bold(f.field) + ":";
    for (const FacetCount& c : f.counts) {
      out += "  " + Printable(c.value) + " (" + std::to_string(c.count) + ")";
    }
    out += "\n";
  }
  const uint64_t shown = offset + results.hits.size();
  if (shown < results.total) {
    out += style.Dim("-- " + std::to_string(results.total - shown) + " more: Enter or :next --") +
           "\n";
  }
  return out;
}

std::string FormatExplanation(const Explanation& e, size_t indent, const Style& style) {
  char value[32];
  std::snprintf(value, sizeof(value), "%.6g", e.value);
  std::string out = std::string(indent, ' ') + style.Bold(value) + " " + e.description + "\n";
  for (const Explanation& d : e.details) out += FormatExplanation(d, indent + 2, style);
  return out;
}

std::string FormatDocument(const Document& doc, const Style& style) {
  std::string out = style.Bold("id") + ": " + style.Id(Printable(doc.id)) + "\n";
  for (size_t i = 0; i < doc.fields.size(); ++i) {
    const DocField& f = doc.fields[i];
    const bool continues = i > 0 && doc.fields[i - 1].name == f.name;
    out += continues ? ", " : (i > 0 ? "\n" : "") + style.Bold(f.name) + ": ";
    out += Printable(f.value, /*keep_lines=*/true);
  }
  if (!doc.fields.empty()) out += "\n";
  return out;
}

}  // namespace trawl::cli
