// A program's own tokenizer and token filters (trawl/analysis.h): registering them by name, the
// order of the pipeline, indexing and searching (terms, phrases across injected synonyms,
// gaps left by dropped words) through a field's schema, reopening, the manifest that records
// the names, and the clear error for an index whose components this process lacks.
//
// The registry is process-wide and names can never be unregistered, so every name here is
// registered once for the whole binary (RegisterTestComponents), and "a component this process
// lacks" is one registered only in a forked child (EXPECT_EXIT) that writes the index.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "analysis/analyzer.h"
#include "format/file_format.h"
#include "format/file_names.h"
#include "format/manifest.h"
#include "test_util.h"
#include "trawl/analysis.h"
#include "trawl/index_writer.h"
#include "trawl/schema.h"
#include "trawl/searcher.h"

namespace trawl {
namespace analysis_extension_test {
namespace {

// Splits on commas and trims spaces: "New York, Paris" is two tokens, "new york" and "paris".
class CommaTokenizer : public Tokenizer {
 public:
  void Tokenize(std::string_view text, TokenSink& out) override {
    uint32_t position = 0;
    size_t start = 0;
    while (start <= text.size()) {
      size_t end = text.find(',', start);
      if (end == std::string_view::npos) end = text.size();
      size_t b = start;
      size_t e = end;
      while (b < e && text[b] == ' ') ++b;
      while (e > b && text[e - 1] == ' ') --e;
      if (b < e) {
        out.Add(Token{text.substr(b, e - b), position++, static_cast<uint32_t>(b),
                      static_cast<uint32_t>(e)});
      }
      start = end + 1;
    }
  }
};

// Injects a synonym at the position of the word it stands for (in capitals, which the built-in
// case folding after the filters takes care of).
class SynonymFilter : public TokenFilter {
 public:
  void Filter(const Token& token, TokenSink& out) override {
    out.Add(token);
    static const std::map<std::string, std::string, std::less<>> kSynonyms = {
        {"car", "AUTOMOBILE"}, {"automobile", "CAR"}, {"quick", "fast"}, {"fast", "quick"}};
    const auto it = kSynonyms.find(token.term);
    if (it == kSynonyms.end()) return;
    Token synonym = token;
    synonym.term = it->second;
    out.Add(synonym);
  }
};

// Drops the filler word "um"; its position stays a gap.
class DropUmFilter : public TokenFilter {
 public:
  void Filter(const Token& token, TokenSink& out) override {
    if (token.term != "um") out.Add(token);
  }
};

// Holds every token back and lets them go at the end, reversed: Finish must run per value, in
// chain order, and positions that decrease are raised.
class ReverseFilter : public TokenFilter {
 public:
  void Filter(const Token& token, TokenSink&) override {
    held_.push_back({std::string(token.term), token});
  }
  void Finish(TokenSink& out) override {
    for (auto it = held_.rbegin(); it != held_.rend(); ++it) {
      Token t = it->second;
      t.term = it->first;
      out.Add(t);
    }
    held_.clear();
  }

 private:
  std::vector<std::pair<std::string, Token>> held_;
};

void RegisterTestComponents() {
  static const bool registered = [] {
    EXPECT_TRUE(
        RegisterTokenizer("test.commas", [] { return std::make_unique<CommaTokenizer>(); }).ok());
    EXPECT_TRUE(RegisterTokenFilter("test.synonyms", [] {
                  return std::make_unique<SynonymFilter>();
                }).ok());
    EXPECT_TRUE(
        RegisterTokenFilter("test.drop_um", [] { return std::make_unique<DropUmFilter>(); }).ok());
    EXPECT_TRUE(
        RegisterTokenFilter("test.reverse", [] { return std::make_unique<ReverseFilter>(); }).ok());
    return true;
  }();
  (void)registered;
}

class AnalysisExtensionTest : public ::testing::Test {
 protected:
  void SetUp() override { RegisterTestComponents(); }
};

std::unique_ptr<Analyzer> MakeAnalyzer(const AnalyzerOptions& options) {
  std::unique_ptr<Analyzer> a;
  Status s = Analyzer::Create(options, &a);
  EXPECT_TRUE(s.ok()) << s.ToString();
  return a;
}

struct Seen {
  std::string term;
  uint32_t position;
  uint32_t start;
  uint32_t end;
  bool operator==(const Seen&) const = default;
};

std::vector<Seen> Tokens(Analyzer& a, std::string_view text) {
  std::vector<Seen> out;
  a.Analyze(text, [&](const Token& t) {
    out.push_back({std::string(t.term), t.position, t.start_byte, t.end_byte});
  });
  return out;
}

TEST_F(AnalysisExtensionTest, RegisteringRefusesDuplicatesBuiltinsAndBadNames) {
  auto tokenizer = [] { return std::make_unique<CommaTokenizer>(); };
  auto filter = [] { return std::make_unique<DropUmFilter>(); };
  Status s = RegisterTokenizer("test.commas", tokenizer);
  EXPECT_TRUE(s.IsInvalidArgument());
  EXPECT_EQ(s.message(),
            "tokenizer 'test.commas' is already registered (a name cannot be replaced)");
  s = RegisterTokenFilter("test.drop_um", filter);
  EXPECT_TRUE(s.IsInvalidArgument());
  EXPECT_EQ(s.message(),
            "token filter 'test.drop_um' is already registered (a name cannot be replaced)");
  for (const char* builtin : {"simple", "standard"}) {
    s = RegisterTokenizer(builtin, tokenizer);
    EXPECT_TRUE(s.IsInvalidArgument());
    EXPECT_EQ(s.message(),
              "tokenizer '" + std::string(builtin) + "' is built in and cannot be replaced");
  }
  for (const char* bad : {"", "two words", "1st", "a/b", "é"}) {
    EXPECT_TRUE(RegisterTokenizer(bad, tokenizer).IsInvalidArgument()) << bad;
    EXPECT_TRUE(RegisterTokenFilter(bad, filter).IsInvalidArgument()) << bad;
  }
  EXPECT_TRUE(RegisterTokenFilter(std::string(65, 'x'), filter).IsInvalidArgument());
  EXPECT_TRUE(RegisterTokenFilter("test.no_factory", nullptr).IsInvalidArgument());
  // Tokenizers and filters are separate kinds: one name may be both.
  EXPECT_TRUE(RegisterTokenFilter("test.commas", filter).ok());
}

TEST_F(AnalysisExtensionTest, CustomTokenizerThenBuiltinSteps) {
  AnalyzerOptions options;
  options.tokenizer = "test.commas";
  options.stopwords = "english";
  options.ascii_folding = true;
  auto a = MakeAnalyzer(options);
  // Case folded, ASCII folded and stemmed after the tokenizer; "the" is a stop word that leaves
  // a gap; offsets are the tokenizer's.
  EXPECT_EQ(Tokens(*a, "New York,  Cafés , the,running"),
            (std::vector<Seen>{{"new york", 0, 0, 8}, {"cafe", 1, 11, 17}, {"run", 3, 24, 31}}));
  // Prefix words fold only: the tokenizer and stemming never see them.
  EXPECT_EQ(a->Fold("Café, Bar"), "cafe, bar");
}

TEST_F(AnalysisExtensionTest, FiltersRunInOrderBeforeTheBuiltinSteps) {
  AnalyzerOptions options;
  options.filters = {"test.drop_um", "test.synonyms"};
  auto a = MakeAnalyzer(options);
  // The built-in tokenizer folds case before the filters ("Um" is dropped); the synonym is
  // injected at its word's position with its offsets, and is case folded and stemmed after.
  EXPECT_EQ(
      Tokens(*a, "Red Um Cars car"),
      (std::vector<Seen>{
          {"red", 0, 0, 3}, {"car", 2, 7, 11}, {"car", 3, 12, 15}, {"automobil", 3, 12, 15}}));
  // A filter that holds tokens back lets them go at the end of each value; positions that would
  // go backwards are raised, and the next value starts afresh.
  options.filters = {"test.reverse", "test.synonyms"};
  auto reversed = MakeAnalyzer(options);
  EXPECT_EQ(Tokens(*reversed, "quick red"),
            (std::vector<Seen>{{"red", 1, 6, 9}, {"quick", 1, 0, 5}, {"fast", 1, 0, 5}}));
  EXPECT_EQ(Tokens(*reversed, "one"), (std::vector<Seen>{{"one", 0, 0, 3}}));
}

// A program's components pass tokens one at a time; AnalyzeInBatches gathers them into batches
// of at most kBatchTokens, the same tokens in the same order, terms injected by a filter
// (pointing at its own storage) included.
TEST_F(AnalysisExtensionTest, BatchesHoldTheComponentsTokens) {
  AnalyzerOptions options;
  options.filters = {"test.drop_um", "test.synonyms", "test.reverse"};
  auto a = MakeAnalyzer(options);
  std::string text;
  const char* words[] = {"quick", "Um", "cars", "car", "red", "fast", "the", "automobile"};
  for (int i = 0; i < 150; ++i) text += std::string(words[(i * 5) % 8]) + " ";
  const std::vector<Seen> want = Tokens(*a, text);
  ASSERT_GT(want.size(), 2 * Analyzer::kBatchTokens);
  std::vector<Seen> got;
  size_t batches = 0;
  a->AnalyzeInBatches(text, [&](std::span<const Token> batch) {
    ++batches;
    EXPECT_FALSE(batch.empty());
    EXPECT_LE(batch.size(), Analyzer::kBatchTokens);
    for (const Token& t : batch)
      got.push_back({std::string(t.term), t.position, t.start_byte, t.end_byte});
  });
  EXPECT_EQ(got, want);
  EXPECT_EQ(batches, (want.size() + Analyzer::kBatchTokens - 1) / Analyzer::kBatchTokens);
}

TEST_F(AnalysisExtensionTest, BuiltinAnalysisIsUnchanged) {
  AnalyzerOptions options;
  options.tokenizer = "standard";
  options.ascii_folding = true;
  auto a = MakeAnalyzer(options);
  EXPECT_EQ(a->Terms("Don't stop the Cafés"),
            (std::vector<std::string>{"don't", "stop", "the", "cafe"}));
}

TEST_F(AnalysisExtensionTest, UnregisteredComponentsAreRefusedByName) {
  AnalyzerOptions options;
  options.tokenizer = "test.never_registered";
  std::unique_ptr<Analyzer> a;
  Status s = Analyzer::Create(options, &a);
  EXPECT_TRUE(s.IsInvalidArgument());
  EXPECT_EQ(s.message(),
            "unknown tokenizer 'test.never_registered': expected simple or standard, or one "
            "registered in this program (trawl::RegisterTokenizer)");
  options.tokenizer = "simple";
  options.filters = {"test.synonyms", "test.never_registered"};
  s = Analyzer::Create(options, &a);
  EXPECT_TRUE(s.IsInvalidArgument());
  EXPECT_EQ(s.message(),
            "unknown token filter 'test.never_registered': not registered in this program "
            "(trawl::RegisterTokenFilter)");
}

TEST_F(AnalysisExtensionTest, SchemaJsonNamesComponents) {
  Schema schema;
  ASSERT_TRUE(Schema::FromJson(R"({"fields": {"tags": {"type": "text", "analyzer":
      {"tokenizer": "test.commas", "filters": ["test.synonyms", "test.drop_um"]}}}})",
                               &schema)
                  .ok());
  const FieldAnalyzer& a = schema.Find("tags")->spec.analyzer;
  EXPECT_EQ(a.tokenizer, "test.commas");
  EXPECT_EQ(a.filters, (std::vector<std::string>{"test.synonyms", "test.drop_um"}));
  Schema back;
  ASSERT_TRUE(Schema::FromJson(schema.ToJson(), &back).ok());
  EXPECT_EQ(back, schema);
  // A name no program registered yet is still a schema: the index's Open checks it.
  EXPECT_TRUE(
      Schema::FromJson(R"({"fields": {"t": {"type": "text", "analyzer": {"filters": ["later"]}}}})",
                       &schema)
          .ok());
}

// --- an index whose fields use registered components ---

class ExtensionIndexTest : public AnalysisExtensionTest {
 protected:
  void SetUp() override {
    AnalysisExtensionTest::SetUp();
    dir_ = FreshTempDir("analysis_extension").string();
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  static Schema TestSchema() {
    Schema schema;
    FieldSpec tags = FieldSpec::Default(FieldType::kText);
    tags.analyzer.tokenizer = "test.commas";
    tags.analyzer.language = "none";
    FieldSpec body = FieldSpec::Default(FieldType::kText);
    body.analyzer.filters = {"test.drop_um", "test.synonyms"};
    EXPECT_TRUE(schema.AddField("tags", tags).ok());
    EXPECT_TRUE(schema.AddField("body", body).ok());
    EXPECT_TRUE(schema.AddField("title", FieldSpec::Default(FieldType::kText)).ok());
    return schema;
  }

  void Add(IndexWriter& writer, const std::string& id, const std::string& tags,
           const std::string& body) {
    Document d;
    d.id = id;
    d.Add("tags", tags);
    d.Add("body", body);
    d.Add("title", body);
    ASSERT_TRUE(writer.Add(d).ok());
  }

  void WriteIndex() {
    IndexWriterOptions options;
    options.schema = TestSchema();
    std::unique_ptr<IndexWriter> writer;
    Status s = IndexWriter::Open(dir_, options, &writer);
    ASSERT_TRUE(s.ok()) << s.ToString();
    Add(*writer, "d1", "New York, Paris", "a red car in the street");
    Add(*writer, "d2", "York, London", "the fast automobile um parked");
    Add(*writer, "d3", "new, york", "quick red um car");
    ASSERT_TRUE(writer->Commit().ok());
    writer.reset();
  }

  std::vector<std::string> Matches(const Searcher& searcher, const std::string& query) {
    SearchResults r;
    SearchOptions options;
    options.top_k = 100;
    Status s = searcher.Search(query, options, &r);
    EXPECT_TRUE(s.ok()) << query << ": " << s.ToString();
    std::vector<std::string> ids;
    for (const Hit& h : r.hits) ids.push_back(h.id);
    std::sort(ids.begin(), ids.end());
    uint64_t count = 0;
    EXPECT_TRUE(searcher.Count(query, &count).ok());
    EXPECT_EQ(count, ids.size()) << query;
    return ids;
  }

  using Ids = std::vector<std::string>;
  std::string dir_;
};

TEST_F(ExtensionIndexTest, IndexesAndSearchesWithTheFieldsComponents) {
  WriteIndex();
  std::unique_ptr<Searcher> searcher;
  Status s = Searcher::Open(dir_, {}, &searcher);
  ASSERT_TRUE(s.ok()) << s.ToString();
  const Searcher& sr = *searcher;
  // The comma tokenizer, at indexing and in queries: "New York" is one term.
  EXPECT_EQ(Matches(sr, "tags:\"new york\""), (Ids{"d1"}));
  EXPECT_EQ(Matches(sr, "tags:york"), (Ids{"d2", "d3"}));
  EXPECT_EQ(Matches(sr, "tags:paris"), (Ids{"d1"}));
  // Synonyms injected at indexing are found by either word...
  EXPECT_EQ(Matches(sr, "body:automobile"), (Ids{"d1", "d2", "d3"}));
  EXPECT_EQ(Matches(sr, "body:car"), (Ids{"d1", "d2", "d3"}));
  EXPECT_EQ(Matches(sr, "body:quick"), (Ids{"d2", "d3"}));
  // ... and in phrases across them ("fast" stands where "quick" is, "automobile" where "car").
  EXPECT_EQ(Matches(sr, "body:\"red automobile\""), (Ids{"d1"}));
  EXPECT_EQ(Matches(sr, "body:\"fast red\""), (Ids{"d3"}));
  EXPECT_EQ(Matches(sr, "body:\"quick car\""), (Ids{"d2"}));  // "fast automobile"
  EXPECT_EQ(Matches(sr, "body:\"quick red\""), (Ids{"d3"}));
  // A dropped word leaves its gap: "red um car" is not the phrase "red car".
  EXPECT_EQ(Matches(sr, "body:um"), (Ids{}));
  EXPECT_EQ(Matches(sr, "body:\"automobile parked\""), (Ids{}));
  EXPECT_EQ(Matches(sr, "body:\"automobile parked\"~1"), (Ids{"d2"}));
  // A field without components is analyzed the built-in way.
  EXPECT_EQ(Matches(sr, "title:automobile"), (Ids{"d2"}));
  EXPECT_EQ(Matches(sr, "title:um"), (Ids{"d2", "d3"}));
  EXPECT_EQ(Matches(sr, "title:york"), (Ids{}));
}

TEST_F(ExtensionIndexTest, ReopensAndRecordsTheNames) {
  WriteIndex();
  {
    // Reopened for writing: the schema from the manifest keeps the components.
    std::unique_ptr<IndexWriter> writer;
    Status s = IndexWriter::Open(dir_, {}, &writer);
    ASSERT_TRUE(s.ok()) << s.ToString();
    Add(*writer, "d4", "Oslo, New York", "an automobile");
    ASSERT_TRUE(writer->Commit().ok());
    writer.reset();
  }
  std::unique_ptr<Searcher> searcher;
  ASSERT_TRUE(Searcher::Open(dir_, {}, &searcher).ok());
  EXPECT_EQ(Matches(*searcher, "tags:\"new york\""), (Ids{"d1", "d4"}));
  EXPECT_EQ(Matches(*searcher, "body:car"), (Ids{"d1", "d2", "d3", "d4"}));
  const Schema::Field* tags = searcher->schema().Find("tags");
  ASSERT_NE(tags, nullptr);
  EXPECT_EQ(tags->spec.analyzer.tokenizer, "test.commas");
  EXPECT_EQ(searcher->schema().Find("body")->spec.analyzer.filters,
            (std::vector<std::string>{"test.drop_um", "test.synonyms"}));
  // Written as manifest version 4, which builds without registered analysis refuse as newer.
  Manifest m;
  ASSERT_TRUE(ReadLatestManifest(dir_, &m).ok());
  std::unique_ptr<MappedFile> file;
  const std::string path = ManifestPath(dir_, m.generation);
  EXPECT_TRUE(MappedFile::Open(path, "MANI", kManifestFormatVersion, &file).ok());
  EXPECT_EQ(file->version(), 4u);
  EXPECT_EQ(MappedFile::Open(path, "MANI", 3, &file).code(), Status::Code::kNotSupported);
}

TEST_F(ExtensionIndexTest, BuiltinAnalysisStillWritesVersion3) {
  std::unique_ptr<IndexWriter> writer;
  ASSERT_TRUE(IndexWriter::Open(dir_, {}, &writer).ok());
  Document d;
  d.id = "a";
  d.Add("body", "text");
  ASSERT_TRUE(writer->Add(d).ok());
  ASSERT_TRUE(writer->Commit().ok());
  writer.reset();
  Manifest m;
  ASSERT_TRUE(ReadLatestManifest(dir_, &m).ok());
  std::unique_ptr<MappedFile> file;
  ASSERT_TRUE(MappedFile::Open(ManifestPath(dir_, m.generation), "MANI", 3, &file).ok());
  EXPECT_EQ(file->version(), 3u);
}

// An index written by a process (a forked child) that registered components this one never
// does: opening it names the field and the component.
void WriteIndexInChild(const std::string& dir, const FieldAnalyzer& analyzer) {
  EXPECT_EXIT(
      {
        RegisterTokenizer("test.child_only", [] { return std::make_unique<CommaTokenizer>(); });
        RegisterTokenFilter("test.child_only_filter",
                            [] { return std::make_unique<DropUmFilter>(); });
        IndexWriterOptions options;
        FieldSpec spec = FieldSpec::Default(FieldType::kText);
        spec.analyzer = analyzer;
        bool ok = options.schema.AddField("codes", spec).ok();
        std::unique_ptr<IndexWriter> writer;
        ok = ok && IndexWriter::Open(dir, options, &writer).ok();
        Document d;
        d.id = "a";
        d.Add("codes", "x1, y2");
        ok = ok && writer->Add(d).ok() && writer->Commit().ok();
        writer.reset();  // releases the lock
        std::_Exit(ok ? 0 : 1);
      },
      ::testing::ExitedWithCode(0), "");
}

TEST_F(ExtensionIndexTest, OpeningWithAnUnregisteredTokenizerFailsClearly) {
  FieldAnalyzer analyzer;
  analyzer.tokenizer = "test.child_only";
  WriteIndexInChild(dir_, analyzer);
  const std::string expected =
      "field 'codes': unknown tokenizer 'test.child_only': expected simple or standard, or one "
      "registered in this program (trawl::RegisterTokenizer)";
  std::unique_ptr<IndexWriter> writer;
  Status s = IndexWriter::Open(dir_, {}, &writer);
  EXPECT_TRUE(s.IsInvalidArgument()) << s.ToString();
  EXPECT_TRUE(Contains(s.message(), expected)) << s.message();
  std::unique_ptr<Searcher> searcher;
  s = Searcher::Open(dir_, {}, &searcher);
  EXPECT_TRUE(s.IsInvalidArgument()) << s.ToString();
  EXPECT_TRUE(Contains(s.message(), expected)) << s.message();
}

TEST_F(ExtensionIndexTest, OpeningWithAnUnregisteredFilterFailsClearly) {
  FieldAnalyzer analyzer;
  analyzer.filters = {"test.synonyms", "test.child_only_filter"};
  WriteIndexInChild(dir_, analyzer);
  const std::string expected =
      "field 'codes': unknown token filter 'test.child_only_filter': not registered in this "
      "program (trawl::RegisterTokenFilter)";
  std::unique_ptr<IndexWriter> writer;
  Status s = IndexWriter::Open(dir_, {}, &writer);
  EXPECT_TRUE(s.IsInvalidArgument()) << s.ToString();
  EXPECT_TRUE(Contains(s.message(), expected)) << s.message();
  std::unique_ptr<Searcher> searcher;
  s = Searcher::Open(dir_, {}, &searcher);
  EXPECT_TRUE(s.IsInvalidArgument()) << s.ToString();
  EXPECT_TRUE(Contains(s.message(), expected)) << s.message();
}

TEST_F(ExtensionIndexTest, CreatingWithAnUnregisteredComponentFails) {
  IndexWriterOptions options;
  FieldSpec spec = FieldSpec::Default(FieldType::kText);
  spec.analyzer.filters = {"test.never_registered"};
  ASSERT_TRUE(options.schema.AddField("body", spec).ok());
  std::unique_ptr<IndexWriter> writer;
  Status s = IndexWriter::Open(dir_, options, &writer);
  EXPECT_TRUE(s.IsInvalidArgument()) << s.ToString();
  EXPECT_TRUE(Contains(s.message(), "field 'body': unknown token filter 'test.never_registered'"))
      << s.message();
}

// trawl-index reads the keys from a schema file, but registers nothing: it refuses the index
// naming the field and the component, and commits nothing.
TEST_F(ExtensionIndexTest, TrawlIndexSchemaFileNamesComponents) {
  const std::filesystem::path work = dir_;
  const std::string schema = WriteFileAt(
      work / "schema.json",
      R"({"fields": {"body": {"type": "text", "analyzer": {"filters": ["car_synonyms"]}}}})");
  const std::string docs = WriteFileAt(work / "docs.jsonl", R"({"id": "a", "body": "car"})"
                                                            "\n");
  const std::filesystem::path err = work / "stderr.txt";
  const std::string command = Quote(TRAWL_INDEX_BIN) + " --quiet --index " +
                              Quote((work / "index").string()) + " --schema " + Quote(schema) +
                              " " + Quote(docs) + " >/dev/null 2>" + Quote(err.string());
  const int status = std::system(command.c_str());
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 1);
  EXPECT_TRUE(Contains(ReadFile(err), "field 'body': unknown token filter 'car_synonyms'"))
      << ReadFile(err);
  EXPECT_FALSE(std::filesystem::exists(work / "index" / "manifest-1"));
}

}  // namespace
}  // namespace analysis_extension_test
}  // namespace trawl
