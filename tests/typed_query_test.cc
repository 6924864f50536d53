// Typed fields end to end, against a brute-force reference on generated documents: exact
// values, ranges (inclusive, exclusive, open, negative numbers, floats, dates across zones,
// missing and multi-valued values), "has the field", and filters combined with ranked text
// queries (the top k with filters equals the unfiltered ranking restricted to the filter).
#include <gtest/gtest.h>

#include <algorithm>
#include <charconv>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "common/date.h"
#include "test_util.h"
#include "tests/sanitizer.h"
#include "trawl/index_writer.h"
#include "trawl/schema.h"
#include "trawl/searcher.h"

namespace trawl {
namespace typed_query_test {
namespace {

struct RefDoc {
  std::string id;
  std::vector<std::string> words;
  std::string title;
  std::optional<std::string> cat;
  std::vector<std::string> tags;
  std::optional<std::string> code;  // lowercase keyword: as given (mixed case)
  std::optional<double> price;
  std::optional<int64_t> stars;
  std::vector<int64_t> nums;
  std::vector<int64_t> sizes;  // multi-valued, thousands of distinct values
  std::optional<int64_t> when;  // epoch ms
  std::optional<bool> flag;
  std::optional<int64_t> noidx, nocol;
  bool live = true;
};

const char* kWords[] = {"river", "stone", "bridge", "lamp", "north", "quiet", "copper", "field"};
const char* kCats[] = {"a", "ab", "abc", "b", "ba", "New York", "new york", "z"};
const char* kCodes[] = {"AbC", "abc", "XY", "xy", "Q"};

std::string FloatText(double v) {
  char buf[64];
  auto [end, ec] = std::to_chars(buf, buf + sizeof(buf), v);
  return std::string(buf, end);
}

// An instant written at a zone offset of `offset_minutes`.
std::string ZonedDate(int64_t ms, int offset_minutes) {
  std::string local = FormatDate(ms + int64_t{offset_minutes} * 60000);
  local.pop_back();  // 'Z'
  if (offset_minutes == 0) return local + "Z";
  char zone[16];
  const int m = std::abs(offset_minutes);
  std::snprintf(zone, sizeof(zone), "%c%02d:%02d", offset_minutes < 0 ? '-' : '+', m / 60, m % 60);
  return local + zone;
}

Schema TestSchema() {
  Schema schema;
  auto add = [&](const char* name, FieldType type) {
    EXPECT_TRUE(schema.AddField(name, FieldSpec::Default(type)).ok()) << name;
  };
  add("title", FieldType::kText);
  add("body", FieldType::kText);
  add("cat", FieldType::kKeyword);
  add("tags", FieldType::kKeyword);
  FieldSpec code = FieldSpec::Default(FieldType::kKeyword);
  code.lowercase = true;
  EXPECT_TRUE(schema.AddField("code", code).ok());
  add("price", FieldType::kFloat);
  add("stars", FieldType::kInt);
  add("nums", FieldType::kInt);
  add("sizes", FieldType::kInt);
  add("when", FieldType::kDate);
  add("flag", FieldType::kBool);
  FieldSpec noidx = FieldSpec::Default(FieldType::kInt);
  noidx.indexed = false;
  EXPECT_TRUE(schema.AddField("noidx", noidx).ok());
  FieldSpec nocol = FieldSpec::Default(FieldType::kInt);
  nocol.column = false;
  EXPECT_TRUE(schema.AddField("nocol", nocol).ok());
  return schema;
}

class TypedQueryTest : public ::testing::Test {
 protected:
  static constexpr int64_t kFrom = 1546300800000;  // 2019-01-01
  static constexpr int64_t kTo = 1735689600000;    // 2025-01-01

  void SetUp() override {
    dir_ = FreshTempDir("typed_query").string();
    std::mt19937_64 rng(12345);
    std::mt19937_64 size_rng(777);  // its own stream: the other fields stay as they were
    auto chance = [&](double p) { return std::uniform_real_distribution<double>(0, 1)(rng) < p; };
    auto pick = [&](int n) { return static_cast<int>(rng() % n); };
    IndexWriterOptions options;
    options.schema = TestSchema();
    options.memory_budget_bytes = 64 << 10;  // several segments
    options.merge_factor = 3;
    std::unique_ptr<IndexWriter> writer;
    ASSERT_TRUE(IndexWriter::Open(dir_, options, &writer).ok());
    for (int i = 0; i < 2400; ++i) {
      RefDoc r;
      r.id = "d" + std::to_string(i);
      Document d;
      d.id = r.id;
      std::string body;
      for (int w = 0, n = 1 + pick(12); w < n; ++w) {
        r.words.push_back(kWords[pick(8)]);
        body += (body.empty() ? "" : " ") + r.words.back();
      }
      d.Add("body", body);
      // Rare title words: text queries selective enough that filters check their candidates
      // one by one instead of building their sets.
      if (i % 13 == 0 || i % 47 == 0) {
        r.title = i % 13 == 0 ? (i % 47 == 0 ? "zinc ember" : "zinc") : "ember";
        d.Add("title", r.title);
      }
      for (int k = 0, n = static_cast<int>(size_rng() % 4); k < n; ++k) {
        const int64_t v = static_cast<int64_t>(size_rng() % 1000000);
        if (std::find(r.sizes.begin(), r.sizes.end(), v) == r.sizes.end()) r.sizes.push_back(v);
        d.AddInt("sizes", v);
      }
      if (chance(0.9)) {
        r.cat = kCats[pick(8)];
        d.Add("cat", *r.cat, ValueKind::kKeyword);
      }
      for (int t = 0, n = pick(4); t < n; ++t) {
        r.tags.push_back("t" + std::to_string(pick(12)));
        d.Add("tags", r.tags.back(), ValueKind::kKeyword);
      }
      if (chance(0.8)) {
        r.code = kCodes[pick(5)];
        d.Add("code", *r.code, ValueKind::kKeyword);
      }
      if (chance(0.9)) {
        r.price = static_cast<double>(static_cast<int64_t>(rng() % 20001) - 10000) / 100.0;
        d.Add("price", FloatText(*r.price), ValueKind::kFloat);
      }
      if (chance(0.95)) {
        r.stars = static_cast<int64_t>(pick(9)) - 3;
        d.AddInt("stars", *r.stars);
      }
      for (int k = 0, n = pick(4); k < n; ++k) {
        r.nums.push_back(static_cast<int64_t>(pick(101)) - 50);
        d.AddInt("nums", r.nums.back());
      }
      if (chance(0.9)) {
        r.when = kFrom + static_cast<int64_t>(rng() % static_cast<uint64_t>(kTo - kFrom));
        const int zones[] = {0, 120, -300, 330, -600};
        d.Add("when", ZonedDate(*r.when, zones[pick(5)]), ValueKind::kDate);
      }
      if (chance(0.7)) {
        r.flag = chance(0.5);
        d.AddBool("flag", *r.flag);
      }
      if (chance(0.8)) {
        r.noidx = pick(20);
        d.AddInt("noidx", *r.noidx);
      }
      if (chance(0.8)) {
        r.nocol = pick(20);
        d.AddInt("nocol", *r.nocol);
      }
      ASSERT_TRUE(writer->Add(d).ok()) << i;
      docs_.push_back(std::move(r));
      if (i % 700 == 699) {
        ASSERT_TRUE(writer->Commit().ok());
      }
    }
    // Deletions in committed segments.
    for (size_t i = 0; i < docs_.size(); i += 9) {
      ASSERT_TRUE(writer->Delete(docs_[i].id).ok());
      docs_[i].live = false;
    }
    ASSERT_TRUE(writer->Commit().ok());
    ASSERT_TRUE(Searcher::Open(dir_, {}, &searcher_).ok());
  }

  // The ids `query` matches, through Search and through Count.
  std::set<std::string> Matches(const std::string& query, const std::vector<std::string>& filters = {}) {
    SearchOptions options;
    options.top_k = docs_.size();
    options.snippet_chars = 0;
    options.filters = filters;
    SearchResults r;
    Status s = searcher_->Search(query, options, &r);
    EXPECT_TRUE(s.ok()) << query << ": " << s.ToString();
    std::set<std::string> ids;
    for (const Hit& h : r.hits) ids.insert(h.id);
    EXPECT_EQ(r.total, ids.size()) << query;
    if (filters.empty()) {
      uint64_t n = 0;
      EXPECT_TRUE(searcher_->Count(query, &n).ok()) << query;
      EXPECT_EQ(n, ids.size()) << query;
    }
    return ids;
  }

  template <typename Pred>
  std::set<std::string> Reference(Pred pred) const {
    std::set<std::string> ids;
    for (const RefDoc& d : docs_)
      if (d.live && pred(d)) ids.insert(d.id);
    return ids;
  }

  std::string dir_;
  std::vector<RefDoc> docs_;
  std::unique_ptr<Searcher> searcher_;
};

// A bound: text, value, inclusive; open when text is empty.
template <typename T>
struct Bound {
  std::string text;
  T value{};
  bool inclusive = true;
};

template <typename T>
bool InRange(T v, const Bound<T>& lo, const Bound<T>& hi) {
  if (!lo.text.empty() && (lo.inclusive ? v < lo.value : v <= lo.value)) return false;
  if (!hi.text.empty() && (hi.inclusive ? v > hi.value : v >= hi.value)) return false;
  return true;
}

template <typename T>
std::string RangeQuery(const std::string& field, const Bound<T>& lo, const Bound<T>& hi) {
  return field + ":" + (lo.inclusive ? "[" : "{") + (lo.text.empty() ? "*" : "\"" + lo.text + "\"") +
         " TO " + (hi.text.empty() ? "*" : "\"" + hi.text + "\"") + (hi.inclusive ? "]" : "}");
}

TEST_F(TypedQueryTest, KeywordValuesMatchExactly) {
  for (const char* cat : kCats) {
    EXPECT_EQ(Matches(std::string("cat:\"") + cat + "\""),
              Reference([&](const RefDoc& d) { return d.cat && *d.cat == cat; }))
        << cat;
  }
  for (int t = 0; t < 12; ++t) {
    const std::string tag = "t" + std::to_string(t);
    EXPECT_EQ(Matches("tags:" + tag), Reference([&](const RefDoc& d) {
                return std::find(d.tags.begin(), d.tags.end(), tag) != d.tags.end();
              }));
  }
  // A lowercasing keyword field matches whatever the case of the query and the value.
  EXPECT_EQ(Matches("code:ABC"), Reference([](const RefDoc& d) {
              return d.code && (*d.code == "AbC" || *d.code == "abc");
            }));
  EXPECT_EQ(Matches("cat:ab*"), Reference([](const RefDoc& d) {
              return d.cat && d.cat->rfind("ab", 0) == 0;
            }));
  // Keyword words are not analyzed: "york" alone is no value.
  EXPECT_TRUE(Matches("cat:york").empty());
}

TEST_F(TypedQueryTest, NumericDateAndBoolRangesMatchTheReference) {
  std::mt19937_64 rng(7);
  auto pick = [&](int n) { return static_cast<int>(rng() % n); };
  // A third of the rounds under the sanitizers: each round is a dozen queries against a scan.
  const int rounds = kUnderAsan ? 20 : 60;
  for (int round = 0; round < rounds; ++round) {
    // Floats.
    Bound<double> lo, hi;
    lo.value = (static_cast<double>(pick(2001)) - 1000) / 10.0;
    hi.value = lo.value + pick(800) / 10.0;
    lo.inclusive = pick(2);
    hi.inclusive = pick(2);
    if (pick(5) > 0) lo.text = FloatText(lo.value);
    if (pick(5) > 0) hi.text = FloatText(hi.value);
    EXPECT_EQ(Matches(RangeQuery("price", lo, hi)),
              Reference([&](const RefDoc& d) { return d.price && InRange(*d.price, lo, hi); }))
        << RangeQuery("price", lo, hi);
    // Ints, single- and multi-valued, and the two fields with only terms or only a column.
    for (const char* field : {"stars", "nums", "noidx", "nocol", "sizes"}) {
      Bound<int64_t> a, b;
      const bool small = std::string(field) == "stars";
      const bool wide = std::string(field) == "sizes";  // past the terms: read from the column
      a.value = wide ? pick(1100000) - 50000 : small ? pick(11) - 4 : pick(121) - 60;
      b.value = a.value + (wide ? pick(700000) : pick(small ? 6 : 60));
      a.inclusive = pick(2);
      b.inclusive = pick(2);
      if (pick(6) > 0) a.text = std::to_string(a.value);
      if (pick(6) > 0) b.text = std::to_string(b.value);
      const std::string q = RangeQuery(field, a, b);
      EXPECT_EQ(Matches(q), Reference([&](const RefDoc& d) {
                  const std::string f = field;
                  if (f == "stars") return d.stars && InRange(*d.stars, a, b);
                  if (f == "noidx") return d.noidx && InRange(*d.noidx, a, b);
                  if (f == "nocol") return d.nocol && InRange(*d.nocol, a, b);
                  for (int64_t v : f == "sizes" ? d.sizes : d.nums)
                    if (InRange(v, a, b)) return true;
                  return false;
                }))
          << q;
    }
    // Dates, bounds written in other zones.
    Bound<int64_t> dlo, dhi;
    dlo.value = kFrom + static_cast<int64_t>(rng() % static_cast<uint64_t>(kTo - kFrom));
    dhi.value = dlo.value + static_cast<int64_t>(rng() % (400ull * 86400000));
    dlo.inclusive = pick(2);
    dhi.inclusive = pick(2);
    if (pick(6) > 0) dlo.text = ZonedDate(dlo.value, 60 * (pick(5) - 2));
    if (pick(6) > 0) dhi.text = ZonedDate(dhi.value, 60 * (pick(5) - 2));
    EXPECT_EQ(Matches(RangeQuery("when", dlo, dhi)),
              Reference([&](const RefDoc& d) { return d.when && InRange(*d.when, dlo, dhi); }))
        << RangeQuery("when", dlo, dhi);
  }
  EXPECT_EQ(Matches("flag:true"), Reference([](const RefDoc& d) { return d.flag && *d.flag; }));
  EXPECT_EQ(Matches("flag:false"), Reference([](const RefDoc& d) { return d.flag && !*d.flag; }));
  EXPECT_EQ(Matches("stars:3"), Reference([](const RefDoc& d) { return d.stars && *d.stars == 3; }));
  EXPECT_EQ(Matches("stars:-2"), Reference([](const RefDoc& d) { return d.stars && *d.stars == -2; }));
  EXPECT_EQ(Matches("price:>=50"), Reference([](const RefDoc& d) { return d.price && *d.price >= 50; }));
  EXPECT_EQ(Matches("price:<-12.5"), Reference([](const RefDoc& d) { return d.price && *d.price < -12.5; }));
  // A fractional bound on an int field: the ints inside it.
  EXPECT_EQ(Matches("stars:[0.5 TO 2.5]"),
            Reference([](const RefDoc& d) { return d.stars && *d.stars >= 1 && *d.stars <= 2; }));
}

TEST_F(TypedQueryTest, DateOnlyBoundsCoverWholeDays) {
  // 2021-06-15 in UTC.
  const int64_t day = 1623715200000;
  auto ref = [&](int64_t lo, int64_t hi) {
    return Reference([&](const RefDoc& d) { return d.when && *d.when >= lo && *d.when <= hi; });
  };
  EXPECT_EQ(Matches("when:[2021-06-15 TO 2021-06-15]"), ref(day, day + 86400000 - 1));
  EXPECT_EQ(Matches("when:{2021-06-15 TO 2021-07-15}"), ref(day + 86400000, day + 30 * 86400000ll - 1));
  EXPECT_EQ(Matches("when:[2021-06-15 TO *]"), ref(day, INT64_MAX));
  EXPECT_EQ(Matches("when:<2021-06-15"), ref(INT64_MIN, day - 1));
}

TEST_F(TypedQueryTest, ExistsMatchesDocumentsWithAValue) {
  EXPECT_EQ(Matches("cat:*"), Reference([](const RefDoc& d) { return d.cat.has_value(); }));
  EXPECT_EQ(Matches("tags:*"), Reference([](const RefDoc& d) { return !d.tags.empty(); }));
  EXPECT_EQ(Matches("price:*"), Reference([](const RefDoc& d) { return d.price.has_value(); }));
  EXPECT_EQ(Matches("nocol:*"), Reference([](const RefDoc& d) { return d.nocol.has_value(); }));
  EXPECT_EQ(Matches("noidx:*"), Reference([](const RefDoc& d) { return d.noidx.has_value(); }));
  EXPECT_EQ(Matches("body:*"), Reference([](const RefDoc&) { return true; }));
}

TEST_F(TypedQueryTest, BadValuesAreClearErrors) {
  SearchResults r;
  Status s = searcher_->Search("price:[abc TO 5]", {}, &r);
  EXPECT_TRUE(s.IsInvalidArgument());
  EXPECT_NE(s.message().find("price"), std::string::npos) << s.message();
  s = searcher_->Search("stars:many", {}, &r);
  EXPECT_TRUE(s.IsInvalidArgument()) << s.ToString();
  SearchOptions options;
  options.filters = {"when:[2020-13-01 TO *]"};
  s = searcher_->Search("river", options, &r);
  EXPECT_TRUE(s.IsInvalidArgument());
  EXPECT_NE(s.message().find("filter 1"), std::string::npos) << s.message();
}

// A typed field's value is one value, never text to analyze: a keyword that is punctuation
// or a stop word to the text fields' analyzer is still a value to match, not a clause to leave
// out (which would match nothing alone and constrain nothing in a conjunction), and a number
// field's value that is no number is an error, not a dropped clause.
TEST(TypedQueryWords, ValuesTheTextAnalyzerDropsAreStillValues) {
  const std::string dir = FreshTempDir("typed_words").string();
  IndexWriterOptions options;
  options.stopwords = "english";
  ASSERT_TRUE(options.schema.AddField("body", FieldSpec::Default(FieldType::kText)).ok());
  ASSERT_TRUE(options.schema.AddField("tag", FieldSpec::Default(FieldType::kKeyword)).ok());
  ASSERT_TRUE(options.schema.AddField("stars", FieldSpec::Default(FieldType::kInt)).ok());
  {
    std::unique_ptr<IndexWriter> writer;
    ASSERT_TRUE(IndexWriter::Open(dir, options, &writer).ok());
    const std::pair<const char*, const char*> docs[] = {
        {"a", "!!"}, {"b", "the"}, {"c", "x"}, {"d", "..."}};
    for (const auto& [id, tag] : docs) {
      Document d;
      d.id = id;
      d.Add("body", "apple pie");
      d.Add("tag", tag);
      d.AddInt("stars", 3);
      ASSERT_TRUE(writer->Add(d).ok());
    }
    ASSERT_TRUE(writer->Commit().ok());
  }
  std::unique_ptr<Searcher> searcher;
  ASSERT_TRUE(Searcher::Open(dir, {}, &searcher).ok());
  auto ids = [&](const std::string& query) {
    SearchOptions o;
    SearchResults r;
    const Status s = searcher->Search(query, o, &r);
    EXPECT_TRUE(s.ok()) << query << ": " << s.ToString();
    std::set<std::string> out;
    for (const Hit& h : r.hits) out.insert(h.id);
    uint64_t n = 0;
    EXPECT_TRUE(searcher->Count(query, &n).ok()) << query;
    EXPECT_EQ(n, out.size()) << query;
    return out;
  };
  using Ids = std::set<std::string>;
  EXPECT_EQ(ids("tag:\"!!\""), Ids({"a"}));
  EXPECT_EQ(ids("tag:the"), Ids({"b"}));
  EXPECT_EQ(ids("tag:\"...\""), Ids({"d"}));
  EXPECT_EQ(ids("+apple +tag:\"!!\""), Ids({"a"}));
  EXPECT_EQ(ids("+apple +tag:the"), Ids({"b"}));
  EXPECT_EQ(ids("apple -tag:the"), Ids({"a", "c", "d"}));
  // The text fields still leave their stop words out: the clause constrains nothing.
  EXPECT_EQ(ids("+apple +the"), Ids({"a", "b", "c", "d"}));
  EXPECT_EQ(ids("+apple +body:the"), Ids({"a", "b", "c", "d"}));
  SearchResults r;
  const Status s = searcher->Search("+apple +stars:\"!!\"", {}, &r);
  EXPECT_TRUE(s.IsInvalidArgument()) << s.ToString();
  EXPECT_NE(s.message().find("stars"), std::string::npos) << s.message();
}

// A document the schema refuses (here: one field past max_fields) leaves nothing behind: not in
// the segment, not in the schema the commit records.
TEST(TypedWriterTest, ARefusedDocumentLeavesNoTrace) {
  const std::string dir = FreshTempDir("typed_refusal").string();
  IndexWriterOptions options;
  options.schema.max_fields = 2;  // body and one more
  std::unique_ptr<IndexWriter> writer;
  ASSERT_TRUE(IndexWriter::Open(dir, options, &writer).ok());
  ASSERT_TRUE(writer->Add({"a", {{"body", "one"}}}).ok());
  Document wide{"b", {{"body", "two"}}};
  wide.AddInt("x", 1);
  wide.AddInt("y", 2);
  Status s = writer->Add(wide);
  EXPECT_TRUE(s.IsInvalidArgument()) << s.ToString();
  EXPECT_NE(s.message().find("max_fields"), std::string::npos) << s.message();
  ASSERT_TRUE(writer->Add({"c", {{"body", "three"}}}).ok());
  ASSERT_TRUE(writer->Commit().ok());
  std::unique_ptr<Searcher> searcher;
  ASSERT_TRUE(Searcher::Open(dir, {}, &searcher).ok());
  uint64_t n = 0;
  ASSERT_TRUE(searcher->Count("one OR two OR three", &n).ok());
  EXPECT_EQ(n, 2u);
  EXPECT_EQ(searcher->schema().Find("x"), nullptr);
  EXPECT_EQ(searcher->schema().Find("y"), nullptr);
}

// The ranking of `query` restricted to the documents `keep` holds, from an exhaustive run.
// The top k of an unfiltered ranking that `keep` holds.
std::vector<std::pair<std::string, double>> Restricted(
    const std::vector<std::pair<std::string, double>>& ranking, const std::set<std::string>& keep,
    size_t k) {
  std::vector<std::pair<std::string, double>> out;
  for (const auto& hit : ranking) {
    if (out.size() == k) break;
    if (keep.count(hit.first)) out.push_back(hit);
  }
  return out;
}

TEST_F(TypedQueryTest, FiltersRestrictWithoutChangingScoresAndKeepPruning) {
  // Rare words (title: zinc, ember) make filters check candidates one by one; common ones make
  // them build their sets.
  const std::vector<std::string> queries = {
      "river", "river stone", "+river stone", "river -lamp", "\"quiet copper\"",
      "north OR field lamp", "*", "zinc", "ember river", "+ember +river", "zinc OR ember",
      "\"zinc ember\"", "title:zinc -lamp", "zin*"};
  const std::vector<std::vector<std::string>> filter_sets = {
      {"price:[0 TO *]"},
      {"sizes:[100000 TO 800000]"},  // multi-valued, from the column
      {"noidx:[3 TO 15]", "when:>=2020-06-01"},  // a column only; two checks
      {"price:[-50 TO 50]", "tags:t1 OR tags:t2"},  // a check and a set
      {"cat:ab*", "flag:true"},
      {"when:[2022-01-01 TO 2023-01-01}"},
      {"tags:t3 OR tags:t4", "stars:>=2"},
      {"cat:z AND price:<-90"},  // very selective
  };
  // Each filter set's matches, and each query's unfiltered ranking and matches, are computed
  // once: the loops below then run only the filtered searches under test.
  std::vector<std::set<std::string>> kept;
  for (const auto& filters : filter_sets) {
    std::set<std::string> keep = Matches("*");
    for (const std::string& f : filters) {
      const std::set<std::string> m = Matches(f);
      std::set<std::string> both;
      std::set_intersection(keep.begin(), keep.end(), m.begin(), m.end(),
                            std::inserter(both, both.end()));
      keep = std::move(both);
    }
    kept.push_back(std::move(keep));
  }
  for (const std::string& query : queries) {
    SearchOptions all;
    all.top_k = 100000;
    all.snippet_chars = 0;
    SearchResults unfiltered;
    ASSERT_TRUE(searcher_->Search(query, all, &unfiltered).ok()) << query;
    std::vector<std::pair<std::string, double>> ranking;
    for (const Hit& h : unfiltered.hits) ranking.emplace_back(h.id, h.score);
    const std::set<std::string> matched = Matches(query);
    for (size_t f = 0; f < filter_sets.size(); ++f) {
      const std::set<std::string>& keep = kept[f];
      size_t expected_total = 0;
      for (const std::string& id : matched) expected_total += keep.count(id);
      for (size_t k : {1, 10, 100, 1000}) {
        const auto expected = Restricted(ranking, keep, k);
        for (bool exact : {true, false}) {
          SearchOptions options;
          options.top_k = k;
          options.snippet_chars = 0;
          options.filters = filter_sets[f];
          options.exact_total = exact;
          SearchResults r;
          ASSERT_TRUE(searcher_->Search(query, options, &r).ok()) << query;
          ASSERT_EQ(r.hits.size(), expected.size()) << query << " k=" << k;
          for (size_t i = 0; i < expected.size(); ++i) {
            EXPECT_EQ(r.hits[i].id, expected[i].first) << query << " k=" << k << " #" << i;
            EXPECT_EQ(r.hits[i].score, expected[i].second) << query << " k=" << k << " #" << i;
          }
          if (exact) {
            EXPECT_EQ(r.total, expected_total) << query;
          }
        }
      }
    }
  }
}

TEST_F(TypedQueryTest, StoredFieldsComeBackTyped) {
  SearchOptions options;
  options.fields = {"price", "stars", "when", "flag", "tags"};
  options.top_k = 50;
  SearchResults r;
  ASSERT_TRUE(searcher_->Search("*", options, &r).ok());
  ASSERT_FALSE(r.hits.empty());
  std::map<std::string, const RefDoc*> by_id;
  for (const RefDoc& d : docs_) by_id[d.id] = &d;
  for (const Hit& h : r.hits) {
    const RefDoc& d = *by_id.at(h.id);
    std::vector<std::string> tags;
    for (const DocField& f : h.fields) {
      if (f.name == "price") {
        EXPECT_EQ(f.kind, ValueKind::kFloat);
        EXPECT_EQ(std::stod(f.value), *d.price);
      } else if (f.name == "stars") {
        EXPECT_EQ(f.kind, ValueKind::kInt);
        EXPECT_EQ(f.value, std::to_string(*d.stars));
      } else if (f.name == "when") {
        EXPECT_EQ(f.kind, ValueKind::kDate);
        EXPECT_EQ(f.value, FormatDate(*d.when));  // RFC 3339 in UTC
      } else if (f.name == "flag") {
        EXPECT_EQ(f.value, *d.flag ? "true" : "false");
      } else if (f.name == "tags") {
        tags.push_back(f.value);
      } else {
        ADD_FAILURE() << "field not asked for: " << f.name;
      }
    }
    EXPECT_EQ(tags, d.tags);
  }
  Document doc;
  ASSERT_TRUE(searcher_->Get(docs_[1].id, &doc).ok());
  EXPECT_EQ(doc.id, docs_[1].id);
  EXPECT_TRUE(searcher_->Get(docs_[0].id, &doc).IsNotFound());  // deleted
  EXPECT_TRUE(searcher_->Get("nope", &doc).IsNotFound());
}

}  // namespace
}  // namespace typed_query_test
}  // namespace trawl
