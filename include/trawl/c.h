/* The C API of libtrawl: what C programs call, and what Go (cgo), Rust, Java (FFM), Python
 * (ctypes) and others bind to. It wraps the C++ API of <trawl/index_writer.h> and
 * <trawl/searcher.h>, whose comments say in more detail what each operation does; this header
 * says what the C side adds. The header is C99 and C++; it includes only <stddef.h>,
 * <stdint.h> and trawl's C-compatible <trawl/export.h> and <trawl/version.h>.
 *
 *   trawl_searcher_t* searcher = NULL;
 *   trawl_results_t* results = NULL;
 *   char* err = NULL;
 *   if (trawl_searcher_open("/path/to/index", NULL, &searcher, &err) != TRAWL_OK ||
 *       trawl_search(searcher, "roaring bitmaps", NULL, &results, &err) != TRAWL_OK) {
 *     fprintf(stderr, "%s\n", err);
 *     trawl_free(err);
 *   }
 *   for (size_t i = 0; i < trawl_results_hit_count(results); ++i)
 *     printf("%s %s\n", trawl_results_hit_id(results, i), trawl_results_hit_title(results, i));
 *   trawl_results_destroy(results);
 *   trawl_searcher_close(searcher);
 *
 * Conventions (docs/embedding.md, "From C", has an example and the reasons):
 *
 * Handles. Every object is an opaque pointer made by a *_create or *_open function and given
 * back by the matching *_destroy or *_close, which accept NULL (and do nothing with it). A
 * *_create returns NULL only when memory runs out. Their layout is private, so the library can
 * change it without breaking a compiled program.
 *
 * Errors. A function that can fail returns a trawl_status_t: TRAWL_OK (0) or the reason. Its
 * last argument, `char** errmsg`, may be NULL; otherwise the function always stores into it:
 * NULL on success, on failure a message the caller frees with trawl_free, such as
 * "Invalid argument: syntax error at column 7: expected ')': this '(' is never closed" (NULL
 * too if even the message could not be allocated; the code is returned all the same). The
 * library never frees a message, so free one before passing the same variable again. A failed
 * call stores NULL (or 0) into its outputs. Messages are returned, not kept as a thread-local
 * "last error", so any thread may report any call's error and bindings need no locking.
 *
 * Arguments. A NULL handle or string argument is an error (TRAWL_INVALID_ARGUMENT naming the
 * function and the argument), never a crash. Setters of options and documents cannot fail, so
 * they return nothing: one given a NULL string records the mistake in its handle, and the call
 * that uses the handle (trawl_search, trawl_writer_add, ...) fails with that message; given a
 * NULL handle, a setter does nothing. Accessors given a NULL handle or an index out of range
 * return NULL or 0. Strings are NUL-terminated, text in UTF-8; booleans are int (0 is false).
 *
 * Memory. Strings returned as `const char*` belong to the handle they came from and stay valid
 * until it is destroyed (results and documents are never changed by later calls on a writer or
 * searcher: they own copies). Strings returned through `char**` belong to the caller, who frees
 * them with trawl_free (not free(): the library may use another allocator than the program).
 * Arguments are copied; the caller may free or reuse them when the call returns.
 *
 * Threads. The functions of one searcher (trawl_search, trawl_count, trawl_get, ...) may be
 * called from many threads at once. A writer follows the rules of trawl::IndexWriter
 * (<trawl/index_writer.h>). Any other handle (options, document, results) may be read from
 * many threads at once but must not be changed while another thread uses it, and no handle may
 * be destroyed while another thread uses it.
 *
 * Exceptions. No C++ exception leaves the library: an allocation failure inside a call is
 * TRAWL_OUT_OF_MEMORY and anything unexpected TRAWL_INTERNAL.
 *
 * Compatibility. Functions, enum values and handles are only ever added (new status codes after
 * the last one, new setters for new options); a program must treat a code it does not know as
 * an error. Queries are strings in the language of docs/query-language.md here; a query built
 * in code will be a handle of its own (trawl_query_t) with functions beside these. */
#ifndef TRAWL_C_H_
#define TRAWL_C_H_

#include <stddef.h>
#include <stdint.h>

#include "trawl/export.h"
#include "trawl/version.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- status codes, messages and memory ---- */

/* The outcome of a call. 1 to 8 are trawl::Status::Code (<trawl/status.h>), with the same
 * numbers; the rest arise only at the C boundary. */
typedef enum trawl_status_t {
  TRAWL_OK = 0,
  TRAWL_NOT_FOUND = 1,         /* an index or document that does not exist */
  TRAWL_CORRUPTION = 2,        /* bytes on disk that fail a checksum or structural check */
  TRAWL_IO_ERROR = 3,          /* the operating system refused a read, write, fsync or rename */
  TRAWL_INVALID_ARGUMENT = 4,  /* bad input: query syntax, an option, JSON, a NULL argument */
  TRAWL_NOT_SUPPORTED = 5,     /* a format version or feature this build does not know */
  TRAWL_BUSY = 6,              /* another writer holds the index lock */
  TRAWL_DEADLINE_EXCEEDED = 7, /* a query ran out of its time budget */
  TRAWL_CANCELLED = 8,         /* a query was stopped by its cancel flag */
  TRAWL_OUT_OF_MEMORY = 100,   /* an allocation failed inside the call */
  TRAWL_INTERNAL = 101         /* a bug in trawl: please report the message */
} trawl_status_t;

/* "OK", "Not found", "Invalid argument", ... as messages begin (trawl::Status::ToString);
 * "Unknown" for a value that is no trawl_status_t. A static string: never freed, never NULL. */
TRAWL_EXPORT const char* trawl_status_name(trawl_status_t status);

/* Frees a string the library gave the caller (an error message, a JSON text). NULL is fine. */
TRAWL_EXPORT void trawl_free(void* ptr);

/* ---- version ---- */

/* The version of the library the program runs with, "MAJOR.MINOR.PATCH" (a static string), and
 * as TRAWL_VERSION_NUMBER computes it. <trawl/version.h> has the version of the headers the
 * program was compiled with: TRAWL_VERSION_STRING, TRAWL_VERSION_NUMBER, ... */
TRAWL_EXPORT const char* trawl_version(void);
TRAWL_EXPORT uint32_t trawl_version_number(void);

/* ---- schemas ---- */

/* Parses a schema in the JSON form of trawl::Schema::FromJson (<trawl/schema.h>) and writes it
 * back with every option spelt out into *normalized_json (caller-owned: trawl_free), which
 * shows what the index would be created with. TRAWL_INVALID_ARGUMENT naming the field or key
 * that is wrong. `normalized_json` may be NULL to only check. */
TRAWL_EXPORT trawl_status_t trawl_schema_normalize(const char* schema_json, char** normalized_json,
                                                   char** errmsg);

/* ---- documents ---- */

/* What a value is (trawl::ValueKind): for a field the schema lacks it picks the field's type
 * (text, keyword, int, float, bool, date); for a known field it is a hint, and the value is
 * converted to the field's type or the document refused. */
typedef enum trawl_value_kind_t {
  TRAWL_KIND_TEXT = 0,
  TRAWL_KIND_KEYWORD = 1,
  TRAWL_KIND_INT = 2,
  TRAWL_KIND_FLOAT = 3,
  TRAWL_KIND_BOOL = 4,
  TRAWL_KIND_DATE = 5
} trawl_value_kind_t;

/* A document: an id and fields in order, a name repeated for several values. One is built to
 * add it to a writer, and trawl_get returns one. */
typedef struct trawl_document_t trawl_document_t;

/* An empty document (no id, no fields). */
TRAWL_EXPORT trawl_document_t* trawl_document_create(void);
TRAWL_EXPORT void trawl_document_destroy(trawl_document_t* doc);
/* Forgets the id, the fields and any recorded mistake, to build the next document in it. */
TRAWL_EXPORT void trawl_document_clear(trawl_document_t* doc);
/* The external key, unique in an index: adding a document whose id exists replaces it. */
TRAWL_EXPORT void trawl_document_set_id(trawl_document_t* doc, const char* id);
/* Appends a field with its value as text: a string, an integer or float in decimal, "true" or
 * "false", a date in RFC 3339 or as milliseconds since the Unix epoch. */
TRAWL_EXPORT void trawl_document_add(trawl_document_t* doc, const char* name, const char* value,
                                     trawl_value_kind_t kind);
TRAWL_EXPORT void trawl_document_add_int(trawl_document_t* doc, const char* name, int64_t value);
/* A non-finite value makes the writer refuse the document. */
TRAWL_EXPORT void trawl_document_add_float(trawl_document_t* doc, const char* name, double value);
TRAWL_EXPORT void trawl_document_add_bool(trawl_document_t* doc, const char* name, int value);
/* Milliseconds since the Unix epoch, UTC. */
TRAWL_EXPORT void trawl_document_add_date(trawl_document_t* doc, const char* name,
                                          int64_t epoch_millis);

/* The id ("" if none set). */
TRAWL_EXPORT const char* trawl_document_id(const trawl_document_t* doc);
TRAWL_EXPORT size_t trawl_document_field_count(const trawl_document_t* doc);
TRAWL_EXPORT const char* trawl_document_field_name(const trawl_document_t* doc, size_t i);
/* As text; of a document from trawl_get, in canonical form: numbers in decimal, dates in
 * RFC 3339 UTC, bools true/false. */
TRAWL_EXPORT const char* trawl_document_field_value(const trawl_document_t* doc, size_t i);
/* Of a document from trawl_get, the field's type in the index. TRAWL_KIND_TEXT out of range. */
TRAWL_EXPORT trawl_value_kind_t trawl_document_field_kind(const trawl_document_t* doc, size_t i);
/* The value of the first field called `name`, or NULL if the document has none. */
TRAWL_EXPORT const char* trawl_document_get(const trawl_document_t* doc, const char* name);

/* ---- writing an index ---- */

/* trawl::IndexWriterOptions: every setting starts at its default there. */
typedef struct trawl_writer_options_t trawl_writer_options_t;

TRAWL_EXPORT trawl_writer_options_t* trawl_writer_options_create(void);
TRAWL_EXPORT void trawl_writer_options_destroy(trawl_writer_options_t* options);
/* The schema of a new index, or fields to add to an existing one, as JSON (<trawl/schema.h>);
 * checked by trawl_writer_open, which fails naming what is wrong. NULL: no schema. */
TRAWL_EXPORT void trawl_writer_options_set_schema_json(trawl_writer_options_t* options,
                                                       const char* schema_json);
/* Analysis of a new index (an existing one keeps its own): a Snowball language or "none";
 * stop words "" (none), "english" or a file; tokenizer "simple" or "standard". */
TRAWL_EXPORT void trawl_writer_options_set_language(trawl_writer_options_t* options,
                                                    const char* language);
TRAWL_EXPORT void trawl_writer_options_set_stopwords(trawl_writer_options_t* options,
                                                     const char* stopwords);
TRAWL_EXPORT void trawl_writer_options_set_tokenizer(trawl_writer_options_t* options,
                                                     const char* tokenizer);
TRAWL_EXPORT void trawl_writer_options_set_ascii_folding(trawl_writer_options_t* options,
                                                         int enabled);
TRAWL_EXPORT void trawl_writer_options_set_max_token_chars(trawl_writer_options_t* options,
                                                           uint32_t chars);
/* Create the index in a directory that holds other files (off: such a directory is refused). */
TRAWL_EXPORT void trawl_writer_options_set_force(trawl_writer_options_t* options, int force);
TRAWL_EXPORT void trawl_writer_options_set_memory_budget(trawl_writer_options_t* options,
                                                         size_t bytes);
TRAWL_EXPORT void trawl_writer_options_set_threads(trawl_writer_options_t* options,
                                                   uint32_t threads);
TRAWL_EXPORT void trawl_writer_options_set_keep_commits(trawl_writer_options_t* options,
                                                        uint32_t commits);
TRAWL_EXPORT void trawl_writer_options_set_merge_factor(trawl_writer_options_t* options,
                                                        uint32_t factor);

/* Where merges run (trawl::IndexWriterOptions::merge_in_background). On (the default): on a
 * thread of the writer, after each commit, without holding up add, delete or commit; each
 * merge commits on its own. Off: inside trawl_writer_commit, which returns once the merges are
 * done. */
TRAWL_EXPORT void trawl_writer_options_set_merge_in_background(trawl_writer_options_t* options,
                                                               int background);
/* The numbers of the tiered merge policy besides merge_factor (trawl::TieredMergeOptions in
 * <trawl/merge_policy.h> has their trade-offs): segments with fewer live documents than
 * floor_docs count as that many (default 1000); no merge makes a segment of more than
 * max_merged_docs live documents (default: unbounded); a segment with more than
 * reclaim_deleted_percent of its documents deleted is merged alone when no tier is full
 * (default 20; 100 or more turns it off). */
TRAWL_EXPORT void trawl_writer_options_set_merge_floor_docs(trawl_writer_options_t* options,
                                                            uint64_t docs);
TRAWL_EXPORT void trawl_writer_options_set_max_merged_docs(trawl_writer_options_t* options,
                                                           uint64_t docs);
TRAWL_EXPORT void trawl_writer_options_set_reclaim_deleted_percent(
    trawl_writer_options_t* options, uint32_t percent);
/* How stored documents are compressed (trawl::IndexWriterOptions::store_block_bytes,
 * store_zstd_level and store_large_value_zstd_level, which say the trade-offs): in blocks of
 * about block_bytes (1024 to 1048576, default 4096) at zstd level `level` (1 to 19, default 6),
 * large values apart at `large_value_level` (1 to 19, default 3; the set_store_compression form
 * leaves it as it is). trawl_writer_open refuses values out of range. */
TRAWL_EXPORT void trawl_writer_options_set_store_compression(trawl_writer_options_t* options,
                                                             uint32_t block_bytes, int level);
TRAWL_EXPORT void trawl_writer_options_set_store_large_value_level(trawl_writer_options_t* options,
                                                                   int large_value_level);

/* The one writer of an index: holds its lock from open to close. */
typedef struct trawl_writer_t trawl_writer_t;

/* Opens the index at `path`, creating the directory and an empty index if needed. `options`
 * NULL means the defaults; it may be destroyed once this returns. TRAWL_BUSY if another writer
 * holds the lock; TRAWL_INVALID_ARGUMENT for a bad schema or analysis option, or a directory
 * holding other files (unless force). */
TRAWL_EXPORT trawl_status_t trawl_writer_open(const char* path,
                                              const trawl_writer_options_t* options,
                                              trawl_writer_t** writer, char** errmsg);
/* Releases the lock. What was added or deleted since the last commit is discarded, and a merge
 * running on the writer's background thread is cancelled (the index keeps its segments as
 * committed; see IndexWriter::WaitForMerges in trawl/index_writer.h). */
TRAWL_EXPORT void trawl_writer_close(trawl_writer_t* writer);
/* Buffers a document (copied: `doc` may be changed or destroyed next), replacing any with its
 * id. TRAWL_INVALID_ARGUMENT naming the field for a document that does not fit the schema,
 * which is refused; the writer goes on. Visible to searchers after the next commit. */
TRAWL_EXPORT trawl_status_t trawl_writer_add(trawl_writer_t* writer, const trawl_document_t* doc,
                                             char** errmsg);
/* Deletes the document with this id at the next commit; *found (if `found` is not NULL) says
 * whether one existed. */
TRAWL_EXPORT trawl_status_t trawl_writer_delete(trawl_writer_t* writer, const char* id, int* found,
                                                char** errmsg);
/* Makes everything added and deleted so far visible, durably. On failure the index stays at
 * its previous commit. */
TRAWL_EXPORT trawl_status_t trawl_writer_commit(trawl_writer_t* writer, char** errmsg);
/* Merges every segment into one, dropping deleted documents, and commits. */
TRAWL_EXPORT trawl_status_t trawl_writer_optimize(trawl_writer_t* writer, char** errmsg);
/* Waits until no background merge runs and the merge policy picks none among the committed
 * segments. Returns the error of the first background merge that failed since the last call
 * (which changed nothing: the index stays at its last commit), else TRAWL_OK; TRAWL_OK at once
 * when merges run inside commit. Any thread; add, delete and commit may go on meanwhile. */
TRAWL_EXPORT trawl_status_t trawl_writer_wait_for_merges(trawl_writer_t* writer, char** errmsg);
/* Live documents in the last commit; documents added since it. */
TRAWL_EXPORT uint64_t trawl_writer_committed_documents(const trawl_writer_t* writer);
TRAWL_EXPORT uint64_t trawl_writer_buffered_documents(const trawl_writer_t* writer);

/* ---- searching ---- */

/* trawl::SearcherOptions. */
typedef struct trawl_searcher_options_t trawl_searcher_options_t;

TRAWL_EXPORT trawl_searcher_options_t* trawl_searcher_options_create(void);
TRAWL_EXPORT void trawl_searcher_options_destroy(trawl_searcher_options_t* options);
/* Check every file's checksum at open (reads the whole index once). */
TRAWL_EXPORT void trawl_searcher_options_set_verify_checksums(trawl_searcher_options_t* options,
                                                              int verify);

/* One commit of an index, searched from any number of threads. */
typedef struct trawl_searcher_t trawl_searcher_t;

/* Opens the latest commit of the index at `path`. `options` NULL means the defaults.
 * TRAWL_NOT_FOUND if there is no index there; TRAWL_CORRUPTION naming a damaged file. */
TRAWL_EXPORT trawl_status_t trawl_searcher_open(const char* path,
                                                const trawl_searcher_options_t* options,
                                                trawl_searcher_t** searcher, char** errmsg);
/* Results and documents it returned stay valid: they own their data. */
TRAWL_EXPORT void trawl_searcher_close(trawl_searcher_t* searcher);
/* If a newer commit exists, opens it into *newer, sharing the segments both have (cheap after
 * a small commit); else stores NULL there. `current` stays valid and unchanged: the caller
 * closes it when its last search is done, and uses *newer from then on. */
TRAWL_EXPORT trawl_status_t trawl_searcher_open_if_changed(const trawl_searcher_t* current,
                                                           trawl_searcher_t** newer, char** errmsg);
TRAWL_EXPORT uint64_t trawl_searcher_num_docs(const trawl_searcher_t* searcher);
/* The commit this searcher sees; a later commit has a greater number. */
TRAWL_EXPORT uint64_t trawl_searcher_generation(const trawl_searcher_t* searcher);
/* The index's schema as JSON (caller-owned: trawl_free). */
TRAWL_EXPORT trawl_status_t trawl_searcher_schema_json(const trawl_searcher_t* searcher,
                                                       char** schema_json, char** errmsg);

/* trawl::SearchOptions: every setting starts at its default there (10 hits by score, no
 * filters, ...). Reusable: setting `after` again pages on with the same options. */
typedef struct trawl_search_options_t trawl_search_options_t;

TRAWL_EXPORT trawl_search_options_t* trawl_search_options_create(void);
TRAWL_EXPORT void trawl_search_options_destroy(trawl_search_options_t* options);
/* Hits to return, and hits to skip first. */
TRAWL_EXPORT void trawl_search_options_set_top(trawl_search_options_t* options, size_t top);
TRAWL_EXPORT void trawl_search_options_set_offset(trawl_search_options_t* options, size_t offset);
/* A query every hit must also match, without changing scores ("year:>=2016", "tag:paper"). */
TRAWL_EXPORT void trawl_search_options_add_filter(trawl_search_options_t* options,
                                                  const char* filter);
/* A key of the sort order, after those added before: a field with a column, or "score". No key:
 * by score, best first. */
TRAWL_EXPORT void trawl_search_options_add_sort(trawl_search_options_t* options, const char* field,
                                                int descending);
/* Counts of a keyword or bool field's `top_n` most frequent values over all matches. */
TRAWL_EXPORT void trawl_search_options_add_facet(trawl_search_options_t* options, const char* field,
                                                 size_t top_n);
/* Counts of an int, float or date field in buckets: "year", "month", "week", "day", "hour" for
 * dates, a width ("10", "0.5") for numbers. Range facets come after the others in results. */
TRAWL_EXPORT void trawl_search_options_add_range_facet(trawl_search_options_t* options,
                                                       const char* field, const char* interval);
/* A cursor from trawl_results_next: the page after the one it came from ("" for the first). */
TRAWL_EXPORT void trawl_search_options_set_after(trawl_search_options_t* options,
                                                 const char* cursor);
/* Only the best hit of each value of this keyword field ("" for none). */
TRAWL_EXPORT void trawl_search_options_set_collapse(trawl_search_options_t* options,
                                                    const char* field);
/* A stored field to return with each hit; "*" for all. */
TRAWL_EXPORT void trawl_search_options_add_field(trawl_search_options_t* options,
                                                 const char* field);
/* A text field to take snippets from, in order of preference; none: the best matching one. */
TRAWL_EXPORT void trawl_search_options_add_snippet_field(trawl_search_options_t* options,
                                                         const char* field);
TRAWL_EXPORT void trawl_search_options_set_snippet_chars(trawl_search_options_t* options,
                                                         size_t chars);
/* Markers around query terms in snippets ("<b>" and "</b>" by default). */
TRAWL_EXPORT void trawl_search_options_set_highlight(trawl_search_options_t* options,
                                                     const char* begin, const char* end);
/* BM25 parameters; BM25F with per-field weights and b (trawl::SearchOptions says how). */
TRAWL_EXPORT void trawl_search_options_set_bm25(trawl_search_options_t* options, double k1,
                                                double b);
TRAWL_EXPORT void trawl_search_options_set_bm25f(trawl_search_options_t* options, int enabled);
TRAWL_EXPORT void trawl_search_options_set_field_weight(trawl_search_options_t* options,
                                                        const char* field, double weight);
TRAWL_EXPORT void trawl_search_options_set_field_b(trawl_search_options_t* options,
                                                   const char* field, double b);
/* Term proximity weight (0: off) and window in positions. */
TRAWL_EXPORT void trawl_search_options_set_proximity(trawl_search_options_t* options, double weight,
                                                     uint32_t window);
/* Off: the total is a lower bound unless trawl_results_total_exact, and searches are faster. */
TRAWL_EXPORT void trawl_search_options_set_exact_total(trawl_search_options_t* options, int exact);
/* Off: hits carry no id, title, snippet or fields, only scores. */
TRAWL_EXPORT void trawl_search_options_set_load_documents(trawl_search_options_t* options,
                                                          int load);
/* Explain each hit's score (trawl_results_hit_explanation). */
TRAWL_EXPORT void trawl_search_options_set_explain(trawl_search_options_t* options, int explain);
/* The query is plain text (a bag of words, no operators), not the query language. */
TRAWL_EXPORT void trawl_search_options_set_plain_text(trawl_search_options_t* options,
                                                      int plain_text);

/* A time budget in milliseconds for each search or count run with these options, counted from
 * when the call starts (0, the default: none). A query still running when it is spent stops
 * and returns TRAWL_DEADLINE_EXCEEDED with no results. */
TRAWL_EXPORT void trawl_search_options_set_timeout_ms(trawl_search_options_t* options,
                                                      uint64_t timeout_ms);

/* With a timeout: a search still running when it is spent returns TRAWL_OK with the hits it
 * found by then and trawl_results_partial set, instead of TRAWL_DEADLINE_EXCEEDED
 * (trawl::SearchOptions::allow_partial says which hits: each a real match with its full
 * score; the total a lower bound; no facets and no cursor). trawl_count still fails, and a
 * cancelled query still returns TRAWL_CANCELLED. Off by default. */
TRAWL_EXPORT void trawl_search_options_set_allow_partial(trawl_search_options_t* options,
                                                         int allow);

/* Bounds on the query, its filters and the page (trawl::QueryLimits in <trawl/query.h> has
 * the defaults and the reasons): bytes of the query text and of each filter; parentheses
 * nested (1 to 500); clauses counted at every level; terms one prefix, wildcard or fuzzy word
 * may match in a segment; terms in one phrase; top and offset. A search or count past one
 * fails with TRAWL_INVALID_ARGUMENT naming the limit, such as "Invalid argument: at column 257:
 * parentheses nested deeper than 256, the max_depth limit (raise it with --max-depth)"; the
 * flag named is trawl-search's, here the setter of the same name. A value out of range fails
 * the same way. */
TRAWL_EXPORT void trawl_search_options_set_max_query_bytes(trawl_search_options_t* options,
                                                           size_t bytes);
TRAWL_EXPORT void trawl_search_options_set_max_depth(trawl_search_options_t* options,
                                                     size_t depth);
TRAWL_EXPORT void trawl_search_options_set_max_clauses(trawl_search_options_t* options,
                                                       size_t clauses);
TRAWL_EXPORT void trawl_search_options_set_max_expansions(trawl_search_options_t* options,
                                                          size_t terms);
TRAWL_EXPORT void trawl_search_options_set_max_phrase_terms(trawl_search_options_t* options,
                                                            size_t terms);
TRAWL_EXPORT void trawl_search_options_set_max_top(trawl_search_options_t* options, size_t top);
TRAWL_EXPORT void trawl_search_options_set_max_offset(trawl_search_options_t* options,
                                                      size_t offset);

/* A cancel flag: a query run with options naming it stops soon after any thread sets it and
 * returns TRAWL_CANCELLED with no results. One flag may serve many queries at once. Setting,
 * resetting and reading it are safe from any thread; it must outlive every query using it. */
typedef struct trawl_cancel_t trawl_cancel_t;
/* NULL only when memory runs out. */
TRAWL_EXPORT trawl_cancel_t* trawl_cancel_create(void);
TRAWL_EXPORT void trawl_cancel_destroy(trawl_cancel_t* cancel);
TRAWL_EXPORT void trawl_cancel_set(trawl_cancel_t* cancel);
TRAWL_EXPORT void trawl_cancel_reset(trawl_cancel_t* cancel);
/* NULL (the default): the options' queries cannot be cancelled. The options do not own it. */
TRAWL_EXPORT void trawl_search_options_set_cancel(trawl_search_options_t* options,
                                                  const trawl_cancel_t* cancel);

/* The outcome of one search, independent of the searcher that made it. */
typedef struct trawl_results_t trawl_results_t;

/* Runs `query` (docs/query-language.md) with `options` (NULL: the defaults) into *results.
 * TRAWL_INVALID_ARGUMENT with the column of a syntax error, or naming a bad option. */
TRAWL_EXPORT trawl_status_t trawl_search(const trawl_searcher_t* searcher, const char* query,
                                         const trawl_search_options_t* options,
                                         trawl_results_t** results, char** errmsg);
/* The exact number of documents matching `query` and the options' filters (and plain_text),
 * without scoring; the options' paging, sort, facets and fields play no part. */
TRAWL_EXPORT trawl_status_t trawl_count(const trawl_searcher_t* searcher, const char* query,
                                        const trawl_search_options_t* options, uint64_t* count,
                                        char** errmsg);
/* The terms the analyzer of `field` makes of `text` (field "": the index's analyzer), as a
 * query's words become (trawl::Searcher::Analyze): *count of them, in order, in one buffer of
 * NUL-terminated strings one after another, *terms (caller-owned: trawl_free; NULL when there
 * are none). The query `field:="term"` (with '"' and '\' escaped by '\') searches one as it
 * is. TRAWL_INVALID_ARGUMENT naming the field for an int, float, date, bool or stored-only
 * field. */
TRAWL_EXPORT trawl_status_t trawl_searcher_analyze(const trawl_searcher_t* searcher,
                                                   const char* field, const char* text,
                                                   char** terms, size_t* count, char** errmsg);
/* The stored fields of the document with this id, into *doc (the caller destroys it).
 * TRAWL_NOT_FOUND if there is none. */
TRAWL_EXPORT trawl_status_t trawl_get(const trawl_searcher_t* searcher, const char* id,
                                      trawl_document_t** doc, char** errmsg);

TRAWL_EXPORT void trawl_results_destroy(trawl_results_t* results);
/* Matching documents: exact unless trawl_results_total_exact says 0 (then a lower bound). */
TRAWL_EXPORT uint64_t trawl_results_total(const trawl_results_t* results);
TRAWL_EXPORT int trawl_results_total_exact(const trawl_results_t* results);
/* 1 if the search ran out of its time budget with trawl_search_options_set_allow_partial on
 * and these are the hits found by then (the total a lower bound, no facets, no cursor). */
TRAWL_EXPORT int trawl_results_partial(const trawl_results_t* results);
/* The cursor for trawl_search_options_set_after when more hits follow this page, else "". */
TRAWL_EXPORT const char* trawl_results_next(const trawl_results_t* results);

/* Hits of this page, in order, `hit` from 0 to trawl_results_hit_count() - 1. */
TRAWL_EXPORT size_t trawl_results_hit_count(const trawl_results_t* results);
TRAWL_EXPORT const char* trawl_results_hit_id(const trawl_results_t* results, size_t hit);
TRAWL_EXPORT double trawl_results_hit_score(const trawl_results_t* results, size_t hit);
TRAWL_EXPORT const char* trawl_results_hit_title(const trawl_results_t* results, size_t hit);
TRAWL_EXPORT const char* trawl_results_hit_snippet(const trawl_results_t* results, size_t hit);
/* "" unless the options asked to explain. */
TRAWL_EXPORT const char* trawl_results_hit_explanation(const trawl_results_t* results, size_t hit);
/* With a collapse field: the other matches with this hit's value. */
TRAWL_EXPORT uint64_t trawl_results_hit_collapsed(const trawl_results_t* results, size_t hit);
/* The stored fields the options asked for, values in canonical text. */
TRAWL_EXPORT size_t trawl_results_hit_field_count(const trawl_results_t* results, size_t hit);
TRAWL_EXPORT const char* trawl_results_hit_field_name(const trawl_results_t* results, size_t hit,
                                                      size_t field);
TRAWL_EXPORT const char* trawl_results_hit_field_value(const trawl_results_t* results, size_t hit,
                                                       size_t field);
TRAWL_EXPORT trawl_value_kind_t trawl_results_hit_field_kind(const trawl_results_t* results,
                                                             size_t hit, size_t field);
/* The first value of the field called `name` of a hit, or NULL if it has none. */
TRAWL_EXPORT const char* trawl_results_hit_get(const trawl_results_t* results, size_t hit,
                                               const char* name);

/* Facets in the order requested (keyword facets, then range facets). */
TRAWL_EXPORT size_t trawl_results_facet_count(const trawl_results_t* results);
TRAWL_EXPORT const char* trawl_results_facet_field(const trawl_results_t* results, size_t facet);
/* The field's type ("keyword", "bool", "int", "float", "date"), which says how to read values. */
TRAWL_EXPORT const char* trawl_results_facet_type(const trawl_results_t* results, size_t facet);
TRAWL_EXPORT int trawl_results_facet_is_range(const trawl_results_t* results, size_t facet);
/* A facet's values, by count then value (range facets: every non-empty bucket in order). */
TRAWL_EXPORT size_t trawl_results_facet_value_count(const trawl_results_t* results, size_t facet);
/* The value, or a bucket's lower bound (numbers in canonical text, dates RFC 3339 UTC). */
TRAWL_EXPORT const char* trawl_results_facet_value(const trawl_results_t* results, size_t facet,
                                                   size_t value);
/* Matches with that value, or in that bucket. */
TRAWL_EXPORT uint64_t trawl_results_facet_value_hits(const trawl_results_t* results, size_t facet,
                                                     size_t value);

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* TRAWL_C_H_ */
