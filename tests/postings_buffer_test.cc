// PostingsBuffer against the plain structure it replaces: per term, vectors of documents and
// frequencies and a string of position varints, built from the same occurrences.
#include "indexer/postings_buffer.h"

#include <gtest/gtest.h>

#include <map>
#include <random>
#include <string>
#include <unordered_map>
#include <vector>

#include "common/coding.h"

namespace trawl {
namespace postings_buffer_test {
namespace {

struct Reference {
  std::vector<uint32_t> docs, tfs;
  std::string positions;
  uint32_t last_position = 0;
};

// What PostingsBuffer::AddOccurrence adds, in the plain structure.
void AddOccurrence(Reference* r, uint32_t doc, uint32_t position) {
  if (r->docs.empty() || r->docs.back() != doc) {
    r->docs.push_back(doc);
    r->tfs.push_back(1);
    PutVarint32(&r->positions, position);
  } else {
    ++r->tfs.back();
    PutVarint32(&r->positions, position - r->last_position);
  }
  r->last_position = position;
}

struct Visited {
  std::vector<uint32_t> docs, tfs;
  std::string positions;
};

std::map<std::string, Visited> VisitAll(const PostingsBuffer& buffer) {
  std::map<std::string, Visited> out;
  std::string previous;
  bool first = true;
  Status s = buffer.ForEachTermSorted([&](std::string_view term, std::span<const uint32_t> docs,
                                          std::span<const uint32_t> tfs,
                                          std::string_view positions) {
    EXPECT_TRUE(first || previous < term) << "terms out of order: " << previous << ", " << term;
    first = false;
    previous = std::string(term);
    out[previous] = {{docs.begin(), docs.end()}, {tfs.begin(), tfs.end()}, std::string(positions)};
    return Status::OK();
  });
  EXPECT_TRUE(s.ok()) << s.ToString();
  return out;
}

// Want: Reference, or Visited from another buffer.
template <typename Want>
void ExpectSame(const std::map<std::string, Want>& want,
                const std::map<std::string, Visited>& got) {
  ASSERT_EQ(want.size(), got.size());
  for (const auto& [term, ref] : want) {
    auto it = got.find(term);
    ASSERT_NE(it, got.end()) << term;
    EXPECT_EQ(ref.docs, it->second.docs) << term;
    EXPECT_EQ(ref.tfs, it->second.tfs) << term;
    EXPECT_EQ(ref.positions, it->second.positions) << term;
  }
}

// Zipf-like text: a few terms with postings long enough to reach the largest slices and to
// cross blocks, many with one occurrence; empty, long and binary terms among them.
std::vector<std::string> Vocabulary(size_t n) {
  std::vector<std::string> words = {"", std::string(300, 'x'), std::string("\0\xff", 2)};
  for (size_t i = 0; words.size() < n; ++i)
    words.push_back("w" + std::to_string(i * 7919 % 1000003));
  return words;
}

TEST(PostingsBufferTest, MatchesVectorsBuiltFromTheSameOccurrences) {
  for (uint32_t seed : {1u, 2u, 3u}) {
    std::mt19937 rng(seed);
    const std::vector<std::string> words = Vocabulary(20000);
    SlicePool pool;
    PostingsBuffer text(&pool), keywords(&pool);
    std::map<std::string, Reference> want_text, want_keywords;
    uint32_t doc = 0;
    for (int d = 0; d < 2000; ++d) {
      doc += 1 + rng() % 3;  // documents without this field leave gaps
      uint32_t position = rng() % 4;
      const int tokens = static_cast<int>(rng() % 400);
      for (int t = 0; t < tokens; ++t) {
        const double u = std::uniform_real_distribution<>(0, 1)(rng);
        const std::string& w = words[static_cast<size_t>(std::pow(words.size(), u)) - 1];
        position += 1 + rng() % 200;
        text.AddOccurrence(w, doc, position);
        AddOccurrence(&want_text[w], doc, position);
        if (t % 7 == 0) {
          keywords.AddOnce(w, doc);
          Reference& k = want_keywords[w];
          if (k.docs.empty() || k.docs.back() != doc) {
            k.docs.push_back(doc);
            k.tfs.push_back(1);
          }
        }
      }
    }
    ExpectSame(want_text, VisitAll(text));
    ExpectSame(want_keywords, VisitAll(keywords));
    EXPECT_EQ(text.num_terms(), want_text.size());
    EXPECT_GT(pool.memory_bytes(), 4 * SlicePool::kBlockSize) << "the test must cross blocks";

    // Cleared, a buffer starts over, and its pool can be cleared under it.
    text.Clear();
    keywords.Clear();
    pool.Clear();
    EXPECT_EQ(text.num_terms(), 0u);
    EXPECT_TRUE(VisitAll(text).empty());
    text.AddOccurrence("again", 5, 0);
    text.AddOccurrence("again", 5, 3);
    text.AddOccurrence("again", 9, 1);
    std::string positions;
    for (uint32_t p : {0u, 3u, 1u}) PutVarint32(&positions, p);
    ExpectSame<Reference>({{"again", {{5, 9}, {2, 1}, positions, 0}}}, VisitAll(text));
  }
}

// AddOccurrences takes each step of a batch's tokens for all of them before the next (hash,
// slot, state, stream): the postings are those of AddOccurrence a token at a time, with terms
// new to the buffer, repeated inside one batch, first seen in the same batch as the table
// grows, and batches longer than the buffer's own (32).
TEST(PostingsBufferTest, OccurrencesAddedInBatchesMatchOneAtATime) {
  for (uint32_t seed : {4u, 5u}) {
    std::mt19937 rng(seed);
    const std::vector<std::string> words = Vocabulary(30000);
    SlicePool pool, batched_pool;
    PostingsBuffer one(&pool), batched(&batched_pool);
    std::vector<Token> tokens;
    uint32_t doc = 0;
    for (int d = 0; d < 1500; ++d) {
      doc += 1 + rng() % 3;
      const uint32_t base = rng() % 5;
      uint32_t position = 0;
      for (size_t left = rng() % 300; left > 0;) {
        const size_t n = std::min<size_t>(left, 1 + rng() % 80);
        left -= n;
        tokens.clear();
        for (size_t t = 0; t < n; ++t) {
          const double u = std::uniform_real_distribution<>(0, 1)(rng);
          const std::string& w = words[static_cast<size_t>(std::pow(words.size(), u)) - 1];
          position += 1 + rng() % 3;
          tokens.push_back(Token{w, position, 0, 0});
          one.AddOccurrence(w, doc, base + position);
        }
        batched.AddOccurrences(tokens, doc, base);
      }
    }
    EXPECT_EQ(batched.num_terms(), one.num_terms());
    ExpectSame(VisitAll(one), VisitAll(batched));
  }
}

// Two terms of one length whose first bytes (those a term keeps beside its postings) and
// 32-bit hash (the table's, PostingsBuffer::HashOf) are the same are told
// apart by the rest of their bytes, as are terms of every length around that head.
TEST(PostingsBufferTest, TermsWithTheSameHashAndHeadStayApart) {
  const std::string head = "a-head-of-18-bytes";
  ASSERT_EQ(head.size(), 18u);
  std::unordered_map<uint32_t, std::string> seen;
  std::pair<std::string, std::string> twins;
  std::mt19937 rng(7);
  while (twins.first.empty()) {
    std::string w = head;
    for (int i = 0; i < 6; ++i) w.push_back(static_cast<char>('a' + rng() % 26));
    const uint32_t hash = PostingsBuffer::HashOf(w);
    auto [it, added] = seen.emplace(hash, w);
    if (!added && it->second != w) twins = {it->second, w};
  }
  std::vector<std::string> words = {twins.first, twins.second};
  for (size_t n = 15; n <= 21; ++n) words.push_back((head + "xyz").substr(0, n));
  // Terms the sort's first eight bytes cannot tell apart: a zero byte is also the padding.
  for (std::string w : {std::string("ab", 2), std::string("ab\0", 3), std::string("ab\0\0c", 5),
                        std::string("ab\0c", 4)})
    words.push_back(w);
  SlicePool pool;
  PostingsBuffer buffer(&pool);
  std::map<std::string, Reference> want;
  for (uint32_t doc = 1; doc <= 50; ++doc) {
    for (uint32_t position = 0; position < words.size(); ++position) {
      const std::string& w = words[(doc + position) % words.size()];
      buffer.AddOccurrence(w, doc, position);
      AddOccurrence(&want[w], doc, position);
    }
  }
  EXPECT_EQ(buffer.num_terms(), words.size());
  ExpectSame(want, VisitAll(buffer));
}

TEST(PostingsBufferTest, LargeValuesAndTheFirstDocument) {
  SlicePool pool;
  PostingsBuffer buffer(&pool);
  // Five-byte varints split across slice ends, and document 0 (a delta of 0).
  std::map<std::string, Reference> want;
  Reference& r = want["t"];
  uint32_t position = 0;
  for (uint32_t doc : {0u, 1u, 0x0fffffffu, 0xfffffff0u}) {
    r.docs.push_back(doc);
    r.tfs.push_back(0);
    for (int i = 0; i < 50; ++i) {
      position = i == 0 ? 0x7ffffff0u - 100 : position + 1 + static_cast<uint32_t>(i);
      buffer.AddOccurrence("t", doc, position);
      PutVarint32(&r.positions, i == 0 ? position : 1 + static_cast<uint32_t>(i));
      ++r.tfs.back();
    }
  }
  ExpectSame(want, VisitAll(buffer));
}

TEST(PostingsBufferTest, VisitorErrorsStopTheVisit) {
  SlicePool pool;
  PostingsBuffer buffer(&pool);
  for (const char* t : {"a", "b", "c"}) buffer.AddOnce(t, 1);
  int calls = 0;
  Status s = buffer.ForEachTermSorted(
      [&](std::string_view, std::span<const uint32_t>, std::span<const uint32_t>,
          std::string_view) { return ++calls == 2 ? Status::IOError("disk full") : Status::OK(); });
  EXPECT_EQ(s.code(), Status::Code::kIOError);
  EXPECT_EQ(calls, 2);
}

}  // namespace
}  // namespace postings_buffer_test
}  // namespace trawl
