#include "ingest/input_reader.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "tests/test_util.h"

namespace trawl {
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
            (Fields{{"title", "Caf\xC3\xA9 \xF0\x9F\x98\x80"}, {"body", "b"}, {"extra", "e"}}));
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
      "{\"id\": \"18446744073709551616\", \"body\": \"as a string\"}\n");
  std::vector<Document> docs;
  InputOptions options;
  options.skip_errors = true;
  ASSERT_TRUE(Read(path, &docs, options).ok());
  ASSERT_EQ(docs.size(), 4u);
  EXPECT_EQ(docs[0].id, "18446744073709551615");
  EXPECT_EQ(docs[1].id, "-9223372036854775808");
  EXPECT_EQ(docs[2].id, "0");
  EXPECT_EQ(docs[3].id, "18446744073709551616");
  EXPECT_EQ(stats_.skipped_bad_json, 4u);
  ASSERT_EQ(stats_.messages.size(), 4u);
  for (size_t i = 0; i < 4; ++i) {
    EXPECT_NE(stats_.messages[i].find("ids.jsonl:" + std::to_string(4 + i) + ": "),
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
  EXPECT_EQ(docs[0].Field("title").size() + docs[0].Field("body").size(), 100u);
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
}  // namespace trawl
