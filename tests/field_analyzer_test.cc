// Accent folding (as Lucene's ASCIIFoldingFilter) and per-field analyzers: the folding table,
// folding's place in the analyzer (after case folding, before stop words and stemming, in
// Fold too), a field's analyzer in the schema's JSON and its refusals, in the manifest, and in
// an index whose text fields analyze differently (tests/query_property_test.cc compares such an
// index with brute force over random queries).
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "analysis/analyzer.h"
#include "analysis/field_analyzers.h"
#include "format/manifest.h"
#include "test_util.h"
#include "trawl/index_writer.h"
#include "trawl/schema.h"
#include "trawl/searcher.h"

namespace trawl {
namespace field_analyzer_test {
namespace {

TEST(FoldToAsciiTest, FoldsAsLucenesAsciiFoldingFilter) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      // Decomposable: the letter without its marks.
      {"café", "cafe"},
      {"résumé", "resume"},
      {"naïve", "naive"},
      {"ångström", "angstrom"},
      {"piñata", "pinata"},
      {"çà", "ca"},
      {"żółw", "zolw"},   // ł has no decomposition: the table
      {"ǿ", "o"},         // ø + acute: decomposed, then ø from the table
      {"ǣ", "ae"},        // æ + macron
      {"ǆ", "dz"},        // compatibility decomposition: d, z + caron
      {"ĳ", "ij"},
      // No decomposition: the table.
      {"straße", "strasse"},
      {"æble", "aeble"},
      {"søren", "soren"},
      {"łódź", "lodz"},
      {"đakovo", "dakovo"},
      {"ðe", "de"},
      {"þorn", "thorn"},
      {"œuvre", "oeuvre"},
      {"ıstanbul", "istanbul"},
      {"ĸ", "q"},
      {"ŋ", "n"},
      {"ŧ", "t"},
      {"ħ", "h"},
      {"ɛ", "e"},
      {"ꜳ", "aa"},
      {"ə", "a"},  // Lucene folds the schwa to a
      {"ŉ", "n"},
      {"ƿ", "w"},
      {"ȝ", "z"},
      {"ꝏ", "oo"},
      // Ligatures.
      {"ﬁnd", "find"},
      {"ﬂow", "flow"},
      {"oﬀ", "off"},
      {"ﬃ", "ffi"},
      {"ﬄ", "ffl"},
      {"ﬆ", "st"},
      {"ﬅ", "ft"},  // as Lucene, not as its decomposition (st)
      // Superscripts and full-width forms fold to their letter or digit.
      {"x²", "x2"},
      {"ｆｕｌｌ", "full"},
      // A decomposed accent goes with the letter it follows.
      {"e\u0301te\u0301", "ete"},
      {"a\u0308\u0304", "a"},
      // Non-Latin letters, and marks on them, stay as they are.
      {"москва", "москва"},
      {"йод", "йод"},       // й is и + breve: not Latin, kept whole
      {"ελλάδα", "ελλάδα"},  // ά likewise
      {"東京", "東京"},
      {"नमस्ते", "नमस्ते"},
      {"١٢٣", "١٢٣"},
      {"€", "€"},
      // ASCII is untouched, and so is the empty word.
      {"plain-ascii_1.0", "plain-ascii_1.0"},
      {"", ""},
      // Mixed.
      {"crème-brûlée", "creme-brulee"},
      {"søкo", "soкo"},
  };
  for (const auto& [in, want] : cases) EXPECT_EQ(FoldToAscii(in), want) << in;
}

std::unique_ptr<Analyzer> MakeAnalyzer(AnalyzerOptions options) {
  std::unique_ptr<Analyzer> a;
  Status s = Analyzer::Create(options, &a);
  EXPECT_TRUE(s.ok()) << s.ToString();
  return a;
}

TEST(AsciiFoldingAnalyzerTest, OffByDefault) {
  EXPECT_FALSE(AnalyzerOptions().ascii_folding);
  auto a = MakeAnalyzer({});
  EXPECT_EQ(a->Terms("Café Straße"), (std::vector<std::string>{"café", "straße"}));
  EXPECT_EQ(a->Fold("Résumé"), "résumé");
}

TEST(AsciiFoldingAnalyzerTest, FoldsAfterCaseFoldingAndBeforeStopWordsAndStemming) {
  AnalyzerOptions options;
  options.ascii_folding = true;
  options.stopwords = "english";
  auto a = MakeAnalyzer(options);
  // Capitals fold through their lower case: Œ -> œ -> oe, Ø -> ø -> o, ẞ -> ß -> ss.
  EXPECT_EQ(a->Terms("ŒUVRE Ørsted GROẞE"), (std::vector<std::string>{"oeuvr", "orst", "gross"}));
  // Folded, "thé" is the stop word "the"; stemmed after folding, "cafés" is "cafe".
  EXPECT_EQ(a->Terms("thé cafés"), (std::vector<std::string>{"cafe"}));
  EXPECT_EQ(a->Terms("naïvely"), a->Terms("naively"));
  // Fold (prefix, wildcard and fuzzy words) folds as well, without stemming.
  EXPECT_EQ(a->Fold("Résumés"), "resumes");
  EXPECT_EQ(a->Fold("STRAẞE"), "strasse");
  EXPECT_EQ(a->Fold("Москва"), "москва");
}

TEST(AsciiFoldingAnalyzerTest, KeepsPositionsAndOffsets) {
  AnalyzerOptions options;
  options.ascii_folding = true;
  options.language = "none";
  auto a = MakeAnalyzer(options);
  const std::string text = "Ærø, Łódź!";
  std::vector<Token> tokens;
  std::vector<std::string> terms;
  a->Analyze(text, [&](const Token& t) {
    tokens.push_back(t);
    terms.emplace_back(t.term);
  });
  ASSERT_EQ(terms, (std::vector<std::string>{"aero", "lodz"}));
  EXPECT_EQ(tokens[1].position, 1u);
  // Offsets are those of the original text, for snippets.
  EXPECT_EQ(text.substr(tokens[0].start_byte, tokens[0].end_byte - tokens[0].start_byte), "Ærø");
  EXPECT_EQ(text.substr(tokens[1].start_byte, tokens[1].end_byte - tokens[1].start_byte), "Łódź");
}

TEST(AsciiFoldingAnalyzerTest, StandardTokenizerFoldsDecomposedAccents) {
  AnalyzerOptions options;
  options.ascii_folding = true;
  options.tokenizer = "standard";
  options.language = "none";
  auto a = MakeAnalyzer(options);
  // The standard tokenizer keeps combining marks in the word; folding drops them.
  EXPECT_EQ(a->Terms("e\u0301te\u0301 café ﬁle"), (std::vector<std::string>{"ete", "cafe", "file"}));
  EXPECT_EQ(a->Terms("l’été"), (std::vector<std::string>{"l'ete"}));
}

TEST(AsciiFoldingAnalyzerTest, StopwordFileIsFoldedToo) {
  const std::filesystem::path dir = FreshTempDir("folding_stopwords");
  const std::string file = WriteFileAt(dir / "stop.txt", "Über\nDÉJÀ\n");
  AnalyzerOptions options;
  options.ascii_folding = true;
  options.language = "none";
  options.stopwords = file;
  auto a = MakeAnalyzer(options);
  EXPECT_EQ(a->Terms("uber deja vu über"), (std::vector<std::string>{"vu"}));
  std::filesystem::remove_all(dir);
}

TEST(FieldAnalyzersTest, SharesAnalyzersOfEqualSettings) {
  AnalyzerOptions defaults;
  std::unique_ptr<FieldAnalyzers> analyzers;
  ASSERT_TRUE(FieldAnalyzers::Create(defaults, &analyzers).ok());
  FieldSpec plain = FieldSpec::Default(FieldType::kText);
  FieldSpec folded = plain;
  folded.analyzer.ascii_folding = true;
  FieldSpec restated = plain;  // the index's own settings, spelt out
  restated.analyzer.language = "english";
  Analyzer *a = nullptr, *b = nullptr, *c = nullptr, *d = nullptr, *unknown = nullptr;
  ASSERT_TRUE(analyzers->For("plain", &plain, &a).ok());
  ASSERT_TRUE(analyzers->For("folded", &folded, &b).ok());
  ASSERT_TRUE(analyzers->For("folded2", &folded, &c).ok());
  ASSERT_TRUE(analyzers->For("restated", &restated, &d).ok());
  ASSERT_TRUE(analyzers->For("unknown", nullptr, &unknown).ok());
  EXPECT_EQ(a, &analyzers->Default());
  EXPECT_EQ(unknown, &analyzers->Default());
  EXPECT_EQ(d, &analyzers->Default());
  EXPECT_NE(b, a);
  EXPECT_EQ(b, c);
  EXPECT_TRUE(b->options().ascii_folding);
  EXPECT_EQ(b->options().language, "english");

  FieldSpec missing = plain;
  missing.analyzer.stopwords = "/nonexistent/stopwords.txt";
  Analyzer* bad;
  Status s = analyzers->For("notes", &missing, &bad);
  ASSERT_TRUE(s.IsInvalidArgument());
  EXPECT_EQ(s.message(), "field 'notes': cannot open stopword file '/nonexistent/stopwords.txt'");
}

// --- the schema ---

std::string FromJsonError(const std::string& json) {
  Schema schema;
  Status s = Schema::FromJson(json, &schema);
  if (s.ok()) return "OK";
  EXPECT_TRUE(s.IsInvalidArgument()) << s.ToString();
  return s.message();
}

TEST(FieldAnalyzerSchemaTest, JsonRoundTrip) {
  Schema schema;
  ASSERT_TRUE(Schema::FromJson(R"({"fields": {
      "title": {"type": "text", "analyzer": {"language": "english", "stopwords": "english",
                                             "tokenizer": "standard", "ascii_folding": true}},
      "body": {"type": "text", "analyzer": {"language": "none"}},
      "notes": {"type": "text"},
      "tag": {"type": "keyword"}}})",
                               &schema)
                  .ok());
  const FieldAnalyzer& title = schema.Find("title")->spec.analyzer;
  EXPECT_EQ(title.language, "english");
  EXPECT_EQ(title.stopwords, "english");
  EXPECT_EQ(title.tokenizer, "standard");
  EXPECT_EQ(title.ascii_folding, true);
  const FieldAnalyzer& body = schema.Find("body")->spec.analyzer;
  EXPECT_EQ(body.language, "none");
  EXPECT_FALSE(body.stopwords.has_value());
  EXPECT_FALSE(body.tokenizer.has_value());
  EXPECT_FALSE(body.ascii_folding.has_value());
  EXPECT_TRUE(schema.Find("notes")->spec.analyzer.IsDefault());

  const std::string json = schema.ToJson();
  Schema back;
  ASSERT_TRUE(Schema::FromJson(json, &back).ok()) << json;
  EXPECT_EQ(back, schema);
  EXPECT_EQ(back.ToJson(), json);
  // Only the settings a field has are written: the rest follow the index.
  const auto j = nlohmann::json::parse(json);
  EXPECT_EQ(j["fields"]["body"]["analyzer"], nlohmann::json::parse(R"({"language": "none"})"));
  EXPECT_FALSE(j["fields"]["notes"].contains("analyzer"));
  EXPECT_FALSE(j["fields"]["tag"].contains("analyzer"));
  // An empty analyzer is no analyzer.
  Schema empty;
  ASSERT_TRUE(Schema::FromJson(R"({"fields": {"t": {"type": "text", "analyzer": {}}}})", &empty).ok());
  EXPECT_TRUE(empty.Find("t")->spec.analyzer.IsDefault());
}

TEST(FieldAnalyzerSchemaTest, FromJsonRefusals) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {R"({"fields": {"title": {"type": "text", "analyzer": {"langauge": "english"}}}})",
       "field 'title': unknown analyzer setting 'langauge' (settings: language, stopwords, "
       "tokenizer, ascii_folding, filters)"},
      {R"({"fields": {"title": {"type": "text", "analyzer": {"filters": "synonyms"}}}})",
       "field 'title': analyzer setting 'filters' must be an array of names, not \"synonyms\""},
      {R"({"fields": {"title": {"type": "text", "analyzer": {"filters": ["ok", "not ok"]}}}})",
       "field 'title': bad token filter name 'not ok' (a registered one, named "
       "[A-Za-z_][A-Za-z0-9_.-]*)"},
      {R"({"fields": {"title": {"type": "text", "analyzer": {"language": "klingon"}}}})",
       "field 'title': unknown language 'klingon' (languages: none, " +
           [] {
             std::string joined;
             for (const std::string& l : Analyzer::Languages())
               joined += (joined.empty() ? "" : ", ") + l;
             return joined;
           }() +
           ")"},
      {R"({"fields": {"title": {"type": "text", "analyzer": {"tokenizer": "white space"}}}})",
       "field 'title': bad tokenizer name 'white space' (tokenizers: simple, standard, or a "
       "registered one, named [A-Za-z_][A-Za-z0-9_.-]*)"},
      {R"({"fields": {"title": {"type": "text", "analyzer": {"ascii_folding": "yes"}}}})",
       "field 'title': option 'analyzer.ascii_folding' must be true or false, not \"yes\""},
      {R"({"fields": {"title": {"type": "text", "analyzer": {"language": 3}}}})",
       "field 'title': analyzer setting 'language' must be a string, not 3"},
      {R"({"fields": {"title": {"type": "text", "analyzer": ["english"]}}})",
       "field 'title': \"analyzer\" must be an object such as {\"language\": \"none\"}, not "
       "[\"english\"]"},
      {R"({"fields": {"tag": {"type": "keyword", "analyzer": {"ascii_folding": true}}}})",
       "field 'tag': an analyzer is for text fields, not keyword"},
      {R"({"fields": {"raw": {"type": "stored", "indexed": false, "analyzer": {"language": "none"}}}})",
       "field 'raw': an analyzer is for text fields, not stored"},
  };
  for (const auto& [json, message] : cases) EXPECT_EQ(FromJsonError(json), message) << json;
}

TEST(FieldAnalyzerSchemaTest, AnAnalyzerNeverChanges) {
  Schema schema;
  FieldSpec title = FieldSpec::Default(FieldType::kText);
  title.analyzer.language = "none";
  ASSERT_TRUE(schema.AddField("title", title).ok());
  ASSERT_TRUE(schema.AddField("title", title).ok());  // the same: nothing changes

  FieldSpec folded = title;
  folded.analyzer.ascii_folding = true;
  Status s = schema.AddField("title", folded);
  ASSERT_TRUE(s.IsInvalidArgument());
  EXPECT_EQ(s.message(),
            "field 'title' is text with analyzer {\"language\":\"none\"} in the index; cannot make "
            "it text with analyzer {\"language\":\"none\",\"ascii_folding\":true}");
  s = schema.AddField("title", FieldSpec::Default(FieldType::kText));
  ASSERT_TRUE(s.IsInvalidArgument());
  EXPECT_EQ(s.message(),
            "field 'title' is text with analyzer {\"language\":\"none\"} in the index; cannot make "
            "it text with the index's analyzer");

  // Merge refuses as a whole.
  Schema other;
  ASSERT_TRUE(other.AddField("body", FieldSpec::Default(FieldType::kText)).ok());
  ASSERT_TRUE(other.AddField("title", folded).ok());
  const Schema before = schema;
  EXPECT_FALSE(schema.Merge(other).ok());
  EXPECT_EQ(schema, before);
}

// --- the manifest ---

TEST(FieldAnalyzerManifestTest, KeepsFoldingAndFieldAnalyzers) {
  const std::filesystem::path dir = FreshTempDir("field_analyzer_manifest");
  Manifest m;
  m.generation = 1;
  m.next_segment_number = 1;
  m.analyzer.ascii_folding = true;
  FieldSpec title = FieldSpec::Default(FieldType::kText);
  title.analyzer.tokenizer = "standard";
  title.analyzer.ascii_folding = false;
  ASSERT_TRUE(m.schema.AddField("title", title).ok());
  ASSERT_TRUE(WriteManifest(dir.string(), m).ok());
  Manifest read;
  ASSERT_TRUE(ReadLatestManifest(dir.string(), &read).ok());
  EXPECT_TRUE(read.analyzer.ascii_folding);
  EXPECT_EQ(read.schema, m.schema);
  std::filesystem::remove_all(dir);
}

// --- an index whose fields analyze differently ---

class FieldAnalyzerIndexTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = FreshTempDir("field_analyzer_index").string();
    IndexWriterOptions options;
    options.schema = TestSchema();
    std::unique_ptr<IndexWriter> writer;
    ASSERT_TRUE(IndexWriter::Open(dir_, options, &writer).ok());
    auto add = [&](const std::string& id, const std::string& title, const std::string& body) {
      Document d;
      d.id = id;
      d.Add("title", title);
      d.Add("body", body);
      ASSERT_TRUE(writer->Add(d).ok());
    };
    add("d1", "Cafés of Paris", "the cafe on the corner");
    add("d2", "Running shoes", "running is not what the café does");
    add("d3", "A café", "Straße and strasse");
    add("d4", "The Straße", "running runs ran");
    ASSERT_TRUE(writer->Commit().ok());
    ASSERT_TRUE(Searcher::Open(dir_, {}, &searcher_).ok());
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  // Title: English stemming, folding, no stop words; body: no stemming, no folding, English
  // stop words; the index's own analyzer: stemming, no folding, no stop words.
  static Schema TestSchema() {
    Schema schema;
    FieldSpec title = FieldSpec::Default(FieldType::kText);
    title.analyzer.ascii_folding = true;
    FieldSpec body = FieldSpec::Default(FieldType::kText);
    body.analyzer.language = "none";
    body.analyzer.stopwords = "english";
    EXPECT_TRUE(schema.AddField("title", title).ok());
    EXPECT_TRUE(schema.AddField("body", body).ok());
    return schema;
  }

  std::vector<std::string> Matches(const std::string& query, SearchOptions options = {}) {
    SearchResults r;
    Status s = searcher_->Search(query, options, &r);
    EXPECT_TRUE(s.ok()) << query << ": " << s.ToString();
    std::vector<std::string> ids;
    for (const Hit& h : r.hits) ids.push_back(h.id);
    std::sort(ids.begin(), ids.end());
    uint64_t count = 0;
    EXPECT_TRUE(searcher_->Count(query, &count).ok());
    EXPECT_EQ(count, ids.size()) << query;
    return ids;
  }

  std::string dir_;
  std::unique_ptr<Searcher> searcher_;
};

using IdList = std::vector<std::string>;

TEST_F(FieldAnalyzerIndexTest, EachFieldAnalyzesQueriesItsOwnWay) {
  // Title folds and stems: every spelling of cafe meets.
  EXPECT_EQ(Matches("title:cafe"), (IdList{"d1", "d3"}));
  EXPECT_EQ(Matches("title:CAFÉS"), (IdList{"d1", "d3"}));
  EXPECT_EQ(Matches("title:strasse"), (IdList{"d4"}));
  EXPECT_EQ(Matches("title:run"), (IdList{"d2"}));
  // Body neither folds nor stems.
  EXPECT_EQ(Matches("body:cafe"), (IdList{"d1"}));
  EXPECT_EQ(Matches("body:café"), (IdList{"d2"}));
  EXPECT_EQ(Matches("body:strasse"), (IdList{"d3"}));
  EXPECT_EQ(Matches("body:straße"), (IdList{"d3"}));
  EXPECT_EQ(Matches("body:run"), (IdList{}));
  EXPECT_EQ(Matches("body:running"), (IdList{"d2", "d4"}));
  // A word without a field: each field's analysis of it.
  EXPECT_EQ(Matches("café"), (IdList{"d1", "d2", "d3"}));
  EXPECT_EQ(Matches("cafe"), (IdList{"d1", "d3"}));
  EXPECT_EQ(Matches("running"), (IdList{"d2", "d4"}));
  // Phrases: "the" is a stop word of body only.
  EXPECT_EQ(Matches("body:\"the corner\""), (IdList{"d1"}));
  EXPECT_EQ(Matches("title:\"the straße\""), (IdList{"d4"}));
  // Prefixes fold as their field does.
  EXPECT_EQ(Matches("title:caf*"), (IdList{"d1", "d3"}));
  EXPECT_EQ(Matches("body:caf*"), (IdList{"d1", "d2"}));
  EXPECT_EQ(Matches("title:STRA*"), (IdList{"d4"}));
  EXPECT_EQ(Matches("body:straß*"), (IdList{"d3"}));
  // A stop word of body is left out there, but is a word of the title.
  EXPECT_EQ(Matches("body:the"), (IdList{}));
  EXPECT_EQ(Matches("title:the"), (IdList{"d4"}));
  EXPECT_EQ(Matches("the"), (IdList{"d4"}));
  EXPECT_EQ(Matches("+body:the +title:straße"), (IdList{"d4"}));
}

TEST_F(FieldAnalyzerIndexTest, Bm25fCombinesEachFieldsTerm) {
  SearchOptions options;
  options.bm25f = true;
  options.explain = true;
  // "cafés": "cafe" in title, "cafés" in body (which has none); "café": "cafe" and "café".
  EXPECT_EQ(Matches("cafés", options), (IdList{"d1", "d3"}));
  EXPECT_EQ(Matches("café", options), (IdList{"d1", "d2", "d3"}));
  SearchResults r;
  ASSERT_TRUE(searcher_->Search("café", options, &r).ok());
  ASSERT_FALSE(r.hits.empty());
  // The explanation names each field's term where they differ.
  bool found = false;
  for (const Hit& h : r.hits) found = found || h.explanation.find("cafe/café") != std::string::npos;
  EXPECT_TRUE(found) << r.hits[0].explanation;
  // Without BM25F, the same matches.
  EXPECT_EQ(Matches("café"), (IdList{"d1", "d2", "d3"}));
}

TEST_F(FieldAnalyzerIndexTest, SnippetsHighlightWithTheirFieldsAnalyzer) {
  SearchOptions options;
  options.snippet_fields = {"title"};
  SearchResults r;
  ASSERT_TRUE(searcher_->Search("title:cafe", options, &r).ok());
  ASSERT_EQ(r.hits.size(), 2u);
  for (const Hit& h : r.hits) {
    EXPECT_TRUE(h.snippet.find("<b>Cafés</b>") != std::string::npos ||
                h.snippet.find("<b>café</b>") != std::string::npos)
        << h.snippet;
  }
  options.snippet_fields = {"body"};
  ASSERT_TRUE(searcher_->Search("body:straße", options, &r).ok());
  ASSERT_EQ(r.hits.size(), 1u);
  // Body does not fold: only the word as written is the term.
  EXPECT_EQ(r.hits[0].snippet, "<b>Straße</b> and strasse");
}

TEST_F(FieldAnalyzerIndexTest, AFieldsAnalyzerCannotChange) {
  searcher_.reset();
  IndexWriterOptions options;
  FieldSpec title = FieldSpec::Default(FieldType::kText);
  ASSERT_TRUE(options.schema.AddField("title", title).ok());
  std::unique_ptr<IndexWriter> writer;
  Status s = IndexWriter::Open(dir_, options, &writer);
  ASSERT_TRUE(s.IsInvalidArgument()) << s.ToString();
  EXPECT_NE(s.message().find("field 'title' is text with analyzer {\"ascii_folding\":true} in the "
                             "index; cannot make it text with the index's analyzer"),
            std::string::npos)
      << s.message();
  // The same spec again is fine, and so is leaving the field out.
  IndexWriterOptions same;
  same.schema = TestSchema();
  ASSERT_TRUE(IndexWriter::Open(dir_, same, &writer).ok());
  writer.reset();
  ASSERT_TRUE(IndexWriter::Open(dir_, {}, &writer).ok());
}

TEST(FieldAnalyzerOpenTest, AnUnreadableStopwordFileOfAFieldFailsAtOpen) {
  const std::filesystem::path dir = FreshTempDir("field_analyzer_open");
  IndexWriterOptions options;
  FieldSpec body = FieldSpec::Default(FieldType::kText);
  body.analyzer.stopwords = (dir / "missing.txt").string();
  ASSERT_TRUE(options.schema.AddField("body", body).ok());
  std::unique_ptr<IndexWriter> writer;
  Status s = IndexWriter::Open((dir / "index").string(), options, &writer);
  ASSERT_TRUE(s.IsInvalidArgument()) << s.ToString();
  EXPECT_NE(s.message().find("field 'body': cannot open stopword file"), std::string::npos)
      << s.message();
  std::filesystem::remove_all(dir);
}

TEST(FieldAnalyzerOpenTest, IndexWideFoldingAppliesToEveryField) {
  const std::filesystem::path dir = FreshTempDir("index_folding");
  IndexWriterOptions options;
  options.ascii_folding = true;
  {
    std::unique_ptr<IndexWriter> writer;
    ASSERT_TRUE(IndexWriter::Open(dir.string(), options, &writer).ok());
    Document d;
    d.id = "x";
    d.Add("title", "Smørrebrød");
    d.Add("body", "Ærøskøbing");
    ASSERT_TRUE(writer->Add(d).ok());
    ASSERT_TRUE(writer->Commit().ok());
  }
  // Kept in the commit: reopened with default options, the index still folds.
  {
    std::unique_ptr<IndexWriter> writer;
    ASSERT_TRUE(IndexWriter::Open(dir.string(), {}, &writer).ok());
    Document d;
    d.id = "y";
    d.Add("body", "smørrebrød");
    ASSERT_TRUE(writer->Add(d).ok());
    ASSERT_TRUE(writer->Commit().ok());
  }
  std::unique_ptr<Searcher> searcher;
  ASSERT_TRUE(Searcher::Open(dir.string(), {}, &searcher).ok());
  for (const char* query : {"smorrebrod", "SMØRREBRØD", "smørre*", "body:smorrebrod~1"}) {
    uint64_t count = 0;
    ASSERT_TRUE(searcher->Count(query, &count).ok()) << query;
    EXPECT_EQ(count, std::string(query).starts_with("body") ? 1u : 2u) << query;
  }
  uint64_t count = 0;
  ASSERT_TRUE(searcher->Count("aeroskobing", &count).ok());
  EXPECT_EQ(count, 1u);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace field_analyzer_test
}  // namespace trawl
