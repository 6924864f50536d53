// The Python module `trawl`: IndexWriter and Searcher over the public C++ API (docs/python.md).
//
// Threads: the GIL is released around every call into the engine (opening, adding, deleting,
// committing, searching, counting, getting), so other Python threads run meanwhile and
// searches from several threads run in parallel. Python objects are only touched with the GIL
// held: arguments are converted before it is released and results after it is taken back.
// A Searcher and an IndexWriter may each be used from any number of threads at once, as their
// C++ counterparts may; the writer's close waits for the calls in flight, since the C++ writer
// may only be destroyed once every other call has returned.
#include <pybind11/pybind11.h>

#include <cstdint>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <utility>
#include <vector>

#include "documents.h"
#include "errors.h"
#include "search_options.h"
#include "trawl/document.h"
#include "trawl/index_writer.h"
#include "trawl/merge_policy.h"
#include "trawl/schema.h"
#include "trawl/searcher.h"
#include "trawl/status.h"
#include "trawl/version.h"

namespace py = pybind11;
using namespace py::literals;

namespace trawl::python {
namespace {

// str or os.PathLike.
std::string PathArg(const py::object& path) {
  return py::cast<std::string>(py::module_::import("os").attr("fspath")(path));
}

// A document id given as str or int.
std::string IdArg(const py::object& id) {
  if (PyBool_Check(id.ptr()) || !(PyUnicode_Check(id.ptr()) || PyLong_Check(id.ptr()))) {
    throw py::type_error(std::string("an id is a str or an int, not ") +
                         Py_TYPE(id.ptr())->tp_name);
  }
  return py::cast<std::string>(py::str(id));
}

ValueKind KindOfType(FieldType type) {
  switch (type) {
    case FieldType::kInt:
      return ValueKind::kInt;
    case FieldType::kFloat:
      return ValueKind::kFloat;
    case FieldType::kBool:
      return ValueKind::kBool;
    case FieldType::kDate:
      return ValueKind::kDate;
    case FieldType::kKeyword:
      return ValueKind::kKeyword;
    default:
      return ValueKind::kText;
  }
}

// ---- results: plain Python values, built once the GIL is held again ----

struct PyHit {
  py::str id, title, snippet, explanation;
  double score = 0;
  py::dict fields;
  uint64_t collapsed = 0;
};

struct PyResults {
  uint64_t total = 0;
  bool total_exact = true;
  bool partial = false;
  py::list hits;
  py::dict facets;
  py::object next = py::none();
};

PyResults ToPython(const SearchResults& results) {
  PyResults out;
  out.total = results.total;
  out.total_exact = results.total_exact;
  out.partial = results.partial;
  for (const Hit& h : results.hits) {
    PyHit hit;
    hit.id = Str(h.id);
    hit.title = Str(h.title);
    hit.snippet = Str(h.snippet);
    hit.explanation = Str(h.explanation);
    hit.score = h.score;
    hit.fields = FieldsToDict(h.fields);
    hit.collapsed = h.collapsed;
    out.hits.append(py::cast(std::move(hit)));
  }
  for (const FacetResult& f : results.facets) {
    py::list counts;
    for (const FacetCount& c : f.counts) {
      counts.append(py::make_tuple(ValueToPython(KindOfType(f.type), c.value), c.count));
    }
    out.facets[Str(f.field)] = std::move(counts);
  }
  if (!results.next.empty()) out.next = Str(results.next);
  return out;
}

std::string HitRepr(const PyHit& h) {
  return py::str("<trawl.Hit id={!r} score={:.4f} title={!r}>").format(h.id, h.score, h.title);
}

// ---- Searcher ----

class PySearcher {
 public:
  explicit PySearcher(std::shared_ptr<const Searcher> searcher) : searcher_(std::move(searcher)) {}

  static std::unique_ptr<PySearcher> Open(const py::object& path, bool verify) {
    const std::string dir = PathArg(path);
    SearcherOptions options;
    options.verify_checksums = verify;
    std::unique_ptr<Searcher> searcher;
    Status s;
    {
      py::gil_scoped_release release;
      s = Searcher::Open(dir, options, &searcher);
    }
    ThrowIfError(s);
    return std::make_unique<PySearcher>(std::move(searcher));
  }

  // A reference that keeps the searcher alive through a call without the GIL, even if another
  // thread closes this object meanwhile.
  std::shared_ptr<const Searcher> Get() const {
    if (searcher_ == nullptr) throw StatusError(Status::InvalidArgument("the Searcher is closed"));
    return searcher_;
  }
  void Close() { searcher_.reset(); }

  PyResults Search(const std::string& query, int64_t top, int64_t offset,
                   const py::kwargs& kwargs) const {
    SearchOptions options;
    SearchOptionsFromArgs(top, offset, kwargs, &options);
    const std::shared_ptr<const Searcher> searcher = Get();
    SearchResults results;
    Status s;
    {
      py::gil_scoped_release release;
      s = searcher->Search(query, options, &results);
    }
    ThrowIfError(s);
    return ToPython(results);
  }

  uint64_t Count(const std::string& query, const py::kwargs& kwargs) const {
    SearchOptions options;
    CountOptionsFromArgs(kwargs, &options);
    const std::shared_ptr<const Searcher> searcher = Get();
    SearchResults results;
    Status s;
    {
      py::gil_scoped_release release;
      s = searcher->Count(query, options, &results.total);
    }
    ThrowIfError(s);
    return results.total;
  }

  py::list Analyze(const std::string& field, const std::string& text) const {
    const std::shared_ptr<const Searcher> searcher = Get();
    std::vector<std::string> terms;
    Status s;
    {
      py::gil_scoped_release release;
      s = searcher->Analyze(field, text, &terms);
    }
    ThrowIfError(s);
    py::list out;
    for (const std::string& term : terms) out.append(Str(term));
    return out;
  }

  py::object GetDocument(const py::object& id_arg) const {
    const std::string id = IdArg(id_arg);
    const std::shared_ptr<const Searcher> searcher = Get();
    Document doc;
    Status s;
    {
      py::gil_scoped_release release;
      s = searcher->Get(id, &doc);
    }
    if (s.IsNotFound()) return py::none();
    ThrowIfError(s);
    py::dict out;
    out["id"] = Str(doc.id);
    for (auto [name, value] : FieldsToDict(doc.fields)) out[name] = value;
    return out;
  }

  py::object Reopen() const {
    const std::shared_ptr<const Searcher> searcher = Get();
    std::unique_ptr<Searcher> newer;
    Status s;
    {
      py::gil_scoped_release release;
      s = Searcher::OpenIfChanged(*searcher, &newer);
    }
    ThrowIfError(s);
    if (newer == nullptr) return py::none();
    return py::cast(std::make_unique<PySearcher>(std::move(newer)));
  }

  py::object SchemaDict() const {
    return py::module_::import("json").attr("loads")(Get()->schema().ToJson());
  }

 private:
  std::shared_ptr<const Searcher> searcher_;
};

// ---- IndexWriter ----

// A schema given as a dict or as JSON text (trawl/schema.h has the form).
Schema SchemaArg(const py::object& schema) {
  Schema out;
  if (schema.is_none()) return out;
  std::string json;
  if (PyUnicode_Check(schema.ptr())) {
    json = py::cast<std::string>(schema);
  } else if (PyDict_Check(schema.ptr())) {
    json = py::cast<std::string>(py::module_::import("json").attr("dumps")(schema));
  } else {
    throw py::type_error(std::string("schema is a dict or a JSON str, not ") +
                         Py_TYPE(schema.ptr())->tp_name);
  }
  ThrowIfError(Schema::FromJson(json, &out));
  return out;
}

class PyIndexWriter {
  // Runs f on the writer without the GIL, beside other calls but never beside Close. (Defined
  // before its callers, which need its deduced return type.)
  template <typename F>
  auto Locked(F&& f) {
    py::gil_scoped_release release;
    std::shared_lock<std::shared_mutex> lock(mu_);
    if (writer_ == nullptr) {
      throw StatusError(Status::InvalidArgument("the IndexWriter is closed"));
    }
    return f(*writer_);
  }

 public:
  static std::unique_ptr<PyIndexWriter> Open(const py::object& path, const py::object& schema,
                                             IndexWriterOptions options) {
    const std::string dir = PathArg(path);
    options.schema = SchemaArg(schema);
    auto out = std::make_unique<PyIndexWriter>();
    Status s;
    {
      py::gil_scoped_release release;
      s = IndexWriter::Open(dir, options, &out->writer_);
    }
    ThrowIfError(s);
    return out;
  }

  void Add(const py::handle& doc_arg) {
    const Document doc = DocumentFromDict(doc_arg);
    ThrowIfError(Locked([&](IndexWriter& w) { return w.Add(doc); }));
  }

  bool Delete(const py::object& id_arg) {
    const std::string id = IdArg(id_arg);
    bool found = false;
    ThrowIfError(Locked([&](IndexWriter& w) { return w.Delete(id, &found); }));
    return found;
  }

  void Commit() {
    ThrowIfError(Locked([](IndexWriter& w) { return w.Commit(); }));
  }
  void Optimize() {
    ThrowIfError(Locked([](IndexWriter& w) { return w.Optimize(); }));
  }
  void WaitForMerges() {
    ThrowIfError(Locked([](IndexWriter& w) { return w.WaitForMerges(); }));
  }
  uint64_t BufferedDocuments() {
    return Locked([](IndexWriter& w) { return w.buffered_documents(); });
  }
  uint64_t CommittedDocuments() {
    return Locked([](IndexWriter& w) { return w.committed_documents(); });
  }

  // Drops what was added since the last commit and releases the index lock. Closing twice is
  // harmless.
  void Close() {
    std::unique_ptr<IndexWriter> writer;
    py::gil_scoped_release release;
    std::unique_lock<std::shared_mutex> lock(mu_);
    writer = std::move(writer_);
    writer.reset();  // joins the writer's threads: without the GIL
  }

  // `with IndexWriter(...) as w:` commits when the block ends normally; when it raises, the
  // writer closes without committing, so the index keeps its last commit.
  void Exit(const py::object& exc_type) {
    if (exc_type.is_none()) {
      try {
        Commit();
      } catch (...) {
        Close();
        throw;
      }
    }
    Close();
  }

 private:
  std::shared_mutex mu_;  // shared: calls on writer_; exclusive: Close
  std::unique_ptr<IndexWriter> writer_;
};

void DefineResults(py::module_& m) {
  py::class_<PyHit>(m, "Hit", "One hit of a search.")
      .def_readonly("id", &PyHit::id)
      .def_readonly("score", &PyHit::score, "BM25 score (0 when sorted by a field only)")
      .def_readonly("title", &PyHit::title)
      .def_readonly("snippet", &PyHit::snippet, "text around the query words, marked <b>...</b>")
      .def_readonly("fields", &PyHit::fields,
                    "the stored fields search(fields=...) asked for: {name: value}, a list for "
                    "a multi-valued field")
      .def_readonly("explanation", &PyHit::explanation, "with search(explain=True)")
      .def_readonly("collapsed", &PyHit::collapsed,
                    "with search(collapse=...): the other matches this hit stands for")
      .def("__repr__", &HitRepr);
  py::class_<PyResults>(m, "SearchResults",
                        "What search() returns; iterating it iterates its hits.")
      .def_readonly("total", &PyResults::total, "the number of matching documents")
      .def_readonly("total_exact", &PyResults::total_exact)
      .def_readonly("partial", &PyResults::partial,
                    "with search(allow_partial=True): the time budget ran out and these are the "
                    "hits found by then (total a lower bound, no facets, no next)")
      .def_readonly("hits", &PyResults::hits, "list of Hit")
      .def_readonly("facets", &PyResults::facets,
                    "{field: [(value, count), ...]} for each facet and facet_range requested")
      .def_readonly("next", &PyResults::next,
                    "the cursor for search(after=...) when more hits follow, else None")
      .def("__iter__", [](const PyResults& r) { return r.hits.attr("__iter__")(); })
      .def("__len__", [](const PyResults& r) { return r.hits.size(); })
      .def("__getitem__", [](const PyResults& r, const py::object& i) { return r.hits[i]; })
      .def("__repr__", [](const PyResults& r) {
        return "<trawl.SearchResults total=" + std::to_string(r.total) +
               " hits=" + std::to_string(r.hits.size()) + ">";
      });
}

constexpr char kSearchDoc[] = R"(search(query, top=10, offset=0, **options) -> SearchResults

Runs a query in trawl's query language (docs/query-language.md). The options are
trawl-search's long options with '-' as '_':
  filter="QUERY" or a list       hits must also match, scores unchanged
  sort="FIELD[:asc|desc]" or a list (score sorts best first by default)
  after=CURSOR                   the page after the one whose .next this is
  facet="FIELD[:N]" or a list    top N values of a keyword or bool field
  facet_range="FIELD:INTERVAL"   buckets: year, month, week, day, hour, or a width
  collapse="FIELD"               best hit per value of a keyword field
  fields="a,b" or ["a", "b"]     stored fields returned in Hit.fields ("*": all)
  snippet_field="FIELD" or a list
  explain=False, plain=False (the query is plain text), k1=1.2, b=0.75,
  bm25f=False, field_weight={"title": 2} or "title=2", field_b={...},
  proximity=False, proximity_weight=0.5, proximity_window=5
  timeout_ms=0                   a time budget (0: none); past it DeadlineExceededError
  allow_partial=False            past the budget, the hits found by then, .partial True
  max_query_bytes=65536, max_depth=256, max_clauses=1024, max_expansions=100000,
  max_phrase_terms=256, max_top=100000, max_offset=1000000
                                 limits on the query and the page (trawl/query.h); past one
                                 InvalidArgumentError naming it
Raises InvalidArgumentError (a ValueError) for a syntax error, with its column.)";

void DefineSearcher(py::module_& m) {
  py::class_<PySearcher>(m, "Searcher",
                         "Searcher(path, verify=False): the latest commit of an index, read "
                         "only. Safe to use from many threads at once.")
      .def(py::init(&PySearcher::Open), "path"_a, py::kw_only(), "verify"_a = false)
      .def("search", &PySearcher::Search, "query"_a, "top"_a = 10, "offset"_a = 0, kSearchDoc)
      .def("count", &PySearcher::Count, "query"_a,
           "count(query, filter=None, plain=False, timeout_ms=0, max_...=...) -> int: the exact "
           "number of matches (the limits as search() takes them, but max_top and max_offset)")
      .def("analyze", &PySearcher::Analyze, "field"_a, "text"_a,
           "analyze(field, text) -> list of str: the terms the field's analyzer makes of text "
           "(field \"\": the index's), as a query's words become; search one as it is with "
           "field:=\"term\"")
      .def("get", &PySearcher::GetDocument, "id"_a,
           "get(id) -> dict or None: the stored document with this id, with its \"id\"")
      .def("reopen", &PySearcher::Reopen,
           "reopen() -> Searcher or None: a Searcher of the latest commit if there is a newer "
           "one (sharing unchanged segments), else None; this one stays as it is")
      .def_property_readonly("schema", &PySearcher::SchemaDict, "the index's fields, as a dict")
      .def_property_readonly("num_docs", [](const PySearcher& s) { return s.Get()->num_docs(); })
      .def_property_readonly("generation",
                             [](const PySearcher& s) { return s.Get()->generation(); })
      .def("close", &PySearcher::Close, "releases the index's files (searches under way finish)")
      .def("__enter__", [](py::object self) { return self; })
      .def("__exit__", [](PySearcher& s, const py::args&) { s.Close(); });
}

void DefineIndexWriter(py::module_& m) {
  py::class_<PyIndexWriter>(
      m, "IndexWriter",
      "IndexWriter(path, schema=None, **options): opens the index at path, creating it if "
      "needed; one writer per index at a time (BusyError otherwise). Nothing added is visible "
      "to searchers until commit(). As a context manager it commits when the block ends "
      "normally and closes without committing when it raises.")
      .def(py::init([](const py::object& path, const py::object& schema,
                       const std::string& language, const std::string& stopwords,
                       const std::string& tokenizer, bool ascii_folding, uint32_t max_token_chars,
                       uint64_t memory_mb, uint32_t threads, uint32_t merge_factor, bool force,
                       bool merge_in_background, uint64_t merge_floor_docs,
                       const py::object& max_merged_docs, uint32_t reclaim_deleted_percent,
                       uint32_t store_block_bytes, int store_level, int store_large_level) {
             IndexWriterOptions options;
             options.language = language;
             options.stopwords = stopwords;
             options.tokenizer = tokenizer;
             options.ascii_folding = ascii_folding;
             options.max_token_chars = max_token_chars;
             options.memory_budget_bytes = static_cast<size_t>(memory_mb) << 20;
             options.threads = threads;
             options.merge_factor = merge_factor;
             options.force = force;
             options.merge_in_background = merge_in_background;
             options.store_block_bytes = store_block_bytes;
             options.store_zstd_level = store_level;
             options.store_large_value_zstd_level = store_large_level;
             TieredMergeOptions tiers;
             tiers.segments_per_tier = merge_factor;
             tiers.floor_docs = merge_floor_docs;
             if (!max_merged_docs.is_none()) {
               tiers.max_merged_docs = py::cast<uint64_t>(max_merged_docs);
             }
             tiers.reclaim_deleted_percent = reclaim_deleted_percent;
             options.merge_policy = std::make_shared<TieredMergePolicy>(tiers);
             return PyIndexWriter::Open(path, schema, std::move(options));
           }),
           "path"_a, "schema"_a = py::none(), py::kw_only(), "language"_a = "english",
           "stopwords"_a = "", "tokenizer"_a = "simple", "ascii_folding"_a = false,
           "max_token_chars"_a = 255, "memory_mb"_a = 1024, "threads"_a = 1, "merge_factor"_a = 10,
           "force"_a = false, "merge_in_background"_a = true, "merge_floor_docs"_a = 1000,
           "max_merged_docs"_a = py::none(), "reclaim_deleted_percent"_a = 20,
           "store_block_bytes"_a = 4096, "store_level"_a = 6, "store_large_level"_a = 3)
      .def("add", &PyIndexWriter::Add, "document"_a,
           "add(dict): adds a document, replacing one with the same id at commit")
      .def("delete", &PyIndexWriter::Delete, "id"_a,
           "delete(id) -> bool: deletes the document with this id at commit; whether one existed")
      .def("commit", &PyIndexWriter::Commit, "makes everything added visible, durably")
      .def("optimize", &PyIndexWriter::Optimize, "merges the index into one segment and commits")
      .def("wait_for_merges", &PyIndexWriter::WaitForMerges,
           "waits until no background merge runs or is due; raises the error of a merge that "
           "failed since the last call (the index then stays at its last commit)")
      .def_property_readonly("buffered_documents", &PyIndexWriter::BufferedDocuments)
      .def_property_readonly("committed_documents", &PyIndexWriter::CommittedDocuments)
      .def("close", &PyIndexWriter::Close,
           "drops what was added since the last commit and releases the index lock")
      .def("__enter__", [](py::object self) { return self; })
      .def("__exit__", [](PyIndexWriter& w, const py::object& exc_type, const py::object&,
                          const py::object&) { w.Exit(exc_type); });
}

}  // namespace
}  // namespace trawl::python

PYBIND11_MODULE(trawl, m) {
  using namespace trawl::python;
  m.doc() = "trawl: a full-text search engine (docs/python.md).";
  m.attr("__version__") = trawl::Version();
  InitDocuments();
  RegisterErrors(m);
  DefineResults(m);
  DefineSearcher(m);
  DefineIndexWriter(m);
}
