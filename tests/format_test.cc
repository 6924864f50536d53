#include <gtest/gtest.h>

#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <random>

#include "common/bitpack.h"
#include "common/coding.h"
#include "format/file_format.h"

namespace trawl {
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

TEST(BitPack, RoundTripAllWidths) {
  std::mt19937 rng(3);
  for (uint32_t width = 0; width <= 32; ++width) {
    for (size_t count : {1u, 7u, 128u}) {
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
      for (int trial = 0; trial < 20; ++trial) {
        const size_t begin = rng() % (count + 1), end = begin + rng() % (count - begin + 1);
        uint64_t want = 0;
        for (size_t i = begin; i < end; ++i) want += values[i];
        ASSERT_EQ(SumPacked(packed.data(), packed.size(), width, begin, end), want)
            << width << " [" << begin << ", " << end << ")";
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

}  // namespace
}  // namespace trawl
