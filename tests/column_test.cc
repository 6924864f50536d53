#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <map>
#include <random>
#include <set>

#include "common/bitpack.h"
#include "format/column_reader.h"
#include "format/column_writer.h"
#include "format/file_format.h"

namespace trawl {
namespace column_test {
namespace {

// What a column should read back as: per document, its values sorted without repeats (keyword:
// the strings themselves).
struct Expected {
  FieldType type;
  uint32_t field_id;
  std::vector<std::vector<uint64_t>> numbers;
  std::vector<std::vector<std::string>> strings;
};

class ColumnTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/trawl_column_XXXXXX";
    dir_ = mkdtemp(tmpl);
    path_ = dir_ + "/seg_1.col";
  }
  void TearDown() override {
    std::remove(path_.c_str());
    rmdir(dir_.c_str());
  }

  // A random column: documents with no value, one, or several (with repeats); numbers drawn
  // from a range that makes every width likely, extremes included; keywords with empty and
  // long strings.
  ColumnValues RandomColumn(uint32_t field_id, FieldType type, uint32_t num_docs, bool multi,
                            Expected* expected) {
    ColumnValues c;
    c.field_id = field_id;
    c.type = type;
    expected->type = type;
    expected->field_id = field_id;
    expected->numbers.assign(num_docs, {});
    expected->strings.assign(num_docs, {});
    const int width = static_cast<int>(rng_() % 65);
    const uint64_t base = rng_() % 2 ? 0 : rng_();
    auto number = [&]() -> uint64_t {
      if (type == FieldType::kBool) return rng_() % 2;
      switch (rng_() % 10) {
        case 0:
          return 0;
        case 1:
          return UINT64_MAX;
        default:
          return base + (width == 0 ? 0 : width == 64 ? rng_() : rng_() % (uint64_t{1} << width));
      }
    };
    std::vector<std::string> pool;
    if (type == FieldType::kKeyword) {
      std::set<std::string> distinct = {""};
      const size_t n = 1 + rng_() % 50;
      while (distinct.size() < n) {
        const size_t length = rng_() % 8 == 0 ? 300 + rng_() % 5000 : rng_() % 6;
        std::string s(length, 'a');
        for (char& ch : s)
          ch = static_cast<char>(rng_() % 3 == 0 ? 'a' + rng_() % 3 : rng_() % 256);
        distinct.insert(s);
      }
      pool.assign(distinct.begin(), distinct.end());
      std::shuffle(pool.begin(), pool.end(), rng_);
      c.strings = pool;
    }
    c.starts.push_back(0);
    for (uint32_t d = 0; d < num_docs; ++d) {
      const uint32_t k = rng_() % 4 == 0 ? 0 : multi ? rng_() % 5 : 1;
      std::set<uint64_t> numbers;
      std::set<std::string> strings;
      for (uint32_t i = 0; i < k; ++i) {
        // Repeats: a document's values are drawn partly from a small set.
        if (type == FieldType::kKeyword) {
          const uint64_t index = rng_() % pool.size();
          c.values.push_back(index);
          strings.insert(pool[index]);
        } else {
          const uint64_t v = i > 0 && rng_() % 3 == 0 ? c.values.back() : number();
          c.values.push_back(v);
          numbers.insert(v);
        }
      }
      c.starts.push_back(static_cast<uint32_t>(c.values.size()));
      expected->numbers[d].assign(numbers.begin(), numbers.end());
      expected->strings[d].assign(strings.begin(), strings.end());
    }
    return c;
  }

  void ExpectColumn(const Column& col, const Expected& e) {
    ASSERT_EQ(col.field_id(), e.field_id);
    ASSERT_EQ(col.type(), e.type);
    ASSERT_EQ(col.num_docs(), e.numbers.size());
    bool multi = false;
    std::set<std::string> all_strings;
    for (uint32_t d = 0; d < col.num_docs(); ++d) {
      const Column::Range r = col.ValuesOf(d);
      std::vector<uint64_t> got;
      for (uint64_t i = r.begin; i < r.end; ++i) got.push_back(col.ValueAt(i));
      uint64_t lo = 0, hi = 0;
      const bool has_min = col.Min(d, &lo), has_max = col.Max(d, &hi);
      ASSERT_EQ(has_min, !got.empty());
      ASSERT_EQ(has_max, !got.empty());
      if (!got.empty()) {
        EXPECT_EQ(lo, got.front());
        EXPECT_EQ(hi, got.back());
        EXPECT_GE(lo, col.min_value());
        EXPECT_LE(hi, col.max_value());
      }
      if (got.size() > 1) multi = true;
      if (e.type == FieldType::kKeyword) {
        std::vector<std::string> strings;
        for (uint64_t ord : got) {
          ASSERT_LT(ord, col.num_ords());
          strings.emplace_back(col.OrdValue(ord));
        }
        ASSERT_EQ(strings, e.strings[d]) << "document " << d;
        all_strings.insert(e.strings[d].begin(), e.strings[d].end());
      } else {
        ASSERT_EQ(got, e.numbers[d]) << "document " << d;
      }
    }
    EXPECT_EQ(col.multi_valued(), multi);
    if (e.type == FieldType::kKeyword) {
      // Every string of the input is in the dictionary (used or not), in byte order.
      for (uint64_t ord = 1; ord < col.num_ords(); ++ord)
        EXPECT_LT(col.OrdValue(ord - 1), col.OrdValue(ord));
      for (const std::string& s : all_strings) {
        const uint64_t ord = col.LowerBoundOrd(s);
        ASSERT_LT(ord, col.num_ords());
        EXPECT_EQ(col.OrdValue(ord), s);
      }
      EXPECT_EQ(col.LowerBoundOrd(""), 0u);
      EXPECT_EQ(col.LowerBoundOrd(std::string(6000, '\xff')), col.num_ords());
    }
  }

  std::mt19937_64 rng_{12};
  std::string dir_, path_;
};

constexpr FieldType kColumnTypes[] = {FieldType::kKeyword, FieldType::kInt, FieldType::kFloat,
                                      FieldType::kDate, FieldType::kBool};

TEST_F(ColumnTest, RandomColumnsReadBackAsWritten) {
  for (int trial = 0; trial < 30; ++trial) {
    const uint32_t num_docs = trial == 0 ? 0 : trial == 1 ? 1 : 1 + rng_() % 700;
    std::vector<ColumnValues> columns;
    std::vector<Expected> expected;
    uint32_t field_id = rng_() % 3;
    for (int i = 0; i < 8; ++i) {
      Expected e;
      columns.push_back(RandomColumn(field_id, kColumnTypes[rng_() % 5], num_docs, rng_() % 2, &e));
      expected.push_back(std::move(e));
      field_id += 1 + rng_() % 20000;
    }
    std::remove(path_.c_str());
    ASSERT_TRUE(WriteColumns(path_, num_docs, &columns).ok());
    std::unique_ptr<ColumnReader> reader;
    Status s = ColumnReader::Open(path_, /*verify_checksum=*/true, &reader);
    ASSERT_TRUE(s.ok()) << s.ToString();
    ASSERT_TRUE(reader->VerifyValues().ok());
    ASSERT_EQ(reader->columns().size(), expected.size());
    for (const Expected& e : expected) {
      const Column* col = reader->Find(e.field_id);
      ASSERT_NE(col, nullptr);
      ExpectColumn(*col, e);
    }
    EXPECT_EQ(reader->Find(expected.back().field_id + 1), nullptr);
  }
}

TEST_F(ColumnTest, ExtremesTakeSixtyFourBits) {
  ColumnValues c;
  c.field_id = 3;
  c.type = FieldType::kInt;
  c.starts = {0, 1, 1, 3, 4};
  c.values = {UINT64_MAX, 0, UINT64_MAX, 1};
  std::vector<ColumnValues> columns = {c};
  ASSERT_TRUE(WriteColumns(path_, 4, &columns).ok());
  std::unique_ptr<ColumnReader> reader;
  ASSERT_TRUE(ColumnReader::Open(path_, true, &reader).ok());
  const Column* col = reader->Find(3);
  ASSERT_NE(col, nullptr);
  EXPECT_TRUE(col->multi_valued());
  EXPECT_EQ(col->min_value(), 0u);
  EXPECT_EQ(col->max_value(), UINT64_MAX);
  uint64_t v;
  ASSERT_TRUE(col->Max(0, &v));
  EXPECT_EQ(v, UINT64_MAX);
  EXPECT_FALSE(col->Min(1, &v));
  ASSERT_TRUE(col->Min(2, &v));
  EXPECT_EQ(v, 0u);
  ASSERT_TRUE(col->Max(2, &v));
  EXPECT_EQ(v, UINT64_MAX);
  ASSERT_TRUE(col->Min(3, &v));
  EXPECT_EQ(v, 1u);
}

TEST_F(ColumnTest, SingleValuedColumnsWithAndWithoutMissingDocuments) {
  for (bool missing : {false, true}) {
    ColumnValues c;
    c.field_id = 1;
    c.type = FieldType::kDate;
    c.starts = {0};
    for (uint32_t d = 0; d < 100; ++d) {
      if (!missing || d % 7 != 3) c.values.push_back(uint64_t{1} << 62 | d * 1000);
      c.starts.push_back(static_cast<uint32_t>(c.values.size()));
    }
    std::vector<ColumnValues> columns = {c};
    std::remove(path_.c_str());
    ASSERT_TRUE(WriteColumns(path_, 100, &columns).ok());
    std::unique_ptr<ColumnReader> reader;
    ASSERT_TRUE(ColumnReader::Open(path_, true, &reader).ok());
    const Column& col = reader->columns()[0];
    EXPECT_FALSE(col.multi_valued());
    for (uint32_t d = 0; d < 100; ++d) {
      uint64_t v;
      const bool has = col.Min(d, &v);
      EXPECT_EQ(has, !missing || d % 7 != 3) << d;
      if (has) {
        EXPECT_EQ(v, uint64_t{1} << 62 | d * 1000);
      }
    }
  }
}

TEST_F(ColumnTest, ColumnWithoutAnyValue) {
  ColumnValues c;
  c.field_id = 0;
  c.type = FieldType::kKeyword;
  c.starts.assign(10, 0);
  std::vector<ColumnValues> columns = {c};
  ASSERT_TRUE(WriteColumns(path_, 9, &columns).ok());
  std::unique_ptr<ColumnReader> reader;
  ASSERT_TRUE(ColumnReader::Open(path_, true, &reader).ok());
  const Column& col = reader->columns()[0];
  EXPECT_EQ(col.num_values(), 0u);
  EXPECT_EQ(col.num_ords(), 0u);
  for (uint32_t d = 0; d < 9; ++d) EXPECT_TRUE(col.ValuesOf(d).empty());
  EXPECT_TRUE(col.ValuesOf(9).empty());  // past the end
  EXPECT_EQ(col.LowerBoundOrd("x"), 0u);
}

TEST_F(ColumnTest, FileOfZeroColumns) {
  std::vector<ColumnValues> columns;
  ASSERT_TRUE(WriteColumns(path_, 17, &columns).ok());
  std::unique_ptr<ColumnReader> reader;
  ASSERT_TRUE(ColumnReader::Open(path_, true, &reader).ok());
  EXPECT_TRUE(reader->columns().empty());
  EXPECT_EQ(reader->Find(0), nullptr);
  EXPECT_TRUE(reader->VerifyValues().ok());
}

TEST_F(ColumnTest, InconsistentInputIsRefused) {
  auto write = [&](ColumnValues c, uint32_t num_docs = 2) {
    std::remove(path_.c_str());
    std::vector<ColumnValues> columns = {std::move(c)};
    return WriteColumns(path_, num_docs, &columns);
  };
  ColumnValues good;
  good.field_id = 4;
  good.type = FieldType::kKeyword;
  good.starts = {0, 1, 2};
  good.values = {0, 1};
  good.strings = {"b", "a"};
  EXPECT_TRUE(write(good).ok());
  EXPECT_TRUE(write(good, 3).IsInvalidArgument());  // starts not num_docs + 1 long
  ColumnValues c = good;
  c.values[1] = 2;
  EXPECT_TRUE(write(c).IsInvalidArgument());  // keyword index out of range
  c = good;
  c.strings = {"a", "a"};
  EXPECT_TRUE(write(c).IsInvalidArgument());  // repeated strings
  c = good;
  c.starts = {0, 2, 1};
  EXPECT_TRUE(write(c).IsInvalidArgument());  // starts going back
  c = good;
  c.type = FieldType::kText;
  EXPECT_TRUE(write(c).IsInvalidArgument());
  c = good;
  c.type = FieldType::kBool;
  c.strings.clear();
  c.values = {0, 2};
  EXPECT_TRUE(write(c).IsInvalidArgument());  // a bool of 2
  std::vector<ColumnValues> two = {good, good};
  std::remove(path_.c_str());
  EXPECT_TRUE(WriteColumns(path_, 2, &two).IsInvalidArgument());  // field ids not increasing
}

// Damage that the CRC would catch, read without checking it: every read must stay in bounds
// (run under the sanitizers), and damage to the directory is reported as Corruption naming
// the file whenever the reader notices it.
TEST_F(ColumnTest, DamagedFilesAreCorruptionNotACrash) {
  std::vector<ColumnValues> columns;
  std::vector<Expected> expected(5);
  for (int i = 0; i < 5; ++i)
    columns.push_back(RandomColumn(i * 100, kColumnTypes[i], 300, i % 2 == 0, &expected[i]));
  ASSERT_TRUE(WriteColumns(path_, 300, &columns).ok());
  std::string bytes;
  ASSERT_TRUE(ReadFileToString(path_, &bytes).ok());
  auto exercise = [](const ColumnReader& reader) {
    uint64_t sum = 0;
    for (const Column& col : reader.columns()) {
      // (A column whose values all take 0 bits may claim any document count: the segment
      // checks it against its own.)
      for (uint32_t d = 0; d <= col.num_docs() && d < 1000; ++d) {
        const Column::Range r = col.ValuesOf(d);
        for (uint64_t i = r.begin; i < r.end && i < r.begin + 10; ++i) {
          const uint64_t v = col.ValueAt(i);
          sum += v;
          if (col.type() == FieldType::kKeyword) sum += col.OrdValue(v).size();
        }
        uint64_t v;
        if (col.Min(d, &v)) sum += v;
        if (col.Max(d, &v)) sum += v;
      }
      sum += col.LowerBoundOrd("m");
      sum += col.ValueAt(col.num_values() + 5);
    }
    (void)reader.VerifyValues();
    return sum;
  };
  auto open = [&](const std::string& data, std::unique_ptr<ColumnReader>* reader) {
    // A new file each time: truncating one the kernel is still writing back waits for it.
    std::remove(path_.c_str());
    std::ofstream(path_, std::ios::binary).write(data.data(), data.size());
    return ColumnReader::Open(path_, /*verify_checksum=*/false, reader);
  };
  // Truncation: always caught (by the envelope's length).
  for (size_t cut = 1; cut < bytes.size(); cut += 1 + cut / 3) {
    std::unique_ptr<ColumnReader> reader;
    Status s = open(bytes.substr(0, bytes.size() - cut), &reader);
    EXPECT_TRUE(s.IsCorruption()) << "cut " << cut << ": " << s.ToString();
  }
  // Flipped bytes in the directory (and the count before it).
  const size_t directory_end = kFileHeaderSize + 4 + 96 * columns.size();
  int caught = 0, tried = 0;
  for (size_t pos = kFileHeaderSize; pos < directory_end; ++pos) {
    for (unsigned char mask : {0x01, 0x10, 0x80, 0xff}) {
      std::string damaged = bytes;
      damaged[pos] = static_cast<char>(damaged[pos] ^ mask);
      std::unique_ptr<ColumnReader> reader;
      Status s = open(damaged, &reader);
      ++tried;
      if (!s.ok()) {
        ++caught;
        EXPECT_TRUE(s.IsCorruption()) << s.ToString();
        EXPECT_NE(s.message().find("seg_1.col"), std::string::npos) << s.ToString();
      } else {
        exercise(*reader);
      }
    }
  }
  // Most directory fields are cross-checked; only a value's min (when max moves alike),
  // the field id within its order and some high bits of counts can change unnoticed.
  EXPECT_GT(caught, tried / 2);
  // Random damage anywhere in the body.
  for (int trial = 0; trial < 2000; ++trial) {
    std::string damaged = bytes;
    for (int k = 0; k < 1 + trial % 4; ++k) {
      const size_t pos =
          kFileHeaderSize + rng_() % (bytes.size() - kFileHeaderSize - kFileFooterSize);
      damaged[pos] = static_cast<char>(damaged[pos] ^ (1 + rng_() % 255));
    }
    std::unique_ptr<ColumnReader> reader;
    if (open(damaged, &reader).ok()) exercise(*reader);
  }
  // And the CRC catches all of it when asked.
  std::string damaged = bytes;
  damaged[directory_end + 3] ^= 0x40;
  std::ofstream(path_, std::ios::binary | std::ios::trunc).write(damaged.data(), damaged.size());
  std::unique_ptr<ColumnReader> reader;
  EXPECT_TRUE(ColumnReader::Open(path_, true, &reader).IsCorruption());
}

TEST(BitPack64, RoundTripAllWidths) {
  std::mt19937_64 rng(9);
  for (uint32_t width = 0; width <= 64; ++width) {
    for (size_t count : {1u, 7u, 65u, 300u}) {
      std::vector<uint64_t> values(count);
      for (auto& v : values)
        v = width == 0 ? 0 : width == 64 ? rng() : rng() & ((uint64_t{1} << width) - 1);
      if (width == 64) values[0] = UINT64_MAX;
      std::string packed;
      PackBits64(values.data(), count, width, &packed);
      ASSERT_EQ(packed.size(), PackedBytes(count, width));
      for (size_t i = 0; i < count; ++i)
        ASSERT_EQ(UnpackOne64(packed.data(), packed.size(), width, i), values[i])
            << width << " " << i;
      // Past the end: zero, never a read out of bounds.
      EXPECT_EQ(UnpackOne64(packed.data(), packed.size(), width, count + 100000), 0u);
      EXPECT_EQ(UnpackOne64(packed.data(), packed.size(), width, UINT64_MAX), 0u);
      EXPECT_EQ(
          BitWidth64(width == 0 ? 0 : (width == 64 ? UINT64_MAX : (uint64_t{1} << width) - 1)),
          width);
    }
  }
}

}  // namespace
}  // namespace column_test
}  // namespace trawl
