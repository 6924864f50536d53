// Archives, compressed files, mbox, HTML and path filters through ReadInput. Every input is
// built inside the test with the usual command-line tools (tar, zip, gzip, bzip2, xz, zstd;
// scripts/setup.sh installs them), so that the readers meet what those tools really write.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <ostream>
#include <nlohmann/json.hpp>
#include <random>
#include <string>
#include <vector>

#include "ingest/byte_source.h"
#include "ingest/html_text.h"
#include "ingest/input_reader.h"
#include "tests/sanitizer.h"
#include "tests/test_util.h"

#ifndef TRAWL_INDEX_BIN
#error "TRAWL_INDEX_BIN must be defined (tests/CMakeLists.txt does)"
#endif
#ifndef TRAWL_SEARCH_BIN
#error "TRAWL_SEARCH_BIN must be defined (tests/CMakeLists.txt does)"
#endif


namespace trawl {

namespace archive_reader_test {
namespace {

namespace fs = std::filesystem;
using Fields = std::vector<trawl::DocField>;

// The fields of a whole file or member: its title, its modification time and size, its body.
Fields FileFields(std::string title, int64_t mtime_millis, uint64_t size, std::string body) {
  return Fields{{"title", std::move(title)},
                {"mtime", std::to_string(mtime_millis), ValueKind::kDate},
                {"size", std::to_string(size), ValueKind::kInt},
                {"body", std::move(body)}};
}

// What stat(2) says of a file on disk, as FileFields wants it.
Fields DiskFileFields(const std::string& path, std::string title, std::string body) {
  struct stat st {};
  EXPECT_EQ(::stat(path.c_str(), &st), 0) << path;
  return FileFields(std::move(title),
                    int64_t{st.st_mtim.tv_sec} * 1000 + st.st_mtim.tv_nsec / 1'000'000,
                    static_cast<uint64_t>(st.st_size), std::move(body));
}

// 2023-11-14T22:13:20Z, given to every file packed by WriteTree.
constexpr int64_t kTreeMtimeSeconds = 1'700'000'000;

// Text that compresses poorly (random words), so that a cut in the compressed file falls in a
// predictable member.
std::string RandomText(size_t bytes, unsigned seed) {
  std::mt19937 rng(seed);
  std::uniform_int_distribution<int> letter('a', 'z'), length(2, 9);
  std::string out;
  while (out.size() < bytes) {
    for (int n = length(rng); n > 0; --n) out += static_cast<char>(letter(rng));
    out += out.size() % 80 < 10 ? '\n' : ' ';
  }
  out.resize(bytes);
  return out;
}

// The tools the tests build their inputs with (scripts/setup.sh installs them).
bool HaveTools() {
  static const bool have = std::system(
                               "for t in tar gzip bzip2 xz zstd zip truncate; do command -v $t "
                               ">/dev/null || exit 1; done") == 0;
  return have;
}
#define REQUIRE_TOOLS() \
  if (!HaveTools()) GTEST_SKIP() << "needs tar, gzip, bzip2, xz, zstd, zip and truncate"

class ArchiveTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = FreshTempDir("trawl_archive_test");
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::string Path(const std::string& rel) const { return (dir_ / rel).string(); }

  std::string WriteFile(const std::string& rel, const std::string& content) {
    return WriteFileAt(dir_ / rel, content);
  }

  // Runs `command` in the test directory; a failure fails the test.
  void Sh(const std::string& command) {
    ASSERT_EQ(RunIn(dir_, command), 0) << command;
  }

  // Keeps the first `bytes` bytes of a file (or all but -bytes of them).
  void Truncate(const std::string& rel, long long bytes) {
    const fs::path p = dir_ / rel;
    const auto size = static_cast<long long>(fs::file_size(p));
    fs::resize_file(p, static_cast<uintmax_t>(bytes >= 0 ? bytes : size + bytes));
  }

  Status Read(const std::string& input, const InputOptions& options = {}) {
    stats_ = InputStats();
    docs_.clear();
    return ReadInput(input, options, &stats_, [this](Document&& d) {
      docs_.push_back(std::move(d));
      return Status::OK();
    });
  }

  std::vector<std::string> Ids() const {
    std::vector<std::string> ids;
    for (const Document& d : docs_) ids.push_back(d.id);
    return ids;
  }
  std::vector<std::string> SortedIds() const {
    std::vector<std::string> ids = Ids();
    std::sort(ids.begin(), ids.end());
    return ids;
  }
  const Document* Doc(const std::string& id) const {
    for (const Document& d : docs_) {
      if (d.id == id) return &d;
    }
    return nullptr;
  }

  bool HasMessage(const std::string& needle) const {
    for (const std::string& m : stats_.messages) {
      if (m.find(needle) != std::string::npos) return true;
    }
    return false;
  }
  std::string Messages() const {
    std::string all;
    for (const std::string& m : stats_.messages) all += m + "\n";
    return all;
  }

  // The tree most archive tests pack: two text files, a compressed one, a binary and an empty.
  void WriteTree() {
    WriteFile("src/a.txt", "alpha aardvark\n");
    WriteFile("src/sub/b.md", "# beta\nbeaver\n");
    WriteFile("src/sub/c.txt", "gamma caribou\n");
    Sh("gzip src/sub/c.txt");
    WriteFile("src/bin.dat", std::string("ELF\0\0\1junk", 10));
    WriteFile("src/empty.txt", "");
    Sh("cd src && touch -d @" + std::to_string(kTreeMtimeSeconds) + " " + kTreeMembers);
  }
  static constexpr const char* kTreeMembers = "a.txt sub/b.md sub/c.txt.gz bin.dat empty.txt";

  void ExpectTreeDocuments(const std::string& archive) {
    SCOPED_TRACE(archive);
    EXPECT_EQ(Ids(), (std::vector<std::string>{archive + "!a.txt", archive + "!sub/b.md",
                                               archive + "!sub/c.txt.gz"}))
        << Messages();
    if (docs_.size() != 3) return;
    // Every member as the archive lists it: the compressed one by its compressed size.
    const int64_t mtime = kTreeMtimeSeconds * 1000;
    EXPECT_EQ(docs_[0].fields, FileFields("a.txt", mtime, 15, "alpha aardvark\n"));
    EXPECT_EQ(docs_[1].fields, FileFields("b.md", mtime, 14, "# beta\nbeaver\n"));
    EXPECT_EQ(docs_[2].fields, FileFields("c.txt", mtime, fs::file_size(dir_ / "src/sub/c.txt.gz"),
                                          "gamma caribou\n"));
    EXPECT_EQ(stats_.documents, 3u);
    EXPECT_EQ(stats_.skipped_binary, 1u);
    EXPECT_EQ(stats_.skipped_empty, 1u);
    EXPECT_EQ(stats_.skipped_unreadable, 0u) << Messages();
    EXPECT_TRUE(HasMessage(archive + "!bin.dat: binary file")) << Messages();
    EXPECT_TRUE(HasMessage(archive + "!empty.txt: empty file")) << Messages();
  }

  fs::path dir_;
  InputStats stats_;
  std::vector<Document> docs_;
};

TEST_F(ArchiveTest, ArchiveTarInEveryCompression) {
  REQUIRE_TOOLS();
  WriteTree();
  const std::string members = kTreeMembers;
  const std::vector<std::pair<std::string, std::string>> kinds = {
      {"t.tar", "tar -cf"},      {"t.tar.gz", "tar -czf"}, {"t.tgz", "tar -czf"},
      {"t.tar.bz2", "tar -cjf"}, {"t.tar.xz", "tar -cJf"}, {"t.tar.zst", "tar --zstd -cf"},
      {"t.TAR.GZ", "tar -czf"}};
  for (const auto& [name, command] : kinds) {
    Sh(command + " " + name + " -C src " + members);
    ASSERT_TRUE(Read(Path(name)).ok());
    ExpectTreeDocuments(Path(name));
  }
}

TEST_F(ArchiveTest, ArchiveZip) {
  REQUIRE_TOOLS();
  WriteTree();
  Sh(std::string("cd src && zip -q ../t.zip ") + kTreeMembers);
  ASSERT_TRUE(Read(Path("t.zip")).ok());
  ExpectTreeDocuments(Path("t.zip"));

  // Directory entries and "./" prefixes are not members of their own.
  Sh("cd src && zip -q -r ../dirs.zip ./sub");
  ASSERT_TRUE(Read(Path("dirs.zip")).ok());
  EXPECT_EQ(SortedIds(), (std::vector<std::string>{Path("dirs.zip") + "!sub/b.md",
                                                   Path("dirs.zip") + "!sub/c.txt.gz"}));
}

TEST_F(ArchiveTest, ArchiveSingleCompressedFiles) {
  REQUIRE_TOOLS();
  const std::string text = "delta dolphin\n";
  WriteFile("c/x.txt", text);
  Sh("cd c && gzip -k x.txt && bzip2 -k x.txt && xz -k x.txt && zstd -q x.txt && rm x.txt");
  WriteFile("c/docs.jsonl",
            "{\"id\": \"j1\", \"body\": \"first\"}\n{\"id\": \"j2\", \"body\": \"second\"}\n");
  Sh("cd c && zstd -q --rm docs.jsonl && cp docs.jsonl.zst again.jsonl.zst && "
     "zstd -dq --stdout again.jsonl.zst | xz > again.jsonl.xz && rm again.jsonl.zst");
  WriteFile("c/fake.txt.zst", "plain text pretending to be zstd");
  ASSERT_TRUE(Read(Path("c")).ok());
  EXPECT_EQ(Ids(),
            (std::vector<std::string>{"j1", "j2", "j1", "j2", Path("c/x.txt.bz2"),
                                      Path("c/x.txt.gz"), Path("c/x.txt.xz"), Path("c/x.txt.zst")}))
      << Messages();
  // A compressed file is one file on disk: its own time and compressed size, not what the
  // gzip header says of the file it was made from.
  for (size_t i = 4; i < docs_.size(); ++i) {
    EXPECT_EQ(docs_[i].fields, DiskFileFields(docs_[i].id, "x.txt", text)) << docs_[i].id;
  }
  // JSONL records are the user's documents, not files: no mtime or size of their own.
  for (size_t i = 0; i < 4 && i < docs_.size(); ++i) {
    EXPECT_EQ(docs_[i].fields.size(), 1u) << docs_[i].id;
  }
  EXPECT_EQ(stats_.skipped_unreadable, 1u);
  EXPECT_TRUE(HasMessage(Path("c/fake.txt.zst") + ": not gzip, bzip2, xz or zstd data"))
      << Messages();
}

TEST_F(ArchiveTest, ArchiveUnknownNamesAreSniffed) {
  REQUIRE_TOOLS();
  WriteTree();
  Sh(std::string("tar -czf backup -C src ") + kTreeMembers);
  WriteFile("note", "epsilon eland\n");
  Sh("gzip note && mv note.gz note");
  ASSERT_TRUE(Read(Path("backup")).ok());
  ExpectTreeDocuments(Path("backup"));
  ASSERT_TRUE(Read(Path("note")).ok());
  ASSERT_EQ(docs_.size(), 1u) << Messages();
  EXPECT_EQ(docs_[0].Field("body"), "epsilon eland\n");
  // Binary that is neither stays binary.
  ASSERT_TRUE(Read(Path("src/bin.dat")).ok());
  EXPECT_EQ(docs_.size(), 0u);
  EXPECT_EQ(stats_.skipped_binary, 1u);
}

TEST_F(ArchiveTest, ArchiveNestedArchivesOnlyWhenAsked) {
  REQUIRE_TOOLS();
  WriteFile("in/x.txt", "zeta zebu\n");
  WriteFile("in/y.txt", "eta emu\n");
  Sh("touch -d @1600000000 in/x.txt");
  Sh("cd in && zip -q inner.zip x.txt && tar -czf inner.tar.gz y.txt");
  WriteFile("in/note.txt", "theta tapir\n");
  Sh("tar -cf outer.tar -C in inner.zip inner.tar.gz note.txt");
  const std::string outer = Path("outer.tar");
  ASSERT_TRUE(Read(outer).ok());
  EXPECT_EQ(Ids(), (std::vector<std::string>{outer + "!note.txt"}));
  EXPECT_EQ(stats_.skipped_nested, 2u);
  EXPECT_TRUE(HasMessage(outer + "!inner.zip: archive inside an archive")) << Messages();

  InputOptions options;
  options.recurse_archives = true;
  ASSERT_TRUE(Read(outer, options).ok());
  EXPECT_EQ(Ids(), (std::vector<std::string>{outer + "!inner.zip!x.txt",
                                             outer + "!inner.tar.gz!y.txt", outer + "!note.txt"}))
      << Messages();
  ASSERT_EQ(docs_.size(), 3u);
  // A member of an inner archive is described by the inner archive's entry.
  EXPECT_EQ(docs_[0].fields, FileFields("x.txt", 1'600'000'000'000, 10, "zeta zebu\n"));
  EXPECT_EQ(stats_.skipped_nested, 0u);
}

TEST_F(ArchiveTest, ArchiveMemberTimesAndSizes) {
  REQUIRE_TOOLS();
  WriteFile("t/new.txt", "nu newt\n");
  WriteFile("t/old.txt", "xi xerus\n");
  // Milliseconds survive a pax header (cut, not rounded); times before 1970 are kept.
  Sh("cd t && touch -d @1700000000.1239 new.txt && touch -d @-2 old.txt && "
     "tar --format=posix -cf ../pax.tar new.txt old.txt && "
     "tar --format=gnu -cf ../gnu.tar new.txt old.txt && zip -q ../t.zip new.txt old.txt");
  ASSERT_TRUE(Read(Path("pax.tar")).ok());
  ASSERT_EQ(docs_.size(), 2u) << Messages();
  EXPECT_EQ(docs_[0].fields, FileFields("new.txt", 1'700'000'000'123, 8, "nu newt\n"));
  EXPECT_EQ(docs_[1].fields, FileFields("old.txt", -2000, 9, "xi xerus\n"));

  // A GNU tar header keeps whole seconds.
  ASSERT_TRUE(Read(Path("gnu.tar")).ok());
  ASSERT_EQ(docs_.size(), 2u) << Messages();
  EXPECT_EQ(docs_[0].fields, FileFields("new.txt", 1'700'000'000'000, 8, "nu newt\n"));
  EXPECT_EQ(docs_[1].Field("mtime"), "-2000");

  // Zip lists each member's uncompressed size.
  ASSERT_TRUE(Read(Path("t.zip")).ok());
  ASSERT_EQ(docs_.size(), 2u) << Messages();
  EXPECT_EQ(docs_[0].Field("size"), "8");
  EXPECT_EQ(docs_[1].Field("size"), "9");
  EXPECT_EQ(docs_[0].Field("mtime"), "1700000000000");

  // Files on disk: stat's time to the millisecond, floored before 1970 (-1.5 s is -1500 ms,
  // which stat gives as -2 s and 500,000,000 ns).
  Sh("touch -d @-1.5 t/old.txt");
  ASSERT_TRUE(Read(Path("t")).ok());
  ASSERT_EQ(docs_.size(), 2u) << Messages();
  EXPECT_EQ(docs_[0].fields, FileFields("new.txt", 1'700'000'000'123, 8, "nu newt\n"));
  EXPECT_EQ(docs_[1].fields, FileFields("old.txt", -1500, 9, "xi xerus\n"));

  // A member cut to the document size limit keeps its time and size: they come before the body.
  InputOptions options;
  options.max_document_bytes = 7 + 13 + 1 + 3;  // title, mtime, size, "nu "
  ASSERT_TRUE(Read(Path("pax.tar"), options).ok());
  ASSERT_EQ(docs_.size(), 2u) << Messages();
  EXPECT_EQ(docs_[0].fields, FileFields("new.txt", 1'700'000'000'123, 8, "nu "));
  EXPECT_EQ(docs_[1].fields, FileFields("old.txt", -2000, 9, "xi xerus\n"));  // fits
  EXPECT_EQ(stats_.truncated, 1u);
}

TEST_F(ArchiveTest, ArchiveCompressionBombIsStopped) {
  REQUIRE_TOOLS();
#ifdef TRAWL_TEST_UNDER_ASAN
  const std::string size = "64M";  // the ratio stops it at 16 MiB either way
#else
  const std::string size = "256M";
#endif
  WriteFile("b/a.txt", "iota ibis\n");
  WriteFile("b/z.txt", "kappa kiwi\n");
  // A sparse file: the zeros cost tar time, not disk.
  Sh("truncate -s " + size +
     " b/zeros.txt && tar -cf - -C b a.txt zeros.txt z.txt | zstd -q -1 "
     "> bomb.tar.zst && yes 'lambda lemur' | head -c " +
     size +
     " | zstd -q -1 > bomb.txt.zst && "
     "rm b/zeros.txt");
  ASSERT_LT(fs::file_size(dir_ / "bomb.tar.zst"), 1u << 20);

  const auto start = std::chrono::steady_clock::now();
  ASSERT_TRUE(Read(Path("bomb.tar.zst")).ok());
  EXPECT_EQ(Ids(), (std::vector<std::string>{Path("bomb.tar.zst") + "!a.txt"}));
  EXPECT_EQ(stats_.skipped_over_limit, 1u);
  EXPECT_TRUE(HasMessage(Path("bomb.tar.zst") + "!zeros.txt: stopped: ")) << Messages();
  EXPECT_TRUE(HasMessage("200:1")) << Messages();

  // Text, which the reader keeps (up to max_document_bytes) rather than skips as binary.
  ASSERT_TRUE(Read(Path("bomb.txt.zst")).ok());
  EXPECT_EQ(docs_.size(), 0u);
  EXPECT_EQ(stats_.skipped_over_limit, 1u);
  EXPECT_TRUE(HasMessage(Path("bomb.txt.zst") + ": stopped: ")) << Messages();
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  EXPECT_LT(seconds, 5.0);
}

TEST_F(ArchiveTest, ArchiveSizeAndMemberLimits) {
  REQUIRE_TOOLS();
  for (int i = 1; i <= 4; ++i) {
    WriteFile("m/f" + std::to_string(i) + ".txt", RandomText(600 << 10, i));
  }
  Sh("tar -czf m.tar.gz -C m f1.txt f2.txt f3.txt f4.txt");
  InputOptions options;
  options.max_decompressed_bytes = 1 << 20;
  ASSERT_TRUE(Read(Path("m.tar.gz"), options).ok());
  EXPECT_EQ(Ids(), (std::vector<std::string>{Path("m.tar.gz") + "!f1.txt"}));
  EXPECT_EQ(stats_.skipped_over_limit, 1u);
  EXPECT_TRUE(HasMessage(Path("m.tar.gz") + "!f2.txt: stopped: more than 1 MiB")) << Messages();

  options = InputOptions();
  options.max_archive_members = 2;
  ASSERT_TRUE(Read(Path("m.tar.gz"), options).ok());
  EXPECT_EQ(docs_.size(), 2u);
  EXPECT_EQ(stats_.skipped_over_limit, 1u);
  EXPECT_TRUE(HasMessage("more than 2 archive members")) << Messages();
}

TEST_F(ArchiveTest, ArchiveTruncatedKeepsMembersBeforeTheDamage) {
  REQUIRE_TOOLS();
  std::vector<std::string> texts;
  std::string names;
  for (int i = 1; i <= 8; ++i) {
    texts.push_back(RandomText(100 << 10, 100 + i));
    WriteFile("t/f" + std::to_string(i) + ".txt", texts.back());
    names += " f" + std::to_string(i) + ".txt";
  }
  Sh("tar -czf cut.tar.gz -C t" + names + " && cd t && zip -q ../cut.zip" + names);
  const long long cut_at = static_cast<long long>(fs::file_size(dir_ / "cut.tar.gz")) * 6 / 10;
  Truncate("cut.tar.gz", cut_at);
  Truncate("cut.zip", static_cast<long long>(fs::file_size(dir_ / "cut.zip")) * 6 / 10);

  for (const std::string archive : {"cut.tar.gz", "cut.zip"}) {
    SCOPED_TRACE(archive);
    ASSERT_TRUE(Read(Path(archive)).ok());
    // 60% of the bytes hold four whole members; the fifth is where the damage is.
    ASSERT_EQ(docs_.size(), 4u) << Messages();
    for (size_t i = 0; i < docs_.size(); ++i) {
      EXPECT_EQ(docs_[i].id, Path(archive) + "!f" + std::to_string(i + 1) + ".txt");
      EXPECT_TRUE(docs_[i].Field("body") == texts[i]) << docs_[i].id;
    }
    EXPECT_EQ(stats_.skipped_unreadable, 1u) << Messages();
    EXPECT_TRUE(HasMessage(Path(archive) + "!f5.txt: ")) << Messages();
  }

  // In a directory, the run goes on after the damage.
  fs::create_directories(dir_ / "run");
  fs::copy_file(dir_ / "cut.tar.gz", dir_ / "run/cut.tar.gz");
  WriteFile("run/zz_next.txt", "omicron okapi\n");
  ASSERT_TRUE(Read(Path("run")).ok());
  ASSERT_EQ(docs_.size(), 5u);
  EXPECT_EQ(docs_.back().id, Path("run/zz_next.txt"));
}

TEST_F(ArchiveTest, ArchiveDamagedInputsAreCountedNotFatal) {
  REQUIRE_TOOLS();
  WriteFile("d/garbage.tar", "this is not a tar file at all\n");
  WriteFile("d/empty.zip", "");
  WriteFile("d/x.txt", "pi pangolin\n");
  Sh("head -c 5000 /dev/urandom | gzip > d/noise.tgz && tar -czf d/ok.tgz -C d x.txt && "
     "head -c 30 d/ok.tgz > d/short.tar.gz");
  ASSERT_TRUE(Read(Path("d")).ok());
  EXPECT_EQ(SortedIds(), (std::vector<std::string>{Path("d/ok.tgz") + "!x.txt", Path("d/x.txt")}));
  EXPECT_EQ(stats_.skipped_empty, 1u);
  EXPECT_EQ(stats_.skipped_unreadable, 3u) << Messages();
  EXPECT_TRUE(HasMessage(Path("d/garbage.tar") + ": ")) << Messages();
  EXPECT_TRUE(HasMessage(Path("d/noise.tgz") + ": ")) << Messages();
  EXPECT_TRUE(HasMessage(Path("d/short.tar.gz") + ": ")) << Messages();
}

const char kMbox[] =
    "From alice@example.org Mon Jan  1 10:00:00 2024\n"
    "Message-ID: <first@example.org>\n"
    "From: =?UTF-8?Q?Al=C3=AFce?= <alice@example.org>\n"
    "Date: Mon, 1 Jan 2024 10:00:00 +0000\n"
    "Subject: =?UTF-8?B?Q2Fmw6k=?=\n"
    " =?UTF-8?Q?_menu?=\n"
    "Content-Type: text/plain; charset=utf-8\n"
    "Content-Transfer-Encoding: quoted-printable\n"
    "\n"
    "The caf=C3=A9 serves a very long line that quoted-printable =\n"
    "folds.\n"
    ">From the kitchen, with love.\n"
    ">>From here on, quoted twice.\n"
    "\n"
    "From bob@example.org Tue Jan  2 11:00:00 2024\n"
    "From: Bob <bob@example.org>\n"
    "Subject: No id here\n"
    "Content-Transfer-Encoding: base64\n"
    "\n"
    "UmhvIHJoaW5vIGJvZHku\n"
    "\n"
    "From carol@example.org Wed Jan  3 12:00:00 2024\n"
    "Subject: Multipart\n"
    "Message-ID: <third@example.org>\n"
    "Content-Type: multipart/alternative; boundary=XX\n"
    "\n"
    "--XX\n"
    "Content-Type: text/plain\n"
    "\n"
    "sigma seal\n"
    "--XX--\n";

TEST_F(ArchiveTest, ArchiveMboxIsSplitIntoMessages) {
  REQUIRE_TOOLS();
  const std::string path = WriteFile("mail/box.mbox", kMbox);
  ASSERT_TRUE(Read(path).ok());
  ASSERT_EQ(Ids(), (std::vector<std::string>{path + "#first@example.org", path + "#2",
                                             path + "#third@example.org"}))
      << Messages();
  EXPECT_EQ(docs_[0].fields,
            (Fields{{"title", "Caf\xC3\xA9 menu"},
                    {"from",
                     "Al\xC3\xAF"
                     "ce <alice@example.org>",
                     ValueKind::kKeyword},
                    {"date", "Mon, 1 Jan 2024 10:00:00 +0000", ValueKind::kDate},
                    {"body",
                     "The caf\xC3\xA9 serves a very long line that quoted-printable folds.\n"
                     "From the kitchen, with love.\n>From here on, quoted twice.\n"}}));
  // No Date: header, no date field.
  EXPECT_EQ(docs_[1].fields, (Fields{{"title", "No id here"},
                                     {"from", "Bob <bob@example.org>", ValueKind::kKeyword},
                                     {"body", "Rho rhino body."}}));
  EXPECT_EQ(docs_[2].Field("title"), "Multipart");
  EXPECT_EQ(docs_[2].Field("body"), "--XX\nContent-Type: text/plain\n\nsigma seal\n--XX--\n");

  // CRLF line ends, and the same file compressed inside an archive.
  std::string crlf;
  for (const char* p = kMbox; *p != '\0'; ++p)
    crlf += *p == '\n' ? std::string("\r\n") : std::string(1, *p);
  WriteFile("mail/crlf.mbox", crlf);
  Sh("cd mail && gzip -k box.mbox && tar -czf ../mail.tgz box.mbox.gz crlf.mbox");
  ASSERT_TRUE(Read(Path("mail.tgz")).ok());
  const std::string archive = Path("mail.tgz");
  EXPECT_EQ(Ids(), (std::vector<std::string>{
                       archive + "!box.mbox.gz#first@example.org", archive + "!box.mbox.gz#2",
                       archive + "!box.mbox.gz#third@example.org",
                       archive + "!crlf.mbox#first@example.org", archive + "!crlf.mbox#2",
                       archive + "!crlf.mbox#third@example.org"}))
      << Messages();
  ASSERT_EQ(docs_.size(), 6u);
  EXPECT_EQ(docs_[3].fields, docs_[0].fields);
  EXPECT_EQ(docs_[4].Field("body"), "Rho rhino body.");
}

const char kHtml[] =
    "<!DOCTYPE html>\n<html><head>\n"
    "  <title> The  Page\n Title </title>\n"
    "  <style>body { color: red }</style>\n"
    "  <script>var hidden = 1;</script>\n"
    "</head><body>\n"
    "<h1>Main heading</h1>\n"
    "<p>First   paragraph with <b>bold</b> and <a href=\"x\">a link</a>.</p>\n"
    "<script>document.write('nope')</script><noscript>enable scripts</noscript>\n"
    "<template><p>template text</p></template>\n"
    "<ul><li>one</li><li>two</li></ul>\n"
    "<table><tr><td>cell a</td><td>cell b</td></tr></table>\n"
    "<div>caf&eacute; &amp; cr&egrave;me<br>next line</div>\n"
    "<pre>  keep\n    spacing</pre>\n"
    "</body></html>\n";

TEST_F(ArchiveTest, ArchiveHtmlVisibleText) {
  const std::string path = WriteFile("web/page.html", kHtml);
  WriteFile("web/untitled.htm", "<p>Only a paragraph</p>");
  ASSERT_TRUE(Read(Path("web")).ok());
  ASSERT_EQ(Ids(), (std::vector<std::string>{path, Path("web/untitled.htm")})) << Messages();
  EXPECT_EQ(docs_[0].Field("title"), "The Page Title");
  EXPECT_EQ(docs_[0].Field("body"),
            "Main heading\n"
            "First paragraph with bold and a link.\n"
            "one\ntwo\n"
            "cell a cell b\n"
            "caf\xC3\xA9 & cr\xC3\xA8me\nnext line\n"
            "  keep\n    spacing");
  EXPECT_EQ(docs_[1].fields, DiskFileFields(Path("web/untitled.htm"), "untitled.htm",
                                            "Only a paragraph"));

  // A page nested absurdly deep is refused quickly instead of parsed in quadratic time.
  std::string deep;
  for (size_t i = 0; i < kMaxHtmlDepth + 10; ++i) deep += "<div>";
  WriteFile("deep/deep.html", deep + "x");
  const auto start = std::chrono::steady_clock::now();
  ASSERT_TRUE(Read(Path("deep")).ok());
  EXPECT_LT(std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count(), 2.0);
  EXPECT_EQ(docs_.size(), 0u);
  EXPECT_EQ(stats_.skipped_unreadable, 1u);
  EXPECT_TRUE(HasMessage("deep.html: HTML nested")) << Messages();
}

TEST_F(ArchiveTest, ArchiveHtmlMetaFields) {
  const std::string path = WriteFile(
      "meta/page.html",
      "<html><head><title>T</title>\n"
      "<meta charset=\"utf-8\">\n"
      "<meta name=\"Description\" content=\"  A page\n about  otters. \">\n"
      "<meta name=\"keywords\" content=\"otter, river , ,Lutra lutra,,\">\n"
      "<meta name=\"author\" content=\"Ann &amp; Bo\">\n"
      "<meta name=\"description\" content=\"a second one is ignored\">\n"
      "<meta name=\"generator\" content=\"not one of ours\">\n"
      "<meta property=\"og:title\" content=\"nor this\">\n"
      "</head><body><p>Text</p></body></html>\n");
  WriteFile("meta/empty-meta.html",
            "<meta name=\"keywords\" content=\" , \"><meta name=\"author\" content=\"\"><p>x</p>");
  ASSERT_TRUE(Read(Path("meta")).ok());
  ASSERT_EQ(Ids(), (std::vector<std::string>{Path("meta/empty-meta.html"), path})) << Messages();
  Fields expected = DiskFileFields(path, "T", "Text");
  const Fields meta = {{"description", "A page about otters."},
                       {"keywords", "otter", ValueKind::kKeyword},
                       {"keywords", "river", ValueKind::kKeyword},
                       {"keywords", "Lutra lutra", ValueKind::kKeyword},
                       {"author", "Ann & Bo", ValueKind::kKeyword}};
  expected.insert(expected.begin() + 1, meta.begin(), meta.end());
  EXPECT_EQ(docs_[1].fields, expected);
  // Empty values make no fields.
  EXPECT_EQ(docs_[0].fields,
            DiskFileFields(Path("meta/empty-meta.html"), "empty-meta.html", "x"));

  HtmlText text;
  std::string why;
  ASSERT_TRUE(ExtractHtmlText("<p>no meta</p>", &text, &why));
  EXPECT_TRUE(text.description.empty());
  EXPECT_TRUE(text.keywords.empty());
  EXPECT_TRUE(text.author.empty());
}

TEST_F(ArchiveTest, ArchiveIncludeExclude) {
  REQUIRE_TOOLS();
  WriteFile("f/a.txt", "a\n");
  WriteFile("f/b.md", "b\n");
  WriteFile("f/c.txt", "c\n");
  WriteFile("f/logs/x.txt", "x\n");
  WriteFile("f/in/d.txt", "d\n");
  WriteFile("f/in/e.md", "e\n");
  Sh("gzip f/c.txt && tar -czf f/pack.tar.gz -C f/in d.txt e.md && rm -r f/in");
  const std::string root = Path("f");

  InputOptions options;
  options.include = {"*.txt"};
  ASSERT_TRUE(Read(root, options).ok());
  // The archive is entered although "*.txt" does not match it; c.txt.gz matches as c.txt.
  EXPECT_EQ(Ids(), (std::vector<std::string>{root + "/a.txt", root + "/c.txt.gz",
                                             root + "/logs/x.txt", root + "/pack.tar.gz!d.txt"}));
  EXPECT_EQ(stats_.excluded, 2u);

  options.exclude = {"*/logs/*", "d.txt"};
  ASSERT_TRUE(Read(root, options).ok());
  EXPECT_EQ(Ids(), (std::vector<std::string>{root + "/a.txt", root + "/c.txt.gz"}));

  options = InputOptions();
  options.exclude = {"*.tar.gz", "*.md"};
  ASSERT_TRUE(Read(root, options).ok());
  EXPECT_EQ(Ids(),
            (std::vector<std::string>{root + "/a.txt", root + "/c.txt.gz", root + "/logs/x.txt"}));
  EXPECT_EQ(stats_.excluded, 2u);
}

// Bytes from memory, handed out in small reads so that lines cross buffer refills.
class StringSource : public ByteSource {
 public:
  explicit StringSource(std::string data) : data_(std::move(data)) {}
  bool Read(char* buf, size_t cap, size_t* got) override {
    *got = std::min({cap, data_.size() - pos_, size_t{7}});
    std::memcpy(buf, data_.data() + pos_, *got);
    pos_ += *got;
    return true;
  }

 private:
  std::string data_;
  size_t pos_ = 0;
};

TEST(ArchiveLineReaderTest, ArchiveLongLinesAreCutAndTheirRestDropped) {
  StringSource in("short\n" + std::string(100, 'x') + "\nafter\n0123456789\n" +
                  std::string(25, 'y'));
  uint64_t bytes = 0;
  LineReader lines(&in, &bytes, /*max_line_bytes=*/10);
  std::vector<std::pair<std::string, bool>> got;
  std::string_view line;
  while (lines.Next(&line)) got.emplace_back(std::string(line), lines.line_cut());
  EXPECT_FALSE(lines.failed());
  EXPECT_EQ(got, (std::vector<std::pair<std::string, bool>>{{"short", false},
                                                            {"xxxxxxxxxx", true},
                                                            {"after", false},
                                                            {"0123456789", false},
                                                            {"yyyyyyyyyy", true}}));
  EXPECT_EQ(bytes, 6u + 101 + 6 + 11 + 25);
}

TEST_F(ArchiveTest, ArchiveZipBasedDocumentsAreNotSniffedOpen) {
  REQUIRE_TOOLS();
  // .docx, .odt, .jar and .epub are zips; without a .zip name they are binary files.
  WriteFile("d/word/document.xml", "<w:document>text</w:document>");
  Sh("cd d && zip -q ../report.docx word/document.xml");
  ASSERT_TRUE(Read(Path("report.docx")).ok());
  EXPECT_EQ(docs_.size(), 0u) << Messages();
  EXPECT_EQ(stats_.skipped_binary, 1u) << Messages();
}

TEST_F(ArchiveTest, ArchiveCorruptZipMemberIsSkippedNotIndexed) {
  REQUIRE_TOOLS();
  WriteFile("z/a.txt", RandomText(50 << 10, 1));
  WriteFile("z/b.txt", RandomText(50 << 10, 2));
  WriteFile("z/c.txt", RandomText(50 << 10, 3));
  Sh("cd z && zip -q ../crc.zip a.txt b.txt c.txt");
  {
    // The middle of b.txt's compressed bytes.
    std::fstream f(dir_ / "crc.zip", std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(static_cast<std::streamoff>(fs::file_size(dir_ / "crc.zip") / 2));
    f.write("\x01\x02\x03\x04\x05\x06\x07\x08", 8);
  }
  ASSERT_TRUE(Read(Path("crc.zip")).ok());
  EXPECT_EQ(Ids(), (std::vector<std::string>{Path("crc.zip") + "!a.txt", Path("crc.zip") + "!c.txt"}))
      << Messages();
  EXPECT_EQ(stats_.skipped_unreadable, 1u);
  EXPECT_TRUE(HasMessage(Path("crc.zip") + "!b.txt: ")) << Messages();
}

TEST_F(ArchiveTest, ArchiveExcludeMatchesTheFullMemberName) {
  REQUIRE_TOOLS();
  WriteFile("p/x.txt", "x\n");
  WriteFile("p/y.txt", "y\n");
  Sh("tar -cf one.tar -C p x.txt y.txt && cp one.tar two.tar");
  InputOptions options;
  options.exclude = {"*one.tar!x.txt"};
  ASSERT_TRUE(Read(Path("one.tar"), options).ok());
  EXPECT_EQ(Ids(), (std::vector<std::string>{Path("one.tar") + "!y.txt"}));
  ASSERT_TRUE(Read(Path("two.tar"), options).ok());
  EXPECT_EQ(docs_.size(), 2u);
}

// trawl-index and trawl-search end to end, as cli_test.cc runs them.
TEST_F(ArchiveTest, ArchiveEndToEndTarGzSearch) {
  REQUIRE_TOOLS();
  WriteFile("docs/readme.txt", "Nothing to see.\n");
  WriteFile("docs/guide/animals.html",
            "<html><head><title>Animal guide</title></head><body><p>The quokka smiles."
            "</p></body></html>");
  WriteFile("docs/data/blob.bin", std::string("\0\1\2\3", 4));
  Sh("tar -czf docs.tar.gz -C docs readme.txt guide/animals.html data/blob.bin");
  const std::string index = Path("index"), out = Path("out.txt"), err = Path("err.txt");
  const std::string redirect = " >" + Quote(out) + " 2>" + Quote(err);
  int status = std::system((Quote(TRAWL_INDEX_BIN) + " --index " + Quote(index) + " " +
                            Quote(Path("docs.tar.gz")) + redirect)
                               .c_str());
  ASSERT_TRUE(WIFEXITED(status));
  // 2: committed, with the binary member skipped.
  EXPECT_EQ(WEXITSTATUS(status), 2) << ReadFile(err);
  EXPECT_NE(ReadFile(err).find("docs.tar.gz!data/blob.bin: binary file"), std::string::npos)
      << ReadFile(err);

  status = std::system((Quote(TRAWL_SEARCH_BIN) + " --index " + Quote(index) +
                        " --json quokka </dev/null" + redirect)
                           .c_str());
  ASSERT_TRUE(WIFEXITED(status));
  ASSERT_EQ(WEXITSTATUS(status), 0) << ReadFile(err);
  nlohmann::json j = nlohmann::json::parse(ReadFile(out), nullptr, /*allow_exceptions=*/false);
  ASSERT_TRUE(j.is_object()) << ReadFile(out);
  EXPECT_EQ(j["total"], 1);
  ASSERT_EQ(j["hits"].size(), 1u);
  EXPECT_EQ(j["hits"][0]["id"], Path("docs.tar.gz") + "!guide/animals.html");
  EXPECT_EQ(j["hits"][0]["title"], "Animal guide");
}

#undef REQUIRE_TOOLS

}  // namespace
}  // namespace archive_reader_test
}  // namespace trawl
