#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <bit>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <random>
#include <set>
#include <span>

#include "common/bitpack.h"
#include "common/coding.h"
#include "format/checked_posting_lists.h"
#include "format/column_reader.h"
#include "format/file_format.h"
#include "format/file_names.h"
#include "format/segment_format.h"
#include "format/segment_reader.h"
#include "format/segment_writer.h"
#include "format/store_writer.h"
#include "sanitizer.h"
#include "test_util.h"

namespace trawl {
namespace format_test {
namespace {

TEST(Coding, VarintRoundTrip) {
  std::mt19937_64 rng(7);
  std::string buf;
  std::vector<uint64_t> values = {0, 1, 127, 128, 16383, 16384, UINT32_MAX, UINT64_MAX};
  for (int i = 0; i < 1000; ++i) values.push_back(rng() >> (rng() % 64));
  for (uint64_t v : values) PutVarint64(&buf, v);
  ByteReader in(buf);
  for (uint64_t v : values) {
    uint64_t got;
    ASSERT_TRUE(in.ReadVarint64(&got));
    EXPECT_EQ(got, v);
  }
  EXPECT_TRUE(in.empty());
}

TEST(Coding, TruncatedVarintFails) {
  std::string buf;
  PutVarint64(&buf, UINT64_MAX);
  for (size_t n = 0; n < buf.size(); ++n) {
    ByteReader in(std::string_view(buf).substr(0, n));
    uint64_t v;
    EXPECT_FALSE(in.ReadVarint64(&v));
  }
  std::string bad(11, '\xff');
  ByteReader in(bad);
  uint64_t v;
  EXPECT_FALSE(in.ReadVarint64(&v));
}

TEST(Coding, LengthPrefixedBeyondEndFails) {
  std::string buf;
  PutVarint64(&buf, 100);
  buf += "short";
  ByteReader in(buf);
  std::string_view out;
  EXPECT_FALSE(in.ReadLengthPrefixed(&out));
}

TEST(Coding, SkipVarintsLandsWhereDecodingDoes) {
  std::mt19937 rng(5);
  for (int trial = 0; trial < 200; ++trial) {
    std::string buf;
    std::vector<size_t> ends;  // offset after each varint
    // Up to a few hundred, mostly one-byte ones like position deltas: long skips take a path of
    // their own.
    const int n = 1 + rng() % (trial % 2 ? 100 : 400);
    for (int i = 0; i < n; ++i) {
      const int bits = trial % 2 ? rng() % 33 : rng() % 9;
      PutVarint32(&buf, bits == 0 ? 0 : static_cast<uint32_t>(rng() >> (32 - bits)));
      ends.push_back(buf.size());
    }
    const size_t from = rng() % n, skip = rng() % (n - from + 1);
    ByteReader in(buf);
    ASSERT_TRUE(in.Seek(from == 0 ? 0 : ends[from - 1]));
    ASSERT_TRUE(in.SkipVarints(skip));
    EXPECT_EQ(in.position(), from + skip == 0 ? 0 : ends[from + skip - 1]);
    // Skipping past the end fails.
    ByteReader all(buf);
    EXPECT_FALSE(all.SkipVarints(n + 1));
    // Seeking back from the end of the varints [from, to) to where the last `back` of them start.
    const size_t to = from + rng() % (n - from + 1), back = rng() % (to - from + 1);
    ByteReader reverse(buf);
    ASSERT_TRUE(reverse.Seek(from == 0 ? 0 : ends[from - 1]));
    const size_t end = to == 0 ? 0 : ends[to - 1];
    ASSERT_TRUE(reverse.SeekBeforeVarints(end, back));
    EXPECT_EQ(reverse.position(), to - back == 0 ? 0 : ends[to - back - 1]);
    ByteReader too_few(buf);
    ASSERT_TRUE(too_few.Seek(from == 0 ? 0 : ends[from - 1]));
    EXPECT_FALSE(too_few.SeekBeforeVarints(end, to - from + 1));
  }
}

TEST(Coding, NthVarintEndOfEveryWordAndCount) {
  // Every pattern of varint ends in a word of eight bytes, every n up to its count, against
  // clearing the lowest ends one at a time.
  for (uint32_t pattern = 1; pattern < 256; ++pattern) {
    uint64_t ends = 0;
    for (int byte = 0; byte < 8; ++byte)
      if (pattern >> byte & 1) ends |= uint64_t{0x80} << (8 * byte);
    uint64_t rest = ends;
    for (int n = 1; n <= std::popcount(pattern); ++n) {
      const size_t expected = static_cast<size_t>(std::countr_zero(rest) / 8);
      ASSERT_EQ(ByteReader::NthVarintEnd(ends, n), expected) << "pattern " << pattern << " n " << n;
      rest &= rest - 1;
    }
  }
}

TEST(BitPack, RoundTripAllWidths) {
  std::mt19937 rng(3);
  for (uint32_t width = 0; width <= 32; ++width) {
    for (size_t count : {1u, 7u, 128u, 333u}) {
      std::vector<uint32_t> values(count);
      for (auto& v : values) v = width == 0 ? 0 : (width == 32 ? rng() : rng() & ((1u << width) - 1));
      std::string packed;
      PackBits(values.data(), count, width, &packed);
      ASSERT_EQ(packed.size(), PackedBytes(count, width));
      std::vector<uint32_t> got(count);
      UnpackBits(packed.data(), count, width, got.data());
      EXPECT_EQ(got, values) << "width " << width;
      for (size_t i = 0; i < count; ++i)
        ASSERT_EQ(UnpackOne(packed.data(), packed.size(), width, i), values[i]) << width << " " << i;
      // The packed bytes alone on the heap: a read past them is a sanitizer error.
      const std::unique_ptr<char[]> exact(new char[packed.size()]);
      std::memcpy(exact.get(), packed.data(), packed.size());
      for (int trial = 0; trial < 40; ++trial) {
        // Whole ranges, ranges to the end (the last loads), and any.
        size_t begin = rng() % (count + 1), end = begin + rng() % (count - begin + 1);
        if (trial == 0) begin = 0, end = count;
        if (trial % 4 == 1) end = count;
        uint64_t want = 0;
        for (size_t i = begin; i < end; ++i) want += values[i];
        ASSERT_EQ(SumPacked(exact.get(), packed.size(), width, begin, end), want)
            << width << " [" << begin << ", " << end << ")";
        std::vector<uint32_t> range(end - begin + 1, 12345);
        UnpackRange(exact.get(), packed.size(), width, begin, end, range.data());
        for (size_t i = begin; i < end; ++i)
          ASSERT_EQ(range[i - begin], values[i]) << width << " [" << begin << ", " << end << ")";
        ASSERT_EQ(range[end - begin], 12345u) << "written past the range";
      }
    }
  }
}

class FileFormatTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/trawl_format_XXXXXX";
    dir_ = mkdtemp(tmpl);
    path_ = dir_ + "/f.test";
  }
  void TearDown() override {
    std::remove(path_.c_str());
    rmdir(dir_.c_str());
  }
  void Write(std::string_view body) {
    std::remove(path_.c_str());
    std::unique_ptr<FileWriter> w;
    ASSERT_TRUE(FileWriter::Create(path_, "TEST", 1, &w).ok());
    ASSERT_TRUE(w->Append(body).ok());
    ASSERT_TRUE(w->Finish().ok());
  }
  std::string dir_, path_;
};

TEST_F(FileFormatTest, RoundTrip) {
  Write("hello world");
  std::unique_ptr<MappedFile> f;
  ASSERT_TRUE(MappedFile::Open(path_, "TEST", 1, &f).ok());
  EXPECT_EQ(f->body(), "hello world");
  EXPECT_TRUE(f->VerifyChecksum().ok());
}

TEST_F(FileFormatTest, WrongKindAndVersion) {
  Write("x");
  std::unique_ptr<MappedFile> f;
  Status s = MappedFile::Open(path_, "DICT", 1, &f);
  EXPECT_TRUE(s.IsCorruption()) << s.ToString();
  EXPECT_NE(s.message().find("f.test"), std::string::npos);
}

TEST_F(FileFormatTest, EveryTruncationAndBitFlipIsDetected) {
  const std::string body(300, 'a');
  Write(body);
  std::string bytes;
  ASSERT_TRUE(ReadFileToString(path_, &bytes).ok());
  for (size_t cut = 1; cut <= 100; ++cut) {
    std::ofstream(path_, std::ios::binary | std::ios::trunc).write(bytes.data(), bytes.size() - cut);
    std::unique_ptr<MappedFile> f;
    Status s = MappedFile::Open(path_, "TEST", 1, &f);
    if (s.ok()) s = f->VerifyChecksum();
    EXPECT_FALSE(s.ok()) << "truncated by " << cut;
  }
  for (size_t pos = 0; pos < bytes.size(); pos += 7) {
    std::string flipped = bytes;
    flipped[pos] ^= 0x10;
    std::ofstream(path_, std::ios::binary | std::ios::trunc).write(flipped.data(), flipped.size());
    std::unique_ptr<MappedFile> f;
    Status s = MappedFile::Open(path_, "TEST", 1, &f);
    if (s.ok()) s = f->VerifyChecksum();
    EXPECT_FALSE(s.ok()) << "flip at " << pos;
    if (!s.ok()) {
      EXPECT_NE(s.message().find("f.test"), std::string::npos) << s.ToString();
    }
  }
}

TEST(FieldIdCode, BytewiseOrderIsNumericOrderAndNoCodeIsAPrefix) {
  std::vector<uint32_t> ids = {0, 1, 126, 127, 128, 129, 255, 256, 16383, 16384, 16385,
                               (1u << 21) - 1, 1u << 21, (1u << 28) - 1, 1u << 28, UINT32_MAX};
  std::mt19937 rng(4);
  for (int i = 0; i < 2000; ++i) ids.push_back(static_cast<uint32_t>(rng()) >> (rng() % 32));
  std::sort(ids.begin(), ids.end());
  ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
  std::vector<std::string> codes;
  for (uint32_t id : ids) {
    std::string code;
    PutFieldIdCode(&code, id);
    uint32_t back;
    size_t length;
    ASSERT_TRUE(DecodeFieldIdCode(code + "term", &back, &length)) << id;
    EXPECT_EQ(back, id);
    EXPECT_EQ(length, code.size());
    EXPECT_FALSE(DecodeFieldIdCode(code.substr(0, code.size() - 1), &back, &length));
    codes.push_back(code);
  }
  EXPECT_EQ(codes[std::find(ids.begin(), ids.end(), 127u) - ids.begin()].size(), 1u);
  EXPECT_EQ(codes[std::find(ids.begin(), ids.end(), 128u) - ids.begin()].size(), 2u);
  EXPECT_EQ(codes[std::find(ids.begin(), ids.end(), 16383u) - ids.begin()].size(), 2u);
  EXPECT_EQ(codes[std::find(ids.begin(), ids.end(), 16384u) - ids.begin()].size(), 3u);
  for (size_t i = 1; i < codes.size(); ++i) {
    EXPECT_LT(codes[i - 1], codes[i]) << ids[i - 1] << " " << ids[i];
    // Neither is a prefix of the other: keys of different fields never interleave.
    EXPECT_NE(codes[i].compare(0, codes[i - 1].size(), codes[i - 1]), 0);
  }
  // Only the shortest code of an id is valid.
  uint32_t id;
  size_t length;
  EXPECT_FALSE(DecodeFieldIdCode(std::string("\x80\x05", 2), &id, &length));
  EXPECT_FALSE(DecodeFieldIdCode(std::string("\xc0\x00\x7f", 3), &id, &length));
  EXPECT_FALSE(DecodeFieldIdCode(std::string("\xf0\x00\x00\x00\x01", 5), &id, &length));
  EXPECT_FALSE(DecodeFieldIdCode(std::string("\xf8\x00\x00\x00\x01", 5), &id, &length));
  EXPECT_FALSE(DecodeFieldIdCode("", &id, &length));
}

TEST(FileNames, ColumnFilesBelongToTheirSegment) {
  EXPECT_TRUE(IsSegmentFileName("seg_12.col"));
  EXPECT_TRUE(IsIndexFileName("seg_1.col"));
  EXPECT_FALSE(IsSegmentFileName("seg_12.col.bak"));
  EXPECT_FALSE(IsSegmentFileName("seg_x.col"));
}

class SegmentFormatTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/trawl_segfmt_XXXXXX";
    dir_ = mkdtemp(tmpl);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  // The segment's store, of documents "d0" ... (a reader checks its count).
  void WriteStore(const std::string& segment, uint32_t num_docs) {
    std::unique_ptr<StoreWriter> store;
    ASSERT_TRUE(StoreWriter::Create(dir_ + "/" + segment + ".store", &store).ok());
    for (uint32_t d = 0; d < num_docs; ++d) ASSERT_TRUE(store->Add({"d" + std::to_string(d), {}}).ok());
    ASSERT_TRUE(store->Finish().ok());
  }
  // Writes the segment's store, then opens the segment with its checksums and structure
  // verified.
  void OpenVerified(const std::string& segment, uint32_t num_docs,
                    std::unique_ptr<SegmentReader>* seg) {
    WriteStore(segment, num_docs);
    Status s = SegmentReader::Open(dir_, segment, /*verify_checksums=*/true, seg);
    ASSERT_TRUE(s.ok()) << s.ToString();
    s = (*seg)->VerifyStructure();
    ASSERT_TRUE(s.ok()) << s.ToString();
  }
  std::string dir_;
};

// One positions string of `tf` positions per posting (0, 1, 2, ...).
std::string Positions(const std::vector<uint32_t>& tfs) {
  std::string out;
  for (uint32_t tf : tfs)
    for (uint32_t i = 0; i < tf; ++i) PutVarint32(&out, i == 0 ? 0 : 1);
  return out;
}

// A term of a segment of three fields, id (0, keyword), body (1, text: positions 0 to tf-1 in
// each document) and tag (2, keyword), with its postings.
struct FieldTerm {
  uint32_t field;
  std::string term;
  std::vector<uint32_t> docs, tfs;
};

// Writes segment `name` of those fields into dir, the terms in key order; body's lengths are
// `lengths` (one a document), their sum `body_length`.
Status WriteIdBodyTagSegment(const std::string& dir, const std::string& name,
                             const std::vector<FieldTerm>& terms,
                             const std::vector<uint32_t>& lengths, uint64_t body_length) {
  const uint32_t num_docs = static_cast<uint32_t>(lengths.size());
  std::unique_ptr<SegmentWriter> w;
  TRAWL_RETURN_IF_ERROR(SegmentWriter::Create(dir, name, nullptr, &w));
  for (const FieldTerm& t : terms) {
    const bool text = t.field == 1;
    TRAWL_RETURN_IF_ERROR(
        w->AddTerm(t.field, t.term, t.docs, t.tfs, text ? Positions(t.tfs) : "",
                   text ? std::span<const uint32_t>(lengths) : std::span<const uint32_t>()));
  }
  std::vector<SegmentWriter::Field> fields = {
      {"id", {}, num_docs, num_docs, FieldType::kKeyword},
      {"body", lengths, num_docs, body_length, FieldType::kText},
      {"tag", {}, num_docs, num_docs, FieldType::kKeyword}};
  std::vector<ColumnValues> columns;
  return w->Finish(num_docs, fields, &columns, nullptr);
}

// A segment of more fields than one byte of field id holds, with terms in fields on both sides
// of every code length boundary: its dictionary must sort and look up as (field, term).
TEST_F(SegmentFormatTest, ThousandsOfFieldsKeysSortAndLookUpAcrossCodeLengths) {
  constexpr uint32_t kNumDocs = 6;
  constexpr uint32_t kNumFields = 16400;
  std::set<uint32_t> with_terms = {0, 1, 126, 127, 128, 129, 255, 256, 999, 16383, 16384, 16385,
                                   kNumFields - 1};
  std::mt19937 rng(8);
  while (with_terms.size() < 1000) with_terms.insert(rng() % kNumFields);
  // Every third field text, the others keywords (terms without positions); id is a keyword.
  auto type_of = [](uint32_t f) { return f % 3 == 1 ? FieldType::kText : FieldType::kKeyword; };
  std::vector<std::string> names(kNumFields);
  std::vector<std::vector<uint32_t>> lengths(kNumFields);
  for (uint32_t f = 0; f < kNumFields; ++f) {
    names[f] = f == 0 ? "id" : "f" + std::to_string(f);
    if (type_of(f) == FieldType::kText) lengths[f] = {3, 1, 4, 1, 5, 9};
  }
  // Terms whose bytes, compared without the field, would interleave across fields: "", "\x00",
  // "\x7f", "\x80", "\xff..." and ordinary words.
  const std::vector<std::string> terms = {std::string(), std::string(1, '\0'), "\x7f", "\x80",
                                          "a", "ab", "b", std::string(3, '\xff')};
  std::map<std::pair<uint32_t, std::string>, std::vector<uint32_t>> postings;
  for (uint32_t f : with_terms)
    for (size_t t = 0; t < terms.size(); ++t)
      if ((f + t) % 3 != 0) postings[{f, terms[t]}] = {static_cast<uint32_t>((f + t) % kNumDocs)};
  {
    std::unique_ptr<SegmentWriter> w;
    ASSERT_TRUE(SegmentWriter::Create(dir_, "seg_1", nullptr, &w).ok());
    // The map's order is (field, term): the order the keys must take.
    for (const auto& [key, docs] : postings) {
      const std::vector<uint32_t> tfs(docs.size(), 2);
      const bool text = type_of(key.first) == FieldType::kText;
      Status s = w->AddTerm(key.first, key.second, docs, tfs, text ? Positions(tfs) : "",
                            lengths[key.first]);
      ASSERT_TRUE(s.ok()) << s.ToString();
    }
    std::vector<SegmentWriter::Field> fields;
    for (uint32_t f = 0; f < kNumFields; ++f)
      fields.push_back({names[f], lengths[f], 1, 2, type_of(f)});
    std::vector<ColumnValues> columns;
    Status s = w->Finish(kNumDocs, fields, &columns, nullptr);
    ASSERT_TRUE(s.ok()) << s.ToString();
  }
  std::unique_ptr<SegmentReader> seg;
  ASSERT_NO_FATAL_FAILURE(OpenVerified("seg_1", kNumDocs, &seg));
  EXPECT_EQ(seg->format_version(), kSegmentFormatVersion);
  ASSERT_EQ(seg->fields().size(), kNumFields);
  EXPECT_EQ(seg->num_terms(), postings.size());
  ASSERT_NE(seg->columns(), nullptr);
  EXPECT_TRUE(seg->columns()->columns().empty());
  for (uint32_t f : {0u, 1u, 127u, 128u, 16383u, 16384u, 16385u}) {
    EXPECT_EQ(seg->fields()[f].type, type_of(f)) << f;
    EXPECT_EQ(seg->FieldId(names[f]), static_cast<int>(f));
    EXPECT_EQ(seg->FieldLength(f, 4), type_of(f) == FieldType::kText ? 5u : 1u);
  }
  for (uint32_t f : with_terms) {
    std::vector<std::string> want, got, got_from;
    for (size_t t = 0; t < terms.size(); ++t) {
      TermInfo info;
      const auto it = postings.find({f, terms[t]});
      Status l = seg->LookupTerm(f, terms[t], &info);
      if (it == postings.end()) {
        EXPECT_TRUE(l.IsNotFound()) << f << " " << t;
        continue;
      }
      want.push_back(terms[t]);
      ASSERT_TRUE(l.ok()) << f << " " << t << ": " << l.ToString();
      PostingList list;
      ASSERT_TRUE(seg->OpenPostings(info, &list).ok());
      PostingCursor cursor(&list);
      EXPECT_EQ(cursor.doc(), it->second[0]);
      EXPECT_EQ(cursor.freq(), 2u);
      std::vector<uint32_t> positions;
      if (type_of(f) == FieldType::kText) {
        ASSERT_TRUE(cursor.Positions(&positions));
        EXPECT_EQ(positions, (std::vector<uint32_t>{0, 1}));
      } else {
        EXPECT_EQ(info.pos_length, 0u);
      }
    }
    std::sort(want.begin(), want.end());  // bytewise, as the dictionary holds them
    ASSERT_TRUE(seg->ForEachTermWithPrefix(f, "", [&](std::string_view term, const TermInfo&) {
                     got.emplace_back(term);
                     return true;
                   }).ok());
    EXPECT_EQ(got, want) << "field " << f;
    ASSERT_TRUE(seg->ForEachTermFrom(f, "", [&](std::string_view term, const TermInfo&) {
                     got_from.emplace_back(term);
                     return true;
                   }).ok());
    EXPECT_EQ(got_from, want) << "field " << f;
  }
  // A field without terms has none, whatever its neighbours hold.
  for (uint32_t f = 0; f < kNumFields; f += 97) {
    if (with_terms.count(f)) continue;
    bool any = false;
    ASSERT_TRUE(seg->ForEachTermFrom(f, "", [&](std::string_view, const TermInfo&) {
                     return !(any = true);
                   }).ok());
    EXPECT_FALSE(any) << f;
  }
}

TEST_F(SegmentFormatTest, TermsWithoutPositionsOnlyOutsideTextFields) {
  const std::vector<uint32_t> docs = {0, 2}, tfs = {1, 1}, text_lengths = {2, 0, 1};
  std::vector<ColumnValues> columns;
  {
    std::unique_ptr<SegmentWriter> w;
    ASSERT_TRUE(SegmentWriter::Create(dir_, "seg_1", nullptr, &w).ok());
    ASSERT_TRUE(w->AddTerm(1, "word", docs, tfs, "", text_lengths).ok());
    std::vector<SegmentWriter::Field> fields = {{"id", {}, 0, 0, FieldType::kKeyword},
                                                {"body", text_lengths, 2, 3, FieldType::kText}};
    EXPECT_TRUE(w->Finish(3, fields, &columns, nullptr).IsInvalidArgument());
  }
  EXPECT_FALSE(std::filesystem::exists(dir_ + "/seg_1.meta"));
  EXPECT_FALSE(std::filesystem::exists(dir_ + "/seg_1.col"));
  // A keyword's postings bounded by lengths other than 1 (which the reader gives it) are
  // refused too: its score bounds would not hold.
  {
    std::unique_ptr<SegmentWriter> w;
    ASSERT_TRUE(SegmentWriter::Create(dir_, "seg_2", nullptr, &w).ok());
    ASSERT_TRUE(w->AddTerm(1, "word", docs, tfs, "", text_lengths).ok());
    std::vector<SegmentWriter::Field> fields = {{"id", {}, 0, 0, FieldType::kKeyword},
                                                {"tag", {}, 2, 2, FieldType::kKeyword}};
    EXPECT_TRUE(w->Finish(3, fields, &columns, nullptr).IsInvalidArgument());
  }
  {
    std::unique_ptr<SegmentWriter> w;
    ASSERT_TRUE(SegmentWriter::Create(dir_, "seg_3", nullptr, &w).ok());
    ASSERT_TRUE(w->AddTerm(0, "x", docs, tfs, "", {}).ok());
    ASSERT_TRUE(w->AddTerm(1, "red", docs, tfs, "", {}).ok());
    std::vector<SegmentWriter::Field> fields = {{"id", {}, 2, 2, FieldType::kKeyword},
                                                {"tag", {}, 2, 2, FieldType::kKeyword}};
    ASSERT_TRUE(w->Finish(3, fields, &columns, nullptr).ok());
  }
  std::unique_ptr<SegmentReader> seg;
  ASSERT_NO_FATAL_FAILURE(OpenVerified("seg_3", 3, &seg));
  TermInfo info;
  ASSERT_TRUE(seg->LookupTerm(1, "red", &info).ok());
  EXPECT_EQ(info.pos_length, 0u);
  EXPECT_EQ(info.doc_freq, 2u);
  EXPECT_EQ(seg->FieldLength(1, 2), 1u);
}

TEST_F(SegmentFormatTest, ColumnsAreASegmentComponent) {
  const uint32_t kNumDocs = 4;
  {
    std::unique_ptr<SegmentWriter> w;
    ASSERT_TRUE(SegmentWriter::Create(dir_, "seg_1", nullptr, &w).ok());
    std::vector<SegmentWriter::Field> fields = {{"id", {}, 0, 0, FieldType::kKeyword},
                                                {"price", {}, 3, 3, FieldType::kInt},
                                                {"tag", {}, 2, 3, FieldType::kKeyword}};
    std::vector<ColumnValues> columns(2);
    columns[0].field_id = 1;
    columns[0].type = FieldType::kInt;
    columns[0].starts = {0, 1, 2, 2, 3};
    columns[0].values = {30, 10, 20};
    columns[1].field_id = 2;
    columns[1].type = FieldType::kKeyword;
    columns[1].starts = {0, 2, 2, 3, 3};
    columns[1].values = {0, 1, 0};
    columns[1].strings = {"red", "blue"};
    // A column whose type is not its field's is refused.
    std::vector<ColumnValues> wrong = {columns[0]};
    wrong[0].type = FieldType::kFloat;
    EXPECT_TRUE(w->Finish(kNumDocs, fields, &wrong, nullptr).IsInvalidArgument());
    SegmentStats stats;
    ASSERT_TRUE(w->Finish(kNumDocs, fields, &columns, &stats).ok());
    EXPECT_EQ(stats.bytes_on_disk, [&] {
      uint64_t total = 0;
      for (const char* ext : {".meta", ".dict", ".post", ".pos", ".len", ".col"})
        total += std::filesystem::file_size(dir_ + "/seg_1" + ext);
      return total;
    }());
  }
  std::unique_ptr<SegmentReader> seg;
  ASSERT_NO_FATAL_FAILURE(OpenVerified("seg_1", kNumDocs, &seg));
  ASSERT_NE(seg->columns(), nullptr);
  const Column* price = seg->columns()->Find(1);
  ASSERT_NE(price, nullptr);
  uint64_t v;
  ASSERT_TRUE(price->Min(0, &v));
  EXPECT_EQ(v, 30u);
  EXPECT_FALSE(price->Min(2, &v));
  const Column* tag = seg->columns()->Find(2);
  ASSERT_NE(tag, nullptr);
  EXPECT_TRUE(tag->multi_valued());
  const Column::Range r = tag->ValuesOf(0);
  ASSERT_EQ(r.end - r.begin, 2u);
  EXPECT_EQ(tag->OrdValue(tag->ValueAt(r.begin)), "blue");
  EXPECT_EQ(tag->OrdValue(tag->ValueAt(r.begin + 1)), "red");
  seg->ReleaseResidentPages();
  seg.reset();
  // A segment of format 3 without its .col does not open.
  std::filesystem::remove(dir_ + "/seg_1.col");
  Status s = SegmentReader::Open(dir_, "seg_1", false, &seg);
  EXPECT_FALSE(s.ok());
  EXPECT_NE(s.message().find("seg_1.col"), std::string::npos) << s.ToString();
}

// Segments written before typed fields (format 2, one byte of field id in their keys, lengths
// for every field, no .col) still open and read as they did.
// Format 7: a term of one document keeps its posting in the dictionary. Terms of one and of
// several documents interleave across dictionary blocks (a block may start with either), in a
// text field with positions and frequencies above 1 and in a keyword field without positions;
// every term reads back whole, by lookup, by prefix and from a start, and the postings of the
// terms after a run of inline ones are found where their offsets say.
TEST_F(SegmentFormatTest, TermsOfOneDocumentKeepTheirPostingInTheDictionary) {
  constexpr uint32_t kNumDocs = 300;
  std::vector<uint32_t> lengths(kNumDocs);
  for (uint32_t d = 0; d < kNumDocs; ++d) lengths[d] = 1 + (d * 7) % 23;
  std::vector<FieldTerm> terms;
  std::mt19937 rng(7);
  for (uint32_t f : {0u, 1u, 2u}) {
    for (int t = 0; t < 150; ++t) {
      FieldTerm term{f, "t" + std::to_string(1000 + t), {}, {}};
      // Mostly one document, with runs of them; sometimes many (a table of blocks).
      const uint32_t df = rng() % 3 != 0 ? 1 : (rng() % 4 == 0 ? 200 + rng() % 100 : 2 + rng() % 5);
      std::set<uint32_t> docs;
      while (docs.size() < df) docs.insert(rng() % kNumDocs);
      term.docs.assign(docs.begin(), docs.end());
      for (uint32_t d : term.docs)
        term.tfs.push_back(f == 1 ? 1 + std::min<uint32_t>(rng() % 4, lengths[d] - 1) : 1);
      terms.push_back(std::move(term));
    }
  }
  auto is_text = [](uint32_t f) { return f == 1; };
  const Status written = WriteIdBodyTagSegment(dir_, "seg_1", terms, lengths, 3000);
  ASSERT_TRUE(written.ok()) << written.ToString();
  std::unique_ptr<SegmentReader> seg;
  ASSERT_NO_FATAL_FAILURE(OpenVerified("seg_1", kNumDocs, &seg));
  EXPECT_EQ(seg->format_version(), kSegmentFormatVersion);

  uint64_t post_bytes = 0, inline_terms = 0;
  for (const FieldTerm& t : terms) {
    SCOPED_TRACE(std::to_string(t.field) + ":" + t.term);
    TermInfo info;
    ASSERT_TRUE(seg->LookupTerm(t.field, t.term, &info).ok());
    EXPECT_EQ(info.doc_freq, t.docs.size());
    EXPECT_EQ(info.inline_doc, t.docs.size() == 1);
    uint32_t min_length = UINT32_MAX;
    for (uint32_t d : t.docs) min_length = std::min(min_length, is_text(t.field) ? lengths[d] : 1u);
    EXPECT_EQ(info.min_length, min_length);
    EXPECT_EQ(info.max_tf, *std::max_element(t.tfs.begin(), t.tfs.end()));
    if (info.inline_doc) {
      ++inline_terms;
      EXPECT_EQ(info.post_length, 0u);
      EXPECT_EQ(info.only_doc, t.docs[0]);
    }
    post_bytes += info.post_length;
    PostingList list;
    ASSERT_TRUE(seg->OpenPostings(info, &list).ok());
    PostingCursor cursor(&list);
    std::vector<uint32_t> positions;
    for (size_t i = 0; i < t.docs.size(); ++i) {
      ASSERT_EQ(cursor.doc(), t.docs[i]);
      EXPECT_EQ(cursor.freq(), t.tfs[i]);
      if (is_text(t.field)) {
        ASSERT_TRUE(cursor.Positions(&positions));
        EXPECT_EQ(positions.size(), t.tfs[i]);
      }
      cursor.Next();
    }
    EXPECT_EQ(cursor.doc(), kNoMoreDocs);
    RoaringView docids;
    ASSERT_TRUE(seg->OpenDocids(info, &docids).ok());
    EXPECT_EQ(docids.cardinality(), t.docs.size());
    RoaringPtr bitmap(docids.ToRoaring());
    ASSERT_NE(bitmap, nullptr);
    EXPECT_EQ(roaring_bitmap_get_cardinality(bitmap.get()), t.docs.size());
    EXPECT_TRUE(roaring_bitmap_contains(bitmap.get(), t.docs.back()));
  }
  EXPECT_GT(inline_terms, 200u);
  // .post holds the other terms' postings and nothing else: its body is exactly their lengths.
  EXPECT_EQ(std::filesystem::file_size(dir_ + "/seg_1.post"), post_bytes + 32);
  // Scans agree with lookups, min_length included.
  for (uint32_t f : {0u, 1u, 2u}) {
    size_t seen = 0;
    ASSERT_TRUE(seg->ForEachTermFrom(f, "", [&](std::string_view term, const TermInfo& info) {
                     TermInfo again;
                     EXPECT_TRUE(seg->LookupTerm(f, term, &again).ok());
                     EXPECT_EQ(info.only_doc, again.only_doc);
                     EXPECT_EQ(info.min_length, again.min_length);
                     EXPECT_EQ(info.pos_offset, again.pos_offset);
                     EXPECT_EQ(info.post_offset, again.post_offset);
                     ++seen;
                     return true;
                   }).ok());
    EXPECT_EQ(seen, 150u);
  }
}

// A docid in a dictionary entry past the segment's documents is refused when the term is
// opened, not read.
// Block-at-a-time reads (PostingCursor::ReadRestOfBlock and ReadRestOfBlockKept,
// FieldLengthReader::GetMany) give
// what reading one posting at a time gives, from any starting posting, across posting blocks,
// length blocks of every width and a short last length block.
TEST_F(SegmentFormatTest, BlockReadsMatchPostingAtATimeReads) {
  constexpr uint32_t kNumDocs = 3 * kLengthBlockSize + 77;
  std::mt19937 rng(11);
  std::vector<uint32_t> lengths(kNumDocs);
  for (uint32_t d = 0; d < kNumDocs; ++d) {
    // A width per length block: 1 to 20 bits of spread (and one block all alike).
    const uint32_t block = d / kLengthBlockSize;
    lengths[d] = block == 1 ? 40 : 20 + rng() % (1u << (1 + 6 * block));
  }
  struct Term {
    std::string term;
    std::vector<uint32_t> docs, tfs;
  };
  std::vector<Term> terms;
  for (uint32_t df : {2u, 127u, 128u, 129u, 500u, kNumDocs}) {
    Term t{"t" + std::to_string(100000 + df), {}, {}};  // in order
    std::set<uint32_t> docs;
    while (docs.size() < df) docs.insert(rng() % kNumDocs);
    t.docs.assign(docs.begin(), docs.end());
    for (uint32_t d : t.docs) t.tfs.push_back(1 + std::min<uint32_t>(rng() % 300, lengths[d] - 1));
    terms.push_back(std::move(t));
  }
  {
    std::unique_ptr<SegmentWriter> w;
    ASSERT_TRUE(SegmentWriter::Create(dir_, "seg_1", nullptr, &w).ok());
    for (const Term& t : terms) {
      Status s = w->AddTerm(0, t.term, t.docs, t.tfs, Positions(t.tfs), lengths);
      ASSERT_TRUE(s.ok()) << s.ToString();
    }
    uint64_t total = 0;
    for (uint32_t l : lengths) total += l;
    std::vector<SegmentWriter::Field> fields = {
        {"body", lengths, kNumDocs, total, FieldType::kText}};
    std::vector<ColumnValues> columns;
    Status s = w->Finish(kNumDocs, fields, &columns, nullptr);
    ASSERT_TRUE(s.ok()) << s.ToString();
  }
  std::unique_ptr<SegmentReader> seg;
  ASSERT_NO_FATAL_FAILURE(OpenVerified("seg_1", kNumDocs, &seg));

  for (const Term& t : terms) {
    SCOPED_TRACE(t.term);
    TermInfo info;
    ASSERT_TRUE(seg->LookupTerm(0, t.term, &info).ok());
    PostingList list;
    ASSERT_TRUE(seg->OpenPostings(info, &list).ok());
    for (int trial = 0; trial < 20; ++trial) {
      PostingCursor cursor(&list);
      size_t at = trial == 0 ? 0 : rng() % t.docs.size();
      cursor.Advance(t.docs[at]);
      uint32_t docs[kPostingBlockSize], freqs[kPostingBlockSize], got[kPostingBlockSize];
      while (at < t.docs.size()) {
        const size_t n = cursor.ReadRestOfBlock(docs, freqs);
        ASSERT_EQ(n, std::min<size_t>(kPostingBlockSize - at % kPostingBlockSize,
                                      t.docs.size() - at));
        FieldLengthReader(seg.get(), 0).GetMany(docs, n, got);
        for (size_t i = 0; i < n; ++i) {
          ASSERT_EQ(docs[i], t.docs[at + i]);
          ASSERT_EQ(freqs[i], t.tfs[at + i]);
          ASSERT_EQ(got[i], lengths[docs[i]]);
        }
        at += n;
        ASSERT_EQ(cursor.doc(), at < t.docs.size() ? t.docs[at] : kNoMoreDocs);
      }
      EXPECT_EQ(cursor.ReadRestOfBlock(docs, freqs), 0u);
    }
    // ReadRestOfBlockKept passes the same postings and keeps, in order, exactly those of
    // frequency min_freq or more that its predicate accepts.
    for (int trial = 0; trial < 20; ++trial) {
      PostingCursor cursor(&list);
      size_t at = trial == 0 ? 0 : rng() % t.docs.size();
      cursor.Advance(t.docs[at]);
      const uint32_t min_freq = trial % 4 == 0 ? 1 : 1 + rng() % 40;
      const uint32_t salt = static_cast<uint32_t>(rng());
      const auto keep = [&](uint32_t tf) {
        return trial % 3 == 0 || (tf * 2654435761u ^ salt) % 3 != 0;
      };
      uint32_t docs[kPostingBlockSize], freqs[kPostingBlockSize];
      while (at < t.docs.size()) {
        size_t read;
        const size_t kept = cursor.ReadRestOfBlockKept(min_freq, keep, docs, freqs, &read);
        ASSERT_EQ(read,
                  std::min<size_t>(kPostingBlockSize - at % kPostingBlockSize, t.docs.size() - at));
        std::vector<uint32_t> want_docs, want_freqs;
        for (size_t i = at; i < at + read; ++i) {
          if (t.tfs[i] >= min_freq && keep(t.tfs[i])) {
            want_docs.push_back(t.docs[i]);
            want_freqs.push_back(t.tfs[i]);
          }
        }
        ASSERT_EQ(std::vector<uint32_t>(docs, docs + kept), want_docs);
        ASSERT_EQ(std::vector<uint32_t>(freqs, freqs + kept), want_freqs);
        at += read;
        ASSERT_EQ(cursor.doc(), at < t.docs.size() ? t.docs[at] : kNoMoreDocs);
      }
      size_t read = 1;
      EXPECT_EQ(cursor.ReadRestOfBlockKept(min_freq, keep, docs, freqs, &read), 0u);
      EXPECT_EQ(read, 0u);
    }
  }
  // Docids past the segment read as length 0, as FieldLength reads them, and out-of-order
  // ones (only damage makes them) still read their own lengths.
  const uint32_t odd[] = {5, kNumDocs - 1, kNumDocs, 3, UINT32_MAX, 700, 2};
  uint32_t got[7];
  FieldLengthReader(seg.get(), 0).GetMany(odd, 7, got);
  for (size_t i = 0; i < 7; ++i) EXPECT_EQ(got[i], seg->FieldLength(0, odd[i])) << odd[i];
  // One at a time, in any order, as a scorer reads them; a fresh reader asked for the last
  // docid (which no block holds) too.
  EXPECT_EQ(FieldLengthReader(seg.get(), 0).Get(UINT32_MAX), seg->FieldLength(0, UINT32_MAX));
  FieldLengthReader reader(seg.get(), 0);
  for (int i = 0; i < 2000; ++i) {
    const uint32_t d = i < 7 ? odd[i] : rng() % (kNumDocs + 10);
    ASSERT_EQ(reader.Get(d), seg->FieldLength(0, d)) << d;
  }
  // A reader keeps the length block GetMany read last: Get after it reads as FieldLength, in
  // that block (the one of equal lengths, of width 0, too) and in others.
  for (uint32_t first = 0; first < kNumDocs; first += kLengthBlockSize) {
    FieldLengthReader kept(seg.get(), 0);
    const uint32_t two[] = {first, first + 1};
    uint32_t got_two[2];
    kept.GetMany(two, 2, got_two);
    for (uint32_t d : {first + 2, first, kNumDocs - 1, 0u, first + 3})
      ASSERT_EQ(kept.Get(d), seg->FieldLength(0, d)) << first << " " << d;
  }
}

bool SameTermInfo(const TermInfo& a, const TermInfo& b) {
  return a.doc_freq == b.doc_freq && a.max_tf == b.max_tf && a.min_length == b.min_length &&
         a.post_offset == b.post_offset && a.post_length == b.post_length &&
         a.pos_offset == b.pos_offset && a.pos_length == b.pos_length &&
         a.inline_doc == b.inline_doc && (!a.inline_doc || a.only_doc == b.only_doc);
}

// A field's terms as a scan of its dictionary blocks reads them (every entry decoded), in
// order; false if the scan fails.
bool ScanField(const SegmentReader& seg, uint32_t field,
               std::vector<std::pair<std::string, TermInfo>>* out) {
  out->clear();
  return seg
      .ForEachTermFrom(field, "",
                       [&](std::string_view term, const TermInfo& t) {
                         out->emplace_back(std::string(term), t);
                         return true;
                       })
      .ok();
}

// OpenPostings checks a long list's block table once in a reader's life, and a TermInfo that
// differs from the checked one in a value the check reads (a damaged dictionary's could, with
// the same offsets) at every open: the intact list opens and reads as written every time, and
// each alias is refused every time, before and after the intact list was checked.
TEST_F(SegmentFormatTest, ALongListIsCheckedOnceAndItsAliasesEveryTime) {
  constexpr uint32_t kNumDocs = 3000;
  const std::vector<uint32_t> lengths(kNumDocs, 5);
  FieldTerm common{1, "common", {}, {}};
  for (uint32_t d = 0; d < kNumDocs; d += 1 + d % 2) {
    common.docs.push_back(d);
    common.tfs.push_back(1 + d % 3);
  }
  const Status written = WriteIdBodyTagSegment(dir_, "seg_1", {common}, lengths, 5 * kNumDocs);
  ASSERT_TRUE(written.ok()) << written.ToString();
  WriteStore("seg_1", kNumDocs);
  // Not VerifyStructure, which would open the list first.
  std::unique_ptr<SegmentReader> seg;
  ASSERT_TRUE(SegmentReader::Open(dir_, "seg_1", /*verify_checksums=*/true, &seg).ok());
  TermInfo info;
  ASSERT_TRUE(seg->LookupTerm(1, "common", &info).ok());
  ASSERT_GE(info.doc_freq / kPostingBlockSize, kMinBlocksToRememberChecked);
  // Positions that end before the table's last block offsets, and a frequency area that ends
  // inside the last block's packed frequencies: both pass every check but the table's.
  TermInfo short_positions = info;
  short_positions.pos_length = 1;
  TermInfo short_frequencies = info;
  short_frequencies.post_length -= 2;
  for (int round = 0; round < 3; ++round) {
    SCOPED_TRACE(round);
    for (const TermInfo* alias : {&short_positions, &short_frequencies}) {
      PostingList list;
      EXPECT_TRUE(seg->OpenPostings(*alias, &list).IsCorruption());
    }
    PostingList list;
    ASSERT_TRUE(seg->OpenPostings(info, &list).ok());
    PostingCursor cursor(&list);
    uint32_t doc = cursor.Advance(0);
    for (size_t i = 0; i < common.docs.size(); ++i, doc = cursor.Next()) {
      ASSERT_EQ(doc, common.docs[i]);
      ASSERT_EQ(cursor.freq(), common.tfs[i]);
    }
    EXPECT_EQ(doc, kNoMoreDocs);
  }
}

// LookupTerm passes over the entries before its term without bounds checks while a whole entry
// fits in what is left of the block, and with them near the block's end. Over terms of every
// dictionary entry kind (one document with and without positions, a frequency above 1, many
// documents with lengths of up to three varint bytes), of 1 to 90 bytes, it finds exactly what
// a scan of the blocks decodes, and nothing else. Damaged dictionaries never make it read
// outside the file (the sanitizer build), and where the damage leaves every entry of a field
// readable and its keys as they were, it still finds what the scan reads.
TEST_F(SegmentFormatTest, LookupFindsWhatTheScanReadsIntactOrDamaged) {
  constexpr uint32_t kNumDocs = 20000;
  std::vector<uint32_t> lengths(kNumDocs);
  for (uint32_t d = 0; d < kNumDocs; ++d) lengths[d] = 1 + (d * 13) % 200;
  std::mt19937 rng(17);
  std::map<std::pair<uint32_t, std::string>,
           std::pair<std::vector<uint32_t>, std::vector<uint32_t>>>
      terms;  // (field, term) -> docs, tfs
  const std::string long_prefix(40, 'q');
  for (uint32_t field : {1u, 2u}) {
    while (terms.size() < (field == 1 ? 500u : 800u)) {
      std::string term = rng() % 5 == 0 ? long_prefix : std::string();
      const size_t letters = rng() % 8 == 0 ? 20 + rng() % 50 : 1 + rng() % 8;
      for (size_t i = 0; i < letters; ++i) term += static_cast<char>('a' + rng() % 4);
      const uint32_t r = rng() % 100;
      const uint32_t df = r < 50   ? 1
                          : r < 80 ? 2 + rng() % 7
                          : r < 96 ? 100 + rng() % 500
                                   : 12000 + rng() % 7000;
      std::set<uint32_t> docs;
      while (docs.size() < df) docs.insert(rng() % kNumDocs);
      std::vector<uint32_t> tfs;
      for (uint32_t d : docs) tfs.push_back(field == 1 ? 1 + rng() % std::min(lengths[d], 3u) : 1);
      terms[{field, term}] = {std::vector<uint32_t>(docs.begin(), docs.end()), tfs};
    }
  }
  std::vector<FieldTerm> in_order;
  for (const auto& [key, postings] : terms)
    in_order.push_back({key.first, key.second, postings.first, postings.second});
  const Status written = WriteIdBodyTagSegment(dir_, "seg_1", in_order, lengths, 2000000);
  ASSERT_TRUE(written.ok()) << written.ToString();
  std::unique_ptr<SegmentReader> seg;
  ASSERT_NO_FATAL_FAILURE(OpenVerified("seg_1", kNumDocs, &seg));
  std::map<uint32_t, std::vector<std::string>> intact_keys;
  for (uint32_t field : {1u, 2u}) {
    std::vector<std::pair<std::string, TermInfo>> scanned;
    ASSERT_TRUE(ScanField(*seg, field, &scanned));
    for (const auto& entry : scanned) intact_keys[field].push_back(entry.first);
    ASSERT_EQ(scanned.size(), field == 1 ? 500u : 300u);
    for (const auto& [term, want] : scanned) {
      SCOPED_TRACE(std::to_string(field) + ":" + term);
      ASSERT_TRUE(terms.count({field, term}));
      TermInfo got;
      ASSERT_TRUE(seg->LookupTerm(field, term, &got).ok());
      EXPECT_TRUE(SameTermInfo(got, want));
      EXPECT_EQ(got.doc_freq, (terms[{field, term}].first.size()));
      // Keys around it that are not terms: its extensions and its prefixes.
      for (const std::string& other :
           {term + "a", term + "\x01", term.substr(0, term.size() - 1)}) {
        if (terms.count({field, other})) continue;
        EXPECT_TRUE(seg->LookupTerm(field, other, &got).IsNotFound()) << other;
      }
    }
  }

  const std::string path = dir_ + "/seg_1.dict";
  const std::string bytes = ReadFile(path);
  int checked = 0;
  for (int trial = 0; trial < (kUnderAsan ? 60 : 200); ++trial) {
    // The blocks take most of the file, the block index and trailer its end.
    std::string damaged = bytes;
    for (int i = 0, n = 1 + static_cast<int>(rng() % 3); i < n; ++i)
      damaged[rng() % (damaged.size() * 4 / 5)] ^= static_cast<char>(1u << (rng() % 8));
    WriteFileAt(path, damaged);
    std::unique_ptr<SegmentReader> bad;
    if (!SegmentReader::Open(dir_, "seg_1", /*verify_checksums=*/false, &bad).ok()) continue;
    for (uint32_t field : {1u, 2u}) {
      for (const auto& [key, postings] : terms) {
        if (key.first != field) continue;
        TermInfo info;
        const Status s = bad->LookupTerm(field, key.second, &info);
        ASSERT_TRUE(s.ok() || s.IsNotFound() || s.IsCorruption()) << s.ToString();
      }
      // Damage that left every key as it was (it fell on lengths, counts, docids or a block's
      // head): the lookups must agree with the scan. (Damage to the keys may break the order
      // and prefix lengths that a lookup relies on, as any search of sorted keys does.)
      std::vector<std::pair<std::string, TermInfo>> scanned;
      if (!ScanField(*bad, field, &scanned) || scanned.size() != intact_keys[field].size())
        continue;
      bool same_keys = true;
      for (size_t i = 0; i < scanned.size(); ++i)
        same_keys = same_keys && scanned[i].first == intact_keys[field][i];
      if (!same_keys) continue;
      ++checked;
      for (const auto& [term, want] : scanned) {
        TermInfo got;
        const Status s = bad->LookupTerm(field, term, &got);
        ASSERT_TRUE(s.ok()) << "trial " << trial << ", " << field << ":" << term << ": "
                            << s.ToString();
        EXPECT_TRUE(SameTermInfo(got, want)) << "trial " << trial << ", " << field << ":" << term;
      }
    }
  }
  EXPECT_GT(checked, 20);
  WriteFileAt(path, bytes);
}

TEST_F(SegmentFormatTest, AnInlineDocidOutsideTheSegmentIsCorruption) {
  {
    std::unique_ptr<SegmentWriter> w;
    ASSERT_TRUE(SegmentWriter::Create(dir_, "seg_1", nullptr, &w).ok());
    const std::vector<uint32_t> lengths = {1, 1, 1};
    const std::vector<uint32_t> doc = {2}, tf = {1};
    ASSERT_TRUE(w->AddTerm(1, "zz", doc, tf, Positions(tf), lengths).ok());
    std::vector<SegmentWriter::Field> fields = {{"id", {}, 0, 0, FieldType::kKeyword},
                                                {"body", lengths, 3, 3, FieldType::kText}};
    std::vector<ColumnValues> columns;
    ASSERT_TRUE(w->Finish(3, fields, &columns, nullptr).ok());
  }
  WriteStore("seg_1", 3);
  // The entry: shared 0 | suffix "\x01zz" | code 1 (one document, tf 1) | docid-delta 4 (+2
  // from 0) | positions length 1.
  const std::string path = dir_ + "/seg_1.dict";
  const std::string bytes = ReadFile(path);
  const std::string entry("\x00\x03\x01zz\x01\x04\x01", 8);
  const size_t at = bytes.find(entry);
  ASSERT_NE(at, std::string::npos);
  {
    // A difference leading below docid 0 is damage the lookup itself sees.
    std::string damaged = bytes;
    damaged[at + 6] = 3;  // -2
    WriteFileAt(path, damaged);
    std::unique_ptr<SegmentReader> seg;
    ASSERT_TRUE(SegmentReader::Open(dir_, "seg_1", /*verify_checksums=*/false, &seg).ok());
    TermInfo info;
    EXPECT_TRUE(seg->LookupTerm(1, "zz", &info).IsCorruption());
    EXPECT_TRUE(seg->VerifyStructure().IsCorruption());
  }
  std::string damaged = bytes;
  damaged[at + 6] = 10;  // +5
  WriteFileAt(path, damaged);
  std::unique_ptr<SegmentReader> seg;
  ASSERT_TRUE(SegmentReader::Open(dir_, "seg_1", /*verify_checksums=*/false, &seg).ok());
  TermInfo info;
  ASSERT_TRUE(seg->LookupTerm(1, "zz", &info).ok());
  EXPECT_EQ(info.only_doc, 5u);
  PostingList list;
  EXPECT_TRUE(seg->OpenPostings(info, &list).IsCorruption());
  RoaringView docids;
  EXPECT_TRUE(seg->OpenDocids(info, &docids).IsCorruption());
  EXPECT_TRUE(seg->VerifyStructure().IsCorruption());
}

// Terms of one block and of many, full and partial, with positions of one to 40 values a
// posting and deltas of one to four varint bytes.
struct PositionTerm {
  std::string term;
  std::vector<uint32_t> docs, tfs;
  std::vector<std::vector<uint32_t>> positions;
};

std::vector<PositionTerm> MakePositionTerms(uint32_t num_docs, std::mt19937* rng) {
  std::vector<PositionTerm> terms;
  for (uint32_t df : {17u, 100u, 128u, 129u, 1000u, 4000u}) {
    for (uint32_t max_tf : {2u, 40u}) {
      PositionTerm t;
      t.term = "t" + std::to_string(10000 + df) + "_" + std::to_string(max_tf);
      std::set<uint32_t> docs;
      while (docs.size() < df) docs.insert((*rng)() % num_docs);
      t.docs.assign(docs.begin(), docs.end());
      for (size_t i = 0; i < t.docs.size(); ++i) {
        const uint32_t tf = 1 + (*rng)() % max_tf;
        std::vector<uint32_t> p;
        uint32_t at = (*rng)() % 1000;
        for (uint32_t k = 0; k < tf; ++k) {
          p.push_back(at);
          at += (*rng)() % 7 == 0 ? (*rng)() % (1u << 24) : 1 + (*rng)() % 100;
        }
        t.tfs.push_back(tf);
        t.positions.push_back(std::move(p));
      }
      terms.push_back(std::move(t));
    }
  }
  std::sort(terms.begin(), terms.end(),
            [](const PositionTerm& a, const PositionTerm& b) { return a.term < b.term; });
  return terms;
}

void WritePositionTerms(const std::string& dir, const std::vector<PositionTerm>& terms,
                        uint32_t num_docs) {
  std::vector<uint32_t> lengths(num_docs, 1000);
  std::unique_ptr<SegmentWriter> w;
  ASSERT_TRUE(SegmentWriter::Create(dir, "seg_1", nullptr, &w).ok());
  for (const PositionTerm& t : terms) {
    std::string encoded;
    for (const std::vector<uint32_t>& p : t.positions)
      for (size_t k = 0; k < p.size(); ++k) PutVarint32(&encoded, k == 0 ? p[0] : p[k] - p[k - 1]);
    Status s = w->AddTerm(1, t.term, t.docs, t.tfs, encoded, lengths);
    ASSERT_TRUE(s.ok()) << s.ToString();
  }
  std::vector<SegmentWriter::Field> fields = {
      {"id", {}, 0, 0, FieldType::kKeyword},
      {"body", lengths, num_docs, uint64_t{1000} * num_docs, FieldType::kText}};
  std::vector<ColumnValues> columns;
  Status s = w->Finish(num_docs, fields, &columns, nullptr);
  ASSERT_TRUE(s.ok()) << s.ToString();
}

// A phrase reads the positions of any rising subset of a term's postings (passing over the
// others' varints forward from the last read or back from the block's end), a stream only part
// of them, and a posting's positions again: every read gives the written positions.
TEST_F(SegmentFormatTest, PositionsReadAtAnyPostingAreTheWritten) {
  constexpr uint32_t kNumDocs = 5000;
  std::mt19937 rng(29);
  const std::vector<PositionTerm> terms = MakePositionTerms(kNumDocs, &rng);
  ASSERT_NO_FATAL_FAILURE(WritePositionTerms(dir_, terms, kNumDocs));
  std::unique_ptr<SegmentReader> seg;
  ASSERT_NO_FATAL_FAILURE(OpenVerified("seg_1", kNumDocs, &seg));
  for (const PositionTerm& t : terms) {
    SCOPED_TRACE(t.term);
    TermInfo info;
    ASSERT_TRUE(seg->LookupTerm(1, t.term, &info).ok());
    PostingList list;
    ASSERT_TRUE(seg->OpenPostings(info, &list).ok());
    // The terms of up to 40 positions a posting have blocks of over 256 bytes of positions:
    // their seeks start from anchors.
    size_t anchored_blocks = 0;
    for (size_t b = 0; b < list.num_blocks(); ++b) {
      PostingList::PositionAnchors anchors;
      ASSERT_TRUE(list.BlockPositionAnchors(b, &anchors));
      anchored_blocks += anchors.data != nullptr;
    }
    if (t.term.ends_with("_40") && t.docs.size() >= 100) {
      EXPECT_GT(anchored_blocks, 0u);
    }
    std::vector<uint32_t> got;
    for (int trial = 0; trial < 60; ++trial) {
      PostingCursor cursor(&list);
      // Steps of one (reading in order), a few (within a block), or many (across blocks).
      const uint32_t max_step = trial % 3 == 0 ? 1 : trial % 3 == 1 ? 6 : 90;
      for (size_t i = rng() % std::min<size_t>(t.docs.size(), 40); i < t.docs.size();
           i += 1 + rng() % max_step) {
        ASSERT_EQ(cursor.Advance(t.docs[i]), t.docs[i]);
        const std::vector<uint32_t>& want = t.positions[i];
        if (rng() % 2 == 0) {
          ASSERT_TRUE(cursor.Positions(&got)) << i;
          ASSERT_EQ(got, want) << i;
        } else {
          PositionStream stream;
          ASSERT_TRUE(cursor.OpenPositions(&stream)) << i;
          const size_t read = rng() % (want.size() + 1);
          for (size_t k = 0; k < read; ++k) {
            ASSERT_EQ(stream.position(), want[k]) << i << " " << k;
            stream.Next();
          }
        }
        if (rng() % 5 == 0) {
          ASSERT_TRUE(cursor.Positions(&got)) << i;
          ASSERT_EQ(got, want) << i;
        }
      }
    }
  }
}

// PositionStream::Advance lands on the first position at or after any rising target, near or
// far, through runs of one-byte deltas (its fast loop) broken by longer ones, and up to the
// stream's end, with left() counting what it has not passed.
TEST_F(SegmentFormatTest, AdvanceLandsOnTheFirstPositionAtOrAfterItsTarget) {
  constexpr uint32_t kNumDocs = 300;
  std::mt19937 rng(41);
  PositionTerm t;
  t.term = "common";
  for (uint32_t d = 0; d < kNumDocs; d += 2) {
    t.docs.push_back(d);
    std::vector<uint32_t> p;
    uint32_t at = rng() % 50;
    for (uint32_t k = 0, tf = 1 + rng() % 600; k < tf; ++k) {
      p.push_back(at);
      at += rng() % 40 == 0 ? 128 + rng() % 5000 : rng() % 13;  // deltas of 0 too
    }
    t.tfs.push_back(static_cast<uint32_t>(p.size()));
    t.positions.push_back(std::move(p));
  }
  ASSERT_NO_FATAL_FAILURE(WritePositionTerms(dir_, {t}, kNumDocs));
  std::unique_ptr<SegmentReader> seg;
  ASSERT_NO_FATAL_FAILURE(OpenVerified("seg_1", kNumDocs, &seg));
  TermInfo info;
  ASSERT_TRUE(seg->LookupTerm(1, t.term, &info).ok());
  PostingList list;
  ASSERT_TRUE(seg->OpenPostings(info, &list).ok());
  PostingCursor cursor(&list);
  for (size_t i = 0; i < t.docs.size(); ++i) {
    ASSERT_EQ(cursor.Advance(t.docs[i]), t.docs[i]);
    const std::vector<uint32_t>& want = t.positions[i];
    PositionStream stream;
    ASSERT_TRUE(cursor.OpenPositions(&stream));
    uint64_t target = 0;
    for (;;) {
      // Steps of a few positions, of hundreds, and past the last.
      target += rng() % 3 == 0 ? rng() % 8 : rng() % 2 == 0 ? rng() % 400 : rng() % 3000;
      const auto it = std::lower_bound(want.begin(), want.end(), target);
      const uint64_t expected = it == want.end() ? PositionStream::kEnd : *it;
      ASSERT_EQ(stream.Advance(target), expected) << i << " " << target;
      if (expected == PositionStream::kEnd) break;
      ASSERT_EQ(stream.left(), static_cast<uint32_t>(want.end() - it - 1)) << i << " " << target;
    }
  }
}

// Format 9's anchors as docs/format.md lays them out: 40 postings of 10 one-byte positions make
// a block of 400 bytes, so anchors of width 2 at postings 16 and 32 start the term's positions.
// A damaged anchor is found by the whole-segment check, a damaged width by any read.
TEST_F(SegmentFormatTest, PositionAnchorsAreWrittenAsDocumentedAndChecked) {
  const std::vector<uint32_t> lengths(50, 20);
  std::vector<uint32_t> docs(40), tfs(40, 10);
  for (uint32_t i = 0; i < 40; ++i) docs[i] = i + 5;
  {
    std::unique_ptr<SegmentWriter> w;
    ASSERT_TRUE(SegmentWriter::Create(dir_, "seg_1", nullptr, &w).ok());
    ASSERT_TRUE(w->AddTerm(1, "w", docs, tfs, Positions(tfs), lengths).ok());
    std::vector<SegmentWriter::Field> fields = {{"id", {}, 0, 0, FieldType::kKeyword},
                                                {"body", lengths, 50, 1000, FieldType::kText}};
    std::vector<ColumnValues> columns;
    ASSERT_TRUE(w->Finish(50, fields, &columns, nullptr).ok());
  }
  const std::string path = dir_ + "/seg_1.pos";
  const std::string bytes = ReadFile(path);
  const std::string anchors("\x02\xa0\x00\x40\x01", 5);  // width 2, offsets 160 and 320
  ASSERT_EQ(bytes.substr(kFileHeaderSize, 5), anchors);
  ASSERT_EQ(bytes.substr(kFileHeaderSize + 5, 11),
            std::string("\x00\x01\x01\x01\x01\x01\x01\x01\x01\x01\x00", 11));
  {
    std::unique_ptr<SegmentReader> seg;
    ASSERT_NO_FATAL_FAILURE(OpenVerified("seg_1", 50, &seg));
  }
  // The positions of posting `posting` read from a copy of the file with byte `at` of the
  // term's positions replaced.
  auto read_damaged = [&](size_t at, char byte, size_t posting, bool* positions_read,
                          Status* verify) {
    std::string damaged = bytes;
    damaged[kFileHeaderSize + at] = byte;
    WriteFileAt(path, damaged);
    std::unique_ptr<SegmentReader> seg;
    ASSERT_TRUE(SegmentReader::Open(dir_, "seg_1", /*verify_checksums=*/false, &seg).ok());
    TermInfo info;
    ASSERT_TRUE(seg->LookupTerm(1, "w", &info).ok());
    PostingList list;
    ASSERT_TRUE(seg->OpenPostings(info, &list).ok());
    PostingCursor cursor(&list);
    ASSERT_EQ(cursor.Advance(docs[posting]), docs[posting]);
    std::vector<uint32_t> positions;
    *positions_read = cursor.Positions(&positions);
    *verify = seg->VerifyStructure();
  };
  bool read = false;
  Status verify;
  // Posting 16's anchor 10 bytes early: in range, so reads go on, but the check sees it.
  ASSERT_NO_FATAL_FAILURE(read_damaged(1, '\x96', 20, &read, &verify));
  EXPECT_TRUE(verify.IsCorruption());
  EXPECT_NE(verify.ToString().find("anchors"), std::string::npos) << verify.ToString();
  // A width of 3.
  ASSERT_NO_FATAL_FAILURE(read_damaged(0, '\x03', 20, &read, &verify));
  EXPECT_FALSE(read);
  EXPECT_TRUE(verify.IsCorruption());
  // Posting 32's anchor past the block's end (65,344): a read from it refuses.
  ASSERT_NO_FATAL_FAILURE(read_damaged(4, '\xff', 35, &read, &verify));
  EXPECT_FALSE(read);
  EXPECT_TRUE(verify.IsCorruption());
}

TEST(ZigZagDelta, RoundTripsEveryDistanceAndRefusesLeavingU32) {
  const uint32_t values[] = {0, 1, 2, 127, 128, 16383, 16384, 1u << 31, UINT32_MAX - 1, UINT32_MAX};
  for (uint32_t before : values) {
    for (uint32_t doc : values) {
      const uint64_t delta = ZigZagDelta(before, doc);
      uint32_t back = 0;
      ASSERT_TRUE(UndoZigZagDelta(before, delta, &back)) << before << " " << doc;
      EXPECT_EQ(back, doc);
    }
  }
  // Small differences either way take one varint byte.
  EXPECT_EQ(ZigZagDelta(100, 163), 126u);
  EXPECT_EQ(ZigZagDelta(100, 37), 125u);
  uint32_t doc;
  EXPECT_FALSE(UndoZigZagDelta(0, 1, &doc));
  EXPECT_FALSE(UndoZigZagDelta(UINT32_MAX, 2, &doc));
  EXPECT_FALSE(UndoZigZagDelta(5, uint64_t{1} << 40, &doc));
}

// Every column width from 0 to 4 bytes round-trips, the header describes the layout it came
// from, and a damaged header is refused.
TEST(BlockTableLayout, PackedEntriesRoundTripAtEveryWidth) {
  std::mt19937 rng(11);
  for (int trial = 0; trial < 200; ++trial) {
    std::vector<BlockTableEntry> entries(1 + rng() % 20);
    // A bound per column: 0, or below 2^8, 2^16, 2^24 or 2^32.
    uint32_t bound[5];
    for (uint32_t& b : bound) {
      const uint32_t bytes = rng() % 5;
      b = bytes == 0 ? 0 : bytes == 4 ? UINT32_MAX : (1u << (8 * bytes)) - 1;
    }
    auto draw = [&](uint32_t b) { return b == 0 ? 0 : static_cast<uint32_t>(rng() % (uint64_t{b} + 1)); };
    for (BlockTableEntry& e : entries) {
      e.tf_offset = draw(bound[0]);
      e.pos_offset = draw(bound[1]);
      e.last_doc = draw(bound[2]);
      e.num_impacts = kBlockImpacts;
      for (uint32_t k = 0; k < kBlockImpacts; ++k) {
        e.impact_tf[k] = draw(bound[3]);
        e.impact_length[k] = draw(bound[4]);
      }
      e.max_tf = *std::max_element(e.impact_tf, e.impact_tf + kBlockImpacts);
      e.min_length = *std::min_element(e.impact_length, e.impact_length + kBlockImpacts);
    }
    const BlockTableLayout layout = BlockTableLayout::Packed(entries.data(), entries.size());
    std::string bytes;
    layout.EncodeHeader(&bytes);
    ASSERT_EQ(bytes.size(), BlockTableLayout::kHeaderBytes);
    for (const BlockTableEntry& e : entries) layout.Encode(e, &bytes);
    const size_t table_bytes = bytes.size();
    bytes.append(BlockTableLayout::kReadSlack, '\xff');  // what a file's footer provides
    BlockTableLayout read;
    ASSERT_TRUE(BlockTableLayout::FromHeader(bytes.data(), &read));
    ASSERT_EQ(read.entry_size(), layout.entry_size());
    ASSERT_EQ(table_bytes, BlockTableLayout::kHeaderBytes + entries.size() * read.entry_size());
    for (size_t i = 0; i < entries.size(); ++i) {
      const char* p = bytes.data() + BlockTableLayout::kHeaderBytes + i * read.entry_size();
      const BlockTableEntry got = read.Decode(p);
      const BlockTableEntry& want = entries[i];
      EXPECT_EQ(got.tf_offset, want.tf_offset);
      EXPECT_EQ(got.pos_offset, want.pos_offset);
      EXPECT_EQ(got.last_doc, want.last_doc);
      EXPECT_EQ(read.Get(p, BlockTableLayout::kLastDoc), want.last_doc);
      EXPECT_EQ(got.max_tf, want.max_tf);
      EXPECT_EQ(got.min_length, want.min_length);
      ASSERT_EQ(got.num_impacts, kBlockImpacts);
      for (uint32_t k = 0; k < kBlockImpacts; ++k) {
        EXPECT_EQ(got.impact_tf[k], want.impact_tf[k]);
        EXPECT_EQ(got.impact_length[k], want.impact_length[k]);
      }
    }
  }
  // Widths above 4 bytes, and the unused top bit.
  BlockTableLayout read;
  for (uint16_t bits : {uint16_t{5}, uint16_t{7 << 12}, uint16_t{0x8000}}) {
    std::string header;
    PutFixed16(&header, bits);
    EXPECT_FALSE(BlockTableLayout::FromHeader(header.data(), &read)) << bits;
  }
}

TEST_F(SegmentFormatTest, FormatTwoSegmentsStillOpen) {
  const std::string fixtures = std::string(TRAWL_FIXTURES_DIR) + "/index-v2";
  uint32_t total_docs = 0;
  for (const char* name : {"seg_1", "seg_2", "seg_3"}) {
    if (!std::filesystem::exists(fixtures + "/" + name + ".meta")) continue;
    std::unique_ptr<SegmentReader> seg;
    Status s = SegmentReader::Open(fixtures, name, /*verify_checksums=*/true, &seg);
    ASSERT_TRUE(s.ok()) << s.ToString();
    s = seg->VerifyStructure();
    ASSERT_TRUE(s.ok()) << s.ToString();
    EXPECT_EQ(seg->format_version(), 2u);
    EXPECT_EQ(seg->columns(), nullptr);
    ASSERT_GE(seg->fields().size(), 2u);
    EXPECT_EQ(seg->fields()[0].name, "id");
    EXPECT_EQ(seg->fields()[0].type, FieldType::kKeyword);
    for (size_t f = 1; f < seg->fields().size(); ++f) EXPECT_EQ(seg->fields()[f].type, FieldType::kText);
    total_docs += seg->num_docs();
    // Every stored document's id is found in the dictionary, at its own docid; the id field
    // keeps its stored lengths (1).
    for (uint32_t d = 0; d < seg->num_docs(); ++d) {
      EXPECT_EQ(seg->FieldLength(0, d), 1u);
      std::string id;
      ASSERT_TRUE(seg->ForEachTermFrom(0, "", [&](std::string_view term, const TermInfo& info) {
                       RoaringView bitmap;
                       if (!seg->OpenDocids(info, &bitmap).ok()) return false;
                       if (bitmap.NewCursor().Advance(d) == d) id = std::string(term);
                       return id.empty();
                     }).ok());
      ASSERT_FALSE(id.empty()) << name << " " << d;
      TermInfo info;
      ASSERT_TRUE(seg->LookupTerm(0, id, &info).ok()) << id;
    }
    // A text field's terms come back whole: no byte of the key is taken for the field.
    int text_terms = 0;
    ASSERT_TRUE(seg->ForEachTermWithPrefix(1, "", [&](std::string_view term, const TermInfo& info) {
                     TermInfo again;
                     EXPECT_TRUE(seg->LookupTerm(1, term, &again).ok()) << term;
                     EXPECT_EQ(again.post_offset, info.post_offset);
                     return ++text_terms < 50;
                   }).ok());
    EXPECT_GT(text_terms, 0);
  }
  EXPECT_GT(total_docs, 0u);
}

}  // namespace
}  // namespace format_test
}  // namespace trawl
