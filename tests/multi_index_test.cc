// One search over several indexes (shards): a Searcher over shards must answer exactly as one
// index holding all their documents, in shard order. Generated shards of very different sizes,
// document lengths and vocabularies are built beside a reference index that receives the same
// operations, commit for commit; every query kind, option and paging path is compared hit for
// hit, score for score. Per-shard statistics are shown to give other answers on the same data,
// so the equality proves the union's statistics are in use.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <random>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "tests/test_util.h"
#include "trawl/index_writer.h"
#include "trawl/schema.h"
#include "trawl/searcher.h"
#include "trawl/shards.h"

namespace trawl {
namespace multi_index_test {
namespace {

// How one shard's documents look: its size and document lengths, and the share of its words
// drawn from the vocabulary all shards share rather than its own.
struct ShardRecipe {
  std::string name;
  int docs;
  int min_words, max_words;
  int own_word_pct;   // share of body words from the shard's own words
  std::vector<std::string> own_words;
};

const std::vector<ShardRecipe>& Recipes() {
  static const std::vector<ShardRecipe> recipes = {
      // Big, long documents, common words: dominates N and avgdl.
      {"big", 900, 20, 60, 5, {"alpha", "beta"}},
      // Small and short, mostly its own words, which are rare elsewhere.
      {"small", 60, 2, 6, 60, {"rare0", "rare1", "rare2", "beta"}},
      // Medium, medium lengths, a mix.
      {"mid", 250, 5, 20, 25, {"rare1", "gamma", "alpha"}},
  };
  return recipes;
}

std::string CommonWord(std::mt19937& rng) {
  // Skewed: low numbers are frequent, high ones rare.
  return "w" + std::to_string(std::min(rng() % 30, rng() % 30));
}

Document MakeDoc(std::mt19937& rng, const ShardRecipe& recipe, const std::string& id) {
  Document doc;
  doc.id = id;
  auto word = [&] {
    if (static_cast<int>(rng() % 100) < recipe.own_word_pct)
      return recipe.own_words[rng() % recipe.own_words.size()];
    return CommonWord(rng);
  };
  doc.Add("title", word() + " " + word());
  std::string body;
  const int n = recipe.min_words + static_cast<int>(rng() % (recipe.max_words - recipe.min_words + 1));
  for (int i = 0; i < n; ++i) body += (i ? " " : "") + word();
  doc.Add("body", body);
  if (rng() % 10 != 0) doc.Add("tag", "t" + std::to_string(rng() % 6), ValueKind::kKeyword);
  if (rng() % 7 == 0) doc.Add("tag", "t" + std::to_string(rng() % 6), ValueKind::kKeyword);
  if (rng() % 5 != 0) doc.AddInt("qty", static_cast<int64_t>(rng() % 100));
  return doc;
}

Schema TestSchema() {
  Schema schema;
  EXPECT_TRUE(schema.AddField("title", FieldSpec::Default(FieldType::kText)).ok());
  EXPECT_TRUE(schema.AddField("body", FieldSpec::Default(FieldType::kText)).ok());
  EXPECT_TRUE(schema.AddField("tag", FieldSpec::Default(FieldType::kKeyword)).ok());
  EXPECT_TRUE(schema.AddField("qty", FieldSpec::Default(FieldType::kInt)).ok());
  return schema;
}

IndexWriterOptions WriterOptions() {
  IndexWriterOptions options;
  options.schema = TestSchema();
  options.memory_budget_bytes = 64 << 10;  // several segments per shard
  options.merge_factor = 0;                // deleted documents stay counted, as in Lucene
  return options;
}

class MultiIndexTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    root_ = new std::filesystem::path(FreshTempDir("trawl_multi"));
    shard_dirs_ = new std::vector<std::string>();
    std::unique_ptr<IndexWriter> ref;
    Status s = IndexWriter::Open(RefDir(), WriterOptions(), &ref);
    ASSERT_TRUE(s.ok()) << s.ToString();
    std::mt19937 rng(16);
    for (const ShardRecipe& recipe : Recipes()) {
      const std::string dir = (*root_ / "set" / recipe.name).string();
      std::filesystem::create_directories(dir);
      shard_dirs_->push_back(dir);
      std::unique_ptr<IndexWriter> shard;
      s = IndexWriter::Open(dir, WriterOptions(), &shard);
      ASSERT_TRUE(s.ok()) << s.ToString();
      // Both writers get the same operations and commit at the same points, so the reference
      // holds the shards' documents (and deleted documents) in shard order.
      auto add = [&](const Document& doc) {
        ASSERT_TRUE(shard->Add(doc).ok());
        ASSERT_TRUE(ref->Add(doc).ok());
      };
      const int first = recipe.docs * 2 / 3;
      for (int i = 0; i < first; ++i) add(MakeDoc(rng, recipe, recipe.name + std::to_string(i)));
      ASSERT_TRUE(shard->Commit().ok());
      ASSERT_TRUE(ref->Commit().ok());
      for (int i = first; i < recipe.docs; ++i)
        add(MakeDoc(rng, recipe, recipe.name + std::to_string(i)));
      // Updates and deletes of earlier documents.
      for (int i = 0; i < recipe.docs / 20; ++i) {
        const std::string id = recipe.name + std::to_string(rng() % first);
        if (i % 2 == 0) {
          add(MakeDoc(rng, recipe, id));
        } else {
          ASSERT_TRUE(shard->Delete(id).ok());
          ASSERT_TRUE(ref->Delete(id).ok());
        }
      }
      ASSERT_TRUE(shard->Commit().ok());
      ASSERT_TRUE(ref->Commit().ok());
    }
    s = Searcher::Open(RefDir(), {}, &ref_);
    ASSERT_TRUE(s.ok()) << s.ToString();
    s = Searcher::Open(*shard_dirs_, {}, &multi_);
    ASSERT_TRUE(s.ok()) << s.ToString();
  }

  static void TearDownTestSuite() {
    ref_.reset();
    multi_.reset();
    std::filesystem::remove_all(*root_);
    delete root_;
    delete shard_dirs_;
  }

  static std::string RefDir() { return (*root_ / "ref").string(); }

  // The same results from both searchers: totals, hits (ids, scores to the bit, snippets,
  // explanations), cursors' pages, facets.
  static void ExpectSame(const Searcher& multi, const std::string& query,
                         const SearchOptions& options) {
    SCOPED_TRACE("query: " + query);
    SearchResults want, got;
    Status s = ref_->Search(query, options, &want);
    ASSERT_TRUE(s.ok()) << s.ToString();
    s = multi.Search(query, options, &got);
    ASSERT_TRUE(s.ok()) << s.ToString();
    EXPECT_EQ(got.total, want.total);
    EXPECT_EQ(got.total_exact, want.total_exact);
    EXPECT_EQ(got.next.empty(), want.next.empty());
    ASSERT_EQ(got.hits.size(), want.hits.size());
    for (size_t i = 0; i < want.hits.size(); ++i) {
      SCOPED_TRACE("hit " + std::to_string(i));
      EXPECT_EQ(got.hits[i].id, want.hits[i].id);
      EXPECT_EQ(got.hits[i].score, want.hits[i].score);
      EXPECT_EQ(got.hits[i].snippet, want.hits[i].snippet);
      EXPECT_EQ(got.hits[i].explanation, want.hits[i].explanation);
      EXPECT_EQ(got.hits[i].collapsed, want.hits[i].collapsed);
    }
    ASSERT_EQ(got.facets.size(), want.facets.size());
    for (size_t f = 0; f < want.facets.size(); ++f) {
      ASSERT_EQ(got.facets[f].counts.size(), want.facets[f].counts.size());
      for (size_t c = 0; c < want.facets[f].counts.size(); ++c) {
        EXPECT_EQ(got.facets[f].counts[c].value, want.facets[f].counts[c].value);
        EXPECT_EQ(got.facets[f].counts[c].count, want.facets[f].counts[c].count);
      }
    }
    uint64_t want_count = 0, got_count = 0;
    ASSERT_TRUE(ref_->Count(query, options, &want_count).ok());
    ASSERT_TRUE(multi.Count(query, options, &got_count).ok());
    EXPECT_EQ(got_count, want_count);
  }

  // Every page of `query` by search-after cursors, as (id, score).
  static std::vector<std::pair<std::string, double>> AllPages(const Searcher& searcher,
                                                              const std::string& query,
                                                              SearchOptions options) {
    std::vector<std::pair<std::string, double>> hits;
    options.top_k = 7;
    options.snippet_chars = 0;
    for (int page = 0; page < 1000; ++page) {
      SearchResults r;
      Status s = searcher.Search(query, options, &r);
      EXPECT_TRUE(s.ok()) << s.ToString();
      if (!s.ok()) break;
      for (const Hit& h : r.hits) hits.emplace_back(h.id, h.score);
      if (r.next.empty()) break;
      options.after = r.next;
    }
    return hits;
  }

  static const std::vector<std::string>& Queries() {
    static const std::vector<std::string> queries = {
        "w1",          "w3 w7",          "rare1 w2",         "rare0 rare2 w0 alpha",
        "\"w1 w2\"",   "\"rare1 w0\"~3", "+w1 -w4",          "title:w2 body:rare1",
        "rare*",       "beta gamma",     "w0 AND (w5 OR rare2)", "w25 w28 w29",
    };
    return queries;
  }

  static std::filesystem::path* root_;
  static std::vector<std::string>* shard_dirs_;
  static std::unique_ptr<Searcher> ref_;
  static std::unique_ptr<Searcher> multi_;
};

std::filesystem::path* MultiIndexTest::root_ = nullptr;
std::vector<std::string>* MultiIndexTest::shard_dirs_ = nullptr;
std::unique_ptr<Searcher> MultiIndexTest::ref_;
std::unique_ptr<Searcher> MultiIndexTest::multi_;

TEST_F(MultiIndexTest, StatisticsAreThoseOfTheUnion) {
  EXPECT_EQ(multi_->num_docs(), ref_->num_docs());
  EXPECT_EQ(multi_->schema(), ref_->schema());
}

TEST_F(MultiIndexTest, TopKScoresTiesAndExplanationsAreThoseOfOneIndex) {
  for (const std::string& q : Queries()) {
    uint64_t matches = 0;
    ASSERT_TRUE(ref_->Count(q, &matches).ok());
    EXPECT_GT(matches, 0u) << q;  // every query has something to compare
    SearchOptions options;
    options.top_k = 40;
    options.explain = true;
    ExpectSame(*multi_, q, options);
    options.plain_text = true;
    ExpectSame(*multi_, q, options);
  }
}

TEST_F(MultiIndexTest, PrunedTopKIsThatOfOneIndex) {
  // Without exact totals MaxScore and block-max skip documents by bounds computed from the
  // idf: those bounds must hold under the union's idf, or hits go missing.
  for (const std::string& q : Queries()) {
    for (size_t k : {1, 10, 100, 1000}) {
      SearchOptions options;
      options.top_k = k;
      options.exact_total = false;
      options.load_documents = false;
      SearchResults exhaustive;
      SearchOptions all = options;
      all.exact_total = true;
      ASSERT_TRUE(ref_->Search(q, all, &exhaustive).ok());
      SearchResults pruned;
      ASSERT_TRUE(multi_->Search(q, options, &pruned).ok());
      ASSERT_EQ(pruned.hits.size(), exhaustive.hits.size()) << q << " k=" << k;
      for (size_t i = 0; i < pruned.hits.size(); ++i)
        EXPECT_EQ(pruned.hits[i].score, exhaustive.hits[i].score) << q << " k=" << k;
      ExpectSame(*multi_, q, options);
    }
  }
}

TEST_F(MultiIndexTest, FiltersSortsFacetsAndCollapseAreThoseOfOneIndex) {
  for (const std::string& q : Queries()) {
    SearchOptions filtered;
    filtered.top_k = 30;
    filtered.filters = {"tag:t1 OR tag:t2", "qty:[10 TO 70]"};
    ExpectSame(*multi_, q, filtered);

    SearchOptions sorted;
    sorted.top_k = 30;
    sorted.sort = {{"qty", true}, {"score", false}};
    ExpectSame(*multi_, q, sorted);
    sorted.sort = {{"tag", false}};
    ExpectSame(*multi_, q, sorted);

    SearchOptions faceted;
    faceted.facets = {{"tag", 4}};
    faceted.range_facets = {{"qty", "25"}};
    ExpectSame(*multi_, q, faceted);

    SearchOptions collapsed;
    collapsed.top_k = 20;
    collapsed.collapse = "tag";
    ExpectSame(*multi_, q, collapsed);

    SearchOptions bm25f;
    bm25f.bm25f = true;
    bm25f.field_weights = {{"title", 2.0}};
    ExpectSame(*multi_, q, bm25f);

    SearchOptions proximity;
    proximity.proximity = 0.5;
    proximity.plain_text = true;
    ExpectSame(*multi_, q, proximity);
  }
}

TEST_F(MultiIndexTest, SearchAfterPagesAreThoseOfOneIndex) {
  for (const std::string q : {"w1 rare1", "w3", "\"w1 w2\""}) {
    SearchOptions by_score;
    EXPECT_EQ(AllPages(*multi_, q, by_score), AllPages(*ref_, q, by_score)) << q;
    SearchOptions by_field;
    by_field.sort = {{"qty", false}};
    EXPECT_EQ(AllPages(*multi_, q, by_field), AllPages(*ref_, q, by_field)) << q;
    SearchOptions collapsed;
    collapsed.collapse = "tag";
    EXPECT_EQ(AllPages(*multi_, q, collapsed), AllPages(*ref_, q, collapsed)) << q;
  }
}

TEST_F(MultiIndexTest, PerShardStatisticsWouldGiveOtherAnswers) {
  // What merging each shard's own top k would give: scores from each shard's statistics.
  std::unique_ptr<Searcher> small;
  ASSERT_TRUE(Searcher::Open((*shard_dirs_)[1], {}, &small).ok());
  for (const std::string q : {"rare1 w2", "beta gamma", "rare0 rare2 w0 alpha"}) {
    std::vector<std::pair<double, std::string>> merged;
    for (const std::string& dir : *shard_dirs_) {
      std::unique_ptr<Searcher> one;
      ASSERT_TRUE(Searcher::Open(dir, {}, &one).ok());
      SearchOptions options;
      options.top_k = 10;
      SearchResults r;
      ASSERT_TRUE(one->Search(q, options, &r).ok());
      for (const Hit& h : r.hits) merged.emplace_back(-h.score, h.id);
    }
    std::sort(merged.begin(), merged.end());
    merged.resize(std::min<size_t>(merged.size(), 10));
    SearchOptions options;
    options.top_k = 10;
    SearchResults global;
    ASSERT_TRUE(multi_->Search(q, options, &global).ok());
    std::vector<std::string> local_ids, global_ids;
    for (const auto& [score, id] : merged) local_ids.push_back(id);
    for (const Hit& h : global.hits) global_ids.push_back(h.id);
    EXPECT_NE(local_ids, global_ids) << q;
    // And a document of the small shard scores otherwise there than in the union.
    SearchResults in_small;
    ASSERT_TRUE(small->Search(q, options, &in_small).ok());
    ASSERT_FALSE(in_small.hits.empty());
    SearchOptions all;
    all.top_k = 2000;
    all.load_documents = true;
    all.snippet_chars = 0;
    SearchResults everything;
    ASSERT_TRUE(multi_->Search(q, all, &everything).ok());
    bool seen = false;
    for (const Hit& h : everything.hits) {
      if (h.id != in_small.hits[0].id) continue;
      seen = true;
      EXPECT_NE(h.score, in_small.hits[0].score) << q;
    }
    EXPECT_TRUE(seen) << q;
  }
}

TEST_F(MultiIndexTest, ShardsJsonOpensAsTheUnionOfItsParts) {
  WriteFileAt(*root_ / "set" / "shards.json", ShardListJson({"big", "small", "mid"}));
  std::unique_ptr<Searcher> set;
  Status s = Searcher::Open((*root_ / "set").string(), {}, &set);
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(set->num_docs(), ref_->num_docs());
  for (const std::string& q : Queries()) {
    SearchOptions options;
    options.top_k = 25;
    options.explain = true;
    ExpectSame(*set, q, options);
  }
  std::filesystem::remove(*root_ / "set" / "shards.json");
}

TEST_F(MultiIndexTest, GetFindsADocumentInAnyShard) {
  for (const std::string id : {"big3", "small5", "mid100"}) {
    Document want, got;
    Status s = ref_->Get(id, &want);
    ASSERT_TRUE(s.ok()) << id << ": " << s.ToString();
    s = multi_->Get(id, &got);
    ASSERT_TRUE(s.ok()) << id << ": " << s.ToString();
    EXPECT_EQ(got.id, id);
    EXPECT_EQ(got.Field("body"), want.Field("body"));
  }
  Document none;
  EXPECT_TRUE(multi_->Get("nowhere", &none).IsNotFound());
}

// A search spread over machines, in process: each shard searched alone with the statistics
// of all (CollectStatistics on each, added in shard order), its top k merged by (score, shard,
// segment, docid), then loaded by FetchHits, must be the answer of one index.
class DistributedSearch {
 public:
  explicit DistributedSearch(const std::vector<std::string>& dirs) {
    for (const std::string& dir : dirs) {
      std::unique_ptr<Searcher> one;
      Status s = Searcher::Open(dir, {}, &one);
      EXPECT_TRUE(s.ok()) << s.ToString();
      shards_.push_back(std::move(one));
    }
  }

  Status Statistics(const std::string& query, const SearchOptions& options,
                    std::shared_ptr<const CollectionStatistics>* out) const {
    auto all = std::make_shared<CollectionStatistics>();
    for (const auto& shard : shards_) {
      CollectionStatistics one;
      TRAWL_RETURN_IF_ERROR(shard->CollectStatistics(query, options, &one));
      TRAWL_RETURN_IF_ERROR(all->Add(one));
    }
    *out = std::move(all);
    return Status::OK();
  }

  Status Search(const std::string& query, SearchOptions options, SearchResults* out) const {
    *out = SearchResults();
    TRAWL_RETURN_IF_ERROR(Statistics(query, options, &options.statistics));
    // Query phase: each shard's first offset + k, without their documents.
    SearchOptions query_phase = options;
    query_phase.top_k = options.offset + options.top_k;
    query_phase.offset = 0;
    query_phase.load_documents = false;
    query_phase.explain = false;
    struct Keyed {
      Hit hit;
      size_t shard;
    };
    std::vector<Keyed> merged;
    for (size_t i = 0; i < shards_.size(); ++i) {
      SearchResults r;
      TRAWL_RETURN_IF_ERROR(shards_[i]->Search(query, query_phase, &r));
      out->total += r.total;
      for (Hit& h : r.hits) merged.push_back({std::move(h), i});
    }
    std::stable_sort(merged.begin(), merged.end(), [](const Keyed& a, const Keyed& b) {
      if (a.hit.score != b.hit.score) return a.hit.score > b.hit.score;
      if (a.shard != b.shard) return a.shard < b.shard;
      if (a.hit.segment != b.hit.segment) return a.hit.segment < b.hit.segment;
      return a.hit.docid < b.hit.docid;
    });
    const size_t begin = std::min(options.offset, merged.size());
    const size_t end = std::min(options.offset + options.top_k, merged.size());
    // Fetch phase: the page's hits, each from its shard.
    for (size_t i = begin; i < end; ++i) {
      std::vector<Hit> one{merged[i].hit};
      TRAWL_RETURN_IF_ERROR(shards_[merged[i].shard]->FetchHits(query, options, &one));
      out->hits.push_back(std::move(one.front()));
    }
    return Status::OK();
  }

  const Searcher& shard(size_t i) const { return *shards_[i]; }

 private:
  std::vector<std::unique_ptr<Searcher>> shards_;
};

TEST_F(MultiIndexTest, ShardsSearchedApartWithGatheredStatisticsAnswerAsOneIndex) {
  const DistributedSearch distributed(*shard_dirs_);
  std::vector<std::string> queries = Queries();
  // Fuzzy words expand differently in each shard; their blended df is that of the union.
  for (const std::string q : {"rare1~1", "w1~1 alpha", "gama~1 beta~2", "title:w2~1"})
    queries.push_back(q);
  std::vector<SearchOptions> variants(6);
  variants[0].top_k = 40;
  variants[0].explain = true;
  variants[1].top_k = 7;
  variants[1].offset = 11;
  variants[2].plain_text = true;
  variants[2].proximity = 0.5;
  variants[3].bm25f = true;
  variants[3].field_weights = {{"title", 2.0}};
  variants[3].explain = true;
  variants[4].filters = {"tag:t1 OR tag:t2", "qty:[10 TO 70]"};
  variants[4].top_k = 30;
  variants[5].top_k = 25;
  variants[5].exact_total = true;
  variants[5].fields = {"*"};
  for (const std::string& q : queries) {
    for (size_t v = 0; v < variants.size(); ++v) {
      SCOPED_TRACE("query " + q + ", options " + std::to_string(v));
      const SearchOptions& options = variants[v];
      SearchResults want, got;
      Status s = ref_->Search(q, options, &want);
      ASSERT_TRUE(s.ok()) << s.ToString();
      s = distributed.Search(q, options, &got);
      ASSERT_TRUE(s.ok()) << s.ToString();
      EXPECT_EQ(got.total, want.total);
      ASSERT_EQ(got.hits.size(), want.hits.size());
      for (size_t i = 0; i < want.hits.size(); ++i) {
        SCOPED_TRACE("hit " + std::to_string(i));
        EXPECT_EQ(got.hits[i].id, want.hits[i].id);
        EXPECT_EQ(got.hits[i].score, want.hits[i].score);
        EXPECT_EQ(got.hits[i].title, want.hits[i].title);
        EXPECT_EQ(got.hits[i].snippet, want.hits[i].snippet);
        EXPECT_EQ(got.hits[i].explanation, want.hits[i].explanation);
        EXPECT_EQ(got.hits[i].fields.size(), want.hits[i].fields.size());
      }
    }
  }
}

TEST_F(MultiIndexTest, GatheredStatisticsAreThoseOfTheUnion) {
  const DistributedSearch distributed(*shard_dirs_);
  std::shared_ptr<const CollectionStatistics> stats;
  ASSERT_TRUE(distributed.Statistics("rare1 w2 \"w1 w2\"", {}, &stats).ok());
  // Fields in first-seen order over the shards, as the searcher over all of them has them.
  ASSERT_FALSE(stats->fields.empty());
  EXPECT_EQ(stats->fields.front().name, "id");
  uint64_t rare1 = 0, w2 = 0;
  ASSERT_TRUE(ref_->Count("body:rare1 OR title:rare1", &rare1).ok());
  ASSERT_TRUE(ref_->Count("w2", &w2).ok());
  // The body and title of every looked-up word are there (deleted documents count too, so
  // frequencies are at least the live matches).
  ASSERT_TRUE(stats->doc_freq.count("body"));
  EXPECT_GE(stats->doc_freq.at("body").at("rare1") + stats->doc_freq.at("title").at("rare1"),
            rare1 / 2);
  EXPECT_GT(stats->doc_freq.at("body").at("w2"), 0u);
  // A term no shard has is recorded with 0 (as analyzed: "zzqx" stems to itself).
  std::shared_ptr<const CollectionStatistics> none;
  ASSERT_TRUE(distributed.Statistics("zzqx", {}, &none).ok());
  EXPECT_EQ(none->doc_freq.at("body").at("zzqx"), 0u);
  // The small shard alone sees a rare word as rarer than the union does.
  CollectionStatistics small;
  ASSERT_TRUE(distributed.shard(1).CollectStatistics("w2", {}, &small).ok());
  EXPECT_LT(small.doc_freq.at("body").at("w2"), stats->doc_freq.at("body").at("w2"));
}

TEST_F(MultiIndexTest, AddingStatisticsRefusesAFieldOfTwoTypes) {
  CollectionStatistics a, b;
  a.fields.push_back({"x", FieldType::kText, 3, 9});
  b.fields.push_back({"y", FieldType::kText, 1, 1});
  b.fields.push_back({"x", FieldType::kKeyword, 1, 1});
  EXPECT_TRUE(a.Add(b).IsInvalidArgument());
  EXPECT_EQ(a.fields.size(), 1u);
  b.fields.back().type = FieldType::kText;
  b.doc_freq["x"]["t"] = 2;
  ASSERT_TRUE(a.Add(b).ok());
  ASSERT_EQ(a.fields.size(), 2u);
  EXPECT_EQ(a.fields[0].docs_with_field, 4u);
  EXPECT_EQ(a.fields[1].name, "y");
  EXPECT_EQ(a.doc_freq["x"]["t"], 2u);
}

TEST_F(MultiIndexTest, FetchHitsRefusesAnAddressOfNoDocument) {
  std::vector<Hit> hits(1);
  hits[0].segment = 999;
  EXPECT_TRUE(ref_->FetchHits("w1", {}, &hits).IsInvalidArgument());
}

// Shards whose commits change under a searcher, and shard sets that cannot be searched together.
class ShardSetTest : public ::testing::Test {
 protected:
  void SetUp() override { root_ = FreshTempDir("trawl_shardset"); }
  void TearDown() override { std::filesystem::remove_all(root_); }

  std::string Build(const std::string& name, const std::vector<std::string>& ids,
                    IndexWriterOptions options = WriterOptions()) {
    const std::string dir = (root_ / name).string();
    std::filesystem::create_directories(dir);
    std::unique_ptr<IndexWriter> w;
    EXPECT_TRUE(IndexWriter::Open(dir, options, &w).ok());
    for (const std::string& id : ids) {
      Document doc;
      doc.id = id;
      doc.Add("body", "shared words of " + id);
      EXPECT_TRUE(w->Add(doc).ok());
    }
    EXPECT_TRUE(w->Commit().ok());
    return dir;
  }

  std::filesystem::path root_;
};

TEST_F(ShardSetTest, OpenIfChangedSeesACommitOfAnyShard) {
  const std::string a = Build("a", {"a1", "a2"});
  const std::string b = Build("b", {"b1"});
  std::unique_ptr<Searcher> first;
  ASSERT_TRUE(Searcher::Open(std::vector<std::string>{a, b}, {}, &first).ok());
  EXPECT_EQ(first->num_docs(), 3u);
  std::unique_ptr<Searcher> second;
  ASSERT_TRUE(Searcher::OpenIfChanged(*first, &second).ok());
  EXPECT_EQ(second, nullptr);

  {
    std::unique_ptr<IndexWriter> w;
    ASSERT_TRUE(IndexWriter::Open(b, WriterOptions(), &w).ok());
    Document doc;
    doc.id = "b2";
    doc.Add("body", "shared words");
    ASSERT_TRUE(w->Add(doc).ok());
    ASSERT_TRUE(w->Commit().ok());
  }
  ASSERT_TRUE(Searcher::OpenIfChanged(*first, &second).ok());
  ASSERT_NE(second, nullptr);
  EXPECT_EQ(second->num_docs(), 4u);
  EXPECT_GT(second->generation(), first->generation());
  EXPECT_EQ(first->num_docs(), 3u);  // unchanged
  uint64_t count = 0;
  ASSERT_TRUE(second->Count("shared", &count).ok());
  EXPECT_EQ(count, 4u);
}

TEST_F(ShardSetTest, OpenIfChangedFollowsShardsJson) {
  Build("set/p0", {"a1", "a2"});
  Build("set/p1", {"b1"});
  const std::string set = (root_ / "set").string();
  WriteFileAt(root_ / "set" / "shards.json", ShardListJson({"p0"}));
  std::unique_ptr<Searcher> first;
  ASSERT_TRUE(Searcher::Open(set, {}, &first).ok());
  EXPECT_EQ(first->num_docs(), 2u);
  std::filesystem::remove(root_ / "set" / "shards.json");
  WriteFileAt(root_ / "set" / "shards.json", ShardListJson({"p0", "p1"}));
  std::unique_ptr<Searcher> second;
  ASSERT_TRUE(Searcher::OpenIfChanged(*first, &second).ok());
  ASSERT_NE(second, nullptr);
  EXPECT_EQ(second->num_docs(), 3u);
}

TEST_F(ShardSetTest, RefusesShardsThatDisagree) {
  const std::string a = Build("a", {"a1"});
  IndexWriterOptions other = WriterOptions();
  other.schema = Schema();
  ASSERT_TRUE(other.schema.AddField("tag", FieldSpec::Default(FieldType::kInt)).ok());
  const std::string b = Build("b", {"b1"}, other);
  std::unique_ptr<Searcher> s;
  Status st = Searcher::Open(std::vector<std::string>{a, b}, {}, &s);
  EXPECT_TRUE(st.IsInvalidArgument()) << st.ToString();
  EXPECT_TRUE(Contains(st.message(), b)) << st.ToString();
  EXPECT_TRUE(Contains(st.message(), "tag")) << st.ToString();
  EXPECT_EQ(s, nullptr);

  IndexWriterOptions french = WriterOptions();
  french.language = "french";
  const std::string c = Build("c", {"c1"}, french);
  st = Searcher::Open(std::vector<std::string>{a, c}, {}, &s);
  EXPECT_TRUE(st.IsInvalidArgument()) << st.ToString();
  EXPECT_TRUE(Contains(st.message(), c)) << st.ToString();
  EXPECT_TRUE(Contains(st.message(), "language")) << st.ToString();

  st = Searcher::Open(std::vector<std::string>{a, a}, {}, &s);
  EXPECT_TRUE(st.IsInvalidArgument()) << st.ToString();
  st = Searcher::Open(std::vector<std::string>{}, {}, &s);
  EXPECT_TRUE(st.IsInvalidArgument()) << st.ToString();
  st = Searcher::Open(std::vector<std::string>{a, (root_ / "missing").string()}, {}, &s);
  EXPECT_TRUE(st.IsNotFound()) << st.ToString();
}

TEST_F(ShardSetTest, RefusesAFieldTypedInOneShardAndTextInAnIndexFromBeforeSchemas) {
  const std::string old_index =
      (std::filesystem::path(TRAWL_SOURCE_DIR) / "tests" / "fixtures" / "index-v2").string();
  std::unique_ptr<Searcher> s;
  ASSERT_TRUE(Searcher::Open(std::vector<std::string>{old_index, Build("a", {"a1"})}, {}, &s).ok());
  const std::string typed = (root_ / "typed").string();
  {
    IndexWriterOptions options;
    ASSERT_TRUE(options.schema.AddField("title", FieldSpec::Default(FieldType::kKeyword)).ok());
    std::unique_ptr<IndexWriter> w;
    ASSERT_TRUE(IndexWriter::Open(typed, options, &w).ok());
    Document doc;
    doc.id = "t1";
    doc.Add("title", "Exact Title", ValueKind::kKeyword);
    ASSERT_TRUE(w->Add(doc).ok());
    ASSERT_TRUE(w->Commit().ok());
  }
  for (const auto& dirs : {std::vector<std::string>{old_index, typed},
                           std::vector<std::string>{typed, old_index}}) {
    Status st = Searcher::Open(dirs, {}, &s);
    EXPECT_TRUE(st.IsInvalidArgument()) << st.ToString();
    EXPECT_TRUE(Contains(st.message(), "'title'")) << st.ToString();
    EXPECT_TRUE(Contains(st.message(), dirs[1])) << st.ToString();
  }
}

TEST_F(ShardSetTest, RefusesAMalformedShardsJson) {
  Build("set/p0", {"a1"});
  const std::string set = (root_ / "set").string();
  std::unique_ptr<Searcher> s;
  for (const std::string bad : {"{", "[]", R"({"version":1})", R"({"version":1,"shards":[]})",
                                R"({"version":1,"shards":["/abs"]})",
                                R"({"version":1,"shards":["../up"]})", R"({"shards":["p0"]})"}) {
    std::filesystem::remove(root_ / "set" / "shards.json");
    WriteFileAt(root_ / "set" / "shards.json", bad);
    Status st = Searcher::Open(set, {}, &s);
    EXPECT_TRUE(st.IsCorruption()) << bad << ": " << st.ToString();
    EXPECT_TRUE(Contains(st.message(), "shards.json")) << st.ToString();
  }
  std::filesystem::remove(root_ / "set" / "shards.json");
  WriteFileAt(root_ / "set" / "shards.json", R"({"version":2,"shards":["p0"]})");
  EXPECT_EQ(Searcher::Open(set, {}, &s).code(), Status::Code::kNotSupported);
}

TEST(PartOfIdTest, IsStableFnv1a) {
  // Fixed values: the assignment of ids to parts must never change between releases.
  EXPECT_EQ(IdHash(""), 0xcbf29ce484222325ULL);
  EXPECT_EQ(IdHash("a"), 0xaf63dc4c8601ec8cULL);
  EXPECT_EQ(IdHash("foobar"), 0x85944171f73967e8ULL);
  EXPECT_EQ(PartOfId("anything", 1), 0u);
  std::vector<int> per_part(4);
  for (int i = 0; i < 4000; ++i) ++per_part[PartOfId("doc" + std::to_string(i), 4)];
  for (int n : per_part) EXPECT_NEAR(n, 1000, 150);
}

#ifndef TRAWL_INDEX_BIN
#error "TRAWL_INDEX_BIN must be defined (tests/CMakeLists.txt does)"
#endif

// trawl-index --part I/N run N times over the same input, and the parts searched as one.
class PartCliTest : public ::testing::Test {
 protected:
  static constexpr int kParts = 3;
  static constexpr int kDocs = 300;

  void SetUp() override {
    dir_ = FreshTempDir("trawl_part_cli");
    std::mt19937 rng(3);
    std::string jsonl;
    for (int i = 0; i < kDocs; ++i) {
      nlohmann::json doc;
      doc["id"] = "doc-" + std::to_string(i);
      std::string body = "every";
      const int n = 1 + static_cast<int>(rng() % (i % 3 == 0 ? 40 : 6));
      for (int w = 0; w < n; ++w) body += " " + CommonWord(rng);
      doc["body"] = body;
      jsonl += doc.dump() + "\n";
    }
    input_ = WriteFileAt(dir_ / "docs.jsonl", jsonl);
    std::filesystem::create_directories(dir_ / "set");
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  // `program args` run in the test's directory: its stdout, and its exit status in *status.
  std::string Run(const char* program, const std::string& args, int* status) {
    const std::string out = (dir_ / "out.txt").string();
    const int raw = RunIn(dir_, Quote(program) + " " + args + " >" + Quote(out) + " 2>&1");
    *status = raw != -1 && WIFEXITED(raw) ? WEXITSTATUS(raw) : -1;
    return ReadFile(out);
  }
  nlohmann::json Json(const char* program, const std::string& args) {
    int status = 0;
    const std::string out = Run(program, args, &status);
    EXPECT_EQ(status, 0) << args << "\n" << out;
    return nlohmann::json::parse(out, nullptr, /*allow_exceptions=*/false);
  }
  // The hits of `query` as id -> score, and the total.
  static std::map<std::string, double> Hits(const nlohmann::json& results) {
    std::map<std::string, double> hits;
    for (const auto& h : results["hits"]) hits[h["id"].get<std::string>()] = h["score"];
    return hits;
  }

  std::filesystem::path dir_;
  std::string input_;
};

TEST_F(PartCliTest, PartsAreDisjointAndTheirUnionAnswersAsOneIndex) {
  uint64_t indexed = 0;
  for (int i = 0; i < kParts; ++i) {
    const std::string part = "set/part-" + std::to_string(i);
    nlohmann::json summary =
        Json(TRAWL_INDEX_BIN, "--quiet --json-summary --index " + part + " --part " +
                                  std::to_string(i) + "/" + std::to_string(kParts) + " " +
                                  Quote(input_));
    indexed += summary["documents"].get<uint64_t>();
    EXPECT_EQ(summary["documents"].get<uint64_t>() + summary["other_parts"].get<uint64_t>(),
              uint64_t{kDocs});
    // Each part holds exactly the ids that hash to it.
    nlohmann::json all = Json(TRAWL_SEARCH_BIN, "--index " + part + " --json --top 1000 every");
    for (const auto& [id, score] : Hits(all)) EXPECT_EQ(PartOfId(id, kParts), uint32_t(i)) << id;
    EXPECT_EQ(all["total"].get<uint64_t>(), summary["documents"].get<uint64_t>());
  }
  EXPECT_EQ(indexed, uint64_t{kDocs});
  Json(TRAWL_INDEX_BIN, "--quiet --json-summary --index one " + Quote(input_));
  WriteFileAt(dir_ / "set" / "shards.json", ShardListJson({"part-0", "part-1", "part-2"}));

  for (const std::string query : {"every", "w1 w4", "\"w0 w1\"", "w2 -w3", "w7*"}) {
    const std::string args = " --json --top 1000 " + Quote(query);
    nlohmann::json one = Json(TRAWL_SEARCH_BIN, "--index one" + args);
    nlohmann::json set = Json(TRAWL_SEARCH_BIN, "--index set" + args);
    nlohmann::json listed = Json(TRAWL_SEARCH_BIN,
                                 "--index set/part-0 --index set/part-1 --index set/part-2" + args);
    EXPECT_EQ(set["total"], one["total"]) << query;
    EXPECT_GT(one["total"].get<uint64_t>(), 0u) << query;
    // The same documents with the same scores (ties fall in another order: the one index
    // holds them in input order, the set part after part).
    EXPECT_EQ(Hits(set), Hits(one)) << query;
    set.erase("took_us");
    listed.erase("took_us");
    EXPECT_EQ(set, listed) << query;
  }

  // A delete given to every part deletes the document from the one part that holds it.
  uint64_t deleted = 0;
  for (int i = 0; i < kParts; ++i) {
    nlohmann::json summary = Json(
        TRAWL_INDEX_BIN, "--quiet --json-summary --index set/part-" + std::to_string(i) +
                             " --part " + std::to_string(i) + "/3 --delete doc-7");
    deleted += summary["deleted"].get<uint64_t>();
  }
  EXPECT_EQ(deleted, 1u);
  nlohmann::json after = Json(TRAWL_SEARCH_BIN, "--index set --json --count every");
  EXPECT_EQ(after["total"].get<uint64_t>(), uint64_t{kDocs - 1});
}

TEST_F(PartCliTest, RefusesABadPart) {
  for (const std::string bad : {"3/3", "0/0", "1", "a/2", "-1/2", "1/2/3", "/2"}) {
    int status = 0;
    const std::string out =
        Run(TRAWL_INDEX_BIN, "--index set/x --part " + Quote(bad) + " " + Quote(input_), &status);
    EXPECT_EQ(status, 1) << bad;
    EXPECT_TRUE(Contains(out, "--part")) << bad << ": " << out;
  }
}

}  // namespace
}  // namespace multi_index_test
}  // namespace trawl
