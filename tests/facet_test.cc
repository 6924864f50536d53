// Facet counts against a brute-force reference: generated documents with keyword (multi-valued,
// with repeats and bytes above ASCII), bool, int (negative and extreme), float and date fields
// (across years, months, ISO weeks and days before and after 1970), some missing, written
// through IndexWriter with a schema into several segments, with deletions and replacements.
// Keyword facets for term, boolean, phrase and match-all queries, with ties and top_n cuts;
// keyword counting by postings and by column agreeing with each other and the reference on
// matches of every density; range facets for every date interval and for number widths
// (integral and fractional, on int and float fields). Dates in the reference are bucketed
// with the C library's gmtime/timegm, independently of common/date.
#include <gtest/gtest.h>
#include <time.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <map>
#include <optional>
#include <random>
#include <set>

#include "format/deletes.h"
#include "format/manifest.h"
#include "format/segment_reader.h"
#include "searcher/facets.h"
#include "tests/test_util.h"
#include "trawl/index_writer.h"
#include "trawl/searcher.h"

namespace trawl {
namespace facet_test {
namespace {

using Int128 = __int128;

struct TypedDoc {
  std::string id;
  std::vector<std::string> words;  // body
  std::vector<std::string> tags;   // keyword, multi-valued, repeats allowed
  std::optional<std::string> color;
  std::optional<bool> flag;
  std::vector<int64_t> nums;
  std::optional<double> price;
  std::vector<int64_t> when;  // epoch millis
  std::optional<std::string> code;  // keyword with a column but no terms
};

// ---- reference bucketing

std::string Int128Text(Int128 v) {
  if (v == 0) return "0";
  const bool negative = v < 0;
  std::string s;
  while (v != 0) {
    const int digit = static_cast<int>(v % 10);
    s.push_back(static_cast<char>('0' + (digit < 0 ? -digit : digit)));
    v /= 10;
  }
  if (negative) s.push_back('-');
  std::reverse(s.begin(), s.end());
  return s;
}

std::string DoubleText(double v) {
  if (v == 0) v = 0.0;
  char buf[64];
  auto [ptr, ec] = std::to_chars(buf, buf + sizeof buf, v);
  return std::string(buf, ptr);
}

std::string UtcText(time_t seconds) {
  struct tm tm;
  gmtime_r(&seconds, &tm);
  char buf[64];
  strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

std::string DateBucket(int64_t millis, const std::string& interval) {
  time_t seconds = static_cast<time_t>(millis / 1000 - (millis % 1000 < 0 ? 1 : 0));
  struct tm tm;
  gmtime_r(&seconds, &tm);
  struct tm start = {};
  start.tm_year = tm.tm_year;
  start.tm_mon = interval == "year" ? 0 : tm.tm_mon;
  start.tm_mday = interval == "year" || interval == "month" ? 1 : tm.tm_mday;
  start.tm_hour = interval == "hour" ? tm.tm_hour : 0;
  time_t t = timegm(&start);
  if (interval == "week") t -= static_cast<time_t>((tm.tm_wday + 6) % 7) * 86400;
  return UtcText(t);
}

// The bucket text of an int value for a width given as text.
std::string IntBucket(int64_t v, const std::string& width) {
  int64_t w;
  auto [ptr, ec] = std::from_chars(width.data(), width.data() + width.size(), w);
  if (ec == std::errc() && ptr == width.data() + width.size()) {
    const Int128 r = ((Int128{v} % w) + w) % w;
    return Int128Text(Int128{v} - r);
  }
  const double d = std::stod(width);
  return DoubleText(std::floor(static_cast<double>(v) / d) * d);
}

std::string FloatBucket(double v, const std::string& width) {
  const double d = std::stod(width);
  return DoubleText(std::floor(v / d) * d);
}

// ---- reference facets

using Counts = std::map<std::string, uint64_t>;

std::vector<FacetCount> TopN(const Counts& counts, size_t top_n) {
  std::vector<FacetCount> out;
  for (const auto& [v, n] : counts) out.push_back({v, n});
  std::stable_sort(out.begin(), out.end(),
                   [](const FacetCount& a, const FacetCount& b) { return a.count > b.count; });
  if (top_n != 0 && out.size() > top_n) out.resize(top_n);
  return out;
}

std::vector<FacetCount> InOrder(const std::map<std::string, uint64_t>& counts,
                                const std::function<bool(const std::string&, const std::string&)>& less) {
  std::vector<FacetCount> out;
  for (const auto& [v, n] : counts) out.push_back({v, n});
  std::sort(out.begin(), out.end(),
            [&](const FacetCount& a, const FacetCount& b) { return less(a.value, b.value); });
  return out;
}

Counts KeywordCounts(const std::vector<const TypedDoc*>& docs, const std::string& field) {
  Counts counts;
  for (const TypedDoc* d : docs) {
    std::set<std::string> values;
    if (field == "tag") values.insert(d->tags.begin(), d->tags.end());
    if (field == "color" && d->color) values.insert(*d->color);
    if (field == "code" && d->code) values.insert(*d->code);
    if (field == "flag" && d->flag) values.insert(*d->flag ? "true" : "false");
    for (const auto& v : values) counts[v] += 1;
  }
  return counts;
}

std::vector<FacetCount> RangeCounts(const std::vector<const TypedDoc*>& docs,
                                    const std::string& field, const std::string& interval) {
  Counts counts;
  std::map<std::string, double> numeric;  // bucket text -> its start, for ordering numbers
  std::map<std::string, int64_t> dates;
  for (const TypedDoc* d : docs) {
    std::set<std::string> buckets;
    if (field == "num") {
      for (int64_t v : d->nums) {
        const std::string b = IntBucket(v, interval);
        buckets.insert(b);
        numeric[b] = std::stod(b);
      }
    } else if (field == "price" && d->price) {
      const std::string b = FloatBucket(*d->price, interval);
      buckets.insert(b);
      numeric[b] = std::stod(b);
    } else if (field == "when") {
      for (int64_t v : d->when) buckets.insert(DateBucket(v, interval));
    }
    for (const auto& b : buckets) counts[b] += 1;
  }
  if (field == "when") {  // RFC 3339 UTC text of years 1000-9999 sorts as the instants do
    return InOrder(counts, std::less<std::string>());
  }
  return InOrder(counts, [&](const std::string& a, const std::string& b) {
    return numeric.at(a) < numeric.at(b);
  });
}

std::string Describe(const std::vector<FacetCount>& counts) {
  std::string s;
  for (const auto& c : counts) s += c.value + ":" + std::to_string(c.count) + " ";
  return s;
}

void ExpectCounts(const std::vector<FacetCount>& expected, const FacetResult& actual,
                  const std::string& context) {
  EXPECT_EQ(Describe(expected), Describe(actual.counts)) << context << " field " << actual.field;
}

// ---- the generated index

Schema TypedSchema() {
  Schema s;
  EXPECT_TRUE(s.AddField("body", FieldSpec::Default(FieldType::kText)).ok());
  EXPECT_TRUE(s.AddField("tag", FieldSpec::Default(FieldType::kKeyword)).ok());
  EXPECT_TRUE(s.AddField("color", FieldSpec::Default(FieldType::kKeyword)).ok());
  EXPECT_TRUE(s.AddField("flag", FieldSpec::Default(FieldType::kBool)).ok());
  EXPECT_TRUE(s.AddField("num", FieldSpec::Default(FieldType::kInt)).ok());
  EXPECT_TRUE(s.AddField("price", FieldSpec::Default(FieldType::kFloat)).ok());
  EXPECT_TRUE(s.AddField("when", FieldSpec::Default(FieldType::kDate)).ok());
  FieldSpec column_only = FieldSpec::Default(FieldType::kKeyword);
  column_only.indexed = false;
  EXPECT_TRUE(s.AddField("code", column_only).ok());
  FieldSpec no_column = FieldSpec::Default(FieldType::kKeyword);
  no_column.column = false;
  EXPECT_TRUE(s.AddField("plain", no_column).ok());
  return s;
}

int64_t Millis(int year, int month, int day, int hour = 0, int minute = 0, int second = 0) {
  struct tm tm = {};
  tm.tm_year = year - 1900;
  tm.tm_mon = month - 1;
  tm.tm_mday = day;
  tm.tm_hour = hour;
  tm.tm_min = minute;
  tm.tm_sec = second;
  return static_cast<int64_t>(timegm(&tm)) * 1000;
}

class Generator {
 public:
  explicit Generator(uint32_t seed) : rng_(seed) {}

  TypedDoc Make(const std::string& id) {
    static const char* kWords[] = {"kiwi", "mango", "plum", "fig", "lime", "pear", "melon"};
    static const double kWordWeights[] = {30, 20, 1.5, 10, 10, 5, 5};
    static const char* kTags[] = {"alpha", "beta", "Gamma", "delta", "\xc3\xa9t\xc3\xa9",
                                  "zeta", "eta", "theta", "B", "a", "iota", "kappa", "lambda",
                                  "mu", "nu", "xi", "omicron", "pi", "rho", "sigma", "tau",
                                  "upsilon", "phi", "chi", "psi", "omega", "with space",
                                  "x/y", "omega2", "long-tail"};
    static const char* kColors[] = {"red", "green", "blue", "black", "white", "grey"};
    std::discrete_distribution<int> word(std::begin(kWordWeights), std::end(kWordWeights));
    TypedDoc d;
    d.id = id;
    for (int i = 0, n = 1 + Below(8); i < n; ++i) d.words.push_back(kWords[word(rng_)]);
    for (int i = 0, n = Below(4); i < n; ++i) {
      // Zipf-like: low indexes common, ties likely among the rare ones.
      const int t = std::min(Below(30), Below(30));
      d.tags.push_back(kTags[t]);
      if (Below(10) == 0) d.tags.push_back(kTags[t]);  // a repeat counts once
    }
    if (Below(10) != 0) d.color = kColors[std::min(Below(6), Below(6))];
    if (Below(5) != 0) d.flag = Below(3) == 0;
    for (int i = 0, n = Below(3); i < n; ++i) d.nums.push_back(Int());
    if (Below(4) != 0) d.price = Float();
    for (int i = 0, n = Below(3); i < n; ++i) d.when.push_back(Date());
    if (Below(3) != 0) d.code = "c" + std::to_string(Below(20));
    return d;
  }

  int Below(int n) { return static_cast<int>(rng_() % static_cast<uint32_t>(n)); }

 private:
  int64_t Int() {
    switch (Below(20)) {
      case 0:
        return std::numeric_limits<int64_t>::min();
      case 1:
        return std::numeric_limits<int64_t>::max();
      case 2:
        return 0;
      case 3:
        return -static_cast<int64_t>(Below(1000000)) * 1000003;
      default:
        return Below(2001) - 1000;
    }
  }
  double Float() {
    static const double kSpecial[] = {-2.5, -0.75, -0.0, 0.0, 0.1, 0.3, 1.0, 2.5, 1e6, -1e-3, 0.5};
    if (Below(3) == 0) return kSpecial[Below(11)];
    double v = (Below(20001) - 10000) / 100.0;
    return v == 0 ? 0.0 : v;
  }
  int64_t Date() {
    if (Below(2) == 0) {  // anywhere from 1960 to 2035
      const int64_t lo = Millis(1960, 1, 1), hi = Millis(2035, 1, 1);
      return lo + static_cast<int64_t>(rng_() % static_cast<uint64_t>(hi - lo));
    }
    // Next to a boundary: a new year, a month end (Feb 29 too), a Sunday/Monday, midnight
    // before 1970, by a millisecond, a second or an hour either way.
    static const int64_t kBoundaries[] = {
        Millis(2024, 1, 1),  Millis(2000, 1, 1),  Millis(2024, 3, 1), Millis(2023, 3, 1),
        Millis(2024, 5, 13), Millis(2021, 1, 4),  Millis(1970, 1, 1), Millis(1969, 12, 29),
        Millis(1968, 3, 1),  Millis(2020, 12, 28), Millis(2026, 12, 3, 17)};
    static const int64_t kOffsets[] = {-3600000, -1000, -1, 0, 1, 1000, 3600000};
    return kBoundaries[Below(11)] + kOffsets[Below(7)];
  }

  std::mt19937 rng_;
};

Document ToDocument(const TypedDoc& t) {
  Document d;
  d.id = t.id;
  std::string body;
  for (const auto& w : t.words) body += (body.empty() ? "" : " ") + w;
  d.Add("body", body);
  for (const auto& tag : t.tags) d.Add("tag", tag, ValueKind::kKeyword);
  if (t.color) d.Add("color", *t.color, ValueKind::kKeyword);
  if (t.flag) d.AddBool("flag", *t.flag);
  for (int64_t v : t.nums) d.AddInt("num", v);
  if (t.price) d.Add("price", DoubleText(*t.price), ValueKind::kFloat);
  for (int64_t v : t.when) d.AddDate("when", v);
  if (t.code) d.Add("code", *t.code, ValueKind::kKeyword);
  d.Add("plain", "p", ValueKind::kKeyword);
  return d;
}

struct Query {
  std::string text;
  std::function<bool(const TypedDoc&)> matches;
};

bool Has(const TypedDoc& d, const std::string& w) {
  return std::find(d.words.begin(), d.words.end(), w) != d.words.end();
}

std::vector<Query> Queries() {
  return {
      {"*", [](const TypedDoc&) { return true; }},
      {"body:kiwi", [](const TypedDoc& d) { return Has(d, "kiwi"); }},
      {"body:plum", [](const TypedDoc& d) { return Has(d, "plum"); }},
      {"body:plum OR body:pear", [](const TypedDoc& d) { return Has(d, "plum") || Has(d, "pear"); }},
      {"+body:kiwi -body:mango", [](const TypedDoc& d) { return Has(d, "kiwi") && !Has(d, "mango"); }},
      {"body:fig AND body:lime", [](const TypedDoc& d) { return Has(d, "fig") && Has(d, "lime"); }},
      {"body:\"kiwi mango\"",
       [](const TypedDoc& d) {
         for (size_t i = 0; i + 1 < d.words.size(); ++i)
           if (d.words[i] == "kiwi" && d.words[i + 1] == "mango") return true;
         return false;
       }},
      {"body:zzzz", [](const TypedDoc&) { return false; }},
  };
}

class FacetTest : public ::testing::Test {
 protected:
  static constexpr int kDocs = 14000;

  void SetUp() override {
    dir_ = FreshTempDir("facet_test");
    Generator gen(7);
    IndexWriterOptions options;
    options.schema = TypedSchema();
    options.merge_factor = 0;  // keep the commits' segments apart
    std::unique_ptr<IndexWriter> writer;
    ASSERT_TRUE(IndexWriter::Open(dir_.string(), options, &writer).ok());
    // Four commits, each a segment; the later ones delete and replace documents of the earlier.
    for (int i = 0; i < kDocs; ++i) {
      TypedDoc d = gen.Make("d" + std::to_string(i));
      Status s = writer->Add(ToDocument(d));
      ASSERT_TRUE(s.ok()) << s.ToString();
      live_[d.id] = std::move(d);
      if (i % 4000 == 3999) {
        for (int k = 0; k < 300; ++k) {
          const std::string victim = "d" + std::to_string(gen.Below(i));
          if (gen.Below(2) == 0) {
            ASSERT_TRUE(writer->Delete(victim).ok());
            live_.erase(victim);
          } else {
            TypedDoc replacement = gen.Make(victim);
            ASSERT_TRUE(writer->Add(ToDocument(replacement)).ok());
            live_[victim] = std::move(replacement);
          }
        }
        ASSERT_TRUE(writer->Commit().ok());
      }
    }
    ASSERT_TRUE(writer->Commit().ok());
    ASSERT_TRUE(Searcher::Open(dir_.string(), {}, &searcher_).ok());
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::vector<const TypedDoc*> Matching(const Query& q) const {
    std::vector<const TypedDoc*> out;
    for (const auto& [id, d] : live_)
      if (q.matches(d)) out.push_back(&d);
    return out;
  }

  std::filesystem::path dir_;
  std::map<std::string, TypedDoc> live_;
  std::unique_ptr<Searcher> searcher_;
};

const std::vector<std::pair<std::string, std::string>> kRanges = {
    {"num", "10"},      {"num", "1"},      {"num", "2.5"},    {"num", "1000000000000"},
    {"num", "7"},       {"price", "0.5"},  {"price", "10"},   {"price", "0.1"},
    {"when", "year"},   {"when", "month"}, {"when", "week"},  {"when", "day"},
    {"when", "hour"}};

TEST_F(FacetTest, KeywordAndRangeFacetsMatchBruteForce) {
  ASSERT_GT(searcher_->num_docs(), 10000u);
  for (const Query& q : Queries()) {
    const std::vector<const TypedDoc*> docs = Matching(q);
    SearchOptions options;
    options.facets = {{"tag", 0}, {"tag", 5}, {"color", 10}, {"flag", 10}, {"code", 3}};
    for (const auto& [field, interval] : kRanges) options.range_facets.push_back({field, interval});
    for (size_t top_k : {size_t{0}, size_t{10}}) {
      options.top_k = top_k;
      SearchResults results;
      Status s = searcher_->Search(q.text, options, &results);
      ASSERT_TRUE(s.ok()) << q.text << ": " << s.ToString();
      EXPECT_EQ(results.total, docs.size()) << q.text;
      ASSERT_EQ(results.facets.size(), options.facets.size() + options.range_facets.size());
      const std::string context = q.text + " top_k " + std::to_string(top_k);
      for (size_t i = 0; i < options.facets.size(); ++i) {
        const FacetResult& r = results.facets[i];
        EXPECT_EQ(r.field, options.facets[i].field);
        EXPECT_FALSE(r.is_range);
        EXPECT_EQ(r.type, r.field == "flag" ? FieldType::kBool : FieldType::kKeyword);
        ExpectCounts(TopN(KeywordCounts(docs, r.field), options.facets[i].top_n), r, context);
      }
      for (size_t i = 0; i < kRanges.size(); ++i) {
        const FacetResult& r = results.facets[options.facets.size() + i];
        EXPECT_EQ(r.field, kRanges[i].first);
        EXPECT_TRUE(r.is_range);
        ExpectCounts(RangeCounts(docs, kRanges[i].first, kRanges[i].second), r,
                     context + " interval " + kRanges[i].second);
      }
    }
  }
}

// The same counts from one segment: the index merged into one, whose facets are named from
// the segment's ordinals (top values only) rather than merged by value across segments.
TEST_F(FacetTest, OneSegmentCountsAsManySegmentsDo) {
  {
    IndexWriterOptions options;
    std::unique_ptr<IndexWriter> writer;
    ASSERT_TRUE(IndexWriter::Open(dir_.string(), options, &writer).ok());
    ASSERT_TRUE(writer->Optimize().ok());
  }
  std::unique_ptr<Searcher> merged;
  ASSERT_TRUE(Searcher::Open(dir_.string(), {}, &merged).ok());
  Manifest manifest;
  ASSERT_TRUE(ReadLatestManifest(dir_.string(), &manifest).ok());
  ASSERT_EQ(manifest.segments.size(), 1u);
  for (const Query& q : Queries()) {
    const std::vector<const TypedDoc*> docs = Matching(q);
    SearchOptions options;
    options.facets = {{"tag", 0}, {"tag", 5}, {"color", 10}, {"flag", 10}, {"code", 3}};
    options.top_k = 10;
    SearchResults results;
    Status s = merged->Search(q.text, options, &results);
    ASSERT_TRUE(s.ok()) << q.text << ": " << s.ToString();
    ASSERT_EQ(results.facets.size(), options.facets.size());
    for (size_t i = 0; i < options.facets.size(); ++i) {
      ExpectCounts(TopN(KeywordCounts(docs, options.facets[i].field), options.facets[i].top_n),
                   results.facets[i], q.text + " (one segment)");
    }
  }
}

TEST_F(FacetTest, CountOnlySearchCountsFacets) {
  SearchOptions options;
  options.count_only = true;
  options.facets = {{"color", 0}};
  options.range_facets = {{"when", "year"}};
  SearchResults results;
  ASSERT_TRUE(searcher_->Search("body:kiwi", options, &results).ok());
  const Query q = Queries()[1];
  ASSERT_EQ(results.facets.size(), 2u);
  ExpectCounts(TopN(KeywordCounts(Matching(q), "color"), 0), results.facets[0], "count only");
  ExpectCounts(RangeCounts(Matching(q), "when", "year"), results.facets[1], "count only");
  EXPECT_TRUE(results.hits.empty());
}

// Both ways of counting keyword facets, forced and chosen, on the segments themselves: every
// match set (every density, from a few documents to all) gives the reference's counts.
TEST_F(FacetTest, PostingAndColumnCountsAgree) {
  Manifest manifest;
  ASSERT_TRUE(ReadLatestManifest(dir_.string(), &manifest).ok());
  ASSERT_GE(manifest.segments.size(), 4u);
  std::vector<std::unique_ptr<SegmentReader>> segments;
  std::vector<RoaringPtr> deleted;
  std::vector<std::vector<std::string>> ids;  // per segment, docid -> id
  for (const auto& entry : manifest.segments) {
    std::unique_ptr<SegmentReader> seg;
    ASSERT_TRUE(SegmentReader::Open(dir_.string(), entry.name, true, &seg).ok());
    roaring_bitmap_t* del = nullptr;
    if (!entry.deletes.empty()) {
      ASSERT_TRUE(ReadDeletes(dir_.string() + "/" + entry.deletes, entry.num_docs,
                              entry.num_deleted, &del).ok());
    }
    deleted.emplace_back(del);
    std::vector<std::string> seg_ids(seg->num_docs());
    for (uint32_t d = 0; d < seg->num_docs(); ++d) {
      Document doc;
      ASSERT_TRUE(seg->store().Get(d, &doc).ok());
      seg_ids[d] = doc.id;
    }
    ids.push_back(std::move(seg_ids));
    segments.push_back(std::move(seg));
  }
  const std::vector<FacetRequest> facets = {{"tag", 0}, {"color", 0}, {"flag", 0}, {"code", 0}};
  std::mt19937 rng(11);
  uint64_t auto_postings = 0, auto_columns = 0;
  for (double density : {0.0005, 0.01, 0.1, 0.5, 1.0}) {
    // Live documents of each segment, each kept with probability `density`.
    std::vector<RoaringPtr> matches;
    std::vector<const TypedDoc*> reference;
    for (size_t s = 0; s < segments.size(); ++s) {
      RoaringPtr m(roaring_bitmap_create());
      for (uint32_t d = 0; d < segments[s]->num_docs(); ++d) {
        if (deleted[s] && roaring_bitmap_contains(deleted[s].get(), d)) continue;
        if (std::uniform_real_distribution<double>(0, 1)(rng) >= density) continue;
        roaring_bitmap_add(m.get(), d);
        reference.push_back(&live_.at(ids[s][d]));
      }
      matches.push_back(std::move(m));
    }
    std::vector<std::vector<FacetResult>> by_method;
    for (KeywordCountMethod method :
         {KeywordCountMethod::kColumn, KeywordCountMethod::kPostings, KeywordCountMethod::kAuto}) {
      std::unique_ptr<FacetCounter> counter;
      ASSERT_TRUE(FacetCounter::Create(searcher_->schema(), facets, {}, method, &counter).ok());
      for (size_t s = 0; s < segments.size(); ++s) {
        ASSERT_TRUE(counter->AddSegment(*segments[s], matches[s].get()).ok());
      }
      if (method == KeywordCountMethod::kColumn) {
        EXPECT_EQ(counter->posting_counts(), 0u);
      }
      if (method == KeywordCountMethod::kPostings) {
        // Everything but the column-only field, in every segment that has matches.
        EXPECT_GT(counter->posting_counts(), 0u);
        EXPECT_LE(counter->column_counts(), segments.size());
      }
      if (method == KeywordCountMethod::kAuto) {
        auto_postings += counter->posting_counts();
        auto_columns += counter->column_counts();
      }
      by_method.push_back(counter->Finish());
    }
    const std::string context = "density " + std::to_string(density);
    for (size_t i = 0; i < facets.size(); ++i) {
      const std::vector<FacetCount> expected = TopN(KeywordCounts(reference, facets[i].field), 0);
      for (const auto& results : by_method) ExpectCounts(expected, results[i], context);
    }
  }
  // The cost rule chose each way somewhere.
  EXPECT_GT(auto_postings, 0u);
  EXPECT_GT(auto_columns, 0u);
}

TEST_F(FacetTest, TopNCutsTiesByValue) {
  SearchOptions options;
  options.top_k = 0;
  for (size_t n : {1, 2, 3, 7, 29, 30, 100}) {
    options.facets = {{"tag", n}};
    SearchResults results;
    ASSERT_TRUE(searcher_->Search("body:plum", options, &results).ok());
    const std::vector<FacetCount> all = TopN(KeywordCounts(Matching(Queries()[2]), "tag"), 0);
    std::vector<FacetCount> expected(all.begin(), all.begin() + std::min(n, all.size()));
    ExpectCounts(expected, results.facets[0], "top " + std::to_string(n));
  }
}

TEST_F(FacetTest, BadRequestsAreRefusedNamingTheFieldOrInterval) {
  struct Case {
    std::vector<FacetRequest> facets;
    std::vector<RangeFacetRequest> ranges;
    std::string names;
  };
  const Case cases[] = {
      {{{"nosuch", 10}}, {}, "nosuch"},
      {{{"body", 10}}, {}, "body"},            // text: no column
      {{{"plain", 10}}, {}, "plain"},          // keyword without a column
      {{{"num", 10}}, {}, "num"},              // numbers are counted in ranges
      {{{"when", 10}}, {}, "when"},
      {{}, {{"tag", "10"}}, "tag"},            // keywords have no ranges
      {{}, {{"flag", "1"}}, "flag"},
      {{}, {{"nosuch", "1"}}, "nosuch"},
      {{}, {{"num", "0"}}, "'0'"},
      {{}, {{"num", "-5"}}, "'-5'"},
      {{}, {{"num", "abc"}}, "'abc'"},
      {{}, {{"num", ""}}, "''"},
      {{}, {{"num", "month"}}, "'month'"},
      {{}, {{"price", "nan"}}, "'nan'"},
      {{}, {{"price", "inf"}}, "'inf'"},
      {{}, {{"price", "1e400"}}, "'1e400'"},
      {{}, {{"price", " 1"}}, "' 1'"},
      {{}, {{"when", "10"}}, "'10'"},
      {{}, {{"when", "Year"}}, "'Year'"},
      {{}, {{"when", "minute"}}, "'minute'"},
  };
  for (const Case& c : cases) {
    SearchOptions options;
    options.facets = c.facets;
    options.range_facets = c.ranges;
    SearchResults results;
    Status s = searcher_->Search("*", options, &results);
    EXPECT_TRUE(s.IsInvalidArgument()) << c.names << ": " << s.ToString();
    EXPECT_TRUE(Contains(s.ToString(), c.names)) << s.ToString();
  }
}

// ---- small hand-made indexes

class SmallFacetTest : public ::testing::Test {
 protected:
  void SetUp() override { dir_ = FreshTempDir("facet_small"); }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  void Write(const Schema& schema, const std::vector<Document>& docs) {
    IndexWriterOptions options;
    options.schema = schema;
    std::unique_ptr<IndexWriter> writer;
    ASSERT_TRUE(IndexWriter::Open(dir_.string(), options, &writer).ok());
    for (const Document& d : docs) ASSERT_TRUE(writer->Add(d).ok());
    ASSERT_TRUE(writer->Commit().ok());
    ASSERT_TRUE(Searcher::Open(dir_.string(), {}, &searcher_).ok());
  }
  std::string Facet(const SearchOptions& options, size_t i = 0) {
    SearchResults results;
    Status s = searcher_->Search("*", options, &results);
    EXPECT_TRUE(s.ok()) << s.ToString();
    if (!s.ok() || results.facets.size() <= i) return "error";
    return Describe(results.facets[i].counts);
  }

  std::filesystem::path dir_;
  std::unique_ptr<Searcher> searcher_;
};

TEST_F(SmallFacetTest, ValuesTieByBytesAndCountOncePerDocument) {
  Schema schema;
  ASSERT_TRUE(schema.AddField("k", FieldSpec::Default(FieldType::kKeyword)).ok());
  ASSERT_TRUE(schema.AddField("n", FieldSpec::Default(FieldType::kInt)).ok());
  std::vector<Document> docs(4);
  const char* values[4][3] = {{"a", "B", "a"}, {"\xc3\xa9", "a", "B"}, {"b", "\xc3\xa9", ""},
                              {"b", "", ""}};
  for (int i = 0; i < 4; ++i) {
    docs[i].id = std::to_string(i);
    for (const char* v : values[i])
      if (*v) docs[i].Add("k", v, ValueKind::kKeyword);
  }
  docs[0].AddInt("n", 11);
  docs[0].AddInt("n", 12);
  docs[0].AddInt("n", 25);
  docs[1].AddInt("n", -1);
  docs[1].AddInt("n", -10);
  docs[2].AddInt("n", 19);
  Write(schema, docs);
  SearchOptions options;
  options.facets = {{"k", 0}};
  // "B" < "a" < "b" < "é" bytewise; all counted twice.
  EXPECT_EQ(Facet(options), "B:2 a:2 b:2 \xc3\xa9:2 ");
  options.facets = {{"k", 3}};
  EXPECT_EQ(Facet(options), "B:2 a:2 b:2 ");
  options.facets = {};
  options.range_facets = {{"n", "10"}};
  EXPECT_EQ(Facet(options), "-10:1 10:2 20:1 ");
}

TEST_F(SmallFacetTest, LowercaseKeywordsCountTheirLoweredValues) {
  Schema schema;
  FieldSpec lower = FieldSpec::Default(FieldType::kKeyword);
  lower.lowercase = true;
  ASSERT_TRUE(schema.AddField("label", lower).ok());
  std::vector<Document> docs(3);
  const char* labels[] = {"Red", "red", "RED"};
  for (int i = 0; i < 3; ++i) {
    docs[i].id = std::to_string(i);
    docs[i].Add("label", labels[i], ValueKind::kKeyword);
  }
  Write(schema, docs);
  SearchOptions options;
  options.facets = {{"label", 0}};
  EXPECT_EQ(Facet(options), "red:3 ");
}

TEST_F(SmallFacetTest, ExtremeNumbersHaveTheirBuckets) {
  Schema schema;
  ASSERT_TRUE(schema.AddField("n", FieldSpec::Default(FieldType::kInt)).ok());
  ASSERT_TRUE(schema.AddField("f", FieldSpec::Default(FieldType::kFloat)).ok());
  std::vector<Document> docs(3);
  docs[0].id = "0";
  docs[0].AddInt("n", std::numeric_limits<int64_t>::min());
  docs[0].Add("f", "-1e300", ValueKind::kFloat);
  docs[1].id = "1";
  docs[1].AddInt("n", std::numeric_limits<int64_t>::max());
  docs[1].Add("f", "1e300", ValueKind::kFloat);
  docs[2].id = "2";
  docs[2].AddInt("n", -1);
  docs[2].Add("f", "-0.0", ValueKind::kFloat);
  Write(schema, docs);
  SearchOptions options;
  // INT64_MIN's bucket starts below INT64_MIN.
  options.range_facets = {{"n", "1000"}};
  EXPECT_EQ(Facet(options), "-9223372036854776000:1 -1000:1 9223372036854775000:1 ");
  options.range_facets = {{"n", "9223372036854775807"}};
  EXPECT_EQ(Facet(options),
            "-18446744073709551614:1 -9223372036854775807:1 9223372036854775807:1 ");
  options.range_facets = {{"f", "1e300"}};
  EXPECT_EQ(Facet(options), "-1e+300:1 0:1 1e+300:1 ");
  // Too small a width for the values: refused, naming the field, not a crash.
  options.range_facets = {{"f", "1e-300"}};
  SearchResults results;
  Status s = searcher_->Search("*", options, &results);
  EXPECT_TRUE(s.IsInvalidArgument()) << s.ToString();
  EXPECT_TRUE(Contains(s.ToString(), "'f'")) << s.ToString();
}

TEST_F(SmallFacetTest, FacetsOfAnIndexWithoutTheFieldsValuesAreEmpty) {
  Schema schema;
  ASSERT_TRUE(schema.AddField("k", FieldSpec::Default(FieldType::kKeyword)).ok());
  ASSERT_TRUE(schema.AddField("d", FieldSpec::Default(FieldType::kDate)).ok());
  std::vector<Document> docs(2);
  docs[0].id = "0";
  docs[0].Add("body", "hello");
  docs[1].id = "1";
  docs[1].Add("body", "world");
  Write(schema, docs);
  SearchOptions options;
  options.facets = {{"k", 10}};
  options.range_facets = {{"d", "day"}};
  SearchResults results;
  ASSERT_TRUE(searcher_->Search("*", options, &results).ok());
  ASSERT_EQ(results.facets.size(), 2u);
  EXPECT_EQ(results.facets[0].field, "k");
  EXPECT_TRUE(results.facets[0].counts.empty());
  EXPECT_EQ(results.facets[1].field, "d");
  EXPECT_TRUE(results.facets[1].is_range);
  EXPECT_EQ(results.facets[1].type, FieldType::kDate);
  EXPECT_TRUE(results.facets[1].counts.empty());
}

}  // namespace
}  // namespace facet_test
}  // namespace trawl
