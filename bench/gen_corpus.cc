// trawl-gen-corpus: a deterministic generated corpus (JSONL) and a matching query file in the
// search-benchmark-game format, for benchmarks at any scale.
//
//   trawl-gen-corpus [--docs N] [--out FILE|-] [--queries FILE] [--queries-per-class Q]
//                    [--seed S] [--vocab V] [--zipf S] [--median-len L] [--len-sigma X]
//                    [--collocations C] [--colloc-rate P] [--query-docs D]
//                    [--bursty P] [--typed 0|1] [--schema-out FILE]
//
// Corpus: N lines {"id": "g<i>", "title": ..., "body": ...} (to stdout unless --out). Words are
// drawn from a Zipfian vocabulary of V words (rank r has probability ~ 1/(r+1)^s; defaults
// 1,000,000 words, s = 1.07: the top word is ~10% of the tokens, as "the" is ~6% of English,
// and the number of distinct words keeps growing with the corpus, as Heaps' law has it, instead
// of saturating early). Body lengths are log-normal (median --median-len 150 tokens, sigma 0.5,
// clamped to [8, 20000]; mean ~170 tokens, ~0.9 KB of JSONL a document, so 2M documents are
// ~1.8 GB); titles have 2-8 words. With probability --colloc-rate (0.03) a
// position starts one of C (20,000) fixed "collocations" (2-3 word phrases, themselves drawn
// Zipfian), so that phrases recur the way they do in real text. Sentences of 6-24 words start
// with a capital letter and end with '.'.
//
// Bursty documents (--bursty P, 0 <= P < 1; 0 by default, which leaves the corpus as it was, byte
// for byte): with independent draws no document is about anything, every word's frequency in a
// document is close to what its length predicts, and BM25 scores of a word vary little between
// documents, which is not how block bounds meet real text. With P > 0 a position that does not
// start a collocation repeats, with probability P, a token drawn uniformly from the body so far
// (a cache or Polya-urn model: a word recurs in proportion to how often it has already occurred,
// so a word a document uses once it tends to use again), and otherwise draws a fresh word. A copy
// is of a token that was itself drawn from the vocabulary, so each word's share of all tokens stays
// what the Zipf law gives; what changes is that tokens bunch into fewer documents, with higher
// term frequencies. Titles (2-8 words) are then drawn from the body in proportion to each word's
// frequency in it, passing over the 100 commonest words and words already in the title while a
// few draws allow: a title names what its document is about, as a real one does.
//
// Vocabulary words are pseudo-words of consonant-vowel syllables ending in a, o or u ("ba",
// "kotu", "rimaso"...): the most frequent words are the shortest, every word is distinct, and
// Snowball English leaves every one of them unchanged (no suffix it strips ends in a, o or u),
// so the query words below are exactly the index's terms.
//
// Typed fields (--typed 1; off by default, so that the text corpus and its benchmarks stay as
// they were): each document also carries, after "body",
//   field      type     values                                                      missing
//   category   keyword  one of 50 ("cat00".."cat49"), Zipfian (s = 1), cat00 ~22%   2%
//   tags       keyword  1-4 distinct of 200 ("tag000".."tag199"), Zipfian (s = 0.8)   10% (no tag)
//   price      float    log-normal, median 30, sigma 1, cents, in [0.50, 10000]      3%
//   stars      int      1-5 with weights 5, 8, 20, 35, 32 %                          5%
//   date       date     uniform over [2015-01-01, 2025-01-01) UTC, whole seconds,    1%
//                       RFC 3339 ("2019-03-04T05:06:07Z")
//   in_stock   bool     true 80%                                                     4%
// A missing field is absent from the object. The typed values come from a random stream of their
// own, so the text of every document is the same with or without them. --schema-out FILE writes
// the trawl schema of the corpus (include/trawl/schema.h), with the typed fields when --typed 1.
//
// Determinism: document i depends only on (seed, i), so the corpus for N documents is a prefix
// of the corpus for any larger N, and the same bytes come out on every run.
//
// Queries (--queries FILE): Q per class (default 100), one JSON object per line,
// {"query": ..., "tags": [class, ...]} as in ../shared/data/search-benchmark-game/queries.txt:
//   term                one word, no word twice              bands cycle c, m, r
//   intersection        +a +b [+c ...]                       words of one document
//   union               a b [c ...]                          independent words, band combinations cycle
//   phrase              "a b [c ...]"                        a collocation or a cut from a body
//   intersection_union  +a b [c ...]  (the game's name for "mixed": one required word, in any position),
//                                                            words of one document
//   negated             +a -b [-c]                           words of one document
// Word bands by vocabulary rank: c (common) < 100 <= m (medium) < 5,000 <= r (rare). A word of a
// band is drawn from the corpus distribution conditioned on that band. 2 words in 65% of the
// queries, 3 in 28%, 4 in 7% (about the game's mix). Words that must co-occur come from one of
// the first D documents (--query-docs, default 100,000), so every intersection, mixed, negated
// (the required word) and cut phrase query matches at least once in any corpus of >= D docs,
// and the query file is the same for all those sizes. With --bursty those words and cuts come
// from the bursty documents, so the queries match the corpus they were written with; term and
// union words follow the vocabulary distribution, which bursty documents keep. Tags: [class,
// "global" (not on term or phrase, as in the game), "class:num_tokens_K", "bands:XY..."].
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <stdexcept>
#include <string>
#include <vector>

namespace {

using std::string;
using std::vector;

double NowS() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

// ------------------------------------------------------------------ random numbers
uint64_t SplitMix(uint64_t x) {
  x += 0x9E3779B97F4A7C15ULL;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ULL;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBULL;
  return x ^ (x >> 31);
}

// xoshiro256**: fast, and its output depends only on the seed.
class Rng {
 public:
  explicit Rng(uint64_t seed) {
    for (auto& w : s_) w = seed = SplitMix(seed);
  }
  uint64_t Next() {
    const uint64_t r = Rotl(s_[1] * 5, 7) * 9;
    const uint64_t t = s_[1] << 17;
    s_[2] ^= s_[0];
    s_[3] ^= s_[1];
    s_[1] ^= s_[2];
    s_[0] ^= s_[3];
    s_[2] ^= t;
    s_[3] = Rotl(s_[3], 45);
    return r;
  }
  // Uniform in [0, n).
  uint32_t Below(uint32_t n) { return static_cast<uint32_t>(((Next() >> 32) * n) >> 32); }
  double Uniform() { return (Next() >> 11) * 0x1.0p-53; }  // [0, 1)
  double Normal() {  // Box-Muller
    const double u = 1.0 - Uniform(), v = Uniform();
    return std::sqrt(-2.0 * std::log(u)) * std::cos(6.283185307179586 * v);
  }

 private:
  static uint64_t Rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
  uint64_t s_[4];
};

// Walker/Vose alias table: O(1) sampling from a fixed discrete distribution.
class Alias {
 public:
  explicit Alias(const vector<double>& w) {
    const size_t n = w.size();
    double sum = 0;
    for (double x : w) sum += x;
    vector<double> p(n);
    for (size_t i = 0; i < n; ++i) p[i] = w[i] * n / sum;
    thresh_.assign(n, UINT32_MAX);
    alias_.resize(n);
    for (size_t i = 0; i < n; ++i) alias_[i] = static_cast<uint32_t>(i);
    vector<uint32_t> small, large;
    for (size_t i = 0; i < n; ++i) (p[i] < 1.0 ? small : large).push_back(static_cast<uint32_t>(i));
    while (!small.empty() && !large.empty()) {
      const uint32_t s = small.back(), l = large.back();
      small.pop_back();
      thresh_[s] = static_cast<uint32_t>(p[s] * 4294967295.0);
      alias_[s] = l;
      p[l] -= 1.0 - p[s];
      if (p[l] < 1.0) {
        large.pop_back();
        small.push_back(l);
      }
    }
  }
  uint32_t Sample(Rng& rng) const {
    const uint64_t r = rng.Next();
    const uint32_t i = static_cast<uint32_t>(((r >> 32) * thresh_.size()) >> 32);
    return static_cast<uint32_t>(r) <= thresh_[i] ? i : alias_[i];
  }
  size_t size() const { return thresh_.size(); }

 private:
  vector<uint32_t> thresh_, alias_;
};

vector<double> ZipfWeights(size_t n, double s) {
  vector<double> w(n);
  for (size_t r = 0; r < n; ++r) w[r] = std::pow(static_cast<double>(r + 1), -s);
  return w;
}

// ------------------------------------------------------------------ the model
struct Config {
  uint64_t docs = 1000;
  uint64_t seed = 42;
  uint32_t vocab = 1000000;
  double zipf = 1.07;
  double median_len = 150;
  double len_sigma = 0.5;
  uint32_t collocations = 20000;
  double colloc_rate = 0.03;
  uint64_t query_docs = 100000;
  uint32_t queries_per_class = 100;
  double bursty = 0;  // probability that a position repeats a word of the body so far
  bool typed = false;
};

constexpr uint32_t kCommonEnd = 100, kMediumEnd = 5000;

char BandOf(uint32_t rank) { return rank < kCommonEnd ? 'c' : rank < kMediumEnd ? 'm' : 'r'; }

// Pseudo-words: k syllables, each a consonant and a vowel; the last vowel is a, o or u.
// Ranks are assigned shortest first, so frequent words are short.
class Vocabulary {
 public:
  explicit Vocabulary(uint32_t n) {
    static const char kCons[] = "bdfghklmnprstvz";  // 15
    static const char kVow[] = "aeiou";             // 5 (not last)
    static const char kLast[] = "aou";              // 3 (last syllable)
    const uint64_t nc = 15, nv = 5, nl = 3;
    offsets_.reserve(n + 1);
    offsets_.push_back(0);
    for (int syl = 1; offsets_.size() <= n; ++syl) {
      uint64_t count = nc * nl;
      for (int k = 1; k < syl; ++k) count *= nc * nv;
      for (uint64_t x = 0; x < count && offsets_.size() <= n; ++x) {
        uint64_t y = x;
        string w(2 * syl, ' ');
        w[2 * syl - 2] = kCons[y % nc];
        y /= nc;
        w[2 * syl - 1] = kLast[y % nl];
        y /= nl;
        for (int k = syl - 2; k >= 0; --k) {
          w[2 * k] = kCons[y % nc];
          y /= nc;
          w[2 * k + 1] = kVow[y % nv];
          y /= nv;
        }
        chars_ += w;
        offsets_.push_back(static_cast<uint32_t>(chars_.size()));
      }
    }
  }
  const char* data(uint32_t r) const { return chars_.data() + offsets_[r]; }
  uint32_t len(uint32_t r) const { return offsets_[r + 1] - offsets_[r]; }
  string word(uint32_t r) const { return string(data(r), len(r)); }
  uint32_t size() const { return static_cast<uint32_t>(offsets_.size() - 1); }

 private:
  string chars_;
  vector<uint32_t> offsets_;
};

struct DocTokens {
  vector<uint32_t> title, body;
  vector<uint8_t> sentence_end;  // per body token: a '.' follows it
};

class Model {
 public:
  explicit Model(const Config& c)
      : cfg_(c), vocab_(c.vocab), words_(ZipfWeights(c.vocab, c.zipf)),
        colloc_pick_(ZipfWeights(std::max<uint32_t>(1, c.collocations), 1.0)) {
    Rng rng(SplitMix(c.seed ^ 0xC011C011ULL));
    for (uint32_t i = 0; i < c.collocations; ++i) {
      vector<uint32_t> p(2 + (rng.Below(3) == 0));  // 2 words (2/3) or 3 (1/3)
      for (auto& w : p) {
        do w = words_.Sample(rng);
        while (w < 20);  // no collocation of the very top words only
      }
      colloc_.push_back(std::move(p));
    }
    colloc_threshold_ = static_cast<uint64_t>(c.colloc_rate * 18446744073709551615.0);
    repeat_threshold_ = static_cast<uint64_t>(c.bursty * 18446744073709551615.0);
  }

  void Generate(uint64_t i, DocTokens* d) const {
    Rng rng(SplitMix(cfg_.seed) ^ SplitMix(i + 0x5EED));
    d->title.clear();
    d->body.clear();
    d->sentence_end.clear();
    const uint32_t tl = 2 + rng.Below(7);
    const bool bursty = cfg_.bursty > 0;
    // Without --bursty the title comes first, as it always has (the same draws, the same corpus).
    if (!bursty)
      for (uint32_t k = 0; k < tl; ++k) d->title.push_back(words_.Sample(rng));
    double len = std::exp(std::log(cfg_.median_len) + cfg_.len_sigma * rng.Normal());
    const size_t n = static_cast<size_t>(std::clamp(len, 8.0, 20000.0));
    uint32_t sentence_left = 6 + rng.Below(19);
    while (d->body.size() < n) {
      if (cfg_.collocations && rng.Next() < colloc_threshold_) {
        for (uint32_t w : colloc_[colloc_pick_.Sample(rng)]) d->body.push_back(w);
      } else if (bursty && !d->body.empty() && rng.Next() < repeat_threshold_) {
        d->body.push_back(d->body[rng.Below(static_cast<uint32_t>(d->body.size()))]);
      } else {
        d->body.push_back(words_.Sample(rng));
      }
      while (d->sentence_end.size() < d->body.size()) {
        const bool end = --sentence_left == 0;
        d->sentence_end.push_back(end);
        if (end) sentence_left = 6 + rng.Below(19);
      }
    }
    d->sentence_end.back() = 1;
    if (bursty) TitleFromBody(rng, tl, d);
  }

  // A word of band `band` drawn from the corpus distribution (rejection sampling).
  uint32_t WordOfBand(Rng& rng, char band) const {
    for (;;) {
      const uint32_t w = words_.Sample(rng);
      if (BandOf(w) == band) return w;
    }
  }

  // Body tokens drawn uniformly (so a word in proportion to its frequency in the body), redrawn
  // a few times at most while the draw is one of the commonest words or already in the title.
  void TitleFromBody(Rng& rng, uint32_t len, DocTokens* d) const {
    constexpr int kTries = 8;
    const uint32_t n = static_cast<uint32_t>(d->body.size());
    for (uint32_t k = 0; k < len; ++k) {
      uint32_t w = 0;
      for (int t = 0; t < kTries; ++t) {
        w = d->body[rng.Below(n)];
        if (w >= kCommonEnd && std::find(d->title.begin(), d->title.end(), w) == d->title.end()) break;
      }
      d->title.push_back(w);
    }
  }

  const Vocabulary& vocab() const { return vocab_; }
  const vector<vector<uint32_t>>& collocations() const { return colloc_; }
  const Config& cfg() const { return cfg_; }

 private:
  Config cfg_;
  Vocabulary vocab_;
  Alias words_, colloc_pick_;
  vector<vector<uint32_t>> colloc_;
  uint64_t colloc_threshold_ = 0;
  uint64_t repeat_threshold_ = 0;
};

// ------------------------------------------------------------------ typed fields
constexpr uint32_t kCategories = 50, kTags = 200, kMaxTags = 4;
// 2015-01-01T00:00:00Z and ten years of 365.25 days later (2025-01-01T00:00:00Z).
constexpr int64_t kDateFrom = 1420070400, kDateTo = 1735689600;

struct TypedValues {
  int category = -1;  // -1: missing
  vector<uint32_t> tags;
  int64_t price_cents = -1;
  int stars = 0;      // 0: missing
  int64_t date = -1;  // seconds since the epoch; -1: missing
  int in_stock = -1;  // -1: missing, else 0 or 1
};

// Proleptic Gregorian date of a day number since 1970-01-01 (H. Hinnant's civil_from_days).
void CivilFromDays(int64_t z, int* y, unsigned* m, unsigned* d) {
  z += 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const unsigned doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  *d = doy - (153 * mp + 2) / 5 + 1;
  *m = mp < 10 ? mp + 3 : mp - 9;
  *y = static_cast<int>(yoe + era * 400 + (*m <= 2));
}

class TypedModel {
 public:
  explicit TypedModel(uint64_t seed)
      : seed_(SplitMix(seed ^ 0x7E1D5ULL)), category_(ZipfWeights(kCategories, 1.0)),
        tag_(ZipfWeights(kTags, 0.8)), stars_({5, 8, 20, 35, 32}) {}

  void Generate(uint64_t i, TypedValues* t) const {
    Rng rng(seed_ ^ SplitMix(i + 0x7E1D));
    // Every draw is made whether or not the field ends up missing, so that one field's share of
    // missing values does not shift the values of the others.
    const bool has_category = rng.Below(100) >= 2;
    t->category = static_cast<int>(category_.Sample(rng));
    if (!has_category) t->category = -1;
    t->tags.clear();
    const uint32_t ntags = rng.Below(100) < 10 ? 0 : 1 + rng.Below(kMaxTags);
    for (int tries = 0; t->tags.size() < ntags && tries < 100; ++tries) {
      const uint32_t tag = tag_.Sample(rng);
      if (std::find(t->tags.begin(), t->tags.end(), tag) == t->tags.end()) t->tags.push_back(tag);
    }
    const bool has_price = rng.Below(100) >= 3;
    const double price = std::clamp(30.0 * std::exp(rng.Normal()), 0.5, 10000.0);
    t->price_cents = has_price ? std::llround(price * 100) : -1;
    const bool has_stars = rng.Below(100) >= 5;
    const int stars = 1 + static_cast<int>(stars_.Sample(rng));
    t->stars = has_stars ? stars : 0;
    const bool has_date = rng.Below(100) >= 1;
    const int64_t date = kDateFrom + static_cast<int64_t>(rng.Uniform() * (kDateTo - kDateFrom));
    t->date = has_date ? date : -1;
    const bool has_stock = rng.Below(100) >= 4;
    const int stock = rng.Below(100) < 80;
    t->in_stock = has_stock ? stock : -1;
  }

 private:
  uint64_t seed_;
  Alias category_, tag_, stars_;
};

// ,"category":"cat07","tags":["tag003","tag120"],"price":12.5,... (nothing for missing values)
string TypedJson(const TypedValues& t) {
  string o;
  char buf[96];
  if (t.category >= 0) {
    std::snprintf(buf, sizeof buf, ",\"category\":\"cat%02d\"", t.category);
    o += buf;
  }
  if (!t.tags.empty()) {
    o += ",\"tags\":[";
    for (size_t k = 0; k < t.tags.size(); ++k) {
      std::snprintf(buf, sizeof buf, "%s\"tag%03u\"", k ? "," : "", t.tags[k]);
      o += buf;
    }
    o += "]";
  }
  if (t.price_cents >= 0) {
    std::snprintf(buf, sizeof buf, ",\"price\":%lld.%02lld",
                  static_cast<long long>(t.price_cents / 100),
                  static_cast<long long>(t.price_cents % 100));
    o += buf;
  }
  if (t.stars > 0) {
    std::snprintf(buf, sizeof buf, ",\"stars\":%d", t.stars);
    o += buf;
  }
  if (t.date >= 0) {
    int y;
    unsigned m, d;
    CivilFromDays(t.date / 86400, &y, &m, &d);
    const int64_t s = t.date % 86400;
    std::snprintf(buf, sizeof buf, ",\"date\":\"%04d-%02u-%02uT%02d:%02d:%02dZ\"", y, m, d,
                  static_cast<int>(s / 3600), static_cast<int>(s / 60 % 60),
                  static_cast<int>(s % 60));
    o += buf;
  }
  if (t.in_stock >= 0) o += t.in_stock ? ",\"in_stock\":true" : ",\"in_stock\":false";
  return o;
}

void WriteSchema(bool typed, FILE* f) {
  std::fputs("{\n  \"fields\": {\n", f);
  std::fputs("    \"title\": {\"type\": \"text\"},\n    \"body\": {\"type\": \"text\"}", f);
  if (typed) {
    std::fputs(",\n    \"category\": {\"type\": \"keyword\"},\n"
               "    \"tags\": {\"type\": \"keyword\"},\n"
               "    \"price\": {\"type\": \"float\"},\n"
               "    \"stars\": {\"type\": \"int\"},\n"
               "    \"date\": {\"type\": \"date\"},\n"
               "    \"in_stock\": {\"type\": \"bool\"}",
               f);
  }
  std::fputs("\n  },\n  \"dynamic\": false\n}\n", f);
}

// ------------------------------------------------------------------ corpus
class Out {
 public:
  explicit Out(FILE* f) : f_(f) { buf_.reserve(kCap + 65536); }
  ~Out() { Flush(); }
  void Put(const char* p, size_t n) {
    buf_.append(p, n);
    if (buf_.size() >= kCap) Flush();
  }
  void Put(char c) { buf_.push_back(c); }
  void Flush() {
    if (!buf_.empty() && std::fwrite(buf_.data(), 1, buf_.size(), f_) != buf_.size())
      throw std::runtime_error("write error");
    bytes_ += buf_.size();
    buf_.clear();
  }
  uint64_t bytes() const { return bytes_ + buf_.size(); }

 private:
  static constexpr size_t kCap = 8 << 20;
  FILE* f_;
  string buf_;
  uint64_t bytes_ = 0;
};

void PutWord(Out& out, const Vocabulary& v, uint32_t r, bool capital) {
  const char* p = v.data(r);
  if (capital) {
    out.Put(static_cast<char>(p[0] - 'a' + 'A'));
    out.Put(p + 1, v.len(r) - 1);
  } else {
    out.Put(p, v.len(r));
  }
}

uint64_t WriteCorpus(const Model& m, FILE* f) {
  Out out(f);
  DocTokens d;
  const TypedModel typed(m.cfg().seed);
  TypedValues tv;
  uint64_t tokens = 0;
  const Vocabulary& v = m.vocab();
  char idbuf[48];
  for (uint64_t i = 0; i < m.cfg().docs; ++i) {
    m.Generate(i, &d);
    tokens += d.title.size() + d.body.size();
    const int n = std::snprintf(idbuf, sizeof idbuf, "{\"id\":\"g%llu\",\"title\":\"", static_cast<unsigned long long>(i));
    out.Put(idbuf, n);
    for (size_t k = 0; k < d.title.size(); ++k) {
      if (k) out.Put(' ');
      PutWord(out, v, d.title[k], k == 0);
    }
    out.Put("\",\"body\":\"", 10);
    bool capital = true;
    for (size_t k = 0; k < d.body.size(); ++k) {
      if (k) out.Put(' ');
      PutWord(out, v, d.body[k], capital);
      capital = d.sentence_end[k];
      if (capital) out.Put('.');
    }
    out.Put('"');
    if (m.cfg().typed) {
      typed.Generate(i, &tv);
      const string t = TypedJson(tv);
      out.Put(t.data(), t.size());
    }
    out.Put("}\n", 2);
  }
  out.Flush();
  std::fflush(f);
  std::fprintf(stderr, "trawl-gen-corpus: %llu docs, %llu tokens, %.1f MB\n",
               static_cast<unsigned long long>(m.cfg().docs), static_cast<unsigned long long>(tokens),
               out.bytes() / 1e6);
  return tokens;
}

// ------------------------------------------------------------------ queries
string Json(const string& s) {  // words and the query syntax only: escape '"' and '\'
  string o = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') o += '\\';
    o += c;
  }
  return o + "\"";
}

// Writes the query file: Q queries of each class, in class order, from one random stream (so
// the file depends only on the seed and the options).
class QueryWriter {
 public:
  QueryWriter(const Model& m, FILE* f)
      : m_(m), v_(m.vocab()), f_(f), rng_(SplitMix(m.cfg().seed ^ 0x9E71E5ULL)),
        qdocs_(std::max<uint64_t>(1, m.cfg().query_docs)), q_(m.cfg().queries_per_class) {}

  void Write() {
    Terms();
    Intersections();
    Unions();
    Phrases();
    Mixed();
    Negated();
  }

 private:
  static constexpr char kBands[] = {'c', 'm', 'r'};

  // term: a repeated word would only weigh that word's latency twice in the class statistics.
  void Terms() {
    vector<uint32_t> ws;
    for (uint32_t i = 0; i < q_; ++i) {
      uint32_t w;
      int tries = 0;  // bounded: the common band has only kCommonEnd words
      do w = m_.WordOfBand(rng_, kBands[i % 3]);
      while (std::find(ws.begin(), ws.end(), w) != ws.end() && ++tries < 1000);
      ws.push_back(w);
      Emit("term", v_.word(w), 1, string(1, BandOf(w)), false);
    }
  }

  void Intersections() {
    vector<uint32_t> ws;
    for (uint32_t i = 0; i < q_; ++i) {
      const int k = NumTokens();
      WordsOfDoc(Pattern(0, k), &ws);
      string q;
      for (uint32_t w : ws) q += (q.empty() ? "+" : " +") + v_.word(w);
      Emit("intersection", q, ws.size(), BandsOf(ws), true);
    }
  }

  void Unions() {
    vector<uint32_t> ws;
    for (uint32_t i = 0; i < q_; ++i) {
      const int k = NumTokens();
      const string p = Pattern(1, k);
      ws.clear();
      for (char b : p) {
        uint32_t w;
        do w = m_.WordOfBand(rng_, b);
        while (std::find(ws.begin(), ws.end(), w) != ws.end());
        ws.push_back(w);
      }
      for (size_t j = ws.size(); j > 1; --j) std::swap(ws[j - 1], ws[rng_.Below(static_cast<uint32_t>(j))]);
      string q;
      for (uint32_t w : ws) q += (q.empty() ? "" : " ") + v_.word(w);
      Emit("union", q, ws.size(), BandsOf(ws), true);
    }
  }

  // phrase: half collocations (of the asked length when one exists), half cuts from a body
  void Phrases() {
    vector<uint32_t> ws;
    for (uint32_t i = 0; i < q_; ++i) {
      const int k = NumTokens();
      ws.clear();
      if (k <= 3 && rng_.Below(2) == 0) {
        // Bounded: with a tiny --collocations there may be none of length k (then cut from a body).
        for (int tries = 0; tries < 1000 && !m_.collocations().empty(); ++tries) {
          const auto& p = m_.collocations()[rng_.Below(static_cast<uint32_t>(m_.collocations().size()))];
          if (static_cast<int>(p.size()) == k) {
            ws = p;
            break;
          }
        }
      }
      if (ws.empty()) {
        do m_.Generate(rng_.Next() % qdocs_, &d_);
        while (d_.body.size() < static_cast<size_t>(k));
        const size_t at = rng_.Below(static_cast<uint32_t>(d_.body.size() - k + 1));
        ws.assign(d_.body.begin() + at, d_.body.begin() + at + k);
      }
      string q;
      for (uint32_t w : ws) q += (q.empty() ? "" : " ") + v_.word(w);
      Emit("phrase", "\"" + q + "\"", ws.size(), BandsOf(ws), false);
    }
  }

  // intersection_union: one required word, in any position
  void Mixed() {
    vector<uint32_t> ws;
    for (uint32_t i = 0; i < q_; ++i) {
      const int k = NumTokens();
      WordsOfDoc(Pattern(2, k), &ws);
      const size_t req = rng_.Below(static_cast<uint32_t>(ws.size()));
      string q;
      for (size_t j = 0; j < ws.size(); ++j) q += (j ? " " : "") + string(j == req ? "+" : "") + v_.word(ws[j]);
      Emit("intersection_union", q, ws.size(), BandsOf(ws), true);
    }
  }

  void Negated() {
    vector<uint32_t> ws;
    for (uint32_t i = 0; i < q_; ++i) {
      const int k = rng_.Below(4) == 0 ? 2 : 3;  // the game: 4 of 19 have 2 words
      WordsOfDoc(Pattern(3, k), &ws);
      string q;
      for (size_t j = 0; j < ws.size(); ++j) q += (j ? " -" : "+") + v_.word(ws[j]);
      Emit("negated", q, ws.size(), BandsOf(ws), true);
    }
  }

  // Band combinations (with repetition, sorted) of k words.
  static vector<string> Combos(int k) {
    vector<string> out;
    string cur;
    auto rec = [&](auto& self, int from) -> void {
      if (static_cast<int>(cur.size()) == k) {
        out.push_back(cur);
        return;
      }
      for (int b = from; b < 3; ++b) {
        cur.push_back(kBands[b]);
        self(self, b);
        cur.pop_back();
      }
    };
    rec(rec, 0);
    return out;
  }

  // The band pattern of the next query of class `cls` with k words: the combinations cycled
  // through per class.
  string Pattern(int cls, int k) {
    const auto cs = Combos(k);
    return cs[cycle_[cls]++ % cs.size()];
  }

  int NumTokens() {
    const uint32_t x = rng_.Below(100);
    return x < 65 ? 2 : x < 93 ? 3 : 4;
  }

  // k distinct words of one document matching the band pattern where the document has them
  // (else any of its words); the document is drawn among the first qdocs.
  void WordsOfDoc(const string& pattern, vector<uint32_t>* ws) {
    m_.Generate(rng_.Next() % qdocs_, &d_);
    vector<uint32_t> all = d_.body;
    all.insert(all.end(), d_.title.begin(), d_.title.end());
    std::sort(all.begin(), all.end());
    all.erase(std::unique(all.begin(), all.end()), all.end());
    ws->clear();
    for (char band : pattern) {
      vector<uint32_t> cand;
      for (uint32_t w : all)
        if (BandOf(w) == band && std::find(ws->begin(), ws->end(), w) == ws->end()) cand.push_back(w);
      if (cand.empty())
        for (uint32_t w : all)
          if (std::find(ws->begin(), ws->end(), w) == ws->end()) cand.push_back(w);
      if (cand.empty()) break;
      ws->push_back(cand[rng_.Below(static_cast<uint32_t>(cand.size()))]);
    }
    // The pattern is sorted by band; shuffle so that the order of bands in the query varies.
    for (size_t i = ws->size(); i > 1; --i) std::swap((*ws)[i - 1], (*ws)[rng_.Below(static_cast<uint32_t>(i))]);
  }

  static string BandsOf(const vector<uint32_t>& ws) {
    string b;
    for (uint32_t w : ws) b += BandOf(w);
    std::sort(b.begin(), b.end());
    return b;
  }

  void Emit(const string& cls, const string& q, size_t k, const string& bands, bool global) {
    string tags = Json(cls);
    if (global) tags += ", \"global\"";
    tags += ", " + Json(cls + ":num_tokens_" + (k > 3 ? string(">3") : std::to_string(k)));
    tags += ", " + Json("bands:" + bands);
    std::fprintf(f_, "{\"query\": %s, \"tags\": [%s]}\n", Json(q).c_str(), tags.c_str());
  }

  const Model& m_;
  const Vocabulary& v_;
  FILE* const f_;
  Rng rng_;
  const uint64_t qdocs_;
  const uint32_t q_;  // queries per class
  DocTokens d_;
  vector<size_t> cycle_ = vector<size_t>(5, 0);  // [class]: band patterns used so far
};

void WriteQueries(const Model& m, FILE* f) { QueryWriter(m, f).Write(); }

}  // namespace

int main(int argc, char** argv) {
  Config c;
  string out = "-", queries, schema_out;
  auto usage = [] {
    std::cerr << "usage: trawl-gen-corpus [--docs N] [--out FILE|-] [--queries FILE] [--queries-per-class Q]\n"
                 "         [--seed S] [--vocab V] [--zipf S] [--median-len L] [--len-sigma X]\n"
                 "         [--collocations C] [--colloc-rate P] [--query-docs D]\n"
                 "         [--bursty P] [--typed 0|1] [--schema-out FILE]\n"
                 "  --out none writes no corpus (queries only)\n";
    return 2;
  };
  try {
    for (int i = 1; i < argc; ++i) {
      const string a = argv[i];
      if (i + 1 >= argc) return usage();
      const char* v = argv[++i];
      if (a == "--docs") c.docs = std::strtoull(v, nullptr, 10);
      else if (a == "--out") out = v;
      else if (a == "--queries") queries = v;
      else if (a == "--queries-per-class") c.queries_per_class = static_cast<uint32_t>(std::atoi(v));
      else if (a == "--seed") c.seed = std::strtoull(v, nullptr, 10);
      else if (a == "--vocab") c.vocab = static_cast<uint32_t>(std::atoi(v));
      else if (a == "--zipf") c.zipf = std::atof(v);
      else if (a == "--median-len") c.median_len = std::atof(v);
      else if (a == "--len-sigma") c.len_sigma = std::atof(v);
      else if (a == "--collocations") c.collocations = static_cast<uint32_t>(std::atoi(v));
      else if (a == "--colloc-rate") c.colloc_rate = std::atof(v);
      else if (a == "--query-docs") c.query_docs = std::strtoull(v, nullptr, 10);
      else if (a == "--bursty") c.bursty = std::atof(v);
      else if (a == "--typed") c.typed = std::atoi(v) != 0;
      else if (a == "--schema-out") schema_out = v;
      else return usage();
    }
    if (c.vocab < kMediumEnd * 2 || c.median_len < 1 || c.zipf <= 0 || !(c.bursty >= 0 && c.bursty < 1)) {
      std::cerr << "trawl-gen-corpus: --vocab must be >= " << kMediumEnd * 2
                << ", --median-len >= 1, --zipf > 0, 0 <= --bursty < 1\n";
      return 2;
    }
    if (out != "none" && c.query_docs > c.docs) {
      // Queries drawn from documents beyond the corpus might match nothing in it.
      std::fprintf(stderr, "trawl-gen-corpus: --query-docs lowered to --docs (%llu)\n",
                   static_cast<unsigned long long>(c.docs));
      c.query_docs = c.docs;
    }
    const double t0 = NowS();
    Model m(c);
    if (out != "none") {
      FILE* f = out == "-" ? stdout : std::fopen(out.c_str(), "wb");
      if (!f) throw std::runtime_error("cannot write " + out);
      WriteCorpus(m, f);
      if (f != stdout && std::fclose(f) != 0) throw std::runtime_error("write error on " + out);
    }
    if (!queries.empty()) {
      FILE* f = std::fopen(queries.c_str(), "w");
      if (!f) throw std::runtime_error("cannot write " + queries);
      WriteQueries(m, f);
      if (std::fclose(f) != 0) throw std::runtime_error("write error on " + queries);
    }
    if (!schema_out.empty()) {
      FILE* f = std::fopen(schema_out.c_str(), "w");
      if (!f) throw std::runtime_error("cannot write " + schema_out);
      WriteSchema(c.typed, f);
      if (std::fclose(f) != 0) throw std::runtime_error("write error on " + schema_out);
    }
    std::fprintf(stderr, "trawl-gen-corpus: done in %.1fs\n", NowS() - t0);
  } catch (const std::exception& e) {
    std::cerr << "trawl-gen-corpus: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
