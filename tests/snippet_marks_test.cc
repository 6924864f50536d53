// Snippets from token marks, end to end: documents indexed with marks get the snippet of their
// whole text (MakeSnippetScanning without limits) through the postings, before and after a
// merge; documents without marks (short, or a repeated field) get MakeSnippet's; the "#marks"
// field is never shown as a document's; of a document of several MiB, a snippet decompresses
// only the store frames around its matches.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <unordered_set>
#include <vector>

#include "analysis/analyzer.h"
#include "format/store_reader.h"
#include "format/store_writer.h"
#include "format/token_marks.h"
#include "searcher/snippet.h"
#include "tests/test_util.h"
#include "trawl/index_writer.h"
#include "trawl/searcher.h"

namespace trawl {
namespace snippet_marks_test {
namespace {

const char* const kWords[] = {"river", "stone",  "bridge", "lamp",  "north", "quiet", "copper",
                              "field", "willow", "the",    "of",    "é",     "日本語", "running"};

// Prose of the common words, with a rare word at a few places.
std::string Text(std::mt19937* rng, size_t bytes, const std::vector<std::string>& rare) {
  std::string s;
  std::uniform_int_distribution<size_t> rare_odds(0, bytes / 40 + 1);
  while (s.size() < bytes) {
    if (!rare.empty() && rare_odds(*rng) == 0) {
      s += rare[(*rng)() % rare.size()];
    } else {
      s += kWords[(*rng)() % std::size(kWords)];
    }
    s += (*rng)() % 11 == 0 ? ".\n" : " ";
  }
  return s;
}

// How many segments the documents with "needle" are in.
size_t HitSegments(Searcher& searcher) {
  SearchOptions options;
  options.top_k = 1000;
  options.load_documents = false;
  SearchResults results;
  EXPECT_TRUE(searcher.Search("needle", options, &results).ok());
  std::unordered_set<uint32_t> segments;
  for (const Hit& hit : results.hits) segments.insert(hit.segment);
  return segments.size();
}

// An index in `dir` of `docs`, committed at once, and a searcher over it.
void IndexAndOpen(const std::string& dir, const std::vector<Document>& docs,
                  std::unique_ptr<Searcher>* searcher) {
  std::unique_ptr<IndexWriter> writer;
  ASSERT_TRUE(IndexWriter::Open(dir, {}, &writer).ok());
  for (const Document& d : docs) ASSERT_TRUE(writer->Add(d).ok());
  ASSERT_TRUE(writer->Commit().ok());
  writer.reset();
  ASSERT_TRUE(Searcher::Open(dir, {}, searcher).ok());
}

class SnippetMarksTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = FreshTempDir("snippet_marks").string();
    ASSERT_TRUE(Analyzer::Create(AnalyzerOptions(), &analyzer_).ok());
    std::mt19937 rng(11);
    const std::vector<size_t> sizes = {40, 900, 3000, 20000, 70000, 300000, (1u << 20) + 50000};
    for (int i = 0; i < 28; ++i) {
      Document d;
      d.id = "doc" + std::to_string(i);
      const size_t bytes = sizes[i % sizes.size()];
      std::string body = Text(&rng, bytes, i % 3 == 0 ? std::vector<std::string>{"needle"}
                                                      : std::vector<std::string>{"needle", "thread"});
      // Past MakeSnippet's 1 MiB: only the whole-text snippet finds it.
      if (bytes > (1u << 20)) body += " a lone haystack at the end";
      d.fields.push_back({"title", "title " + std::to_string(i)});
      d.fields.push_back({"body", body});
      // A repeated field has no marks: its snippet is MakeSnippet's.
      if (i % 5 == 4) d.fields.push_back({"body", "needle and thread again"});
      docs_.push_back(d);
    }
    IndexWriterOptions options;
    options.merge_factor = 0;  // several segments, until Optimize
    std::unique_ptr<IndexWriter> writer;
    ASSERT_TRUE(IndexWriter::Open(dir_, options, &writer).ok());
    for (size_t i = 0; i < docs_.size(); ++i) {
      ASSERT_TRUE(writer->Add(docs_[i]).ok());
      if (i % 10 == 9) {
        ASSERT_TRUE(writer->Commit().ok());
      }
    }
    ASSERT_TRUE(writer->Commit().ok());
    writer_ = std::move(writer);
  }

  void TearDown() override { std::filesystem::remove_all(dir_); }

  const Document& Doc(const std::string& id) const {
    for (const Document& d : docs_)
      if (d.id == id) return d;
    ADD_FAILURE() << id;
    return docs_[0];
  }

  // Every hit's snippet is the reference's for its document.
  void ExpectReferenceSnippets(Searcher& searcher) {
    const std::vector<std::pair<std::string, std::vector<std::string>>> queries = {
        {"needle", {"needl"}},
        {"needle thread", {"needl", "thread"}},
        {"+thread +copper", {"thread", "copper"}},
        {"haystack", {"haystack"}},
        {"\"lone haystack\"", {"lone", "haystack"}},
        {"willow running", {"willow", "run"}}};
    size_t marked_hits = 0;
    for (const auto& [query, term_list] : queries) {
      const std::unordered_set<std::string> terms(term_list.begin(), term_list.end());
      for (size_t chars : {size_t{60}, size_t{200}}) {
        SearchOptions options;
        options.top_k = 100;
        options.snippet_chars = chars;
        options.snippet_fields = {"body"};
        SearchResults results;
        ASSERT_TRUE(searcher.Search(query, options, &results).ok()) << query;
        ASSERT_FALSE(results.hits.empty()) << query;
        for (const Hit& hit : results.hits) {
          const Document& doc = Doc(hit.id);
          const std::string_view body = doc.Field("body");
          const bool repeated = doc.fields.size() > 2;
          const bool marked = !repeated && body.size() > 2 * kTokenMarkInterval * 6;
          // Computed once for both searchers: a whole MiB's analysis is slow under sanitizers.
          std::string& want = reference_[hit.id + "\n" + query + "\n" + std::to_string(chars)];
          if (want.empty()) {
            want = marked ? MakeSnippetScanning(body, *analyzer_, terms, chars, "<b>", "</b>",
                                                SIZE_MAX, SIZE_MAX)
                          : MakeSnippet(body, *analyzer_, terms, chars, "<b>", "</b>");
          }
          EXPECT_EQ(hit.snippet, want) << query << " in " << hit.id << " (" << body.size()
                                       << " bytes, chars " << chars << ")";
          marked_hits += marked;
        }
      }
    }
    EXPECT_GT(marked_hits, 50u);
  }

  std::string dir_;
  std::unique_ptr<Analyzer> analyzer_;
  std::vector<Document> docs_;
  std::unique_ptr<IndexWriter> writer_;
  std::map<std::string, std::string> reference_;
};

TEST_F(SnippetMarksTest, SnippetsAreThoseOfTheWholeTextBeforeAndAfterAMerge) {
  std::unique_ptr<Searcher> searcher;
  ASSERT_TRUE(Searcher::Open(dir_, {}, &searcher).ok());
  EXPECT_GT(HitSegments(*searcher), 1u);
  ExpectReferenceSnippets(*searcher);

  // A match past the first MiB: found only from the marks.
  SearchOptions options;
  options.snippet_fields = {"body"};
  SearchResults results;
  ASSERT_TRUE(searcher->Search("haystack", options, &results).ok());
  ASSERT_FALSE(results.hits.empty());
  EXPECT_NE(results.hits[0].snippet.find("<b>haystack</b>"), std::string::npos);

  ASSERT_TRUE(writer_->Optimize().ok());
  ASSERT_TRUE(Searcher::Open(dir_, {}, &searcher).ok());
  EXPECT_EQ(HitSegments(*searcher), 1u);
  ExpectReferenceSnippets(*searcher);
}

TEST_F(SnippetMarksTest, TheMarksFieldIsNeverShown) {
  std::unique_ptr<Searcher> searcher;
  ASSERT_TRUE(Searcher::Open(dir_, {}, &searcher).ok());
  SearchOptions all;
  all.top_k = 100;
  all.fields = {"*"};
  SearchResults results;
  ASSERT_TRUE(searcher->Search("needle", all, &results).ok());
  ASSERT_FALSE(results.hits.empty());
  for (const Hit& hit : results.hits) {
    for (const DocField& f : hit.fields) EXPECT_FALSE(IsEngineField(f.name)) << f.name;
    Document doc;
    ASSERT_TRUE(searcher->Get(hit.id, &doc).ok());
    for (const DocField& f : doc.fields) EXPECT_FALSE(IsEngineField(f.name)) << f.name;
    EXPECT_EQ(doc.fields.size(), Doc(hit.id).fields.size());
  }
  SearchOptions marks_snippet;
  marks_snippet.snippet_fields = {std::string(kMarksField)};
  ASSERT_TRUE(searcher->Search("needle", marks_snippet, &results).ok());
  for (const Hit& hit : results.hits) EXPECT_EQ(hit.snippet, "") << hit.id;
}

// Without snippet_fields, the snippet comes from the text field with the most query-term tokens
// in its first 64 KiB (ties: body, then the first), counted from the postings when they index
// the whole field and by analysis otherwise (a longer field, a repeated one): both counts must
// choose as analyzing every candidate would.
TEST(SnippetSourceTest, TheFieldWithTheMostMatchesIsChosenAsAnalysisWould) {
  const std::string dir = FreshTempDir("snippet_source").string();
  std::unique_ptr<Analyzer> analyzer;
  ASSERT_TRUE(Analyzer::Create(AnalyzerOptions(), &analyzer).ok());
  std::mt19937 rng(31);
  const std::vector<std::string> rare = {"needle", "thread", "haystack"};
  std::vector<Document> docs;
  for (int i = 0; i < 120; ++i) {
    Document d;
    d.id = "doc" + std::to_string(i);
    d.fields.push_back({"title", "needle " + std::to_string(i)});  // never a candidate
    for (const char* name : {"notes", "body", "summary"}) {
      if (rng() % 4 == 0) continue;
      // Short fields, so that counts tie often; now and then one past 64 KiB.
      const size_t bytes = rng() % 15 == 0 ? 70000 : 20 + rng() % 300;
      d.fields.push_back({name, Text(&rng, bytes, rare)});
      if (rng() % 10 == 0) d.fields.push_back({name, Text(&rng, 40, rare)});  // repeated
    }
    docs.push_back(std::move(d));
  }
  std::unique_ptr<Searcher> searcher;
  ASSERT_NO_FATAL_FAILURE(IndexAndOpen(dir, docs, &searcher));

  // The reference: every candidate's first 64 KiB analyzed.
  auto expected_snippet = [&](const Document& doc, const std::unordered_set<std::string>& terms,
                              size_t chars) {
    const DocField* best = nullptr;
    size_t best_hits = 0;
    for (const DocField& f : doc.fields) {
      if (f.name == "title" || f.value.empty()) continue;
      size_t hits = 0;
      analyzer->Analyze(std::string_view(f.value).substr(0, 64 * 1024),
                        [&](const Token& t) { hits += terms.count(std::string(t.term)); });
      if (best == nullptr || hits > best_hits ||
          (hits == best_hits && f.name == "body" && best->name != "body")) {
        best = &f;
        best_hits = hits;
      }
    }
    if (best == nullptr) return std::string();
    const bool repeated =
        std::count_if(doc.fields.begin(), doc.fields.end(),
                      [&](const DocField& f) { return f.name == best->name; }) > 1;
    return repeated ? MakeSnippet(best->value, *analyzer, terms, chars, "<b>", "</b>")
                    : MakeSnippetScanning(best->value, *analyzer, terms, chars, "<b>", "</b>",
                                          SIZE_MAX, SIZE_MAX);
  };
  size_t checked = 0;
  for (const auto& [query, term_list] :
       std::vector<std::pair<std::string, std::vector<std::string>>>{
           {"needle", {"needl"}},
           {"needle thread", {"needl", "thread"}},
           {"haystack copper", {"haystack", "copper"}},
           {"running willow", {"run", "willow"}}}) {
    const std::unordered_set<std::string> terms(term_list.begin(), term_list.end());
    for (size_t chars : {size_t{50}, size_t{200}}) {
      SearchOptions options;
      options.top_k = 200;
      options.snippet_chars = chars;
      SearchResults results;
      ASSERT_TRUE(searcher->Search(query, options, &results).ok()) << query;
      for (const Hit& hit : results.hits) {
        const Document& doc = docs[std::stoul(hit.id.substr(3))];
        ASSERT_EQ(hit.snippet, expected_snippet(doc, terms, chars)) << query << " in " << hit.id;
        ++checked;
      }
    }
  }
  EXPECT_GT(checked, 500u);
  std::filesystem::remove_all(dir);
}

// Documents of several MiB whose matches lie deep, past many store frames: a hit with a snippet
// and no fields decompresses the frame of the document's head and those around its matches, and
// its snippet is the whole text's.
TEST(SnippetFramesTest, DeepMatchesDecompressOnlyTheirFrames) {
  const std::string dir = FreshTempDir("snippet_frames").string();
  std::unique_ptr<Analyzer> analyzer;
  ASSERT_TRUE(Analyzer::Create(AnalyzerOptions(), &analyzer).ok());
  std::mt19937 rng(21);
  std::vector<Document> docs;
  std::map<std::string, size_t> frames_of;  // of each document's block
  for (int i = 0; i < 4; ++i) {
    Document d;
    d.id = "big" + std::to_string(i);
    std::string body = Text(&rng, (size_t{3} + i % 2) << 20, {});
    // After a space: the words start tokens of their own.
    for (const auto& [at, words] : std::vector<std::pair<size_t, std::string>>{
             {(size_t{5} << 19) + 1000 * i, "needle and thread"},
             {(size_t{9} << 18) + 77 * i, "needle"},
             {body.size() - 3000, "a lone haystack"}}) {
      body.insert(body.find(' ', at) + 1, words + " ");
    }
    if (i == 3) body += " lone haystack";  // at the very end
    d.fields.push_back({"title", "big " + std::to_string(i)});
    d.fields.push_back({"body", body});
    frames_of[d.id] = (body.size() + kStoreFrameBytes) / kStoreFrameBytes;
    docs.push_back(std::move(d));
  }
  for (int i = 0; i < 6; ++i) {
    Document d;
    d.id = "small" + std::to_string(i);
    d.fields.push_back({"title", "small " + std::to_string(i)});
    d.fields.push_back({"body", Text(&rng, 3000 * (i + 1), {"needle", "thread", "haystack"})});
    docs.push_back(std::move(d));
  }
  std::unique_ptr<Searcher> searcher;
  ASSERT_NO_FATAL_FAILURE(IndexAndOpen(dir, docs, &searcher));

  size_t big_hits = 0;
  for (const auto& [query, term_list] :
       std::vector<std::pair<std::string, std::vector<std::string>>>{
           {"needle", {"needl"}},
           {"needle thread", {"needl", "thread"}},
           {"haystack", {"haystack"}},
           {"\"lone haystack\"", {"lone", "haystack"}}}) {
    const std::unordered_set<std::string> terms(term_list.begin(), term_list.end());
    for (size_t chars : {size_t{60}, size_t{5000}}) {
      SearchOptions options;
      options.top_k = 20;
      options.snippet_chars = chars;
      SearchResults results;
      const uint64_t before = StoreFramesDecompressed();
      ASSERT_TRUE(searcher->Search(query, options, &results).ok()) << query;
      const uint64_t decompressed = StoreFramesDecompressed() - before;
      size_t whole = 0;
      for (const Hit& hit : results.hits) {
        const Document* doc = nullptr;
        for (const Document& d : docs)
          if (d.id == hit.id) doc = &d;
        ASSERT_NE(doc, nullptr) << hit.id;
        const std::string_view body = doc->Field("body");
        const bool big = body.size() > (1u << 20);
        const std::string want =
            big ? MakeSnippetScanning(body, *analyzer, terms, chars, "<b>", "</b>", SIZE_MAX,
                                      SIZE_MAX)
                : MakeSnippet(body, *analyzer, terms, chars, "<b>", "</b>");
        EXPECT_EQ(hit.snippet, want) << query << " in " << hit.id << ", chars " << chars;
        EXPECT_EQ(hit.title, doc->Field("title"));
        whole += big ? frames_of[hit.id] : 1;
        big_hits += big;
      }
      // The head's frame and a few around each match (three matches at most): a small part.
      EXPECT_LT(decompressed * 4, whole) << query << ", chars " << chars;
      std::printf("%s, %zu chars: %zu hits, %llu of their %zu frames decompressed\n",
                  query.c_str(), chars, results.hits.size(),
                  static_cast<unsigned long long>(decompressed), whole);
    }
  }
  EXPECT_EQ(big_hits, 4u * 4 * 2);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace snippet_marks_test
}  // namespace trawl
