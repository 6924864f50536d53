// The fuzz targets of an index's files (index_file_fuzz.h): compiled once for all of them.
#include "index_file_fuzz.h"

#include <fnmatch.h>
#include <zlib.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/coding.h"
#include "format/segment_format.h"
#include "fuzz_util.h"
#include "trawl/index_writer.h"
#include "trawl/schema.h"
#include "trawl/searcher.h"
#include "trawl/verify.h"

namespace trawl_fuzz {
namespace {

constexpr size_t kEnvelopeHeader = 16;
constexpr size_t kEnvelopeFooter = 16;

struct IndexFixture {
  std::string pristine;               // the valid index
  std::string work;                   // where each input damages a copy
  std::vector<std::string> files;     // file names in the index, sorted
  std::vector<std::string> contents;  // their valid bytes
};

void RequireOk(const trawl::Status& s) {
  if (!s.ok()) std::abort();
}

std::string FixtureWords(uint32_t i, uint32_t count) {
  static const char* kWords[] = {"alpha", "beta", "gamma", "delta", "roaring", "bitmap",
                                 "search", "engine", "posting", "list"};
  std::string text;
  for (uint32_t j = 0; j < count; ++j) {
    text += kWords[(i * 7 + j * 3 + j * j) % 10];
    text += ' ';
  }
  return text;
}

// Two segments (300 documents: posting lists of three blocks; 40 documents), text, keyword,
// int, date and bool fields (so columns of every kind), deletions in both, and one document of
// 170 KB (a store block of three frames, and long positions lists).
const IndexFixture& Fixture() {
  static const IndexFixture* fixture = [] {
    auto* f = new IndexFixture();
    const std::string root = ScratchDir("index-file");
    f->pristine = root + "/pristine";
    f->work = root + "/work";
    std::unique_ptr<trawl::IndexWriter> writer;
    trawl::IndexWriterOptions options;
    options.threads = 1;
    RequireOk(trawl::IndexWriter::Open(f->pristine, options, &writer));
    for (uint32_t n = 0; n < 340; ++n) {
      trawl::Document doc;
      doc.id = "doc-" + std::to_string(n);
      doc.Add("title", FixtureWords(n + 1, 2 + n % 3));
      doc.Add("body", FixtureWords(n, n == 150 ? 24000 : 4 + n % 5));
      doc.Add("tag", n % 3 == 0 ? "red" : "blue", trawl::ValueKind::kKeyword);
      if (n % 4 == 0) doc.Add("tag", "green", trawl::ValueKind::kKeyword);
      if (n % 5 != 0) doc.AddInt("year", 1990 + n % 30);
      doc.AddDate("when", int64_t{86400000} * (n * 37));
      doc.AddBool("draft", n % 2 == 0);
      RequireOk(writer->Add(doc));
      if (n == 299) RequireOk(writer->Commit());
    }
    RequireOk(writer->Commit());
    RequireOk(writer->Delete("doc-3"));
    RequireOk(writer->Delete("doc-310"));
    RequireOk(writer->Commit());
    writer.reset();
    for (const auto& e : std::filesystem::directory_iterator(f->pristine)) {
      if (e.path().filename() == "LOCK") continue;
      f->files.push_back(e.path().filename().string());
    }
    std::sort(f->files.begin(), f->files.end());
    for (const std::string& name : f->files) {
      std::ifstream in(f->pristine + "/" + name, std::ios::binary);
      f->contents.emplace_back(std::istreambuf_iterator<char>(in),
                               std::istreambuf_iterator<char>());
    }
    return f;
  }();
  return *fixture;
}

// Opens the index at `dir` and uses every reader: queries of every kind, sorting, facets,
// collapsing, stored fields, lookups by id, and a full verification.
void ExerciseIndex(const std::string& dir) {
  std::unique_ptr<trawl::Searcher> searcher;
  if (trawl::Searcher::Open(dir, {}, &searcher).ok()) {
    static const char* kQueries[] = {
        "alpha",        "roaring bitmap",    "+search +engine",     "\"posting list\"",
        "title:gamma",  "bit*",              "+delta -beta",        "id:doc-7",
        "\"alpha beta\"~2", "tag:red",       "year:[1995 TO 2005]", "year:>=2010",
        "when:[1970-03-01 TO *]", "draft:true", "tag:*",            "-tag:green"};
    for (const char* q : kQueries) {
      trawl::SearchOptions options;
      options.top_k = 5;
      options.fields = {"*"};
      trawl::SearchResults results;
      (void)searcher->Search(q, options, &results);
      options.exact_total = false;
      (void)searcher->Search(q, options, &results);
      // Id, title and snippet only: the stores are read lazily, frame by frame.
      trawl::SearchOptions snippets;
      snippets.top_k = 5;
      (void)searcher->Search(q, snippets, &results);
      trawl::SearchOptions typed;
      typed.top_k = 3;
      typed.sort = {{"year", true}, {"tag", false}};
      typed.facets = {{"tag", 5}, {"draft", 2}};
      typed.range_facets = {{"year", "5"}, {"when", "year"}};
      typed.collapse = "tag";
      (void)searcher->Search(q, typed, &results);
      uint64_t count;
      (void)searcher->Count(q, &count);
    }
    trawl::Document doc;
    (void)searcher->Get("doc-42", &doc);
    (void)searcher->Get("doc-320", &doc);
  }
  trawl::VerifyReport report;
  (void)trawl::VerifyIndex(dir, /*all_commits=*/true, &report);
}

// A dictionary of version 4 on ends in a CRC of its block index (docs/format.md): made right
// for what the body now holds, so that damage reaches the index's parser too. `file` is a whole
// file with room for its footer.
void SealDictionaryIndex(std::string* file) {
  if (file->size() < kEnvelopeHeader + kEnvelopeFooter + 24 || file->compare(4, 4, "DICT") != 0 ||
      trawl::DecodeFixed32(file->data() + 8) < trawl::kDictIndexChecksumVersion)
    return;
  const size_t body_end = file->size() - kEnvelopeFooter;
  const uint64_t index_offset = trawl::DecodeFixed64(file->data() + body_end - 12);
  if (index_offset > body_end - kEnvelopeHeader - 24) return;
  const size_t begin = kEnvelopeHeader + index_offset;
  std::string crc;
  trawl::PutFixed32(&crc, static_cast<uint32_t>(
                              crc32(0, reinterpret_cast<const Bytef*>(file->data() + begin),
                                    static_cast<uInt>(body_end - 4 - begin))));
  file->replace(body_end - 4, 4, crc);
}

// Seals a whole file again after patching: its CRC made right for what it now holds.
void Reseal(std::string* file) {
  if (file->size() < kEnvelopeHeader + kEnvelopeFooter) return;
  SealDictionaryIndex(file);
  const size_t crc_at = file->size() - 8;
  const uint32_t crc = static_cast<uint32_t>(
      crc32(0, reinterpret_cast<const Bytef*>(file->data()), static_cast<uInt>(crc_at)));
  std::string encoded;
  trawl::PutFixed32(&encoded, crc);
  file->replace(crc_at, 4, encoded);
}

// `body` in the envelope of `original` (its kind, and its version unless `version` is not 0),
// with a correct length and CRC.
std::string Seal(std::string_view original, std::string_view body, uint32_t version) {
  std::string file(original.substr(0, std::min(original.size(), kEnvelopeHeader)));
  file.resize(kEnvelopeHeader, '\0');
  if (version != 0) {
    file.resize(8);
    trawl::PutFixed32(&file, version);
    trawl::PutFixed32(&file, 0);
  }
  file.append(body);
  trawl::PutFixed64(&file, body.size());
  trawl::PutFixed32(&file, 0);
  file.append("LWRT");
  Reseal(&file);
  return file;
}

// The last two of the fixture's files whose names match `glob` (fnmatch): the newest
// manifests, both segments' files.
std::vector<size_t> FilesMatching(const char* glob) {
  const IndexFixture& fixture = Fixture();
  std::vector<size_t> found;
  for (size_t i = 0; i < fixture.files.size(); ++i)
    if (fnmatch(glob, fixture.files[i].c_str(), 0) == 0) found.push_back(i);
  if (found.empty()) std::abort();  // the fixture lacks the kind of file targeted
  if (found.size() > 2) found.erase(found.begin(), found.end() - 2);
  std::reverse(found.begin(), found.end());  // the newest first
  return found;
}

// Writes the seed corpus of a target into `dir`: for each file the target damages, its valid
// body as a mode 1 input, and a patch of it with the CRC sealed again and left stale.
void WriteSeeds(const char* glob, const std::string& dir) {
  const IndexFixture& fixture = Fixture();
  std::filesystem::create_directories(dir);
  const std::vector<size_t> files = FilesMatching(glob);
  for (size_t which = 0; which < files.size(); ++which) {
    const std::string& file = fixture.contents[files[which]];
    const std::string body =
        file.substr(kEnvelopeHeader, file.size() - kEnvelopeHeader - kEnvelopeFooter);
    const std::string n = std::to_string(which);
    WriteFile(dir + "/valid-" + n, std::string(1, static_cast<char>(1 | (which << 2))) + body);
    for (const int mode : {2, 3}) {
      std::string patch(1, static_cast<char>(mode | (which << 2)));
      patch += std::string("\x10\x00\xff", 3);  // the first body byte
      WriteFile(dir + "/patch" + std::to_string(mode) + "-" + n, patch);
    }
  }
}

}  // namespace

// Runs one input against the files whose names match `glob` (see the top of this file). With
// TRAWL_FUZZ_WRITE_SEEDS=DIR in the environment, writes the target's seed corpus to DIR and
// exits instead.
int FuzzIndexFile(const char* glob, const uint8_t* data, size_t size) {
  static const std::vector<size_t> candidates = [&] {
    if (const char* seeds = std::getenv("TRAWL_FUZZ_WRITE_SEEDS")) {
      WriteSeeds(glob, seeds);
      std::exit(0);
    }
    return FilesMatching(glob);
  }();
  const IndexFixture& fixture = Fixture();
  if (size < 1) return 0;
  const uint8_t mode = data[0];
  const size_t victim = candidates[((mode >> 2) & 1) % candidates.size()];
  const std::string_view rest(reinterpret_cast<const char*>(data + 1), size - 1);
  std::string bytes = fixture.contents[victim];
  switch (mode & 3) {
    case 0:
      bytes.assign(rest);
      break;
    case 1:
      bytes = Seal(bytes, rest, (mode >> 3) & 3);
      break;
    default:
      for (size_t p = 0; p + 3 <= rest.size() && !bytes.empty(); p += 3) {
        const size_t offset =
            (static_cast<uint8_t>(rest[p]) | (static_cast<uint8_t>(rest[p + 1]) << 8)) %
            bytes.size();
        bytes[offset] = rest[p + 2];
      }
      if ((mode & 3) == 2) Reseal(&bytes);
      break;
  }
  // Only the damaged file is written: the others stay as the first input wrote them (readers
  // never change an index), and this one is made valid again after the run.
  static const bool written = [&] {
    std::filesystem::create_directories(fixture.work);
    for (size_t i = 0; i < fixture.files.size(); ++i)
      WriteFile(fixture.work + "/" + fixture.files[i], fixture.contents[i]);
    return true;
  }();
  (void)written;
  const std::string path = fixture.work + "/" + fixture.files[victim];
  WriteFile(path, bytes);
  ExerciseIndex(fixture.work);
  WriteFile(path, fixture.contents[victim]);
  return 0;
}

}  // namespace trawl_fuzz
