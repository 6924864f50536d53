// Sorting by fields, search-after cursors and collapse against a brute-force reference: random
// documents with typed fields (negative numbers, floats, dates before 1970, missing values,
// multi-valued fields, keywords with shared prefixes), indexed through IndexWriter with a
// schema into several segments over several commits with merges, deletions and replacements.
// Every order (ascending, descending, two keys, score as first and as second key) is checked
// in full against the reference and for k in {1, 10, 100, 1000}; paging by cursor equals one
// big page, in relevance order too; a cursor combines with an offset; collapse keeps the best
// document of each value and counts the others; bad cursors and unsortable fields are
// InvalidArgument.
#include "searcher/sort.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <map>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <variant>
#include <vector>

#include "common/coding.h"
#include "format/values.h"
#include "tests/sanitizer.h"
#include "tests/test_util.h"
#include "trawl/index_writer.h"
#include "trawl/searcher.h"

namespace trawl {
namespace sort_test {
namespace {

using Value = std::variant<int64_t, double, std::string>;

struct RefDoc {
  std::string id;
  std::map<std::string, std::vector<Value>> values;  // typed fields only
};

struct Address {
  uint32_t segment = 0;
  uint32_t docid = 0;
  auto operator<=>(const Address&) const = default;
};

const std::vector<std::string> kWords = {"alpha", "beta", "gamma", "delta",
                                         "epsilon", "zeta", "eta", "theta"};
const std::vector<std::string> kTags = {"a",      "ap",     "app",     "apple", "applesauce", "b",
                                        "ba",     "banana", "bananas", "Zed",   "zed",        "\xc3\xa9t\xc3\xa9"};

class SortTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new std::filesystem::path(FreshTempDir("trawl_sort"));
    docs_ = new std::map<std::string, RefDoc>();
    std::mt19937 rng(12);
    Schema schema;
    ASSERT_TRUE(schema.AddField("body", FieldSpec::Default(FieldType::kText)).ok());
    ASSERT_TRUE(schema.AddField("qty", FieldSpec::Default(FieldType::kInt)).ok());
    ASSERT_TRUE(schema.AddField("price", FieldSpec::Default(FieldType::kFloat)).ok());
    ASSERT_TRUE(schema.AddField("when", FieldSpec::Default(FieldType::kDate)).ok());
    ASSERT_TRUE(schema.AddField("flag", FieldSpec::Default(FieldType::kBool)).ok());
    ASSERT_TRUE(schema.AddField("tag", FieldSpec::Default(FieldType::kKeyword)).ok());
    ASSERT_TRUE(schema.AddField("pkg", FieldSpec::Default(FieldType::kKeyword)).ok());
    FieldSpec no_column = FieldSpec::Default(FieldType::kInt);
    no_column.column = false;
    ASSERT_TRUE(schema.AddField("nocol", no_column).ok());
    ASSERT_TRUE(schema.AddField("unused", FieldSpec::Default(FieldType::kInt)).ok());
    IndexWriterOptions options;
    options.schema = schema;
    options.memory_budget_bytes = 48 << 10;
    options.merge_factor = 0;  // merged once below, by Optimize
    std::unique_ptr<IndexWriter> w;
    Status s = IndexWriter::Open(dir_->string(), options, &w);
    ASSERT_TRUE(s.ok()) << s.ToString();
    int next_id = 0;
    for (int commit = 0; commit < 6; ++commit) {
      for (int i = 0; i < 400; ++i) {
        // Replace an earlier document now and then.
        const std::string id = next_id > 50 && rng() % 20 == 0
                                   ? "d" + std::to_string(rng() % next_id)
                                   : "d" + std::to_string(next_id++);
        Document doc;
        RefDoc ref;
        doc.id = ref.id = id;
        MakeDoc(rng, &doc, &ref);
        s = w->Add(doc);
        ASSERT_TRUE(s.ok()) << s.ToString();
        (*docs_)[id] = std::move(ref);
      }
      for (int i = 0; i < 30; ++i) {
        const std::string id = "d" + std::to_string(rng() % next_id);
        ASSERT_TRUE(w->Delete(id).ok());
        docs_->erase(id);
      }
      s = w->Commit();
      ASSERT_TRUE(s.ok()) << s.ToString();
      // The first commits' segments merge into one; the later ones stay apart.
      if (commit == 2) {
        s = w->Optimize();
        ASSERT_TRUE(s.ok()) << s.ToString();
      }
    }
    s = Searcher::Open(dir_->string(), {}, &searcher_);
    ASSERT_TRUE(s.ok()) << s.ToString();
  }

  static void TearDownTestSuite() {
    searcher_.reset();
    std::filesystem::remove_all(*dir_);
    delete dir_;
    delete docs_;
  }

  static void MakeDoc(std::mt19937& rng, Document* doc, RefDoc* ref) {
    std::string body;
    // Few words, short documents: many documents score the same.
    const int n = 1 + static_cast<int>(rng() % 5);
    for (int i = 0; i < n; ++i) {
      const size_t w = std::min<size_t>(rng() % kWords.size(), rng() % kWords.size());
      body += (i ? " " : "") + kWords[w];
    }
    doc->Add("body", body);
    const auto count = [&](int present_pct) {
      if (static_cast<int>(rng() % 100) >= present_pct) return 0;
      return rng() % 5 == 0 ? 2 + static_cast<int>(rng() % 2) : 1;
    };
    for (int i = count(80); i > 0; --i) {
      const int64_t v = static_cast<int64_t>(rng() % 101) - 50;
      doc->AddInt("qty", v);
      ref->values["qty"].push_back(v);
    }
    for (int i = count(80); i > 0; --i) {
      double v = (static_cast<double>(rng() % 2001) - 1000) / 8.0;
      if (rng() % 30 == 0) v = rng() % 2 ? -0.0 : 1e-300;
      char text[64];
      std::snprintf(text, sizeof text, "%.17g", v);
      doc->Add("price", text, ValueKind::kFloat);
      ref->values["price"].push_back(v == 0 ? 0.0 : v);
    }
    for (int i = count(85); i > 0; --i) {
      // Days from 1960 to 2030, some at noon: ties and dates before the epoch.
      const int64_t day = static_cast<int64_t>(rng() % 25000) - 3650;
      const int64_t ms = day * 86400000 + (rng() % 2 ? 43200000 : 0);
      doc->AddDate("when", ms);
      ref->values["when"].push_back(ms);
    }
    if (rng() % 10 < 7) {
      const bool v = rng() % 2;
      doc->AddBool("flag", v);
      ref->values["flag"].push_back(int64_t{v});
    }
    for (int i = count(80); i > 0; --i) {
      const std::string& v = kTags[rng() % kTags.size()];
      doc->Add("tag", v, ValueKind::kKeyword);
      ref->values["tag"].push_back(v);
    }
    for (int i = count(90); i > 0; --i) {
      const std::string v = "pkg-" + std::to_string(rng() % 60);
      doc->Add("pkg", v, ValueKind::kKeyword);
      ref->values["pkg"].push_back(v);
    }
    if (rng() % 2) doc->AddInt("nocol", 1);
  }

  // Every hit, in the order asked.
  static SearchResults SearchAll(std::string_view query, SearchOptions options) {
    options.top_k = 100000;
    SearchResults r;
    Status s = searcher_->Search(query, options, &r);
    EXPECT_TRUE(s.ok()) << s.ToString();
    return r;
  }

  static std::optional<Value> KeyValue(const RefDoc& doc, const std::string& field, bool desc) {
    auto it = doc.values.find(field);
    if (it == doc.values.end() || it->second.empty()) return std::nullopt;
    return desc ? *std::max_element(it->second.begin(), it->second.end())
                : *std::min_element(it->second.begin(), it->second.end());
  }

  // The matches of `query` as the reference orders them: by `sort` (scores from `scores`),
  // missing values last, then by index order.
  static std::vector<std::string> ReferenceOrder(const std::vector<SortField>& sort,
                                                 const std::map<std::string, double>& scores,
                                                 const std::map<std::string, Address>& where) {
    std::vector<std::string> ids;
    for (const auto& [id, score] : scores) ids.push_back(id);
    std::sort(ids.begin(), ids.end(), [&](const std::string& a, const std::string& b) {
      return ReferenceBefore(sort, scores, where, a, b);
    });
    return ids;
  }

  static bool ReferenceBefore(const std::vector<SortField>& sort,
                              const std::map<std::string, double>& scores,
                              const std::map<std::string, Address>& where, const std::string& a,
                              const std::string& b) {
    const std::vector<SortField> relevance = {{"score", true}};
    for (const SortField& key : sort.empty() ? relevance : sort) {
      if (key.field == "score") {
        const double sa = scores.at(a), sb = scores.at(b);
        if (sa != sb) return key.descending ? sa > sb : sa < sb;
        continue;
      }
      const std::optional<Value> va = KeyValue(docs_->at(a), key.field, key.descending);
      const std::optional<Value> vb = KeyValue(docs_->at(b), key.field, key.descending);
      if (!va || !vb) {
        if (va.has_value() != vb.has_value()) return va.has_value();
        continue;
      }
      if (*va != *vb) return key.descending ? *va > *vb : *va < *vb;
    }
    return where.at(a) < where.at(b);
  }

  static std::string OrderName(const std::vector<SortField>& sort) {
    std::string name;
    for (const SortField& k : sort) name += k.field + (k.descending ? ":desc " : ":asc ");
    return name.empty() ? "relevance" : name;
  }

  static std::filesystem::path* dir_;
  static std::map<std::string, RefDoc>* docs_;
  static std::unique_ptr<Searcher> searcher_;
};

std::filesystem::path* SortTest::dir_ = nullptr;
std::map<std::string, RefDoc>* SortTest::docs_ = nullptr;
std::unique_ptr<Searcher> SortTest::searcher_;

const std::vector<std::string> kQueries = {"*",     "alpha",       "beta gamma",
                                           "alpha beta gamma delta", "+alpha +beta",
                                           "zeta -eta", "theta",     "nosuchword"};

const std::vector<std::vector<SortField>> kOrders = {
    {{"qty", false}},
    {{"qty", true}},
    {{"price", false}},
    {{"price", true}},
    {{"when", true}},
    {{"when", false}},
    {{"flag", false}, {"qty", true}},
    {{"tag", false}},
    {{"tag", true}},
    {{"tag", false}, {"price", true}},
    {{"score", true}, {"when", false}},
    {{"qty", false}, {"score", true}},
    {{"score", false}},
    {{"pkg", true}, {"score", true}},
    {{"unused", false}, {"flag", true}},
};

// Under ASan, which runs these loops several times slower, a third of the (query, order) pairs,
// chosen so that every query meets several orders and every order several queries; the Release
// build checks every pair.
bool PairChecked(size_t query_index, size_t order_index) {
  return !kUnderAsan || (query_index + order_index) % 3 == 0;
}

TEST_F(SortTest, SeveralSegments) {
  SearchResults r = SearchAll("*", {});
  std::set<uint32_t> segments;
  for (const Hit& h : r.hits) segments.insert(h.segment);
  EXPECT_GE(segments.size(), 3u);
  EXPECT_EQ(r.total, docs_->size());
}

TEST_F(SortTest, EveryOrderMatchesTheReference) {
  for (size_t qi = 0; qi < kQueries.size(); ++qi) {
    const std::string& query = kQueries[qi];
    SCOPED_TRACE("query: " + query);
    const SearchResults relevance = SearchAll(query, {});
    std::map<std::string, double> relevance_scores;
    std::map<std::string, Address> where;
    for (const Hit& h : relevance.hits) {
      relevance_scores[h.id] = h.score;
      where[h.id] = {h.segment, h.docid};
    }
    ASSERT_EQ(relevance.total, relevance.hits.size());
    for (size_t oi = 0; oi < kOrders.size(); ++oi) {
      if (!PairChecked(qi, oi)) continue;
      const std::vector<SortField>& sort = kOrders[oi];
      SCOPED_TRACE("sort: " + OrderName(sort));
      SearchOptions options;
      options.sort = sort;
      const SearchResults full = SearchAll(query, options);
      ASSERT_EQ(full.total, relevance.total);
      ASSERT_EQ(full.hits.size(), relevance.hits.size());
      EXPECT_TRUE(full.next.empty());
      const bool scored = std::any_of(sort.begin(), sort.end(),
                                      [](const SortField& k) { return k.field == "score"; });
      // Scores of every match are computed by its scorer (document at a time), as relevance
      // order computes them by MaxScore: the same up to rounding. The reference orders by the
      // ones returned, which are exact for this order.
      std::map<std::string, double> scores;
      for (const Hit& h : full.hits) {
        ASSERT_TRUE(relevance_scores.count(h.id)) << h.id;
        if (scored) {
          ASSERT_NEAR(h.score, relevance_scores[h.id], 1e-9 * std::max(1.0, h.score));
        } else {
          ASSERT_EQ(h.score, 0);
        }
        scores[h.id] = h.score;
        ASSERT_EQ(where.at(h.id), (Address{h.segment, h.docid}));
      }
      const std::vector<std::string> expected = ReferenceOrder(sort, scores, where);
      for (size_t i = 0; i < expected.size(); ++i)
        ASSERT_EQ(full.hits[i].id, expected[i]) << "rank " << i;
      for (size_t k : {1, 10, 100, 1000}) {
        SCOPED_TRACE("k " + std::to_string(k));
        options.top_k = k;
        SearchResults r;
        ASSERT_TRUE(searcher_->Search(query, options, &r).ok());
        ASSERT_EQ(r.total, full.total);
        ASSERT_TRUE(r.total_exact);
        ASSERT_EQ(r.hits.size(), std::min(k, expected.size()));
        for (size_t i = 0; i < r.hits.size(); ++i) {
          ASSERT_EQ(r.hits[i].id, expected[i]) << "rank " << i;
          ASSERT_EQ(r.hits[i].score, full.hits[i].score);
        }
        ASSERT_EQ(r.next.empty(), expected.size() <= k);
      }
    }
  }
}

// Pages of `page_size` by cursor, from the first on, until no next: their hits.
std::vector<Hit> PageThrough(Searcher& searcher, std::string_view query, SearchOptions options,
                             size_t page_size, int* pages) {
  std::vector<Hit> all;
  options.top_k = page_size;
  *pages = 0;
  for (;;) {
    SearchResults r;
    Status s = searcher.Search(query, options, &r);
    EXPECT_TRUE(s.ok()) << s.ToString();
    if (!s.ok()) break;
    ++*pages;
    EXPECT_LE(r.hits.size(), page_size);
    all.insert(all.end(), r.hits.begin(), r.hits.end());
    if (r.next.empty()) break;
    EXPECT_EQ(r.hits.size(), page_size);
    options.after = r.next;
    if (*pages > 100000) break;
  }
  return all;
}

void ExpectSameHits(const std::vector<Hit>& got, const std::vector<Hit>& want) {
  ASSERT_EQ(got.size(), want.size());
  for (size_t i = 0; i < got.size(); ++i) {
    ASSERT_EQ(got[i].segment, want[i].segment) << "rank " << i;
    ASSERT_EQ(got[i].docid, want[i].docid) << "rank " << i;
    ASSERT_EQ(got[i].score, want[i].score) << "rank " << i;
    ASSERT_EQ(got[i].collapsed, want[i].collapsed) << "rank " << i;
  }
}

TEST_F(SortTest, PagingByCursorEqualsOneBigPage) {
  std::vector<std::vector<SortField>> orders = kOrders;
  orders.push_back({});  // relevance
  for (size_t qi = 0; qi < kQueries.size(); ++qi) {
    const std::string& query = kQueries[qi];
    SCOPED_TRACE("query: " + query);
    for (size_t oi = 0; oi < orders.size(); ++oi) {
      if (!PairChecked(qi, oi)) continue;
      const std::vector<SortField>& sort = orders[oi];
      SCOPED_TRACE("sort: " + OrderName(sort));
      SearchOptions options;
      options.sort = sort;
      options.load_documents = false;
      const SearchResults full = SearchAll(query, options);
      for (size_t page_size : {7, 100}) {
        SCOPED_TRACE("page size " + std::to_string(page_size));
        int pages;
        const std::vector<Hit> paged = PageThrough(*searcher_, query, options, page_size, &pages);
        ExpectSameHits(paged, full.hits);
        EXPECT_EQ(static_cast<size_t>(pages),
                  std::max<size_t>(1, (full.hits.size() + page_size - 1) / page_size));
      }
    }
  }
}

// Relevance order keeps its pruning with a cursor; scores must come out the same whatever the
// threshold, or a cursor would repeat or skip documents. Queries of several words make MaxScore
// sum different clauses first as its threshold moves; short pages move it the most.
TEST_F(SortTest, RelevancePagingByCursorWithPruning) {
  const std::vector<std::string> queries = {
      "alpha beta gamma delta epsilon", "\"alpha beta\" gamma delta", "+alpha beta gamma delta",
      "beta gamma delta zeta eta theta", "alpha beta gamma -delta"};
  for (size_t qi = 0; qi < queries.size(); ++qi) {
    const std::string& query = queries[qi];
    SCOPED_TRACE("query: " + query);
    // A page of one moves the threshold the most. Under ASan every page costs ten times as
    // much: one count mode, no middle page size, and pages of one for the first two queries
    // only (a disjunction and a phrase beside words; the Release build pages every query so).
    const std::vector<bool> exact_totals =
        kUnderAsan ? std::vector<bool>{false} : std::vector<bool>{true, false};
    const std::vector<size_t> page_sizes =
        !kUnderAsan ? std::vector<size_t>{1, 3, 10}
                    : qi < 2 ? std::vector<size_t>{1, 10} : std::vector<size_t>{10};
    for (bool exact_total : exact_totals) {
      SearchOptions options;
      options.load_documents = false;
      options.exact_total = exact_total;
      const SearchResults full = SearchAll(query, options);
      ASSERT_GT(full.hits.size(), 100u);
      for (size_t page_size : page_sizes) {
        SCOPED_TRACE("page size " + std::to_string(page_size));
        int pages;
        const std::vector<Hit> paged = PageThrough(*searcher_, query, options, page_size, &pages);
        ExpectSameHits(paged, full.hits);
      }
    }
  }
}

TEST_F(SortTest, CursorThenOffset) {
  std::vector<std::vector<SortField>> orders = kOrders;
  orders.push_back({});
  for (const auto& sort : orders) {
    SCOPED_TRACE("sort: " + OrderName(sort));
    SearchOptions options;
    options.sort = sort;
    options.load_documents = false;
    const SearchResults full = SearchAll("alpha beta gamma delta", options);
    options.top_k = 10;
    SearchResults first;
    ASSERT_TRUE(searcher_->Search("alpha beta gamma delta", options, &first).ok());
    ASSERT_FALSE(first.next.empty());
    options.after = first.next;
    options.offset = 5;
    SearchResults second;
    ASSERT_TRUE(searcher_->Search("alpha beta gamma delta", options, &second).ok());
    ExpectSameHits(second.hits, std::vector<Hit>(full.hits.begin() + 15, full.hits.begin() + 25));
    EXPECT_EQ(second.total, full.total);
    // An offset past the end: no hits, no next.
    options.offset = full.hits.size();
    ASSERT_TRUE(searcher_->Search("alpha beta gamma delta", options, &second).ok());
    EXPECT_TRUE(second.hits.empty());
    EXPECT_TRUE(second.next.empty());
  }
}

TEST_F(SortTest, CollapseKeepsTheBestOfEachValue) {
  const std::vector<std::vector<SortField>> orders = {
      {}, {{"when", true}}, {{"tag", false}, {"score", true}}, {{"qty", false}}};
  for (const std::string& query : kQueries) {
    SCOPED_TRACE("query: " + query);
    const SearchResults relevance = SearchAll(query, {});
    std::map<std::string, Address> where;
    for (const Hit& h : relevance.hits) where[h.id] = {h.segment, h.docid};
    for (const auto& sort : orders) {
      SCOPED_TRACE("sort: " + OrderName(sort));
      SearchOptions options;
      options.sort = sort;
      // Collapse scores every match document at a time, as any order with a score key does
      // (see EveryOrderMatchesTheReference): the reference orders by those scores.
      const bool scored = sort.empty() || std::any_of(sort.begin(), sort.end(), [](const SortField& k) {
                            return k.field == "score";
                          });
      SearchOptions by_score;
      by_score.sort = {{"score", false}};
      std::map<std::string, double> scores;
      for (const Hit& h : SearchAll(query, by_score).hits) scores[h.id] = h.score;
      ASSERT_EQ(scores.size(), relevance.hits.size());
      // The reference: groups by the smallest value; documents without one stand alone.
      std::map<std::string, std::vector<std::string>> groups;
      std::vector<std::vector<std::string>> alone;
      for (const auto& [id, score] : scores) {
        const std::optional<Value> v = KeyValue(docs_->at(id), "pkg", false);
        if (v) {
          groups[std::get<std::string>(*v)].push_back(id);
        } else {
          alone.push_back({id});
        }
      }
      const auto before = [&](const std::string& a, const std::string& b) {
        return ReferenceBefore(sort, scores, where, a, b);
      };
      std::vector<std::pair<std::string, uint64_t>> expected;  // best, others
      for (auto& g : groups) alone.push_back(std::move(g.second));
      for (auto& g : alone) {
        std::sort(g.begin(), g.end(), before);
        expected.emplace_back(g.front(), g.size() - 1);
      }
      std::sort(expected.begin(), expected.end(),
                [&](const auto& a, const auto& b) { return before(a.first, b.first); });

      options.collapse = "pkg";
      const SearchResults full = SearchAll(query, options);
      ASSERT_EQ(full.total, relevance.total);
      ASSERT_EQ(full.hits.size(), expected.size());
      for (size_t i = 0; i < expected.size(); ++i) {
        ASSERT_EQ(full.hits[i].id, expected[i].first) << "rank " << i;
        ASSERT_EQ(full.hits[i].collapsed, expected[i].second) << "rank " << i;
        ASSERT_EQ(full.hits[i].score, scored ? scores[expected[i].first] : 0.0);
      }
      for (size_t k : {1, 10, 100, 1000}) {
        options.top_k = k;
        SearchResults r;
        ASSERT_TRUE(searcher_->Search(query, options, &r).ok());
        ASSERT_EQ(r.total, full.total);
        ASSERT_EQ(r.hits.size(), std::min(k, expected.size()));
        for (size_t i = 0; i < r.hits.size(); ++i) {
          ASSERT_EQ(r.hits[i].id, expected[i].first);
          ASSERT_EQ(r.hits[i].collapsed, expected[i].second);
        }
        ASSERT_EQ(r.next.empty(), expected.size() <= k);
      }
      options.load_documents = false;
      int pages;
      // Under ASan, where pages of one through every group of every order take most of this
      // test's time, pages of 7 only (the Release build runs both).
      for (size_t page_size : kUnderAsan ? std::vector<size_t>{7} : std::vector<size_t>{1, 7}) {
        ExpectSameHits(PageThrough(*searcher_, query, options, page_size, &pages),
                       SearchAll(query, options).hits);
      }
    }
  }
}

TEST_F(SortTest, BadCursorsAreInvalidArgument) {
  SearchOptions options;
  options.top_k = 5;
  SearchResults r;
  ASSERT_TRUE(searcher_->Search("alpha", options, &r).ok());
  const std::string relevance_cursor = r.next;
  ASSERT_FALSE(relevance_cursor.empty());
  options.sort = {{"tag", false}};
  ASSERT_TRUE(searcher_->Search("alpha", options, &r).ok());
  const std::string tag_cursor = r.next;
  ASSERT_FALSE(tag_cursor.empty());
  const auto expect_bad = [&](const std::vector<SortField>& sort, const std::string& cursor) {
    SearchOptions o;
    o.sort = sort;
    o.after = cursor;
    SearchResults res;
    Status s = searcher_->Search("alpha", o, &res);
    EXPECT_TRUE(s.IsInvalidArgument()) << cursor << ": " << s.ToString();
    EXPECT_TRUE(Contains(s.ToString(), "bad cursor")) << s.ToString();
  };
  for (const std::string& junk :
       {std::string("x"), std::string("!!!!"), std::string("abc="), std::string("AAAAAAAA"),
        std::string(10000, 'A'), std::string("a b"), std::string("\0\0", 2)}) {
    expect_bad({}, junk);
    expect_bad({{"tag", false}}, junk);
  }
  // Every truncation and every changed character of a good cursor.
  for (const std::string& good : {relevance_cursor, tag_cursor}) {
    const std::vector<SortField> sort =
        good == tag_cursor ? std::vector<SortField>{{"tag", false}} : std::vector<SortField>{};
    for (size_t n = 1; n < good.size(); ++n) expect_bad(sort, good.substr(0, n));
    for (size_t i = 0; i < good.size(); ++i) {
      std::string changed = good;
      changed[i] = changed[i] == 'A' ? 'B' : 'A';
      expect_bad(sort, changed);
    }
    expect_bad(sort, good + "A");
  }
  // A cursor of another order, or collapse.
  expect_bad({{"tag", false}}, relevance_cursor);
  expect_bad({}, tag_cursor);
  expect_bad({{"tag", true}}, tag_cursor);
  expect_bad({{"tag", false}, {"qty", false}}, tag_cursor);
  {
    SearchOptions o;
    o.collapse = "pkg";
    o.after = relevance_cursor;
    Status s = searcher_->Search("alpha", o, &r);
    EXPECT_TRUE(s.IsInvalidArgument()) << s.ToString();
  }
  // Well-formed cursors of this order with values that cannot be: a document past the
  // segment, a segment past the commit, NaN for a score, a number for a keyword.
  Cursor c;
  ASSERT_TRUE(DecodeCursor(relevance_cursor, &c).ok());
  ASSERT_EQ(EncodeCursor(c), relevance_cursor);
  Cursor bad = c;
  bad.docid = 1u << 30;
  expect_bad({}, EncodeCursor(bad));
  bad = c;
  bad.segment = 1000;
  expect_bad({}, EncodeCursor(bad));
  bad = c;
  bad.values[0].number = ~uint64_t{0};  // a NaN's bits
  expect_bad({}, EncodeCursor(bad));
  bad = c;
  bad.values[0].tag = Cursor::Value::Tag::kMissing;
  expect_bad({}, EncodeCursor(bad));
  ASSERT_TRUE(DecodeCursor(tag_cursor, &c).ok());
  bad = c;
  bad.values[0].tag = Cursor::Value::Tag::kNumber;
  expect_bad({{"tag", false}}, EncodeCursor(bad));
  // A keyword no document has resumes where it would sort.
  bad = c;
  bad.values[0] = {Cursor::Value::Tag::kText, 0, "apple0"};
  bad.segment = 0;
  bad.docid = 0;
  SearchOptions o;
  o.sort = {{"tag", false}};
  o.after = EncodeCursor(bad);
  o.top_k = 100000;
  Status s = searcher_->Search("*", o, &r);
  ASSERT_TRUE(s.ok()) << s.ToString();
  ASSERT_FALSE(r.hits.empty());
  const std::optional<Value> first = KeyValue(docs_->at(r.hits[0].id), "tag", false);
  ASSERT_TRUE(first.has_value());
  EXPECT_EQ(std::get<std::string>(*first), "applesauce");
}

TEST_F(SortTest, UnsortableFieldsAreInvalidArgumentNamingThem) {
  const auto expect_invalid = [&](SearchOptions o, const std::string& field) {
    SearchResults r;
    Status s = searcher_->Search("alpha", o, &r);
    EXPECT_TRUE(s.IsInvalidArgument()) << s.ToString();
    EXPECT_TRUE(Contains(s.ToString(), "'" + field + "'")) << s.ToString();
  };
  SearchOptions o;
  o.sort = {{"nosuchfield", false}};
  expect_invalid(o, "nosuchfield");
  o.sort = {{"qty", false}, {"body", false}};
  expect_invalid(o, "body");
  o.sort = {{"nocol", true}};
  expect_invalid(o, "nocol");
  o.sort = {};
  o.collapse = "qty";
  expect_invalid(o, "qty");
  o.collapse = "body";
  expect_invalid(o, "body");
  o.collapse = "nosuchfield";
  expect_invalid(o, "nosuchfield");
  o.collapse = "nocol";
  expect_invalid(o, "nocol");
}

// A cursor of an earlier commit still pages (approximately, as documented): it is no error.
TEST_F(SortTest, CursorOfAnEarlierCommit) {
  SearchOptions options;
  options.sort = {{"when", true}};
  options.top_k = 10;
  SearchResults r;
  ASSERT_TRUE(searcher_->Search("alpha", options, &r).ok());
  ASSERT_FALSE(r.next.empty());
  Cursor c;
  ASSERT_TRUE(DecodeCursor(r.next, &c).ok());
  EXPECT_EQ(c.generation, searcher_->generation());
  c.generation += 1000;
  c.segment = 1000;  // names nothing here: taken as it comes
  options.after = EncodeCursor(c);
  Status s = searcher_->Search("alpha", options, &r);
  EXPECT_TRUE(s.ok()) << s.ToString();
}

TEST(CursorCodec, RoundTrips) {
  Cursor c;
  c.generation = 123456789012345ull;
  c.fingerprint = 0xdeadbeef;
  c.values.push_back({Cursor::Value::Tag::kMissing, 0, ""});
  c.values.push_back({Cursor::Value::Tag::kNumber, ~uint64_t{0}, ""});
  c.values.push_back({Cursor::Value::Tag::kText, 0, std::string("a\0b\xff", 4)});
  c.segment = 7;
  c.docid = 4000000000u;
  const std::string text = EncodeCursor(c);
  EXPECT_EQ(text.find_first_not_of(
                "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"),
            std::string::npos);
  Cursor back;
  ASSERT_TRUE(DecodeCursor(text, &back).ok());
  EXPECT_EQ(back.generation, c.generation);
  EXPECT_EQ(back.fingerprint, c.fingerprint);
  ASSERT_EQ(back.values.size(), 3u);
  EXPECT_EQ(back.values[1].number, ~uint64_t{0});
  EXPECT_EQ(back.values[2].text, c.values[2].text);
  EXPECT_EQ(back.segment, 7u);
  EXPECT_EQ(back.docid, 4000000000u);
  EXPECT_TRUE(DecodeCursor("", &back).IsInvalidArgument());
}

// Programs keep cursors (in URLs, in their own state) across versions: the same cursor is the
// same text. Three cursors of 15, 16 and 17 bytes, so that every remainder of three bytes meets
// the base64url encoder; the texts are the bytes encoded by Python's base64.urlsafe_b64encode,
// without padding.
TEST(CursorCodec, TextIsBase64UrlOfTheBytes) {
  const std::pair<std::string, std::string> cases[] = {
      {"", "AQMEAwIBAQIAAQWahHpo"},
      {"x", "AQMEAwIBAQIBeAEFmy5_5w"},
      {"xy", "AQMEAwIBAQICeHkBBWqqdoY"},
  };
  for (const auto& [value, text] : cases) {
    Cursor c;
    c.generation = 3;
    c.fingerprint = 0x01020304;
    c.values.push_back({Cursor::Value::Tag::kText, 0, value});
    c.segment = 1;
    c.docid = 5;
    EXPECT_EQ(EncodeCursor(c), text) << "'" << value << "'";
    Cursor back;
    ASSERT_TRUE(DecodeCursor(text, &back).ok()) << text;
    ASSERT_EQ(back.values.size(), 1u);
    EXPECT_EQ(back.values[0].text, value);
    EXPECT_EQ(back.docid, 5u);
  }
}

// The format written out the plain way: every field appended to a string, the FNV-1a check
// folded to 32 bits, then base64url three bytes at a time without padding.
std::string ReferenceCursorText(const Cursor& c) {
  std::string b(1, '\x01');
  PutVarint64(&b, c.generation);
  PutFixed32(&b, c.fingerprint);
  PutVarint64(&b, c.values.size());
  for (const Cursor::Value& v : c.values) {
    b.push_back(static_cast<char>(v.tag));
    if (v.tag == Cursor::Value::Tag::kNumber) PutFixed64(&b, v.number);
    if (v.tag == Cursor::Value::Tag::kText) PutLengthPrefixed(&b, v.text);
  }
  PutVarint32(&b, c.segment);
  PutVarint32(&b, c.docid);
  uint64_t h = 14695981039346656037ull;
  for (unsigned char ch : b) h = (h ^ ch) * 1099511628211ull;
  PutFixed32(&b, static_cast<uint32_t>(h ^ (h >> 32)));
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::string text;
  for (size_t i = 0; i < b.size(); i += 3) {
    uint32_t group = 0;
    const size_t n = std::min<size_t>(3, b.size() - i);
    for (size_t k = 0; k < 3; ++k)
      group = group << 8 | (k < n ? static_cast<unsigned char>(b[i + k]) : 0u);
    for (size_t k = 0; k <= n; ++k) text.push_back(kAlphabet[group >> (18 - 6 * k) & 63]);
  }
  return text;
}

// Cursors of every shape: no values to many, numbers, missing values and texts up to a few
// hundred bytes (past the encoder's inline bytes), varints of every length.
TEST(CursorCodec, RandomCursorsMatchTheReferenceAndRoundTrip) {
  std::mt19937_64 rng(20261207);
  auto varint_sized = [&](int max_bits) {
    const int bits = static_cast<int>(rng() % (max_bits + 1));
    return bits == 0 ? uint64_t{0} : rng() >> (64 - bits);
  };
  for (int round = 0; round < 2000; ++round) {
    Cursor c;
    c.generation = varint_sized(64);
    c.fingerprint = static_cast<uint32_t>(rng());
    const size_t n = rng() % 6;
    for (size_t k = 0; k < n; ++k) {
      Cursor::Value v;
      v.tag = static_cast<Cursor::Value::Tag>(rng() % 3);
      if (v.tag == Cursor::Value::Tag::kNumber) v.number = varint_sized(64);
      if (v.tag == Cursor::Value::Tag::kText) {
        const size_t length = rng() % 4 == 0 ? rng() % 300 : rng() % 12;
        for (size_t i = 0; i < length; ++i) v.text.push_back(static_cast<char>(rng()));
      }
      c.values.push_back(std::move(v));
    }
    c.segment = static_cast<uint32_t>(varint_sized(32));
    c.docid = static_cast<uint32_t>(varint_sized(32));
    const std::string text = EncodeCursor(c);
    ASSERT_EQ(text, ReferenceCursorText(c)) << "round " << round;
    Cursor back;
    ASSERT_TRUE(DecodeCursor(text, &back).ok()) << "round " << round;
    EXPECT_EQ(back.generation, c.generation);
    EXPECT_EQ(back.fingerprint, c.fingerprint);
    ASSERT_EQ(back.values.size(), c.values.size());
    for (size_t k = 0; k < n; ++k) {
      EXPECT_EQ(back.values[k].tag, c.values[k].tag);
      EXPECT_EQ(back.values[k].number, c.values[k].number);
      EXPECT_EQ(back.values[k].text, c.values[k].text);
    }
    EXPECT_EQ(back.segment, c.segment);
    EXPECT_EQ(back.docid, c.docid);
  }
}

}  // namespace
}  // namespace sort_test
}  // namespace trawl
