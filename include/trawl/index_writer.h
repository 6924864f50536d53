// IndexWriter: adds documents to an index directory and commits them atomically.
//
//   std::unique_ptr<trawl::IndexWriter> writer;
//   trawl::Status s = trawl::IndexWriter::Open("/path/to/index", {}, &writer);
//   if (s.ok()) s = writer->Add(doc);
//   if (s.ok()) s = writer->Commit();
//
// One writer at a time per index (an OS lock on <dir>/LOCK, released when the process dies);
// any number of readers. Nothing added is visible to readers until Commit() returns OK; a crash
// at any moment leaves the index at its last commit.
//
// Threads. Every method may be called from any thread, and all at once, as with Lucene's
// IndexWriter; only the destructor needs every other call to have returned.
//  - Add and Delete, from any number of threads. Each call takes effect at one instant between
//    its call and its return, all of it or (on error) none of it, and a thread's own calls take
//    effect in the order it makes them. Calls that race on the same id take effect in some
//    order, and the last one decides: the index then holds that Add's version of the document,
//    or none after a Delete; an id never has two live versions. To have a given version win,
//    make the calls on its id from one thread (or order them otherwise).
//  - Commit and Optimize, from any thread; they run one after the other. From the moment one
//    starts until it returns, Add and Delete wait (so they never see a commit half-made), and
//    then go into the next commit. So a commit holds every Add and Delete that returned before
//    it started, and each call racing with it wholly or not at all: of each thread's calls, a
//    commit holds a prefix.
//  - buffered_documents() and committed_documents(), any time: a value from before or after
//    any racing call.
//  - Merges run on the writer's own thread by default (IndexWriterOptions::
//    merge_in_background): they hold up neither Add, Delete, Commit nor any reader. A merge
//    is committed as a commit of its own that holds the same documents as the one before it.
// A field first seen in documents added by several threads at once gets one type: that of the
// first to map it (Schema::dynamic); the others are mapped against it, or refused as a later
// document would be. Documents are analysed on the writer's own threads
// (IndexWriterOptions::threads), whatever the number of calling threads: more callers help
// when producing documents (reading, parsing) is what limits indexing.
#ifndef TRAWL_INDEX_WRITER_H_
#define TRAWL_INDEX_WRITER_H_

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "trawl/document.h"
#include "trawl/export.h"
#include "trawl/file_system.h"
#include "trawl/merge_policy.h"
#include "trawl/schema.h"
#include "trawl/status.h"

namespace trawl {

// What IndexWriterOptions::store_block_bytes and store_zstd_level accept: a block holds at least
// a small document, and no more than a hit's read can afford; zstd's levels past 19 need far
// more memory to decompress.
inline constexpr uint32_t kMinStoreBlockBytes = 1 << 10;
inline constexpr uint32_t kMaxStoreBlockBytes = 1 << 20;
inline constexpr int kMaxStoreZstdLevel = 19;

struct IndexWriterOptions {
  // Analysis settings, used when the index is created. An existing index keeps the settings it
  // was created with (they are recorded in every commit), and these are ignored.
  // Any Snowball algorithm name ("english", "french", "porter", ...) or "none".
  std::string language = "english";
  // "" for no stop words (the default: phrases like "institute of technology" keep every word),
  // "english" for Lucene's 33 English stop words, or a path to a file with one word per line.
  std::string stopwords;
  // "simple" (the default): a token is a run of Unicode letters and digits. "standard": Unicode
  // word boundaries (UAX #29) like Lucene's StandardTokenizer, which keeps "don't", "e.g",
  // "3.14" and "1,000" whole, with English possessives stripped for english and porter. Or a
  // tokenizer the program registers (trawl/analysis.h).
  std::string tokenizer = "simple";
  // Tokens longer than this many code points are dropped (they still use up a position).
  uint32_t max_token_chars = 255;
  // Fold tokens to ASCII as Lucene's ASCIIFoldingFilter ("café" -> "cafe", "straße" ->
  // "strasse"), before stop words and stemming. A text field may set any of these four for
  // itself (FieldSpec::analyzer).
  bool ascii_folding = false;

  // The fields of the index (trawl/schema.h). For a new index, the schema it is created with
  // (empty: every field is mapped at first sight, as Schema::dynamic says). For an existing
  // one, fields it lacks are added; a field it has with another type or options makes Open
  // fail naming the field. Every commit records the schema.
  Schema schema;

  // Buffered documents are written out as a segment when their estimated memory reaches this.
  // Larger means fewer, larger segments and faster indexing; smaller bounds memory.
  size_t memory_budget_bytes = 1024u << 20;
  // How stored documents are compressed (the segment's .store file, docs/format.md): in blocks
  // of about store_block_bytes of documents (1 KiB to 1 MiB), compressed at zstd level
  // store_zstd_level (1 to 19) with a dictionary trained on the segment; a value of 4 KiB or
  // more in a block longer than two block sizes is compressed apart, at
  // store_large_value_zstd_level. A hit's id, title and snippet decode its document's block:
  // smaller blocks make them cheaper and the store larger, and a higher level makes the store
  // smaller and indexing slower. The defaults (4 KiB at level 6, large values at 3) make the
  // index smaller than 8 KiB blocks at level 3 and a page of hits' ids and titles about a
  // fifth faster to read, for indexing 10-20% slower, the most on corpora of short documents,
  // all of whose bytes are in such blocks (docs/benchmarks.md, "Smaller store blocks at level
  // 6"); 8 KiB blocks at level 3 index as before. They apply to the segments this writer writes,
  // merges included; segments written otherwise stay as they are, and readers need none of them.
  uint32_t store_block_bytes = 4096;
  int store_zstd_level = 6;
  int store_large_value_zstd_level = 3;

  // Indexing threads: each analyzes documents into its own segment builder (with its share of
  // the memory budget) while the threads that call Add go on producing documents. Document order in the index, and
  // so the order of score ties, then depends on scheduling.
  uint32_t threads = 1;

  // Commits kept after each commit (at least 1). Older manifests are deleted, then every file
  // no kept manifest references. Readers map every file when they open, and a mapped file
  // stays readable after it is unlinked, so an open reader is never affected; a reader that is
  // opening while its commit is deleted retries with the newest one.
  uint32_t keep_commits = 2;

  // Which segments merge, and when (trawl/merge_policy.h). Null: a TieredMergePolicy with
  // segments_per_tier = merge_factor and the other numbers at their defaults. Shared, so that
  // the options can be copied; the writer calls it from one thread at a time.
  std::shared_ptr<const MergePolicy> merge_policy;
  // Tiered merging: when F segments of similar size accumulate they are merged into one, so the
  // segment count stays logarithmic in the index size. 0 or 1 disables it (then only Optimize()
  // merges). Used when merge_policy is null.
  uint32_t merge_factor = 10;
  // Where merges run.
  // true (the default, as Lucene's ConcurrentMergeScheduler): on a thread of the writer. Commit()
  // returns once its segments are durable; the policy then picks merges among committed
  // segments, and each merge, run without holding up Add, Delete or Commit, is committed on its
  // own as a new commit with the same documents (deletions made meanwhile carried over; one
  // not yet committed stays uncommitted). A Commit that comes while a merge commits waits for
  // that step only (writing a deletion file and a manifest), never for the merge itself.
  // false: inside Commit(), before its manifest, as one step of it: Commit() takes as long as
  // the merges, and Add and Delete wait for it; the segment layout after each commit is then a
  // function of what was added, which tests and benchmarks may want.
  bool merge_in_background = true;

  // An index is created only in a new or empty directory (or one left by a writer that died
  // before its first commit): Open refuses a directory holding other files, so that a mistyped
  // path does not mix an index into the user's files. True creates the index there anyway; the
  // writer still touches only its own file names (format/file_names.h).
  bool force = false;

  // Where every file and directory call of the writer goes (reads, writes, fsyncs, renames,
  // removals, listing, the lock); null means FileSystem::Default(). Must outlive the writer.
  // Tests substitute one that injects failures.
  FileSystem* file_system = nullptr;
};

class TRAWL_EXPORT IndexWriter {
 public:
  // Opens the index at `dir`, creating the directory and an empty index if needed. Busy if
  // another writer holds the lock; InvalidArgument for bad analysis options, or for a directory
  // that holds other files and no index (unless options.force).
  static Status Open(const std::string& dir, const IndexWriterOptions& options,
                     std::unique_ptr<IndexWriter>* out);
  // Closing: documents added since the last commit are dropped, and a background merge that is
  // running is cancelled (it stops within one document or term, and its files are removed),
  // not waited for: merging is an optimization, and the index stays at its last commit with
  // the segments it has. Call WaitForMerges() first to have pending merges done.
  virtual ~IndexWriter();

  // Buffers one document (a worker may write a segment when the memory budget is reached). Not
  // visible to readers until Commit(). InvalidArgument, naming the field, for a document that
  // does not fit the schema (a value not of its field's type, a field a non-dynamic schema
  // lacks): it is refused and nothing changes, and the writer goes on. A document whose id is
  // already in the index (or added earlier in this batch) replaces it. Any thread; waits while
  // a Commit or Optimize runs, or while the writer's threads are behind.
  virtual Status Add(const Document& doc) = 0;
  // Deletes the document with this id, if any (*found says whether one existed). Like Add, it
  // takes effect at the next Commit(). Any thread; waits while a Commit or Optimize runs.
  virtual Status Delete(std::string_view id, bool* found = nullptr) = 0;
  // Writes buffered documents and makes everything added so far visible, durably. On error the
  // index stays at its previous commit. Any thread; one Commit or Optimize at a time.
  virtual Status Commit() = 0;

  // Merges every segment (with buffered documents) into one, dropping deleted documents, and
  // commits. Postings are copied, not re-analysed. Any thread, as Commit. It first waits for a
  // running background merge to finish, and none starts until it returns.
  virtual Status Optimize() = 0;

  // Waits until no background merge runs and the merge policy picks none among the committed
  // segments (merges that a merge's result makes due included). Returns the error of the first
  // background merge that failed since the last call, or OK: a failed merge changes nothing
  // (the index stays at its last commit, the merge's files are removed), and merging resumes
  // at the next Commit(). OK at once when merges run inside Commit(). Any thread; Add, Delete
  // and Commit may go on meanwhile (and may give the policy more to merge).
  virtual Status WaitForMerges() = 0;

  // Documents added (Add returned OK) since the last commit, replacements included.
  virtual uint64_t buffered_documents() const = 0;
  // Live (not deleted) documents in the last commit (or at open).
  virtual uint64_t committed_documents() const = 0;
};

}  // namespace trawl

#endif  // TRAWL_INDEX_WRITER_H_
