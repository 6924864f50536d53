// Helpers shared by the store's tests.
#ifndef TRAWL_TESTS_STORE_TEST_UTIL_H_
#define TRAWL_TESTS_STORE_TEST_UTIL_H_

#include <gtest/gtest.h>

#include <cstddef>
#include <cstdint>
#include <iterator>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "common/coding.h"
#include "format/file_format.h"
#include "format/store_reader.h"
#include "format/store_writer.h"

namespace trawl {

// `bytes` bytes of text that compresses as prose does (Huffman-coded literals, matches), with
// multi-byte UTF-8 and line breaks; the last word may be cut.
inline std::string ProseText(std::mt19937* rng, size_t bytes) {
  static const char* const kWords[] = {"river",  "stone", "bridge", "lamp",  "north",
                                       "quiet",  "copper", "field", "amber", "willow",
                                       "é",      "日本語"};
  std::string s;
  while (s.size() < bytes) {
    s += kWords[(*rng)() % std::size(kWords)];
    s += (*rng)() % 9 == 0 ? '\n' : ' ';
  }
  s.resize(bytes);
  return s;
}

// A document with a title and a body, as most of the store's tests make them.
inline Document TitledDocument(std::string id, std::string title, std::string body) {
  Document d;
  d.id = std::move(id);
  d.Add("title", std::move(title));
  d.Add("body", std::move(body));
  return d;
}

// The lazily read document, every value loaded, is `want`.
inline void ExpectSameLoaded(const Document& want, LazyDocument& lazy) {
  EXPECT_EQ(lazy.id(), want.id);
  ASSERT_EQ(lazy.fields().size(), want.fields.size()) << "doc " << want.id;
  for (size_t f = 0; f < want.fields.size(); ++f) {
    const LazyDocument::Field& field = lazy.fields()[f];
    EXPECT_EQ(field.name, want.fields[f].name);
    ASSERT_TRUE(lazy.Load(field.value).ok());
    EXPECT_TRUE(lazy.Loaded(field.value));
    EXPECT_EQ(field.value, want.fields[f].value) << "doc " << want.id << " " << field.name;
  }
}

// Appends `count` small documents "small-0", "small-1", ... to *docs, each with the title
// "small <i>" and a body of `body_bytes` of prose: what goes before a large document in its block.
inline void AddSmallDocuments(std::mt19937* rng, int count, size_t body_bytes,
                              std::vector<Document>* docs) {
  for (int i = 0; i < count; ++i) {
    docs->push_back(TitledDocument("small-" + std::to_string(i), "small " + std::to_string(i),
                                   ProseText(rng, body_bytes)));
  }
}

// A store block's index entry, as a test reads it from the file's bytes.
struct BlockEntry {
  uint32_t first_doc;
  uint64_t offset;  // in the file, not the body
  uint32_t compressed;
  uint32_t uncompressed;
};

// Where a store file's block index starts, in the file.
inline size_t StoreIndexStart(const std::string& file) {
  const size_t body_end = file.size() - kFileFooterSize;
  return kFileHeaderSize + DecodeFixed64(file.data() + body_end - 8);
}

// The block index of a store file's bytes. The trailer ends with block count u32 | document
// count u32 | block index offset u64 in both versions (version 2 puts the dictionary's length
// before them).
inline std::vector<BlockEntry> StoreBlocks(const std::string& file) {
  const size_t body_end = file.size() - kFileFooterSize;
  const uint32_t n = DecodeFixed32(file.data() + body_end - 16);
  std::vector<BlockEntry> blocks;
  for (uint32_t i = 0; i < n; ++i) {
    const char* p = file.data() + StoreIndexStart(file) + size_t{i} * kStoreBlockIndexEntrySize;
    blocks.push_back({DecodeFixed32(p), kFileHeaderSize + DecodeFixed64(p + 4),
                      DecodeFixed32(p + 12), DecodeFixed32(p + 16)});
  }
  return blocks;
}

}  // namespace trawl

#endif  // TRAWL_TESTS_STORE_TEST_UTIL_H_
