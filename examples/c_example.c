/* search_example.cc in C, over <trawl/c.h>: creates an index in the directory given on the
 * command line with a schema, adds a few documents with typed fields, commits, and searches it
 * with a filter, a sort and a facet. It prints what search_example prints. Every call that can
 * fail returns a trawl_status_t, checked here; every handle and string is given back.
 *
 *   c_example /tmp/example-index
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <trawl/c.h>

/* Prints a failed call's message ("Busy: /tmp/idx/LOCK: ...") and frees it; says whether to go
 * on. */
static int Ok(trawl_status_t status, char* err, const char* what) {
  if (status != TRAWL_OK)
    fprintf(stderr, "c_example: %s: %s\n", what, err != NULL ? err : trawl_status_name(status));
  trawl_free(err);
  return status == TRAWL_OK;
}

struct Paper {
  const char* id;
  const char* title;
  const char* body;
  const char* tags[4]; /* up to three, then NULL */
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
     {"bitmap", "paper", "library", NULL},
     2018},
    {"rfc-8878",
     "Zstandard compression and the application/zstd media type",
     "A lossless compression format for data",
     {"compression", "standard", NULL},
     2021},
};

/* The fields and their types, fixed when the index is created. Not dynamic: a document with a
 * field the schema lacks is refused instead of adding one. */
static const char* const kSchema =
    "{\"fields\": {\"title\": {\"type\": \"text\"}, \"body\": {\"type\": \"text\"},"
    " \"tag\": {\"type\": \"keyword\"}, \"year\": {\"type\": \"int\"}}, \"dynamic\": false}";

static int Index(const char* dir) {
  trawl_writer_options_t* options = trawl_writer_options_create();
  trawl_writer_t* writer = NULL;
  trawl_document_t* doc = NULL;
  char* err = NULL;
  size_t i, t;
  int ok;

  trawl_writer_options_set_schema_json(options, kSchema);
  ok = Ok(trawl_writer_open(dir, options, &writer, &err), err, "open writer");
  trawl_writer_options_destroy(options); /* the writer keeps a copy */
  if (!ok) return 0;

  doc = trawl_document_create();
  for (i = 0; ok && i < sizeof kPapers / sizeof kPapers[0]; ++i) {
    const struct Paper* p = &kPapers[i];
    trawl_document_clear(doc); /* one document handle, reused */
    trawl_document_set_id(doc, p->id);
    trawl_document_add(doc, "title", p->title, TRAWL_KIND_TEXT);
    trawl_document_add(doc, "body", p->body, TRAWL_KIND_TEXT);
    for (t = 0; p->tags[t] != NULL; ++t) /* multi-valued */
      trawl_document_add(doc, "tag", p->tags[t], TRAWL_KIND_KEYWORD);
    trawl_document_add_int(doc, "year", p->year);
    ok = Ok(trawl_writer_add(writer, doc, &err), err, p->id);
  }
  trawl_document_destroy(doc);
  /* Nothing is visible to a searcher before the commit. */
  if (ok) ok = Ok(trawl_writer_commit(writer, &err), err, "commit");
  if (ok) printf("indexed %" PRIu64 " documents\n", trawl_writer_committed_documents(writer));
  trawl_writer_close(writer); /* releases the index lock */
  return ok;
}

static void PrintResults(const trawl_results_t* results) {
  size_t i, f, v;
  printf("query: data, filter year:>=2016, newest first: %" PRIu64 " hits\n",
         trawl_results_total(results));
  for (i = 0; i < trawl_results_hit_count(results); ++i) {
    const char* year = trawl_results_hit_get(results, i, "year");
    printf("  %-13s %s  %s\n", trawl_results_hit_id(results, i), year != NULL ? year : "",
           trawl_results_hit_title(results, i));
  }
  printf("more: %s\n", trawl_results_next(results)[0] != '\0' ? "yes" : "no");
  for (f = 0; f < trawl_results_facet_count(results); ++f) {
    printf("facet %s:\n", trawl_results_facet_field(results, f));
    for (v = 0; v < trawl_results_facet_value_count(results, f); ++v)
      printf("  %-12s %" PRIu64 "\n", trawl_results_facet_value(results, f, v),
             trawl_results_facet_value_hits(results, f, v));
  }
}

static int Search(const char* dir) {
  trawl_searcher_t* searcher = NULL;
  trawl_search_options_t* options = NULL;
  trawl_results_t* results = NULL;
  trawl_status_t status;
  uint64_t count = 0;
  char* err = NULL;
  int ok;

  if (!Ok(trawl_searcher_open(dir, NULL, &searcher, &err), err, "open searcher")) return 0;

  /* "data" in papers from 2016 on, newest first, three a page, with the count of each tag. */
  options = trawl_search_options_create();
  trawl_search_options_set_top(options, 3);
  trawl_search_options_add_filter(options, "year:>=2016");
  trawl_search_options_add_sort(options, "year", /*descending=*/1);
  trawl_search_options_add_facet(options, "tag", 10);
  trawl_search_options_add_field(options, "year");
  ok = Ok(trawl_search(searcher, "data", options, &results, &err), err, "search");
  trawl_search_options_destroy(options);
  if (ok) PrintResults(results);
  trawl_results_destroy(results); /* its strings go with it */

  if (ok)
    ok =
        Ok(trawl_count(searcher, "tag:standard AND year:>=2015", NULL, &count, &err), err, "count");
  if (ok) printf("count tag:standard AND year:>=2015: %" PRIu64 "\n", count);

  /* A query error is a status like any other, with a message saying where. */
  if (ok) {
    status = trawl_search(searcher, "title:(unclosed", NULL, &results, &err);
    printf("bad query: %s\n",
           status == TRAWL_INVALID_ARGUMENT && err != NULL && strstr(err, "column") != NULL
               ? "InvalidArgument reported"
               : "accepted");
    trawl_free(err);
  }
  trawl_searcher_close(searcher);
  return ok;
}

int main(int argc, char** argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: %s INDEX_DIR (a new or empty directory)\n", argv[0]);
    return 2;
  }
  /* The headers this program was compiled with against the library it runs with: they differ
   * when a shared libtrawl was replaced by another version. */
  if (strcmp(trawl_version(), TRAWL_VERSION_STRING) != 0)
    fprintf(stderr, "c_example: built with trawl %s, running with %s\n", TRAWL_VERSION_STRING,
            trawl_version());
  printf("trawl %s\n", trawl_version());
  return Index(argv[1]) && Search(argv[1]) ? 0 : 1;
}
