// An embedding program, as a user of the installed libtrawl writes it: creates an index in the
// directory given on the command line, adds a few documents with typed fields, commits, and
// searches it with a filter, a sort and a facet, and with a query built in code around a user's
// text. Every call that can fail returns a
// trawl::Status, checked here; the library never throws or prints.
//
//   search_example /tmp/example-index
#include <trawl/document.h>
#include <trawl/index_writer.h>
#include <trawl/query.h>
#include <trawl/schema.h>
#include <trawl/searcher.h>
#include <trawl/status.h>
#include <trawl/version.h>

#include <cinttypes>
#include <cstdio>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

namespace {

// Prints a failed Status ("Busy: /tmp/idx/LOCK: ...") and says whether to go on.
bool Ok(const trawl::Status& s, const char* what) {
  if (!s.ok()) std::fprintf(stderr, "search_example: %s: %s\n", what, s.ToString().c_str());
  return s.ok();
}

struct Paper {
  const char* id;
  const char* title;
  const char* body;
  std::vector<const char*> tags;
  int64_t year;
};

int Run(const std::string& dir) {
  // The fields and their types, fixed when the index is created. Not dynamic: a document with
  // a field the schema lacks is refused instead of adding one.
  trawl::IndexWriterOptions writer_options;
  trawl::Schema& schema = writer_options.schema;
  schema.dynamic = false;
  using trawl::FieldSpec;
  using trawl::FieldType;
  if (!Ok(schema.AddField("title", FieldSpec::Default(FieldType::kText)), "schema") ||
      !Ok(schema.AddField("body", FieldSpec::Default(FieldType::kText)), "schema") ||
      !Ok(schema.AddField("tag", FieldSpec::Default(FieldType::kKeyword)), "schema") ||
      !Ok(schema.AddField("year", FieldSpec::Default(FieldType::kInt)), "schema"))
    return 1;

  std::unique_ptr<trawl::IndexWriter> writer;
  if (!Ok(trawl::IndexWriter::Open(dir, writer_options, &writer), "open writer")) return 1;
  const std::vector<Paper> papers = {
      {"rfc-7159",
       "The JSON data interchange format",
       "JSON is a lightweight text format for data interchange",
       {"json", "standard"},
       2014},
      {"rfc-8259",
       "The JSON data interchange syntax",
       "A text syntax for the interchange of structured data",
       {"json", "standard"},
       2017},
      {"roaring-2016",
       "Better bitmap performance with Roaring bitmaps",
       "Compressed bitmap indexes for fast set operations on data",
       {"bitmap", "paper"},
       2016},
      {"roaring-2018",
       "Roaring bitmaps: implementation of an optimized software library",
       "A software library of compressed bitmaps for data",
       {"bitmap", "paper", "library"},
       2018},
      {"rfc-8878",
       "Zstandard compression and the application/zstd media type",
       "A lossless compression format for data",
       {"compression", "standard"},
       2021},
  };
  for (const Paper& p : papers) {
    trawl::Document doc;
    doc.id = p.id;
    doc.Add("title", p.title);
    doc.Add("body", p.body);
    for (const char* tag : p.tags) doc.Add("tag", tag, trawl::ValueKind::kKeyword);  // multi-valued
    doc.AddInt("year", p.year);
    if (!Ok(writer->Add(doc), p.id)) return 1;
  }
  // Nothing is visible to a searcher before the commit.
  if (!Ok(writer->Commit(), "commit")) return 1;
  std::printf("indexed %" PRIu64 " documents\n", writer->committed_documents());
  writer.reset();  // releases the index lock

  std::unique_ptr<trawl::Searcher> searcher;
  if (!Ok(trawl::Searcher::Open(dir, {}, &searcher), "open searcher")) return 1;

  // "data" in papers from 2016 on, newest first, three a page, with the count of each tag.
  trawl::SearchOptions options;
  options.top_k = 3;
  options.filters = {"year:>=2016"};
  options.sort = {{"year", /*descending=*/true}};
  options.facets = {{"tag", 10}};
  options.fields = {"year"};
  trawl::SearchResults results;
  if (!Ok(searcher->Search("data", options, &results), "search")) return 1;
  std::printf("query: data, filter year:>=2016, newest first: %" PRIu64 " hits\n", results.total);
  for (const trawl::Hit& hit : results.hits) {
    std::string year;
    for (const trawl::DocField& f : hit.fields)
      if (f.name == "year") year = f.value;
    std::printf("  %-13s %s  %s\n", hit.id.c_str(), year.c_str(), hit.title.c_str());
  }
  std::printf("more: %s\n", results.next.empty() ? "no" : "yes");
  for (const trawl::FacetResult& facet : results.facets) {
    std::printf("facet %s:\n", facet.field.c_str());
    for (const trawl::FacetCount& c : facet.counts)
      std::printf("  %-12s %" PRIu64 "\n", c.value.c_str(), c.count);
  }

  uint64_t count = 0;
  if (!Ok(searcher->Count("tag:standard AND year:>=2015", &count), "count")) return 1;
  std::printf("count tag:standard AND year:>=2015: %" PRIu64 "\n", count);

  // A user's text and the program's own clauses, built in code: no character of the text is
  // query syntax, so nothing is escaped; the filter clause restricts without scoring.
  const std::string user_text = "compressed (bitmaps) OR \"fast";
  const trawl::Query built = trawl::Query::Boolean()
                                 .Must(trawl::Query::Match("", user_text))
                                 .Filter(trawl::Query::Term("tag", "paper"));
  trawl::SearchOptions built_options;
  built_options.explain = true;
  if (!Ok(searcher->Search(built, built_options, &results), "search built query")) return 1;
  if (!Ok(searcher->Count(built, {}, &count), "count built query")) return 1;
  std::printf("built query %s: %" PRIu64 " hits, count %" PRIu64 "\n", built.ToString().c_str(),
              results.total, count);
  for (const trawl::Hit& hit : results.hits) {
    // The explanation as a tree: the score is its value, here the sum of its clauses' values
    // (the filter clause's is 0).
    std::string sum;
    for (const trawl::Explanation& clause : hit.explain_tree.details) {
      char value[32];
      std::snprintf(value, sizeof value, "%.4f", clause.value);
      sum += (sum.empty() ? "" : " + ") + std::string(value);
    }
    std::printf("  %-13s %.4f = %s\n", hit.id.c_str(), hit.explain_tree.value, sum.c_str());
  }

  // A query error is a Status like any other.
  trawl::Status bad = searcher->Search("title:(unclosed", {}, &results);
  std::printf("bad query: %s\n", bad.ok() ? "accepted" : "InvalidArgument reported");
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s INDEX_DIR (a new or empty directory)\n", argv[0]);
    return 2;
  }
  // The headers this program was compiled with against the library it runs with: they differ
  // when a shared libtrawl was replaced by another version.
  if (std::strcmp(trawl::Version(), TRAWL_VERSION_STRING) != 0)
    std::fprintf(stderr, "search_example: built with trawl %s, running with %s\n",
                 TRAWL_VERSION_STRING, trawl::Version());
  std::printf("trawl %s\n", trawl::Version());
  return Run(argv[1]);
}
