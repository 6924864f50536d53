#include "common/analyzer.h"

#include <libstemmer.h>
#include <utf8proc.h>

#include <fstream>

namespace trawl {

namespace {

// Lucene's EnglishAnalyzer.ENGLISH_STOP_WORDS_SET.
const char* const kEnglishStopWords[] = {
    "a",    "an",   "and",   "are",  "as",   "at",    "be",    "but",   "by",
    "for",  "if",   "in",    "into", "is",   "it",    "no",    "not",   "of",
    "on",   "or",   "such",  "that", "the",  "their", "then",  "there", "these",
    "they", "this", "to",    "was",  "will", "with"};

bool IsAsciiAlnum(unsigned char c) {
  return (c >= '0' && c <= '9') || ((c | 0x20) >= 'a' && (c | 0x20) <= 'z');
}

bool IsWordCodePoint(int32_t cp) {
  switch (utf8proc_category(cp)) {
    case UTF8PROC_CATEGORY_LU:
    case UTF8PROC_CATEGORY_LL:
    case UTF8PROC_CATEGORY_LT:
    case UTF8PROC_CATEGORY_LM:
    case UTF8PROC_CATEGORY_LO:
    case UTF8PROC_CATEGORY_ND:
      return true;
    default:
      return false;
  }
}

}  // namespace

int32_t DecodeUtf8(std::string_view s, size_t* pos) {
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  const size_t n = s.size(), i = *pos;
  const unsigned char c = p[i];
  if (c < 0x80) {
    *pos = i + 1;
    return c;
  }
  int len;
  int32_t cp, min;
  if ((c & 0xE0) == 0xC0) {
    len = 2, cp = c & 0x1F, min = 0x80;
  } else if ((c & 0xF0) == 0xE0) {
    len = 3, cp = c & 0x0F, min = 0x800;
  } else if ((c & 0xF8) == 0xF0) {
    len = 4, cp = c & 0x07, min = 0x10000;
  } else {
    *pos = i + 1;
    return 0xFFFD;
  }
  if (i + len > n) {
    *pos = i + 1;
    return 0xFFFD;
  }
  for (int k = 1; k < len; ++k) {
    if ((p[i + k] & 0xC0) != 0x80) {
      *pos = i + 1;
      return 0xFFFD;
    }
    cp = (cp << 6) | (p[i + k] & 0x3F);
  }
  if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
    *pos = i + 1;
    return 0xFFFD;
  }
  *pos = i + len;
  return cp;
}

void AppendUtf8(int32_t cp, std::string* out) {
  utf8proc_uint8_t buf[4];
  utf8proc_ssize_t n = utf8proc_encode_char(cp, buf);
  out->append(reinterpret_cast<char*>(buf), static_cast<size_t>(n));
}

std::vector<std::string> Analyzer::Languages() {
  std::vector<std::string> out;
  for (const char** l = sb_stemmer_list(); *l != nullptr; ++l) out.emplace_back(*l);
  return out;
}

Status Analyzer::Create(const AnalyzerOptions& options, std::unique_ptr<Analyzer>* out) {
  std::unique_ptr<Analyzer> a(new Analyzer());
  a->options_ = options;
  if (options.max_token_chars == 0) return Status::InvalidArgument("max token length must be > 0");
  if (options.language != "none") {
    a->stemmer_ = sb_stemmer_new(options.language.c_str(), "UTF_8");
    if (a->stemmer_ == nullptr) {
      std::string valid;
      for (const auto& l : Languages()) valid += (valid.empty() ? "" : ", ") + l;
      return Status::InvalidArgument("unknown language '" + options.language +
                                     "' (known: none, " + valid + ")");
    }
  }
  if (options.stopwords == "english") {
    for (const char* w : kEnglishStopWords) a->stopwords_.insert(w);
  } else if (!options.stopwords.empty()) {
    std::ifstream in(options.stopwords);
    if (!in) return Status::InvalidArgument("cannot read stopword file '" + options.stopwords + "'");
    // Stop words are matched after folding and before stemming.
    std::string line;
    while (std::getline(in, line)) {
      size_t hash = line.find('#');
      if (hash != std::string::npos) line.resize(hash);
      std::string folded = a->Fold(line);
      size_t b = folded.find_first_not_of(" \t\r");
      size_t e = folded.find_last_not_of(" \t\r");
      if (b != std::string::npos) a->stopwords_.insert(folded.substr(b, e - b + 1));
    }
  }
  *out = std::move(a);
  return Status::OK();
}

Analyzer::~Analyzer() {
  if (stemmer_ != nullptr) sb_stemmer_delete(stemmer_);
}

std::string_view Analyzer::Stem(const std::string& folded) {
  if (stemmer_ == nullptr) return folded;
  const sb_symbol* s = sb_stemmer_stem(stemmer_, reinterpret_cast<const sb_symbol*>(folded.data()),
                                       static_cast<int>(folded.size()));
  if (s == nullptr) return folded;  // out of memory in the stemmer: index the unstemmed word
  return std::string_view(reinterpret_cast<const char*>(s),
                          static_cast<size_t>(sb_stemmer_length(stemmer_)));
}

void Analyzer::Analyze(std::string_view text, const std::function<void(const Token&)>& sink) {
  const auto* p = reinterpret_cast<const unsigned char*>(text.data());
  const size_t n = text.size();
  size_t i = 0;
  uint32_t position = 0;
  while (i < n) {
    // Skip separators.
    size_t start = i;
    int32_t cp = 0;
    if (p[i] < 0x80) {
      if (!IsAsciiAlnum(p[i])) {
        ++i;
        continue;
      }
    } else {
      size_t next = i;
      cp = DecodeUtf8(text, &next);
      if (!IsWordCodePoint(cp)) {
        i = next;
        continue;
      }
    }
    // A token: fold as we go.
    folded_.clear();
    uint32_t chars = 0;
    while (i < n) {
      if (p[i] < 0x80) {
        if (!IsAsciiAlnum(p[i])) break;
        folded_.push_back(static_cast<char>(p[i] >= 'A' && p[i] <= 'Z' ? p[i] + 32 : p[i]));
        ++i;
      } else {
        size_t next = i;
        cp = DecodeUtf8(text, &next);
        if (!IsWordCodePoint(cp)) break;
        AppendUtf8(utf8proc_tolower(cp), &folded_);
        i = next;
      }
      ++chars;
    }
    const uint32_t pos = position++;
    if (chars > options_.max_token_chars) {
      ++dropped_long_tokens_;
      continue;
    }
    if (!stopwords_.empty() && stopwords_.count(folded_)) continue;
    Token t{Stem(folded_), pos, static_cast<uint32_t>(start), static_cast<uint32_t>(i)};
    sink(t);
  }
}

std::vector<std::string> Analyzer::Terms(std::string_view text) {
  std::vector<std::string> out;
  Analyze(text, [&](const Token& t) { out.emplace_back(t.term); });
  return out;
}

std::string Analyzer::Fold(std::string_view word) {
  std::string out;
  size_t i = 0;
  while (i < word.size()) {
    int32_t cp = DecodeUtf8(word, &i);
    AppendUtf8(utf8proc_tolower(cp), &out);
  }
  return out;
}

}  // namespace trawl
