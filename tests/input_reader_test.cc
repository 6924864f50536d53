#include "ingest/input_reader.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include <charconv>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <limits>
#include <nlohmann/json.hpp>
#include <ostream>
#include <random>
#include <string>
#include <vector>

#include "tests/test_util.h"

namespace trawl {

namespace input_reader_test {
namespace {

namespace fs = std::filesystem;

class InputReaderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = FreshTempDir("trawl_input_test");
  }
  void TearDown() override {
    // Restore permissions a test took away so the tree can be removed.
    std::error_code ec;
    for (auto& e : fs::recursive_directory_iterator(dir_, ec)) {
      fs::permissions(e.path(), fs::perms::owner_all, fs::perm_options::add, ec);
    }
    fs::remove_all(dir_);
  }

  std::string Path(const std::string& rel) const { return (dir_ / rel).string(); }

  std::string WriteFile(const std::string& rel, const std::string& content) {
    fs::path p = dir_ / rel;
    fs::create_directories(p.parent_path());
    std::ofstream out(p, std::ios::binary);
    out.write(content.data(), static_cast<std::streamsize>(content.size()));
    return p.string();
  }

  // One gzip member per string in `members` (several make a multi-member file, like cat a.gz b.gz).
  std::string WriteGzip(const std::string& rel, const std::vector<std::string>& members) {
    std::string bytes;
    for (const std::string& m : members) bytes += Gzip(m);
    return WriteFile(rel, bytes);
  }

  static std::string Gzip(const std::string& data) {
    z_stream zs{};
    EXPECT_EQ(deflateInit2(&zs, 6, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY), Z_OK);
    std::string out(deflateBound(&zs, data.size()) + 32, '\0');
    zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
    zs.avail_in = static_cast<uInt>(data.size());
    zs.next_out = reinterpret_cast<Bytef*>(out.data());
    zs.avail_out = static_cast<uInt>(out.size());
    EXPECT_EQ(deflate(&zs, Z_FINISH), Z_STREAM_END);
    out.resize(zs.total_out);
    deflateEnd(&zs);
    return out;
  }

  Status Read(const std::string& input, std::vector<Document>* docs,
              const InputOptions& options = {}) {
    stats_ = InputStats();
    return ReadInput(input, options, &stats_, [docs](Document&& d) {
      docs->push_back(std::move(d));
      return Status::OK();
    });
  }

  bool HasMessage(const std::string& needle) const {
    for (const std::string& m : stats_.messages) {
      if (m.find(needle) != std::string::npos) return true;
    }
    return false;
  }

  fs::path dir_;
  InputStats stats_;
};

TEST_F(InputReaderTest, DirectoryTree) {
  WriteFile("docs/b.txt", "bee");
  WriteFile("docs/a/c.txt", "sea");
  WriteFile("docs/a/b/d.md", "# dee\n");
  WriteGzip("docs/z.txt.gz", {"zipped text"});
  WriteFile("docs/empty.txt", "");
  WriteFile("docs/bin.dat", std::string("ELF\0\1\2", 6) + "text");
  std::string noise;
  for (int i = 0; i < 1000; ++i) noise += static_cast<char>(0x80 + i % 64);
  WriteFile("docs/noise.txt", noise);
  // A few invalid bytes in mostly good text: still text, kept as is.
  WriteFile("docs/latin1.txt", "caf\xE9 cr\xE8me br\xFBl\xE9\x65 and plenty of ASCII besides");
  fs::create_directory_symlink(dir_ / "docs/a", dir_ / "docs/linkdir");
  fs::create_symlink(dir_ / "docs/b.txt", dir_ / "docs/linkfile.txt");

  std::vector<Document> docs;
  const std::string root = Path("docs");
  ASSERT_TRUE(Read(root, &docs).ok());
  std::vector<std::string> ids;
  for (const Document& d : docs) ids.push_back(d.id);
  EXPECT_EQ(ids, (std::vector<std::string>{root + "/a/b/d.md", root + "/a/c.txt", root + "/b.txt",
                                           root + "/latin1.txt", root + "/linkfile.txt",
                                           root + "/z.txt.gz"}));
  ASSERT_EQ(docs.size(), 6u);
  EXPECT_EQ(docs[0].Field("title"), "d.md");
  EXPECT_EQ(docs[0].Field("body"), "# dee\n");
  EXPECT_EQ(docs[3].Field("body"), "caf\xE9 cr\xE8me br\xFBl\xE9\x65 and plenty of ASCII besides");
  EXPECT_EQ(docs[4].Field("body"), "bee");
  EXPECT_EQ(docs[5].Field("title"), "z.txt");
  EXPECT_EQ(docs[5].Field("body"), "zipped text");

  EXPECT_EQ(stats_.documents, 6u);
  EXPECT_EQ(stats_.skipped_empty, 1u);
  EXPECT_EQ(stats_.skipped_binary, 1u);        // bin.dat: a NUL byte
  EXPECT_EQ(stats_.skipped_bad_encoding, 1u);  // noise.txt: no NUL, but hardly any valid UTF-8
  EXPECT_EQ(stats_.skipped_unreadable, 0u);
  EXPECT_TRUE(HasMessage("empty.txt"));
  EXPECT_TRUE(HasMessage("bin.dat: binary file (NUL byte at byte 3)"));
  EXPECT_TRUE(HasMessage("noise.txt: not UTF-8 text"));
}

TEST_F(InputReaderTest, TrailingSlashAndSingleFile) {
  WriteFile("d/x.txt", "x");
  std::vector<Document> docs;
  ASSERT_TRUE(Read(Path("d") + "/", &docs).ok());
  ASSERT_EQ(docs.size(), 1u);
  EXPECT_EQ(docs[0].id, Path("d/x.txt"));

  docs.clear();
  ASSERT_TRUE(Read(Path("d/x.txt"), &docs).ok());
  ASSERT_EQ(docs.size(), 1u);
  EXPECT_EQ(docs[0].id, Path("d/x.txt"));
  EXPECT_EQ(docs[0].Field("title"), "x.txt");
}

TEST_F(InputReaderTest, Jsonl) {
  const std::string path = WriteFile(
      "in.jsonl",
      "{\"id\": \"a\", \"title\": \"Caf\\u00e9 \\ud83d\\ude00\", \"n\": 5, \"tags\": [\"t\"], "
      "\"body\": \"b\", \"extra\": \"e\"}\n"
      "\n"
      "   \r\n"
      "{\"id\": 42, \"body\": \"numeric id\"}\r\n"
      "{\"body\": \"first\", \"id\": \"last-line-without-newline\"}");
  std::vector<Document> docs;
  ASSERT_TRUE(Read(path, &docs).ok());
  ASSERT_EQ(docs.size(), 3u);
  EXPECT_EQ(docs[0].id, "a");
  using Fields = std::vector<trawl::DocField>;
  EXPECT_EQ(docs[0].fields,
            (Fields{{"title", "Caf\xC3\xA9 \xF0\x9F\x98\x80"},
                    {"n", "5", ValueKind::kInt},
                    {"tags", "t"},
                    {"body", "b"},
                    {"extra", "e"}}));
  EXPECT_EQ(docs[1].id, "42");
  EXPECT_EQ(docs[1].fields, (Fields{{"body", "numeric id"}}));
  EXPECT_EQ(docs[2].id, "last-line-without-newline");
  EXPECT_EQ(stats_.documents, 3u);
}

TEST_F(InputReaderTest, NumericIdsAreIntegersKeptExactlyOrRefused) {
  const std::string path = WriteFile(
      "ids.jsonl",
      "{\"id\": 18446744073709551615, \"body\": \"uint64 max\"}\n"
      "{\"id\": -9223372036854775808, \"body\": \"int64 min\"}\n"
      "{\"id\": 0, \"body\": \"zero\"}\n"
      "{\"id\": 18446744073709551616, \"body\": \"too big\"}\n"
      "{\"id\": 18446744073709551617, \"body\": \"too big too\"}\n"
      "{\"id\": 4.5e1, \"body\": \"exponent\"}\n"
      "{\"id\": 1.5, \"body\": \"fraction\"}\n"
      "{\"id\": \"18446744073709551616\", \"body\": \"as a string\"}\n"
      "{\"id\": 1e400, \"body\": \"beyond a double\"}\n");
  std::vector<Document> docs;
  InputOptions options;
  options.skip_errors = true;
  ASSERT_TRUE(Read(path, &docs, options).ok());
  ASSERT_EQ(docs.size(), 4u);
  EXPECT_EQ(docs[0].id, "18446744073709551615");
  EXPECT_EQ(docs[1].id, "-9223372036854775808");
  EXPECT_EQ(docs[2].id, "0");
  EXPECT_EQ(docs[3].id, "18446744073709551616");
  EXPECT_EQ(stats_.skipped_bad_json, 5u);
  ASSERT_EQ(stats_.messages.size(), 5u);
  for (size_t i = 0; i < 5; ++i) {
    const size_t line = i < 4 ? 4 + i : 9;
    EXPECT_NE(stats_.messages[i].find("ids.jsonl:" + std::to_string(line) + ": "),
              std::string::npos)
        << stats_.messages[i];
    EXPECT_NE(stats_.messages[i].find("not an integer in the 64-bit range"), std::string::npos)
        << stats_.messages[i];
  }

  // Without --skip-errors the first such line stops the run, naming the file and line.
  docs.clear();
  Status s = Read(path, &docs);
  EXPECT_TRUE(s.IsInvalidArgument());
  EXPECT_NE(s.message().find("ids.jsonl:4: "), std::string::npos) << s.message();
  EXPECT_EQ(docs.size(), 3u);
}

TEST_F(InputReaderTest, JsonlTypedValues) {
  const std::string path = WriteFile(
      "typed.jsonl",
      "{\"id\": \"t\", \"s\": \"str\", \"i\": -42, \"big\": 9223372036854775807, "
      "\"small\": -9223372036854775808, \"f\": 1.5, \"e\": 1e3, \"tenth\": 0.1, \"nz\": -0.0, "
      "\"tiny\": 5e-324, \"yes\": true, \"no\": false, \"nothing\": null, "
      "\"tags\": [\"a\", \"b\", null, \"a\"], \"nums\": [1, 2.5, -3], \"ints\": [7, 8], "
      "\"none\": [], \"empty\": {}, "
      "\"a\": {\"b\": 1, \"c\": {\"d\": \"deep\", \"id\": 9}}, \"x.y\": true}\n");
  std::vector<Document> docs;
  ASSERT_TRUE(Read(path, &docs).ok()) << (stats_.messages.empty() ? "" : stats_.messages[0]);
  ASSERT_EQ(docs.size(), 1u);
  EXPECT_EQ(docs[0].id, "t");
  using Fields = std::vector<trawl::DocField>;
  EXPECT_EQ(docs[0].fields, (Fields{
                                {"s", "str"},
                                {"i", "-42", ValueKind::kInt},
                                {"big", "9223372036854775807", ValueKind::kInt},
                                {"small", "-9223372036854775808", ValueKind::kInt},
                                {"f", "1.5", ValueKind::kFloat},
                                {"e", "1000", ValueKind::kFloat},
                                {"tenth", "0.1", ValueKind::kFloat},
                                {"nz", "-0", ValueKind::kFloat},
                                {"tiny", "5e-324", ValueKind::kFloat},
                                {"yes", "true", ValueKind::kBool},
                                {"no", "false", ValueKind::kBool},
                                {"tags", "a"},
                                {"tags", "b"},
                                {"tags", "a"},
                                // Integers among floats are floats, in their decimal text.
                                {"nums", "1", ValueKind::kFloat},
                                {"nums", "2.5", ValueKind::kFloat},
                                {"nums", "-3", ValueKind::kFloat},
                                {"ints", "7", ValueKind::kInt},
                                {"ints", "8", ValueKind::kInt},
                                {"a.b", "1", ValueKind::kInt},
                                {"a.c.d", "deep"},
                                // Only the top-level "id" is the document's.
                                {"a.c.id", "9", ValueKind::kInt},
                                {"x.y", "true", ValueKind::kBool},
                            }));
}

// Objects nested `depth` deep, the line's own object included: {"id": "d", "k": {"k": ... 1}}.
std::string NestedJsonLine(int depth) {
  std::string line = "{\"id\": \"d\"";
  for (int i = 1; i < depth; ++i) line += ", \"k\": {\"v\": " + std::to_string(i);
  line += std::string(static_cast<size_t>(depth - 1), '}');
  return line + "}\n";
}

TEST_F(InputReaderTest, JsonlNestingIsLimited) {
  std::vector<Document> docs;
  ASSERT_TRUE(Read(WriteFile("ok.jsonl", NestedJsonLine(16)), &docs).ok());
  ASSERT_EQ(docs.size(), 1u);
  ASSERT_EQ(docs[0].fields.size(), 15u);
  std::string deepest = "k";
  for (int i = 2; i < 16; ++i) deepest += ".k";
  EXPECT_EQ(docs[0].fields.back(), DocField(deepest + ".v", "15", ValueKind::kInt));

  docs.clear();
  Status s = Read(WriteFile("deep.jsonl", NestedJsonLine(17)), &docs);
  EXPECT_TRUE(s.IsInvalidArgument());
  EXPECT_NE(s.message().find("deep.jsonl:1: field \"" + deepest + ".k\": objects nested more "
                             "than 16 deep"),
            std::string::npos)
      << s.message();
  EXPECT_TRUE(docs.empty());

  // Far deeper than any stack would take, were the parser recursive.
  std::string line = "{\"id\": \"x\", \"k\": ";
  for (int i = 0; i < 100000; ++i) line += "{\"k\": ";
  s = Read(WriteFile("abyss.jsonl", line + "1" + std::string(100001, '}') + "\n"), &docs);
  EXPECT_TRUE(s.IsInvalidArgument());
  EXPECT_NE(s.message().find("nested more than 16 deep"), std::string::npos);
}

TEST_F(InputReaderTest, JsonlBadValuesAreRefusedNamingTheField) {
  const std::string path = WriteFile(
      "vals.jsonl",
      "{\"id\": \"ok\", \"n\": 1}\n"
      "{\"id\": \"a\", \"n\": 9223372036854775808}\n"
      "{\"id\": \"b\", \"o\": {\"n\": -9223372036854775809}}\n"
      "{\"id\": \"c\", \"n\": 123456789012345678901234567890}\n"
      "{\"id\": \"d\", \"f\": 1e400}\n"
      "{\"id\": \"e\", \"mixed\": [\"a\", 1]}\n"
      "{\"id\": \"f\", \"mixed\": [true, \"x\"]}\n"
      "{\"id\": \"g\", \"nested\": [[1]]}\n"
      "{\"id\": \"h\", \"objs\": [{\"a\": 1}]}\n"
      "{\"id\": \"ok2\", \"n\": 2}\n");
  std::vector<Document> docs;
  InputOptions options;
  options.skip_errors = true;
  ASSERT_TRUE(Read(path, &docs, options).ok());
  ASSERT_EQ(docs.size(), 2u);
  EXPECT_EQ(docs[0].id, "ok");
  EXPECT_EQ(docs[1].id, "ok2");
  EXPECT_EQ(stats_.skipped_bad_json, 8u);
  const std::vector<std::string> expected = {
      "vals.jsonl:2: field \"n\": integer 9223372036854775808 is outside the 64-bit range",
      "vals.jsonl:3: field \"o.n\": integer -9223372036854775809 is outside the 64-bit range",
      "vals.jsonl:4: field \"n\": integer 123456789012345678901234567890 is outside",
      "vals.jsonl:5: field \"f\": number 1e400 is out of the range of a 64-bit float",
      "vals.jsonl:6: field \"mixed\": an array mixes string and number values",
      "vals.jsonl:7: field \"mixed\": an array mixes boolean and string values",
      "vals.jsonl:8: field \"nested\": an array may hold only strings, numbers, booleans and "
      "nulls, not arrays",
      "vals.jsonl:9: field \"objs\": an array may hold only strings, numbers, booleans and "
      "nulls, not objects",
  };
  ASSERT_EQ(stats_.messages.size(), expected.size());
  for (size_t i = 0; i < expected.size(); ++i) {
    EXPECT_NE(stats_.messages[i].find(expected[i]), std::string::npos) << stats_.messages[i];
  }

  // Without --skip-errors the first one stops the run, as any bad line does.
  docs.clear();
  Status s = Read(path, &docs);
  EXPECT_TRUE(s.IsInvalidArgument());
  EXPECT_NE(s.message().find(expected[0]), std::string::npos) << s.message();
  EXPECT_EQ(docs.size(), 1u);
}

// Random JSON objects against a reference flattening of nlohmann's own tree.
TEST_F(InputReaderTest, JsonlFlatteningMatchesReference) {
  using Json = nlohmann::ordered_json;
  std::mt19937_64 rng(12);
  auto pick = [&](int n) { return static_cast<int>(rng() % static_cast<uint64_t>(n)); };
  std::function<Json(int, int)> scalar = [&](int kind, int) -> Json {
    switch (kind) {
      case 0:
        return "s" + std::to_string(pick(1000));
      case 1: {
        static constexpr int64_t kEdges[] = {0, -1, 1, std::numeric_limits<int64_t>::min(),
                                             std::numeric_limits<int64_t>::max()};
        return pick(3) == 0 ? kEdges[pick(5)] : static_cast<int64_t>(rng());
      }
      case 2: {
        double d;
        const uint64_t bits = rng();
        std::memcpy(&d, &bits, sizeof d);
        if (!std::isfinite(d)) d = 0.25;
        return pick(2) == 0 ? d : static_cast<double>(pick(2000) - 1000) / 8;
      }
      default:
        return pick(2) == 0;
    }
  };
  std::function<Json(int)> object = [&](int depth) {
    Json o = Json::object();
    const int members = pick(5);
    for (int m = 0; m < members; ++m) {
      const std::string key = "k" + std::to_string(m);
      const int what = pick(depth < 15 ? 7 : 6);
      if (what < 4) {
        o[key] = scalar(what, depth);
      } else if (what == 4) {
        Json a = Json::array();
        const int kind = pick(4);
        for (int e = pick(4); e > 0; --e) a.push_back(pick(5) == 0 ? Json() : scalar(kind, depth));
        o[key] = a;
      } else if (what == 5) {
        o[key] = nullptr;
      } else {
        o[key] = object(depth + 1);
      }
    }
    return o;
  };
  auto text = [](const Json& v, ValueKind* kind) -> std::string {
    if (v.is_string()) {
      *kind = ValueKind::kText;
      return v.get<std::string>();
    }
    if (v.is_boolean()) {
      *kind = ValueKind::kBool;
      return v.get<bool>() ? "true" : "false";
    }
    if (v.is_number_integer()) {
      *kind = ValueKind::kInt;
      return v.dump();
    }
    *kind = ValueKind::kFloat;
    char buf[32];
    auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v.get<double>());
    return std::string(buf, end);
  };
  std::function<void(const Json&, const std::string&, std::vector<DocField>*)> flatten =
      [&](const Json& o, const std::string& prefix, std::vector<DocField>* out) {
        for (auto it = o.begin(); it != o.end(); ++it) {
          const std::string name = prefix.empty() ? it.key() : prefix + "." + it.key();
          if (prefix.empty() && it.key() == "id") continue;
          if (it->is_object()) {
            flatten(*it, name, out);
          } else if (it->is_array()) {
            const size_t first = out->size();
            bool any_float = false;
            for (const Json& e : *it) {
              if (e.is_null()) continue;
              ValueKind kind;
              std::string value = text(e, &kind);
              any_float |= kind == ValueKind::kFloat;
              out->emplace_back(name, std::move(value), kind);
            }
            for (size_t i = first; i < out->size(); ++i) {
              if (any_float && (*out)[i].kind == ValueKind::kInt) {
                (*out)[i].kind = ValueKind::kFloat;
              }
            }
          } else if (!it->is_null()) {
            ValueKind kind;
            std::string value = text(*it, &kind);
            out->emplace_back(name, std::move(value), kind);
          }
        }
      };
  std::string lines;
  std::vector<Document> expected;
  for (int i = 0; i < 300; ++i) {
    Json o = object(1);
    o["id"] = "doc" + std::to_string(i);
    lines += o.dump() + "\n";
    Document doc;
    doc.id = "doc" + std::to_string(i);
    flatten(o, "", &doc.fields);
    expected.push_back(std::move(doc));
  }
  std::vector<Document> docs;
  ASSERT_TRUE(Read(WriteFile("random.jsonl", lines), &docs).ok())
      << (stats_.messages.empty() ? "" : stats_.messages[0]);
  ASSERT_EQ(docs.size(), expected.size());
  for (size_t i = 0; i < docs.size(); ++i) {
    EXPECT_EQ(docs[i].id, expected[i].id);
    EXPECT_EQ(docs[i].fields, expected[i].fields) << docs[i].id;
  }
}

const char kBadJsonl[] =
    "{\"id\": \"1\", \"body\": \"one\"}\n"
    "{\"id\": \"2\", \"body\": \"two\"}\n"
    "{\"id\": \"3\", \"body\": oops}\n"
    "[1, 2]\n"
    "{\"body\": \"no id\"}\n"
    "{\"id\": null}\n"
    "{\"id\": \"7\", \"body\": \"seven\"}\n";

TEST_F(InputReaderTest, BadLineFailsTheRun) {
  const std::string path = WriteFile("file.jsonl", kBadJsonl);
  std::vector<Document> docs;
  Status s = Read(path, &docs);
  EXPECT_TRUE(s.IsInvalidArgument());
  EXPECT_NE(s.message().find("file.jsonl:3: "), std::string::npos) << s.message();
  EXPECT_NE(s.message().find("column"), std::string::npos) << s.message();
  EXPECT_EQ(docs.size(), 2u);
}

TEST_F(InputReaderTest, SkipErrorsKeepsGoodLines) {
  const std::string path = WriteFile("file.jsonl", kBadJsonl);
  std::vector<Document> docs;
  InputOptions options;
  options.skip_errors = true;
  ASSERT_TRUE(Read(path, &docs, options).ok());
  ASSERT_EQ(docs.size(), 3u);
  EXPECT_EQ(docs[2].id, "7");
  EXPECT_EQ(stats_.skipped_bad_json, 4u);
  ASSERT_EQ(stats_.messages.size(), 4u);
  EXPECT_NE(stats_.messages[0].find("file.jsonl:3: "), std::string::npos);
  EXPECT_NE(stats_.messages[1].find("file.jsonl:4: "), std::string::npos);
  EXPECT_NE(stats_.messages[2].find("file.jsonl:5: "), std::string::npos);
  EXPECT_NE(stats_.messages[3].find("file.jsonl:6: "), std::string::npos);
}

TEST_F(InputReaderTest, MessagesAreCapped) {
  std::string lines;
  for (size_t i = 0; i < kMaxInputMessages + 50; ++i) lines += "nope\n";
  std::vector<Document> docs;
  InputOptions options;
  options.skip_errors = true;
  ASSERT_TRUE(Read(WriteFile("bad.jsonl", lines), &docs, options).ok());
  EXPECT_EQ(stats_.skipped_bad_json, kMaxInputMessages + 50);
  EXPECT_EQ(stats_.messages.size(), kMaxInputMessages);
  EXPECT_EQ(stats_.messages_dropped, 50u);
}

TEST_F(InputReaderTest, JsonlGzipAcrossBuffersAndMembers) {
  // Well over the 1 MiB read buffer, in two gzip members, with one line longer than the buffer.
  std::string first, second;
  for (int i = 0; i < 15000; ++i) {
    first += "{\"id\": \"d" + std::to_string(i) + "\", \"body\": \"some text " +
             std::to_string(i) + " padding padding padding padding\"}\n";
  }
  second = "{\"id\": \"huge\", \"body\": \"" + std::string(3 << 20, 'h') + "\"}\n";
  second += "{\"id\": \"after\"}\n";
  const std::string path = WriteGzip("big.jsonl.gz", {first, second});
  std::vector<Document> docs;
  ASSERT_TRUE(Read(path, &docs).ok());
  ASSERT_EQ(docs.size(), 15002u);
  EXPECT_EQ(docs[12345].id, "d12345");
  EXPECT_EQ(docs[12345].Field("body"), "some text 12345 padding padding padding padding");
  EXPECT_EQ(docs[15000].Field("body").size(), size_t{3} << 20);
  EXPECT_EQ(docs[15001].id, "after");
  EXPECT_EQ(stats_.bytes_read, first.size() + second.size());
}

TEST_F(InputReaderTest, BadAndTruncatedGzipAreUnreadable) {
  WriteFile("in/notgzip.txt.gz", "plain text pretending");
  std::string gz = Gzip(std::string(100000, 'q'));
  WriteFile("in/cut.txt.gz", gz.substr(0, gz.size() / 2));
  std::string lines;
  for (int i = 0; i < 5000; ++i) lines += "{\"id\": \"" + std::to_string(i) + "\"}\n";
  gz = Gzip(lines);
  WriteFile("in/cut.jsonl.gz", gz.substr(0, gz.size() - 10));
  std::vector<Document> docs;
  ASSERT_TRUE(Read(Path("in"), &docs).ok());
  EXPECT_EQ(stats_.skipped_unreadable, 3u);
  EXPECT_TRUE(HasMessage("notgzip.txt.gz"));
  EXPECT_TRUE(HasMessage("cut.txt.gz"));
  EXPECT_TRUE(HasMessage("cut.jsonl.gz"));
  // The lines decoded before the damage are kept.
  EXPECT_GT(docs.size(), 0u);
  EXPECT_LE(docs.size(), 5000u);
}

TEST_F(InputReaderTest, UnreadableFileIsCountedNotFatal) {
  if (::geteuid() == 0) GTEST_SKIP() << "root reads files regardless of permissions";
  WriteFile("p/ok.txt", "fine");
  const std::string secret = WriteFile("p/secret.txt", "hidden");
  fs::permissions(secret, fs::perms::none);
  std::vector<Document> docs;
  ASSERT_TRUE(Read(Path("p"), &docs).ok());
  EXPECT_EQ(docs.size(), 1u);
  EXPECT_EQ(stats_.skipped_unreadable, 1u);
  EXPECT_TRUE(HasMessage("secret.txt: Permission denied"));
}

TEST_F(InputReaderTest, DanglingSymlinkIsUnreadable) {
  WriteFile("l/ok.txt", "fine");
  fs::create_symlink(dir_ / "l/gone.txt", dir_ / "l/dangling.txt");
  std::vector<Document> docs;
  ASSERT_TRUE(Read(Path("l"), &docs).ok());
  EXPECT_EQ(docs.size(), 1u);
  EXPECT_EQ(stats_.skipped_unreadable, 1u);
  EXPECT_TRUE(HasMessage("dangling.txt: "));
}

TEST_F(InputReaderTest, TruncatesAtUtf8Boundary) {
  InputOptions options;
  options.max_document_bytes = 5;
  std::vector<Document> docs;
  // "éééé" is 8 bytes; 5 would split the third é.
  const std::string path = WriteFile(
      "t.jsonl", "{\"id\": \"x\", \"body\": \"\\u00e9\\u00e9\\u00e9\\u00e9\", \"more\": \"m\"}\n"
                 "{\"id\": \"y\", \"body\": \"fits\"}\n");
  ASSERT_TRUE(Read(path, &docs, options).ok());
  ASSERT_EQ(docs.size(), 2u);
  ASSERT_EQ(docs[0].fields.size(), 1u);
  EXPECT_EQ(docs[0].Field("body"), "\xC3\xA9\xC3\xA9");
  EXPECT_EQ(docs[1].Field("body"), "fits");
  EXPECT_EQ(stats_.truncated, 1u);

  docs.clear();
  options.max_document_bytes = 100;
  ASSERT_TRUE(Read(WriteFile("long.txt", std::string(5000, 'w')), &docs, options).ok());
  ASSERT_EQ(docs.size(), 1u);
  // The file's mtime and size come before the body, and count toward the limit.
  size_t total = 0;
  for (const DocField& f : docs[0].fields) total += f.value.size();
  EXPECT_EQ(total, 100u);
  EXPECT_EQ(docs[0].Field("title"), "long.txt");
  EXPECT_EQ(docs[0].Field("size"), "5000");
  EXPECT_FALSE(docs[0].Field("mtime").empty());
  EXPECT_EQ(stats_.truncated, 1u);
}

TEST_F(InputReaderTest, SinkErrorStopsTheRun) {
  std::string lines;
  for (int i = 0; i < 10; ++i) lines += "{\"id\": \"" + std::to_string(i) + "\"}\n";
  const std::string path = WriteFile("s.jsonl", lines);
  int calls = 0;
  InputStats stats;
  Status s = ReadInput(path, {}, &stats, [&calls](Document&&) {
    return ++calls == 3 ? Status::IOError("disk full") : Status::OK();
  });
  EXPECT_EQ(s.code(), Status::Code::kIOError);
  EXPECT_EQ(calls, 3);
}

TEST_F(InputReaderTest, Stdin) {
  const std::string path = WriteFile("stdin.jsonl", "{\"id\": \"from-stdin\", \"body\": \"hi\"}\nbad\n");
  int saved = ::dup(STDIN_FILENO);
  int fd = ::open(path.c_str(), O_RDONLY);
  ASSERT_GE(fd, 0);
  ::dup2(fd, STDIN_FILENO);
  ::close(fd);
  std::vector<Document> docs;
  Status s = Read("-", &docs);
  ::dup2(saved, STDIN_FILENO);
  ::close(saved);
  EXPECT_TRUE(s.IsInvalidArgument());
  EXPECT_NE(s.message().find(":2: "), std::string::npos) << s.message();
  ASSERT_EQ(docs.size(), 1u);
  EXPECT_EQ(docs[0].id, "from-stdin");
}

TEST_F(InputReaderTest, MissingPath) {
  std::vector<Document> docs;
  Status s = Read(Path("nope"), &docs);
  EXPECT_TRUE(s.IsNotFound());
  EXPECT_NE(s.message().find("nope: no such file or directory"), std::string::npos);
}

}  // namespace
}  // namespace input_reader_test
}  // namespace trawl
