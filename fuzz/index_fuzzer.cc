// Fuzz target: every file of an index on damaged bytes. A small valid index (two segments, one
// with deletions, posting lists of several blocks) is built once; each input picks one of its
// files (first byte) and either replaces it with the rest of the input (second byte even) or
// patches it with (offset u16, byte) triples from the rest. Opening the damaged index, running
// queries of every kind, counting and verifying must each end in an answer or a clean error,
// never a crash, a hang or a read out of bounds.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <string>
#include <vector>

#include "fuzz_util.h"
#include "trawl/index_writer.h"
#include "trawl/searcher.h"
#include "trawl/verify.h"

namespace fs = std::filesystem;

namespace {

struct Fixture {
  std::string pristine;                  // the valid index
  std::string work;                      // where each input damages a copy
  std::vector<std::string> files;        // file names in the index, sorted
  std::vector<std::string> contents;     // their valid bytes
};

void Require(const trawl::Status& s) {
  if (!s.ok()) std::abort();
}

std::string Words(uint32_t i) {
  static const char* kWords[] = {"alpha", "beta", "gamma", "delta", "roaring", "bitmap",
                                 "search", "engine", "posting", "list"};
  std::string text;
  for (uint32_t j = 0; j < 6 + i % 7; ++j) {
    text += kWords[(i * 7 + j * 3) % 10];
    text += ' ';
  }
  return text;
}

Fixture* BuildFixture() {
  auto* f = new Fixture();
  const std::string root = trawl_fuzz::ScratchDir("index");
  f->pristine = root + "/pristine";
  f->work = root + "/work";
  std::unique_ptr<trawl::IndexWriter> writer;
  trawl::IndexWriterOptions options;
  options.threads = 1;
  Require(trawl::IndexWriter::Open(f->pristine, options, &writer));
  for (uint32_t batch = 0; batch < 2; ++batch) {
    for (uint32_t i = 0; i < 300; ++i) {
      const uint32_t n = batch * 300 + i;
      Require(writer->Add(trawl::Document{"doc-" + std::to_string(n),
                                          {{"title", Words(n + 1)}, {"body", Words(n)}}}));
    }
    Require(writer->Commit());
  }
  Require(writer->Delete("doc-3"));
  Require(writer->Commit());
  writer.reset();
  for (const auto& e : fs::directory_iterator(f->pristine)) {
    if (e.path().filename() == "LOCK") continue;
    f->files.push_back(e.path().filename().string());
  }
  std::sort(f->files.begin(), f->files.end());
  for (const std::string& name : f->files) {
    std::ifstream in(f->pristine + "/" + name, std::ios::binary);
    f->contents.emplace_back(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }
  return f;
}

void Exercise(const std::string& dir) {
  std::unique_ptr<trawl::Searcher> searcher;
  if (!trawl::Searcher::Open(dir, {}, &searcher).ok()) return;
  static const char* kQueries[] = {"alpha",       "roaring bitmap",  "+search +engine",
                                   "\"posting list\"", "title:gamma",  "bit*",
                                   "+delta -beta", "id:doc-7",       "\"alpha beta\"~2"};
  for (const char* q : kQueries) {
    trawl::SearchOptions options;
    options.top_k = 5;
    trawl::SearchResults results;
    searcher->Search(q, options, &results);
    options.exact_total = false;
    searcher->Search(q, options, &results);
    uint64_t count;
    searcher->Count(q, &count);
  }
  trawl::VerifyReport report;
  trawl::VerifyIndex(dir, /*all_commits=*/true, &report);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static Fixture* fixture = BuildFixture();
  if (size < 2) return 0;
  // Only the damaged file is written: the others stay as the first input wrote them (readers
  // never change an index), and this one is made valid again after the run.
  static const bool written = [] {
    fs::create_directories(fixture->work);
    for (size_t i = 0; i < fixture->files.size(); ++i)
      trawl_fuzz::WriteFile(fixture->work + "/" + fixture->files[i], fixture->contents[i]);
    return true;
  }();
  (void)written;
  const size_t victim = data[0] % fixture->files.size();
  std::string bytes = fixture->contents[victim];
  if (data[1] % 2 == 0) {
    bytes.assign(reinterpret_cast<const char*>(data + 2), size - 2);
  } else if (!bytes.empty()) {
    for (size_t p = 2; p + 3 <= size; p += 3) {
      const size_t offset = (data[p] | (data[p + 1] << 8)) % bytes.size();
      bytes[offset] = static_cast<char>(data[p + 2]);
    }
  }
  const std::string path = fixture->work + "/" + fixture->files[victim];
  trawl_fuzz::WriteFile(path, bytes);
  Exercise(fixture->work);
  trawl_fuzz::WriteFile(path, fixture->contents[victim]);
  return 0;
}
