// Turns what the user points trawl-index at (stdin, a file, a directory tree) into Documents.
//
//   "-"                JSONL from stdin, plain or gzip/bzip2/xz/zstd (told by magic number)
//   a directory        every regular file below it, recursively, in sorted path order; symlinks
//                      to files are read, symlinks to directories are not followed
//   *.jsonl            one JSON object per line: {"id": ..., "title": ..., "body": ..., ...};
//                      every other member becomes typed fields (see below)
//   *.mbox             one document per message: id = FILE#MESSAGE-ID (FILE#N without one),
//                      title = Subject, from (kKeyword), date (kDate, the header's text; absent
//                      without one), body = the message body
//   *.html, *.htm      the visible text: title = <title> (or the file name), description
//                      (kText), keywords (one kKeyword per comma-separated value) and author
//                      (kKeyword) from <meta name=... content=...>, body = the text
//   *.tar, *.tar.gz, *.tgz, *.tar.bz2, *.tar.xz, *.tar.zst, *.zip
//                      an archive: every regular member is read like a file of its name, with
//                      id = ARCHIVE!member/path and title = the member's file name
//   *.gz, *.bz2, *.xz, *.zst
//                      decompressed, then read like the file without that suffix
//   anything else      one document: id = the path, title = the file name, body = the text;
//                      a binary one is looked into, and read if it is an archive or compressed
//
// A document that is a whole file or member (text and HTML) also has, before its body, mtime
// (kDate, epoch milliseconds: stat's, or the archive entry's when it records one) and size
// (kInt: the file's bytes on disk, or the member's size as the archive lists it; a compressed
// file or member, x.txt.gz, by its compressed bytes).
//
// JSONL values: string -> kText; integer -> kInt (beyond int64 the line is refused); other
// number -> kFloat (shortest round-trip text); true/false -> kBool; null -> no field; array of
// scalars -> one field per element, of one kind (integers among floats become floats; mixed
// kinds, nested arrays and objects in arrays are refused); object -> its members under dotted
// names ({"a": {"b": 1}} is a.b), objects at most 16 deep counting the line's own. Only the
// top-level "id" is the document's key: a non-empty string as written, or an integer in the
// int64 or uint64 range as its decimal digits; any other id (a fraction, an exponent, an
// integer beyond 64 bits, which would be kept only rounded) refuses its line. A refused value
// refuses its line, naming the field.
//
// Archive members are read the same way, except that archives inside archives are opened only
// with InputOptions::recurse_archives. Problems with single files or members (binary, not
// UTF-8, empty, unreadable, damaged archives, decompression limits, over-long JSONL lines) are
// counted by reason and never fail a run; a bad JSONL line fails it unless
// InputOptions::skip_errors.
#ifndef TRAWL_INGEST_INPUT_READER_H_
#define TRAWL_INGEST_INPUT_READER_H_

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "trawl/document.h"
#include "trawl/export.h"
#include "trawl/status.h"

namespace trawl {

struct InputOptions {
  // Bad JSONL lines are counted and skipped instead of failing the run.
  bool skip_errors = false;
  // A document whose field values add up to more than this is cut (at a UTF-8 boundary) to fit:
  // the field crossing the limit is truncated and any later fields are dropped. Counted in
  // InputStats::truncated. HTML is parsed up to 16 MiB at most (gumbo's tree takes about 20
  // times the page), and JSONL lines over twice this are skipped (InputStats::skipped_too_large).
  uint64_t max_document_bytes = 64 << 20;

  // Archives inside archives (a .zip member of a .tar.gz) are opened too; otherwise they are
  // skipped and counted in InputStats::skipped_nested. Compressed members (.gz, ...) are always
  // decompressed.
  bool recurse_archives = false;

  // Limits on what one input file (an archive or a compressed file, with everything nested in
  // it) may decompress to, so that a compression bomb is stopped, not the machine. Members read
  // before a limit is crossed are kept; the rest of the file is skipped and counted in
  // InputStats::skipped_over_limit.
  uint64_t max_decompressed_bytes = uint64_t{16} << 30;
  // Decompressed bytes per byte of the file, checked once 16 MiB have come out. 0: no limit.
  uint64_t max_compression_ratio = 200;
  uint64_t max_archive_members = 10'000'000;

  // Path filters, fnmatch(3) globs without flags ('*' also matches '/'); a pattern without '/'
  // is also matched against the file name alone, so "*.txt" and "README" work anywhere. They
  // apply to files and archive members (a compressed one matches with or without its .gz, ...
  // suffix). A path is read if no exclude pattern matches it and, when there are include
  // patterns, one of them does. Archives are containers: only exclude patterns apply to them,
  // so that --include '*.txt' still finds the text files inside every archive.
  std::vector<std::string> include;
  std::vector<std::string> exclude;
};

struct InputStats {
  uint64_t documents = 0;
  // Bytes of input consumed, after decompression.
  uint64_t bytes_read = 0;
  // Bytes read from input files and stdin as they are stored (compressed), added per file.
  uint64_t input_bytes = 0;
  // Documents cut to InputOptions::max_document_bytes (indexed, but not whole).
  uint64_t truncated = 0;
  // Files and members with a NUL byte in their first 64 KiB.
  uint64_t skipped_binary = 0;
  // Files and members whose first 64 KiB are over 10% invalid UTF-8, and JSONL lines that are
  // not UTF-8.
  uint64_t skipped_bad_encoding = 0;
  // JSONL lines too long to parse (over twice max_document_bytes plus 1 MiB): a document cut
  // mid-JSON cannot be read, so it is dropped rather than truncated.
  uint64_t skipped_too_large = 0;
  uint64_t skipped_bad_json = 0;
  // Documents the index refused (a value not of its field's type): counted by the indexer.
  uint64_t skipped_bad_value = 0;
  uint64_t skipped_unreadable = 0;
  uint64_t skipped_empty = 0;
  // Archives inside archives, not opened without InputOptions::recurse_archives.
  uint64_t skipped_nested = 0;
  // Input files cut short by a decompression limit (one count per file).
  uint64_t skipped_over_limit = 0;
  // Files and members left out by InputOptions::include/exclude (not a problem: not "skipped").
  uint64_t excluded = 0;
  // One line per skipped or truncated item, "path:line: reason" (JSONL), "path: reason" or
  // "archive!member: reason"; the first kMaxInputMessages are kept, the rest only counted in
  // messages_dropped.
  std::vector<std::string> messages;
  uint64_t messages_dropped = 0;
  // The file or archive member being read (JSONL: the file), for a progress display.
  std::string current;
  // Where the document the sink is given came from, as messages name it ("path:line" for
  // JSONL): set before each call of the sink, so that it can name a document it refuses.
  std::string source;
};

inline constexpr size_t kMaxInputMessages = 1000;

// Reads `input` and calls `sink` for every document, in a deterministic order. Returns the sink's
// error as soon as it fails; NotFound when `input` does not exist; InvalidArgument
// ("path:LINE: what") for a bad JSONL line without skip_errors.
TRAWL_EXPORT Status ReadInput(const std::string& input, const InputOptions& options,
                              InputStats* stats, const std::function<Status(Document&&)>& sink);

// Reads JSONL held in memory (a request body) as ReadInput reads a .jsonl file, by the same
// rules: one document per line, blank lines skipped, a bad line an InvalidArgument ("name:LINE:
// what") or, with options.skip_errors, counted in *stats and its message kept. `name` stands for
// the file in messages ("<request>"). Returns the sink's error as soon as it fails.
TRAWL_EXPORT Status ReadJsonlText(const std::string& name, std::string_view text,
                                  const InputOptions& options, InputStats* stats,
                                  const std::function<Status(Document&&)>& sink);

}  // namespace trawl

#endif  // TRAWL_INGEST_INPUT_READER_H_
