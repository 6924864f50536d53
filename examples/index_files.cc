// Indexes what trawl-index reads (files, directory trees, archives, compressed files, JSONL, mbox,
// HTML) through the input readers of libtrawl-ingest, then counts what the index holds.
//
//   index_files INDEX_DIR INPUT...
#include <trawl/document.h>
#include <trawl/index_writer.h>
#include <trawl/ingest/input_reader.h>
#include <trawl/searcher.h>
#include <trawl/status.h>

#include <cinttypes>
#include <cstdio>
#include <memory>
#include <string>

namespace {

bool Ok(const trawl::Status& s, const std::string& what) {
  if (!s.ok()) std::fprintf(stderr, "index_files: %s: %s\n", what.c_str(), s.ToString().c_str());
  return s.ok();
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: %s INDEX_DIR INPUT...\n", argv[0]);
    return 2;
  }
  const std::string dir = argv[1];
  // No schema: every field takes the type its first value has (a file's body is text, its
  // mtime a date, its size an int).
  std::unique_ptr<trawl::IndexWriter> writer;
  if (!Ok(trawl::IndexWriter::Open(dir, {}, &writer), "open writer")) return 1;
  trawl::InputStats stats;
  for (int i = 2; i < argc; ++i) {
    // Each document goes to the writer as the reader makes it; a writer error stops the input.
    trawl::Status s = trawl::ReadInput(argv[i], {}, &stats,
                                       [&](trawl::Document&& doc) { return writer->Add(doc); });
    if (!Ok(s, argv[i])) return 1;
  }
  for (const std::string& message : stats.messages)
    std::fprintf(stderr, "index_files: %s\n", message.c_str());
  if (!Ok(writer->Commit(), "commit")) return 1;
  writer.reset();

  std::unique_ptr<trawl::Searcher> searcher;
  if (!Ok(trawl::Searcher::Open(dir, {}, &searcher), "open searcher")) return 1;
  std::printf("read %" PRIu64 " documents, index holds %" PRIu64 "\n", stats.documents,
              searcher->num_docs());
  uint64_t count = 0;
  if (!Ok(searcher->Count("roaring", &count), "count")) return 1;
  std::printf("documents with roaring: %" PRIu64 "\n", count);
  return 0;
}
