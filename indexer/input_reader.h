// Turns what the user points trawl-index at (stdin, a file, a directory tree) into Documents.
//
//   "-"                JSONL from stdin
//   a directory        every regular file below it, recursively, in sorted path order; symlinks
//                      to files are read, symlinks to directories are not followed
//   *.jsonl            one JSON object per line: {"id": ..., "title": ..., "body": ..., ...}
//   *.jsonl.gz         the same, gzip-compressed
//   *.gz               (not .jsonl.gz, .tar.gz or .tgz) decompressed, then read like a plain file
//   anything else      one document: id = the path, title = the file name, body = the text
//
// Problems with single files (binary, empty, unreadable, bad gzip) are counted and never fail a
// run; a bad JSONL line fails it unless InputOptions::skip_errors.
#ifndef TRAWL_INDEXER_INPUT_READER_H_
#define TRAWL_INDEXER_INPUT_READER_H_

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "trawl/document.h"
#include "trawl/status.h"

namespace trawl {

struct InputOptions {
  // Bad JSONL lines are counted and skipped instead of failing the run.
  bool skip_errors = false;
  // A document whose field values add up to more than this is cut (at a UTF-8 boundary) to fit:
  // the field crossing the limit is truncated and any later fields are dropped. Counted in
  // InputStats::truncated.
  uint64_t max_document_bytes = 64 << 20;
};

struct InputStats {
  uint64_t documents = 0;
  // Bytes of input consumed, after decompression.
  uint64_t bytes_read = 0;
  uint64_t truncated = 0;
  uint64_t skipped_binary = 0;
  uint64_t skipped_bad_json = 0;
  uint64_t skipped_unreadable = 0;
  uint64_t skipped_empty = 0;
  // One line per skipped item, "path:line: reason" (JSONL) or "path: reason"; the first
  // kMaxInputMessages are kept, the rest only counted in messages_dropped.
  std::vector<std::string> messages;
  uint64_t messages_dropped = 0;
};

inline constexpr size_t kMaxInputMessages = 1000;

// Reads `input` and calls `sink` for every document, in a deterministic order. Returns the sink's
// error as soon as it fails; NotFound when `input` does not exist; InvalidArgument
// ("path:LINE: what") for a bad JSONL line without skip_errors.
Status ReadInput(const std::string& input, const InputOptions& options, InputStats* stats,
                 const std::function<Status(Document&&)>& sink);

}  // namespace trawl

#endif  // TRAWL_INDEXER_INPUT_READER_H_
