/* The C API (trawl/c.h) from a C program, as a C user or a binding sees it: compiled as C11
 * with -pedantic, linked against libtrawl, run under the sanitizers in CI (LeakSanitizer then
 * checks that every handle and string the API returns can be freed, and is).
 *
 *   c_api_test              makes and removes a temporary directory under $TMPDIR
 */
#define _XOPEN_SOURCE 700 /* mkdtemp, nftw */

#include <ftw.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <trawl/c.h>

static int failures = 0;

#define CHECK(cond)                                                            \
  do {                                                                         \
    if (!(cond)) {                                                             \
      fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond); \
      ++failures;                                                              \
    }                                                                          \
  } while (0)

/* Checks that a call succeeded; otherwise prints its message. Frees the message either way. */
#define CHECK_OK(call)                                                          \
  do {                                                                          \
    char* check_ok_err = NULL;                                                  \
    trawl_status_t check_ok_status = (call);                                    \
    if (check_ok_status != TRAWL_OK) {                                          \
      fprintf(stderr, "%s:%d: %s failed: %s (%s)\n", __FILE__, __LINE__, #call, \
              trawl_status_name(check_ok_status),                               \
              check_ok_err != NULL ? check_ok_err : "no message");              \
      ++failures;                                                               \
    }                                                                           \
    trawl_free(check_ok_err);                                                   \
  } while (0)
/* The errmsg argument of a call inside CHECK_OK: CHECK_OK(trawl_writer_commit(writer, ERR)). */
#define ERR (&check_ok_err)

/* dir/name into out; exits on a path too long for the buffer. */
static void JoinPath(char* out, size_t size, const char* dir, const char* name) {
  int n = snprintf(out, size, "%s/%s", dir, name);
  if (n < 0 || (size_t)n >= size) {
    fprintf(stderr, "path too long: %s/%s\n", dir, name);
    exit(1);
  }
}

static int StrEq(const char* a, const char* b) {
  return a != NULL && b != NULL && strcmp(a, b) == 0;
}
static int Contains(const char* s, const char* part) {
  return s != NULL && strstr(s, part) != NULL;
}

/* ---- the index used throughout: five papers, typed fields ---- */

static const char* const kSchema =
    "{\"fields\": {\"title\": {\"type\": \"text\"}, \"body\": {\"type\": \"text\"},"
    " \"tag\": {\"type\": \"keyword\"}, \"year\": {\"type\": \"int\"}},"
    " \"dynamic\": false}";

struct Paper {
  const char* id;
  const char* title;
  const char* body;
  const char* tags[3];
  int64_t year;
};

static const struct Paper kPapers[] = {
    {"rfc-7159",
     "The JSON data interchange format",
     "JSON is a lightweight text format for data interchange",
     {"json", "standard", NULL},
     2014},
    {"rfc-8259",
     "The JSON data interchange syntax",
     "A text syntax for the interchange of structured data",
     {"json", "standard", NULL},
     2017},
    {"roaring-2016",
     "Better bitmap performance with Roaring bitmaps",
     "Compressed bitmap indexes for fast set operations on data",
     {"bitmap", "paper", NULL},
     2016},
    {"roaring-2018",
     "Roaring bitmaps: implementation of an optimized software library",
     "A software library of compressed bitmaps for data",
     {"bitmap", "paper", "library"},
     2018},
    {"rfc-8878",
     "Zstandard compression and the application/zstd media type",
     "A lossless compression format for data",
     {"compression", "standard", NULL},
     2021},
};

static void FillPaper(trawl_document_t* doc, const struct Paper* p) {
  size_t t;
  trawl_document_clear(doc);
  trawl_document_set_id(doc, p->id);
  trawl_document_add(doc, "title", p->title, TRAWL_KIND_TEXT);
  trawl_document_add(doc, "body", p->body, TRAWL_KIND_TEXT);
  for (t = 0; t < 3 && p->tags[t] != NULL; ++t)
    trawl_document_add(doc, "tag", p->tags[t], TRAWL_KIND_KEYWORD);
  trawl_document_add_int(doc, "year", p->year);
}

static void TestVersionAndStatusNames(void) {
  CHECK(StrEq(trawl_version(), TRAWL_VERSION_STRING));
  CHECK(trawl_version_number() == TRAWL_VERSION_NUMBER);
  CHECK(StrEq(trawl_status_name(TRAWL_OK), "OK"));
  CHECK(StrEq(trawl_status_name(TRAWL_NOT_FOUND), "Not found"));
  CHECK(StrEq(trawl_status_name(TRAWL_DEADLINE_EXCEEDED), "Deadline exceeded"));
  CHECK(StrEq(trawl_status_name(TRAWL_CANCELLED), "Cancelled"));
  CHECK(StrEq(trawl_status_name(TRAWL_INTERNAL), "Internal error"));
  trawl_free(NULL);
}

static void TestSchemaJson(void) {
  char* normalized = NULL;
  char* err = NULL;
  CHECK_OK(trawl_schema_normalize(kSchema, &normalized, ERR));
  /* Every option spelt out, e.g. the keyword field's column. */
  CHECK(Contains(normalized, "\"tag\""));
  CHECK(Contains(normalized, "\"column\""));
  trawl_free(normalized);
  CHECK_OK(trawl_schema_normalize(kSchema, NULL, ERR));

  normalized = (char*)"untouched";
  CHECK(trawl_schema_normalize("{\"fields\": {\"price\": {\"type\": \"money\"}}}", &normalized,
                               &err) == TRAWL_INVALID_ARGUMENT);
  CHECK(normalized == NULL);
  CHECK(Contains(err, "price"));
  trawl_free(err);
  CHECK(trawl_schema_normalize("{not json", NULL, NULL) == TRAWL_INVALID_ARGUMENT);
  CHECK(trawl_schema_normalize(NULL, NULL, &err) == TRAWL_INVALID_ARGUMENT);
  CHECK(Contains(err, "schema_json is NULL"));
  trawl_free(err);
}

static void BuildIndex(const char* dir) {
  trawl_writer_options_t* options = trawl_writer_options_create();
  trawl_writer_t* writer = NULL;
  trawl_writer_t* second = NULL;
  trawl_document_t* doc = trawl_document_create();
  char* err = NULL;
  size_t i;
  int found = -1;

  trawl_writer_options_set_schema_json(options, kSchema);
  trawl_writer_options_set_language(options, "english");
  CHECK_OK(trawl_writer_open(dir, options, &writer, ERR));
  trawl_writer_options_destroy(options);
  if (writer == NULL) {
    trawl_document_destroy(doc);
    return;
  }

  /* One writer at a time. */
  CHECK(trawl_writer_open(dir, NULL, &second, &err) == TRAWL_BUSY);
  CHECK(second == NULL && err != NULL);
  trawl_free(err);

  for (i = 0; i < sizeof kPapers / sizeof kPapers[0]; ++i) {
    FillPaper(doc, &kPapers[i]);
    CHECK_OK(trawl_writer_add(writer, doc, ERR));
  }
  /* Refused documents name the field, and the writer goes on. */
  trawl_document_clear(doc);
  trawl_document_set_id(doc, "bad-year");
  trawl_document_add(doc, "year", "last year", TRAWL_KIND_TEXT);
  CHECK(trawl_writer_add(writer, doc, &err) == TRAWL_INVALID_ARGUMENT);
  CHECK(Contains(err, "year"));
  trawl_free(err);
  trawl_document_clear(doc);
  trawl_document_set_id(doc, "unknown-field");
  trawl_document_add(doc, "colour", "red", TRAWL_KIND_KEYWORD);
  CHECK(trawl_writer_add(writer, doc, &err) == TRAWL_INVALID_ARGUMENT);
  CHECK(Contains(err, "colour"));
  trawl_free(err);
  /* A NULL given to a setter surfaces at the add. */
  trawl_document_clear(doc);
  trawl_document_set_id(doc, NULL);
  trawl_document_add(doc, "title", "no id", TRAWL_KIND_TEXT);
  CHECK(trawl_writer_add(writer, doc, &err) == TRAWL_INVALID_ARGUMENT);
  CHECK(Contains(err, "trawl_document_set_id: id is NULL"));
  trawl_free(err);
  trawl_document_clear(doc);
  trawl_document_add(doc, NULL, "value", TRAWL_KIND_TEXT);
  CHECK(trawl_writer_add(writer, doc, &err) == TRAWL_INVALID_ARGUMENT);
  CHECK(Contains(err, "name is NULL"));
  trawl_free(err);

  /* A sixth document, then deleted; deleting what is not there finds nothing. */
  trawl_document_clear(doc);
  trawl_document_set_id(doc, "draft");
  trawl_document_add(doc, "title", "A draft about data", TRAWL_KIND_TEXT);
  trawl_document_add_int(doc, "year", 2022);
  CHECK_OK(trawl_writer_add(writer, doc, ERR));
  CHECK_OK(trawl_writer_commit(writer, ERR));
  CHECK(trawl_writer_committed_documents(writer) == 6);
  CHECK_OK(trawl_writer_delete(writer, "draft", &found, ERR));
  CHECK(found == 1);
  CHECK_OK(trawl_writer_delete(writer, "no-such-id", &found, ERR));
  CHECK(found == 0);
  CHECK_OK(trawl_writer_delete(writer, "no-such-id", NULL, NULL));
  CHECK_OK(trawl_writer_commit(writer, ERR));
  CHECK(trawl_writer_committed_documents(writer) == 5);
  CHECK(trawl_writer_buffered_documents(writer) == 0);
  CHECK_OK(trawl_writer_optimize(writer, ERR));
  CHECK(trawl_writer_committed_documents(writer) == 5);

  trawl_document_destroy(doc);
  trawl_writer_close(writer);
}

static void TestSearch(const trawl_searcher_t* searcher) {
  trawl_search_options_t* options = trawl_search_options_create();
  trawl_results_t* results = NULL;
  trawl_results_t* page2 = NULL;
  size_t i;

  /* "data" from 2016 on, newest first, two a page, with the year and counts of tags. */
  trawl_search_options_set_top(options, 2);
  trawl_search_options_add_filter(options, "year:>=2016");
  trawl_search_options_add_sort(options, "year", 1);
  trawl_search_options_add_facet(options, "tag", 10);
  trawl_search_options_add_range_facet(options, "year", "10");
  trawl_search_options_add_field(options, "year");
  CHECK_OK(trawl_search(searcher, "data", options, &results, ERR));
  if (results == NULL) {
    trawl_search_options_destroy(options);
    return;
  }
  CHECK(trawl_results_total(results) == 4);
  CHECK(trawl_results_total_exact(results));
  CHECK(trawl_results_hit_count(results) == 2);
  CHECK(StrEq(trawl_results_hit_id(results, 0), "rfc-8878"));
  CHECK(StrEq(trawl_results_hit_id(results, 1), "roaring-2018"));
  CHECK(StrEq(trawl_results_hit_title(results, 1),
              "Roaring bitmaps: implementation of an optimized software library"));
  CHECK(Contains(trawl_results_hit_snippet(results, 1), "<b>data</b>"));
  CHECK(StrEq(trawl_results_hit_explanation(results, 0), ""));
  CHECK(trawl_results_hit_field_count(results, 0) == 1);
  CHECK(StrEq(trawl_results_hit_field_name(results, 0, 0), "year"));
  CHECK(StrEq(trawl_results_hit_field_value(results, 0, 0), "2021"));
  CHECK(trawl_results_hit_field_kind(results, 0, 0) == TRAWL_KIND_INT);
  CHECK(StrEq(trawl_results_hit_get(results, 1, "year"), "2018"));
  CHECK(trawl_results_hit_get(results, 1, "title") == NULL); /* not asked for */

  /* Facets count every match, not only this page: tag over 8878, 2018, 8259, 2016. */
  CHECK(trawl_results_facet_count(results) == 2);
  CHECK(StrEq(trawl_results_facet_field(results, 0), "tag"));
  CHECK(StrEq(trawl_results_facet_type(results, 0), "keyword"));
  CHECK(!trawl_results_facet_is_range(results, 0));
  CHECK(trawl_results_facet_value_count(results, 0) == 6);
  CHECK(StrEq(trawl_results_facet_value(results, 0, 0), "bitmap"));
  CHECK(trawl_results_facet_value_hits(results, 0, 0) == 2);
  CHECK(StrEq(trawl_results_facet_value(results, 0, 5), "library"));
  CHECK(trawl_results_facet_value_hits(results, 0, 5) == 1);
  /* Years 2016, 2017, 2018 in the bucket from 2010, 2021 in the one from 2020. */
  CHECK(StrEq(trawl_results_facet_field(results, 1), "year"));
  CHECK(StrEq(trawl_results_facet_type(results, 1), "int"));
  CHECK(trawl_results_facet_is_range(results, 1));
  CHECK(trawl_results_facet_value_count(results, 1) == 2);
  CHECK(StrEq(trawl_results_facet_value(results, 1, 0), "2010"));
  CHECK(trawl_results_facet_value_hits(results, 1, 0) == 3);
  CHECK(StrEq(trawl_results_facet_value(results, 1, 1), "2020"));
  CHECK(trawl_results_facet_value_hits(results, 1, 1) == 1);

  /* Out of range and NULL: NULL and 0, no crash. */
  CHECK(trawl_results_hit_id(results, 2) == NULL);
  CHECK(trawl_results_hit_field_value(results, 0, 1) == NULL);
  CHECK(trawl_results_hit_field_count(results, 7) == 0);
  CHECK(trawl_results_facet_value(results, 0, 6) == NULL);
  CHECK(trawl_results_facet_field(results, 2) == NULL);
  CHECK(trawl_results_hit_count(NULL) == 0);
  CHECK(trawl_results_next(NULL) == NULL);
  CHECK(trawl_results_hit_get(results, 0, NULL) == NULL);

  /* The next page through the cursor: the other two, then no cursor. */
  CHECK(!StrEq(trawl_results_next(results), ""));
  trawl_search_options_set_after(options, trawl_results_next(results));
  CHECK_OK(trawl_search(searcher, "data", options, &page2, ERR));
  CHECK(trawl_results_hit_count(page2) == 2);
  CHECK(StrEq(trawl_results_hit_id(page2, 0), "rfc-8259"));
  CHECK(StrEq(trawl_results_hit_id(page2, 1), "roaring-2016"));
  CHECK(StrEq(trawl_results_next(page2), ""));
  for (i = 0; i < trawl_results_hit_count(page2); ++i)
    CHECK(StrEq(trawl_results_hit_field_name(page2, i, 0), "year"));
  trawl_results_destroy(page2);
  trawl_results_destroy(results);
  trawl_search_options_destroy(options);

  /* Defaults, explain, plain text with characters the query language would reject. */
  options = trawl_search_options_create();
  trawl_search_options_set_explain(options, 1);
  trawl_search_options_set_plain_text(options, 1);
  trawl_search_options_add_snippet_field(options, "title");
  trawl_search_options_set_highlight(options, "[", "]");
  /* Stemmed, "compression" finds "compressed" too; the paper with both words comes first. */
  CHECK_OK(trawl_search(searcher, "zstd (compression", options, &results, ERR));
  CHECK(trawl_results_hit_count(results) == 3);
  CHECK(StrEq(trawl_results_hit_id(results, 0), "rfc-8878"));
  CHECK(trawl_results_hit_score(results, 0) > trawl_results_hit_score(results, 1));
  CHECK(!StrEq(trawl_results_hit_explanation(results, 0), ""));
  CHECK(Contains(trawl_results_hit_snippet(results, 0), "[compression]"));
  trawl_results_destroy(results);
  trawl_search_options_destroy(options);

  CHECK_OK(trawl_search(searcher, "roaring", NULL, &results, ERR));
  CHECK(trawl_results_total(results) == 2);
  trawl_results_destroy(results);
}

/* A set cancel flag stops searches and counts; a generous time budget changes nothing. */
static void TestDeadlineAndCancel(const trawl_searcher_t* searcher) {
  trawl_search_options_t* options = trawl_search_options_create();
  trawl_cancel_t* cancel = trawl_cancel_create();
  trawl_results_t* results = NULL;
  uint64_t count = 99;
  char* err = NULL;
  trawl_search_options_set_timeout_ms(options, 60000);
  CHECK_OK(trawl_search(searcher, "data", options, &results, ERR));
  CHECK(trawl_results_total(results) == 5);
  trawl_results_destroy(results);
  CHECK_OK(trawl_count(searcher, "data", options, &count, ERR));
  CHECK(count == 5);

  trawl_search_options_set_cancel(options, cancel);
  CHECK_OK(trawl_search(searcher, "data", options, &results, ERR));
  trawl_results_destroy(results);
  trawl_cancel_set(cancel);
  results = NULL;
  CHECK(trawl_search(searcher, "data", options, &results, &err) == TRAWL_CANCELLED);
  CHECK(results == NULL);
  CHECK(err != NULL);
  trawl_free(err);
  err = NULL;
  CHECK(trawl_count(searcher, "data", options, &count, &err) == TRAWL_CANCELLED);
  CHECK(count == 0);
  trawl_free(err);
  trawl_cancel_reset(cancel);
  CHECK_OK(trawl_count(searcher, "data", options, &count, ERR));
  CHECK(count == 5);

  trawl_search_options_destroy(options);
  trawl_cancel_destroy(cancel);
}

/* The terms a text becomes, searched as indexed terms. */
static void TestAnalyze(const trawl_searcher_t* searcher) {
  char* terms = NULL;
  char* err = NULL;
  size_t count = 99;
  uint64_t matches = 0, words = 0;
  CHECK_OK(trawl_searcher_analyze(searcher, "body", "Compressed, BITMAPS!", &terms, &count, ERR));
  CHECK(count == 2);
  CHECK(StrEq(terms, "compress"));
  CHECK(StrEq(terms + strlen(terms) + 1, "bitmap"));
  trawl_free(terms);
  CHECK_OK(trawl_count(searcher, "+body:=\"compress\" +body:=bitmap", NULL, &matches, ERR));
  CHECK_OK(trawl_count(searcher, "+body:Compressed +body:BITMAPS", NULL, &words, ERR));
  CHECK(matches == words);
  CHECK_OK(trawl_searcher_analyze(searcher, "tag", "Paper", &terms, &count, ERR));
  CHECK(count == 1 && StrEq(terms, "Paper"));
  trawl_free(terms);
  terms = (char*)&count; /* no terms: NULL */
  CHECK_OK(trawl_searcher_analyze(searcher, "", " ... ", &terms, &count, ERR));
  CHECK(count == 0 && terms == NULL);
  CHECK(trawl_searcher_analyze(searcher, "year", "2016", &terms, &count, &err) ==
        TRAWL_INVALID_ARGUMENT);
  CHECK(Contains(err, "field 'year' is int"));
  trawl_free(err);
  err = NULL;
  CHECK(trawl_searcher_analyze(searcher, NULL, "x", &terms, &count, &err) ==
        TRAWL_INVALID_ARGUMENT);
  CHECK(Contains(err, "field is NULL"));
  trawl_free(err);
}

static void TestCountAndGet(const trawl_searcher_t* searcher) {
  trawl_search_options_t* options = trawl_search_options_create();
  trawl_document_t* doc = NULL;
  uint64_t count = 99;
  char* err = NULL;

  CHECK_OK(trawl_count(searcher, "data", NULL, &count, ERR));
  CHECK(count == 5);
  CHECK_OK(trawl_count(searcher, "tag:standard AND year:>=2015", NULL, &count, ERR));
  CHECK(count == 2);
  /* With options: the filter counts; paging, sort and facets do not. */
  trawl_search_options_add_filter(options, "tag:standard");
  trawl_search_options_set_top(options, 1);
  trawl_search_options_add_sort(options, "year", 0);
  trawl_search_options_add_facet(options, "tag", 3);
  CHECK_OK(trawl_count(searcher, "data", options, &count, ERR));
  CHECK(count == 3);
  trawl_search_options_destroy(options);

  CHECK_OK(trawl_get(searcher, "roaring-2018", &doc, ERR));
  CHECK(StrEq(trawl_document_id(doc), "roaring-2018"));
  CHECK(StrEq(trawl_document_get(doc, "title"),
              "Roaring bitmaps: implementation of an optimized software library"));
  CHECK(StrEq(trawl_document_get(doc, "year"), "2018"));
  CHECK(trawl_document_get(doc, "colour") == NULL);
  {
    size_t i, tags = 0;
    for (i = 0; i < trawl_document_field_count(doc); ++i) {
      if (StrEq(trawl_document_field_name(doc, i), "tag")) {
        ++tags;
        CHECK(trawl_document_field_kind(doc, i) == TRAWL_KIND_KEYWORD);
      }
      if (StrEq(trawl_document_field_name(doc, i), "year"))
        CHECK(trawl_document_field_kind(doc, i) == TRAWL_KIND_INT);
    }
    CHECK(tags == 3);
    CHECK(trawl_document_field_name(doc, trawl_document_field_count(doc)) == NULL);
  }
  trawl_document_destroy(doc);

  doc = (trawl_document_t*)&count; /* a failed call stores NULL */
  CHECK(trawl_get(searcher, "draft", &doc, &err) == TRAWL_NOT_FOUND);
  CHECK(doc == NULL);
  CHECK(Contains(err, "draft"));
  trawl_free(err);
}

static void TestErrors(const char* dir, const trawl_searcher_t* searcher) {
  trawl_searcher_t* missing = NULL;
  trawl_results_t* results = NULL;
  trawl_search_options_t* options = NULL;
  char missing_dir[4096];
  uint64_t count = 0;
  char* err = NULL;

  /* A syntax error says where. */
  CHECK(trawl_search(searcher, "title:(unclosed", NULL, &results, &err) == TRAWL_INVALID_ARGUMENT);
  CHECK(results == NULL);
  CHECK(Contains(err, "column"));
  CHECK(Contains(err, "Invalid argument"));
  trawl_free(err);
  CHECK(trawl_count(searcher, "a AND", NULL, &count, &err) == TRAWL_INVALID_ARGUMENT);
  CHECK(Contains(err, "column"));
  trawl_free(err);
  /* errmsg may be NULL: only the code. */
  CHECK(trawl_search(searcher, "title:(unclosed", NULL, &results, NULL) == TRAWL_INVALID_ARGUMENT);

  /* No index there. */
  JoinPath(missing_dir, sizeof missing_dir, dir, "no-index-here");
  CHECK(trawl_searcher_open(missing_dir, NULL, &missing, &err) == TRAWL_NOT_FOUND);
  CHECK(missing == NULL);
  CHECK(err != NULL);
  trawl_free(err);

  /* NULL handles and strings: an error naming them. */
  CHECK(trawl_search(NULL, "data", NULL, &results, &err) == TRAWL_INVALID_ARGUMENT);
  CHECK(Contains(err, "trawl_search: searcher is NULL"));
  trawl_free(err);
  CHECK(trawl_search(searcher, NULL, NULL, &results, &err) == TRAWL_INVALID_ARGUMENT);
  CHECK(Contains(err, "query is NULL"));
  trawl_free(err);
  CHECK(trawl_search(searcher, "data", NULL, NULL, &err) == TRAWL_INVALID_ARGUMENT);
  trawl_free(err);
  CHECK(trawl_count(searcher, "data", NULL, NULL, NULL) == TRAWL_INVALID_ARGUMENT);
  CHECK(trawl_get(searcher, NULL, NULL, NULL) == TRAWL_INVALID_ARGUMENT);
  CHECK(trawl_searcher_open(NULL, NULL, &missing, NULL) == TRAWL_INVALID_ARGUMENT);
  CHECK(trawl_writer_open(NULL, NULL, NULL, NULL) == TRAWL_INVALID_ARGUMENT);
  CHECK(trawl_writer_add(NULL, NULL, NULL) == TRAWL_INVALID_ARGUMENT);
  CHECK(trawl_writer_delete(NULL, "x", NULL, NULL) == TRAWL_INVALID_ARGUMENT);
  CHECK(trawl_writer_commit(NULL, NULL) == TRAWL_INVALID_ARGUMENT);
  CHECK(trawl_writer_optimize(NULL, NULL) == TRAWL_INVALID_ARGUMENT);
  CHECK(trawl_searcher_open_if_changed(NULL, &missing, NULL) == TRAWL_INVALID_ARGUMENT);
  CHECK(trawl_searcher_schema_json(NULL, NULL, NULL) == TRAWL_INVALID_ARGUMENT);
  CHECK(trawl_searcher_num_docs(NULL) == 0);
  trawl_writer_close(NULL);
  trawl_searcher_close(NULL);
  trawl_results_destroy(NULL);
  trawl_document_destroy(NULL);
  trawl_search_options_destroy(NULL);
  trawl_writer_options_destroy(NULL);
  trawl_searcher_options_destroy(NULL);
  trawl_search_options_add_filter(NULL, "ignored");
  trawl_document_add(NULL, "a", "b", TRAWL_KIND_TEXT);

  /* A NULL given to an options setter fails the search that uses the options. */
  options = trawl_search_options_create();
  trawl_search_options_add_filter(options, NULL);
  trawl_search_options_add_sort(options, NULL, 0); /* the first mistake is the one reported */
  CHECK(trawl_search(searcher, "data", options, &results, &err) == TRAWL_INVALID_ARGUMENT);
  CHECK(Contains(err, "trawl_search_options_add_filter: filter is NULL"));
  trawl_free(err);
  CHECK(trawl_count(searcher, "data", options, &count, &err) == TRAWL_INVALID_ARGUMENT);
  trawl_free(err);
  trawl_search_options_destroy(options);

  /* Options the searcher rejects: a sort on a text field, a bad filter. */
  options = trawl_search_options_create();
  trawl_search_options_add_sort(options, "body", 0);
  CHECK(trawl_search(searcher, "data", options, &results, &err) == TRAWL_INVALID_ARGUMENT);
  CHECK(Contains(err, "body"));
  trawl_free(err);
  trawl_search_options_destroy(options);

  /* A bad schema is reported by the open that uses it. */
  {
    trawl_writer_options_t* writer_options = trawl_writer_options_create();
    trawl_writer_t* writer = NULL;
    char bad_dir[4096];
    JoinPath(bad_dir, sizeof bad_dir, dir, "bad-schema");
    trawl_writer_options_set_schema_json(writer_options, "{\"fields\": {\"x\": {\"type\": 3}}}");
    CHECK(trawl_writer_open(bad_dir, writer_options, &writer, &err) == TRAWL_INVALID_ARGUMENT);
    CHECK(writer == NULL);
    CHECK(Contains(err, "schema"));
    trawl_free(err);
    trawl_writer_options_set_language(writer_options, NULL);
    trawl_writer_options_set_schema_json(writer_options, NULL);
    CHECK(trawl_writer_open(bad_dir, writer_options, &writer, &err) == TRAWL_INVALID_ARGUMENT);
    CHECK(Contains(err, "language is NULL"));
    trawl_free(err);
    trawl_writer_options_destroy(writer_options);
    /* Store compression out of range, named. */
    writer_options = trawl_writer_options_create();
    trawl_writer_options_set_store_compression(writer_options, 512, 3);
    CHECK(trawl_writer_open(bad_dir, writer_options, &writer, &err) == TRAWL_INVALID_ARGUMENT);
    CHECK(Contains(err, "store_block_bytes"));
    trawl_free(err);
    trawl_writer_options_set_store_compression(writer_options, 4096, 20);
    CHECK(trawl_writer_open(bad_dir, writer_options, &writer, &err) == TRAWL_INVALID_ARGUMENT);
    CHECK(Contains(err, "store_zstd_level"));
    trawl_free(err);
    trawl_writer_options_set_store_compression(writer_options, 4096, 6);
    trawl_writer_options_set_store_large_value_level(writer_options, 0);
    CHECK(trawl_writer_open(bad_dir, writer_options, &writer, &err) == TRAWL_INVALID_ARGUMENT);
    CHECK(Contains(err, "store_large_value_zstd_level"));
    trawl_free(err);
    trawl_writer_options_destroy(writer_options);
  }
}

static void TestReopenAndSchema(const char* dir, trawl_searcher_t** searcher) {
  trawl_searcher_t* newer = NULL;
  trawl_writer_t* writer = NULL;
  trawl_document_t* doc = trawl_document_create();
  char* schema = NULL;
  uint64_t generation = trawl_searcher_generation(*searcher);
  uint64_t count = 0;

  CHECK(generation > 0);
  CHECK_OK(trawl_searcher_open_if_changed(*searcher, &newer, ERR));
  CHECK(newer == NULL); /* nothing committed since */

  CHECK_OK(trawl_writer_open(dir, NULL, &writer, ERR));
  trawl_document_set_id(doc, "rfc-9110");
  trawl_document_add(doc, "title", "HTTP semantics", TRAWL_KIND_TEXT);
  trawl_document_add(doc, "body", "The semantics of HTTP, with data", TRAWL_KIND_TEXT);
  trawl_document_add(doc, "tag", "standard", TRAWL_KIND_KEYWORD);
  trawl_document_add_int(doc, "year", 2022);
  CHECK_OK(trawl_writer_add(writer, doc, ERR));
  CHECK_OK(trawl_writer_commit(writer, ERR));
  trawl_writer_close(writer);
  trawl_document_destroy(doc);

  CHECK_OK(trawl_searcher_open_if_changed(*searcher, &newer, ERR));
  CHECK(newer != NULL);
  if (newer == NULL) return;
  /* The old searcher still sees its commit; the new one the next. */
  CHECK(trawl_searcher_num_docs(*searcher) == 5);
  CHECK(trawl_searcher_num_docs(newer) == 6);
  CHECK(trawl_searcher_generation(newer) > generation);
  CHECK_OK(trawl_count(*searcher, "data", NULL, &count, ERR));
  CHECK(count == 5);
  CHECK_OK(trawl_count(newer, "data", NULL, &count, ERR));
  CHECK(count == 6);
  trawl_searcher_close(*searcher);
  *searcher = newer;

  CHECK_OK(trawl_searcher_schema_json(*searcher, &schema, ERR));
  CHECK(Contains(schema, "\"year\""));
  CHECK(Contains(schema, "\"int\""));
  trawl_free(schema);
}

/* One searcher, many threads: each searches, counts and gets, with its own options. */
struct ThreadArgs {
  const trawl_searcher_t* searcher;
  int failures;
};

static void* SearchFromThread(void* arg) {
  struct ThreadArgs* args = (struct ThreadArgs*)arg;
  trawl_search_options_t* options = trawl_search_options_create();
  int round;
  trawl_search_options_add_filter(options, "tag:paper");
  for (round = 0; round < 50; ++round) {
    trawl_results_t* results = NULL;
    trawl_document_t* doc = NULL;
    uint64_t count = 0;
    if (trawl_search(args->searcher, "roaring", options, &results, NULL) != TRAWL_OK ||
        trawl_results_hit_count(results) != 2 ||
        !Contains(trawl_results_hit_id(results, 1), "roaring-"))
      ++args->failures;
    trawl_results_destroy(results);
    if (trawl_count(args->searcher, "data", NULL, &count, NULL) != TRAWL_OK || count != 5)
      ++args->failures;
    if (trawl_get(args->searcher, "rfc-8259", &doc, NULL) != TRAWL_OK ||
        !StrEq(trawl_document_id(doc), "rfc-8259"))
      ++args->failures;
    trawl_document_destroy(doc);
  }
  trawl_search_options_destroy(options);
  return NULL;
}

static void TestThreads(const trawl_searcher_t* searcher) {
  enum { kThreads = 4 };
  pthread_t threads[kThreads];
  struct ThreadArgs args[kThreads];
  int t;
  for (t = 0; t < kThreads; ++t) {
    args[t].searcher = searcher;
    args[t].failures = 0;
    CHECK(pthread_create(&threads[t], NULL, SearchFromThread, &args[t]) == 0);
  }
  for (t = 0; t < kThreads; ++t) {
    CHECK(pthread_join(threads[t], NULL) == 0);
    CHECK(args[t].failures == 0);
  }
}

/* Floats, bools and dates, mapped dynamically (no schema), and back through trawl_get. */
static void TestDynamicKinds(const char* dir) {
  trawl_writer_options_t* options = trawl_writer_options_create();
  trawl_writer_t* writer = NULL;
  trawl_searcher_t* searcher = NULL;
  trawl_document_t* doc = trawl_document_create();
  trawl_document_t* got = NULL;
  uint64_t count = 0;
  size_t i;

  trawl_writer_options_set_language(options, "none");
  trawl_writer_options_set_memory_budget(options, 1 << 20);
  trawl_writer_options_set_keep_commits(options, 1);
  CHECK_OK(trawl_writer_open(dir, options, &writer, ERR));
  trawl_writer_options_destroy(options);
  trawl_document_set_id(doc, "shop");
  trawl_document_add_float(doc, "price", 9.25);
  trawl_document_add_bool(doc, "open", 1);
  trawl_document_add_date(doc, "since", INT64_C(1700000000000)); /* 2023-11-14T22:13:20Z */
  trawl_document_add(doc, "name", "Corner shop", TRAWL_KIND_TEXT);
  CHECK(StrEq(trawl_document_get(doc, "price"), "9.25"));
  CHECK(trawl_document_field_kind(doc, 0) == TRAWL_KIND_FLOAT);
  CHECK_OK(trawl_writer_add(writer, doc, ERR));
  CHECK(trawl_writer_buffered_documents(writer) == 1);
  CHECK_OK(trawl_writer_commit(writer, ERR));
  trawl_writer_close(writer);
  trawl_document_destroy(doc);

  CHECK_OK(trawl_searcher_open(dir, NULL, &searcher, ERR));
  if (searcher == NULL) return;
  CHECK_OK(
      trawl_count(searcher, "price:>9 AND open:true AND since:>=2023-01-01", NULL, &count, ERR));
  CHECK(count == 1);
  CHECK_OK(trawl_get(searcher, "shop", &got, ERR));
  CHECK(trawl_document_field_count(got) == 4);
  for (i = 0; i < trawl_document_field_count(got); ++i) {
    const char* name = trawl_document_field_name(got, i);
    trawl_value_kind_t kind = trawl_document_field_kind(got, i);
    if (StrEq(name, "price")) CHECK(kind == TRAWL_KIND_FLOAT);
    if (StrEq(name, "open")) CHECK(kind == TRAWL_KIND_BOOL);
    if (StrEq(name, "since")) CHECK(kind == TRAWL_KIND_DATE);
    if (StrEq(name, "name")) CHECK(kind == TRAWL_KIND_TEXT);
  }
  CHECK(StrEq(trawl_document_get(got, "open"), "true"));
  CHECK(Contains(trawl_document_get(got, "since"), "2023-11-14T22:13:20"));
  trawl_document_destroy(got);
  trawl_searcher_close(searcher);
}

/* Each limit of trawl::QueryLimits, set through its setter, refuses a query past it with a
 * message naming the limit; under it the query runs. */
static void TestQueryLimits(const trawl_searcher_t* searcher) {
  trawl_search_options_t* options = trawl_search_options_create();
  trawl_results_t* results = NULL;
  uint64_t count = 0;
  char* err = NULL;

  trawl_search_options_set_max_depth(options, 2);
  CHECK_OK(trawl_search(searcher, "(data OR (json))", options, &results, ERR));
  trawl_results_destroy(results);
  CHECK(trawl_search(searcher, "((( data )))", options, &results, &err) == TRAWL_INVALID_ARGUMENT);
  CHECK(results == NULL);
  CHECK(Contains(err, "the max_depth limit"));
  trawl_free(err);
  CHECK(trawl_count(searcher, "((( data )))", options, &count, &err) == TRAWL_INVALID_ARGUMENT);
  CHECK(Contains(err, "max_depth"));
  trawl_free(err);
  /* Out of its range: refused, naming it. */
  trawl_search_options_set_max_depth(options, 100000);
  CHECK(trawl_search(searcher, "data", options, &results, &err) == TRAWL_INVALID_ARGUMENT);
  CHECK(Contains(err, "max_depth"));
  trawl_free(err);
  trawl_search_options_destroy(options);

  options = trawl_search_options_create();
  trawl_search_options_set_max_clauses(options, 2);
  CHECK(trawl_search(searcher, "data json text", options, &results, &err) ==
        TRAWL_INVALID_ARGUMENT);
  CHECK(Contains(err, "the max_clauses limit"));
  trawl_free(err);
  trawl_search_options_destroy(options);

  options = trawl_search_options_create();
  trawl_search_options_set_max_query_bytes(options, 8);
  CHECK(trawl_search(searcher, "interchange", options, &results, &err) == TRAWL_INVALID_ARGUMENT);
  CHECK(Contains(err, "the max_query_bytes limit"));
  trawl_free(err);
  trawl_search_options_destroy(options);

  options = trawl_search_options_create();
  trawl_search_options_set_max_expansions(options, 1);
  CHECK(trawl_search(searcher, "s*", options, &results, &err) == TRAWL_INVALID_ARGUMENT);
  CHECK(Contains(err, "the max_expansions limit"));
  trawl_free(err);
  trawl_search_options_destroy(options);

  options = trawl_search_options_create();
  trawl_search_options_set_max_phrase_terms(options, 2);
  CHECK(trawl_search(searcher, "\"data interchange format\"", options, &results, &err) ==
        TRAWL_INVALID_ARGUMENT);
  CHECK(Contains(err, "the max_phrase_terms limit"));
  trawl_free(err);
  trawl_search_options_destroy(options);

  options = trawl_search_options_create();
  trawl_search_options_set_max_top(options, 3);
  trawl_search_options_set_max_offset(options, 5);
  trawl_search_options_set_top(options, 4);
  CHECK(trawl_search(searcher, "data", options, &results, &err) == TRAWL_INVALID_ARGUMENT);
  CHECK(Contains(err, "the max_top limit"));
  trawl_free(err);
  trawl_search_options_set_top(options, 3);
  trawl_search_options_set_offset(options, 6);
  CHECK(trawl_search(searcher, "data", options, &results, &err) == TRAWL_INVALID_ARGUMENT);
  CHECK(Contains(err, "the max_offset limit"));
  trawl_free(err);
  trawl_search_options_set_offset(options, 5);
  CHECK_OK(trawl_search(searcher, "data", options, &results, ERR));
  CHECK(trawl_results_partial(results) == 0);
  trawl_results_destroy(results);
  trawl_search_options_destroy(options);
  CHECK(trawl_results_partial(NULL) == 0);
}

/* A writer merging in the background (merge factor 2, so every second commit starts a merge)
 * commits while merges run; after trawl_writer_wait_for_merges and close every document is
 * found. The index is then slow enough to search that a budget of 1 ms runs out, which with
 * allow_partial gives partial results instead of an error. */
static void TestBackgroundMergesAndPartialResults(const char* dir) {
  enum { kDocs = 1200, kWordsPerDoc = 300 };
  static const char* const kSlowQuery =
      "\"aa bb cc dd ab ba\"~60 \"ac ca bd db cd dc\"~60 \"ad da bc cb aa dd\"~60 ab";
  trawl_writer_options_t* writer_options = trawl_writer_options_create();
  trawl_writer_t* writer = NULL;
  trawl_searcher_t* searcher = NULL;
  trawl_search_options_t* options = NULL;
  trawl_results_t* results = NULL;
  trawl_document_t* doc = trawl_document_create();
  char* body = malloc(kWordsPerDoc * 3 + 1);
  char id[32];
  uint64_t count = 0;
  unsigned rng = 5;
  char* err = NULL;
  int i, w, attempt;

  trawl_writer_options_set_language(writer_options, "none");
  trawl_writer_options_set_merge_in_background(writer_options, 1);
  trawl_writer_options_set_merge_factor(writer_options, 2);
  trawl_writer_options_set_merge_floor_docs(writer_options, 1);
  trawl_writer_options_set_max_merged_docs(writer_options, 100000);
  trawl_writer_options_set_reclaim_deleted_percent(writer_options, 50);
  /* Small blocks at a higher level, through flushes and background merges. */
  trawl_writer_options_set_store_compression(writer_options, 2048, 9);
  trawl_writer_options_set_store_large_value_level(writer_options, 1);
  CHECK_OK(trawl_writer_open(dir, writer_options, &writer, ERR));
  trawl_writer_options_destroy(writer_options);
  if (writer == NULL || body == NULL) {
    free(body);
    trawl_document_destroy(doc);
    return;
  }
  for (i = 0; i < kDocs; ++i) {
    for (w = 0; w < kWordsPerDoc; ++w) {
      rng = rng * 1103515245u + 12345u;
      body[3 * w] = (char)('a' + (rng >> 16) % 4);
      body[3 * w + 1] = (char)('a' + (rng >> 20) % 4);
      body[3 * w + 2] = ' ';
    }
    body[3 * kWordsPerDoc] = '\0';
    snprintf(id, sizeof id, "%d", i);
    trawl_document_clear(doc);
    trawl_document_set_id(doc, id);
    trawl_document_add(doc, "body", body, TRAWL_KIND_TEXT);
    CHECK_OK(trawl_writer_add(writer, doc, ERR));
    if (i % 150 == 149) CHECK_OK(trawl_writer_commit(writer, ERR));
  }
  CHECK_OK(trawl_writer_wait_for_merges(writer, ERR));
  CHECK(trawl_writer_committed_documents(writer) == kDocs);
  trawl_writer_close(writer);
  CHECK(trawl_writer_wait_for_merges(NULL, &err) == TRAWL_INVALID_ARGUMENT);
  CHECK(Contains(err, "trawl_writer_wait_for_merges: writer is NULL"));
  trawl_free(err);
  trawl_document_destroy(doc);
  free(body);

  CHECK_OK(trawl_searcher_open(dir, NULL, &searcher, ERR));
  if (searcher == NULL) return;
  CHECK(trawl_searcher_num_docs(searcher) == kDocs);
  CHECK_OK(trawl_count(searcher, "*:*", NULL, &count, ERR));
  CHECK(count == kDocs);

  options = trawl_search_options_create();
  trawl_search_options_set_timeout_ms(options, 1);
  /* Without allow_partial the budget running out is an error... */
  CHECK(trawl_search(searcher, kSlowQuery, options, &results, &err) == TRAWL_DEADLINE_EXCEEDED);
  CHECK(results == NULL);
  trawl_free(err);
  /* ...with it, what was found by then. A query that happened to finish within 1 ms would be
   * complete, so it is tried a few times. */
  trawl_search_options_set_allow_partial(options, 1);
  for (attempt = 0; attempt < 5; ++attempt) {
    CHECK_OK(trawl_search(searcher, kSlowQuery, options, &results, ERR));
    if (results != NULL && trawl_results_partial(results)) break;
    trawl_results_destroy(results);
    results = NULL;
  }
  CHECK(results != NULL && trawl_results_partial(results) == 1);
  if (results != NULL) {
    CHECK(trawl_results_total_exact(results) == 0);
    CHECK(StrEq(trawl_results_next(results), ""));
    CHECK(trawl_results_facet_count(results) == 0);
  }
  trawl_results_destroy(results);
  /* Count has no partial answer. */
  CHECK(trawl_count(searcher, kSlowQuery, options, &count, &err) == TRAWL_DEADLINE_EXCEEDED);
  trawl_free(err);
  trawl_search_options_destroy(options);
  trawl_searcher_close(searcher);
}

static int RemoveEntry(const char* path, const struct stat* st, int flag, struct FTW* ftw) {
  (void)st;
  (void)flag;
  (void)ftw;
  return remove(path);
}

int main(void) {
  const char* tmp = getenv("TMPDIR");
  char dir[4096];
  char index[4096];
  trawl_searcher_t* searcher = NULL;

  snprintf(dir, sizeof dir, "%s/trawl-c-api-test.XXXXXX", tmp != NULL && *tmp ? tmp : "/tmp");
  if (mkdtemp(dir) == NULL) {
    perror("mkdtemp");
    return 1;
  }
  JoinPath(index, sizeof index, dir, "index");

  TestVersionAndStatusNames();
  TestSchemaJson();
  BuildIndex(index);
  CHECK_OK(trawl_searcher_open(index, NULL, &searcher, ERR));
  if (searcher != NULL) {
    CHECK(trawl_searcher_num_docs(searcher) == 5);
    TestSearch(searcher);
    TestCountAndGet(searcher);
    TestAnalyze(searcher);
    TestDeadlineAndCancel(searcher);
    TestQueryLimits(searcher);
    TestErrors(dir, searcher);
    TestThreads(searcher);
    TestReopenAndSchema(index, &searcher);
    trawl_searcher_close(searcher);
  }
  JoinPath(index, sizeof index, dir, "dynamic");
  TestDynamicKinds(index);
  JoinPath(index, sizeof index, dir, "merged");
  TestBackgroundMergesAndPartialResults(index);

  nftw(dir, RemoveEntry, 16, FTW_DEPTH | FTW_PHYS);
  if (failures != 0) {
    fprintf(stderr, "c_api_test: %d check(s) failed\n", failures);
    return 1;
  }
  printf("c_api_test: all checks passed\n");
  return 0;
}
