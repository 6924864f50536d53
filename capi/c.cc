// The C API (trawl/c.h) over the public C++ API. It uses nothing but include/trawl/, so it
// can never reach past what C++ embedders get, and every C function is a thin shell: check
// the arguments, call C++ inside a catch-all, turn the Status into a code and a message.
#include "trawl/c.h"

#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <initializer_list>
#include <memory>
#include <new>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "trawl/document.h"
#include "trawl/index_writer.h"
#include "trawl/merge_policy.h"
#include "trawl/schema.h"
#include "trawl/searcher.h"
#include "trawl/status.h"
#include "trawl/version.h"

namespace {

using trawl::Status;

// The C numbers are an ABI: a code may be added to trawl::Status, never renumbered, and the C
// enum follows it.
static_assert(TRAWL_OK == static_cast<int>(Status::Code::kOk));
static_assert(TRAWL_NOT_FOUND == static_cast<int>(Status::Code::kNotFound));
static_assert(TRAWL_CORRUPTION == static_cast<int>(Status::Code::kCorruption));
static_assert(TRAWL_IO_ERROR == static_cast<int>(Status::Code::kIOError));
static_assert(TRAWL_INVALID_ARGUMENT == static_cast<int>(Status::Code::kInvalidArgument));
static_assert(TRAWL_NOT_SUPPORTED == static_cast<int>(Status::Code::kNotSupported));
static_assert(TRAWL_BUSY == static_cast<int>(Status::Code::kBusy));
static_assert(TRAWL_DEADLINE_EXCEEDED == static_cast<int>(Status::Code::kDeadlineExceeded));
static_assert(TRAWL_CANCELLED == static_cast<int>(Status::Code::kCancelled));
static_assert(TRAWL_KIND_TEXT == static_cast<int>(trawl::ValueKind::kText));
static_assert(TRAWL_KIND_KEYWORD == static_cast<int>(trawl::ValueKind::kKeyword));
static_assert(TRAWL_KIND_INT == static_cast<int>(trawl::ValueKind::kInt));
static_assert(TRAWL_KIND_FLOAT == static_cast<int>(trawl::ValueKind::kFloat));
static_assert(TRAWL_KIND_BOOL == static_cast<int>(trawl::ValueKind::kBool));
static_assert(TRAWL_KIND_DATE == static_cast<int>(trawl::ValueKind::kDate));

trawl_status_t ToC(Status::Code code) {
  switch (code) {
    case Status::Code::kOk:
      return TRAWL_OK;
    case Status::Code::kNotFound:
      return TRAWL_NOT_FOUND;
    case Status::Code::kCorruption:
      return TRAWL_CORRUPTION;
    case Status::Code::kIOError:
      return TRAWL_IO_ERROR;
    case Status::Code::kInvalidArgument:
      return TRAWL_INVALID_ARGUMENT;
    case Status::Code::kNotSupported:
      return TRAWL_NOT_SUPPORTED;
    case Status::Code::kBusy:
      return TRAWL_BUSY;
    case Status::Code::kDeadlineExceeded:
      return TRAWL_DEADLINE_EXCEEDED;
    case Status::Code::kCancelled:
      return TRAWL_CANCELLED;
  }
  return TRAWL_INTERNAL;  // a code added to Status but not here
}

// A copy the caller frees with trawl_free; null if memory ran out.
char* CopyOut(std::string_view text) noexcept {
  char* copy = static_cast<char*>(std::malloc(text.size() + 1));
  if (copy == nullptr) return nullptr;
  std::memcpy(copy, text.data(), text.size());
  copy[text.size()] = '\0';
  return copy;
}

// What a C function reports: a trawl::Status, or a failure only the C boundary has.
struct Outcome {
  Outcome(const Status& s) : code(ToC(s.code())), message(s.ok() ? "" : s.ToString()) {}  // NOLINT
  Outcome(trawl_status_t code_in, std::string message_in)
      : code(code_in), message(std::move(message_in)) {}
  trawl_status_t code;
  std::string message;
};

trawl_status_t Report(trawl_status_t code, const char* message, char** errmsg) noexcept {
  if (errmsg != nullptr && code != TRAWL_OK) *errmsg = CopyOut(message);
  return code;
}

// Runs `body` (which returns an Outcome or a Status) and reports what it returns or throws.
// Every C function that can fail goes through here, so no exception crosses into C.
template <typename Body>
trawl_status_t Guarded(char** errmsg, Body&& body) noexcept {
  if (errmsg != nullptr) *errmsg = nullptr;
  try {
    Outcome outcome = body();
    return Report(outcome.code, outcome.message.c_str(), errmsg);
  } catch (const std::bad_alloc&) {
    return Report(TRAWL_OUT_OF_MEMORY, "Out of memory", errmsg);
  } catch (const std::exception& e) {
    // The message is built in a fixed buffer: allocating could throw again.
    char message[512];
    std::snprintf(message, sizeof message, "Internal error: %s", e.what());
    return Report(TRAWL_INTERNAL, message, errmsg);
  } catch (...) {
    return Report(TRAWL_INTERNAL, "Internal error: unknown exception", errmsg);
  }
}

Status NullArgument(const char* function, const char* argument) {
  return Status::InvalidArgument(std::string(function) + ": " + argument + " is NULL");
}

// The first mistake made through the setters of a handle, reported by the call that uses it.
class Misuse {
 public:
  void RecordNull(const char* function, const char* argument) noexcept {
    RecordInvalid(function, (std::string(argument) + " is NULL").c_str());
  }
  void RecordInvalid(const char* function, const char* problem) noexcept {
    if (code_ != TRAWL_OK) return;
    try {
      message_ = Status::InvalidArgument(std::string(function) + ": " + problem).ToString();
      code_ = TRAWL_INVALID_ARGUMENT;
    } catch (...) {
      RecordOutOfMemory();
    }
  }
  void RecordOutOfMemory() noexcept {
    if (code_ != TRAWL_OK) return;
    code_ = TRAWL_OUT_OF_MEMORY;
    message_.clear();  // never allocates
  }
  void Clear() noexcept {
    code_ = TRAWL_OK;
    message_.clear();
  }
  bool any() const { return code_ != TRAWL_OK; }
  Outcome outcome() const {
    return {code_, message_.empty() ? trawl_status_name(code_) : message_};
  }

 private:
  trawl_status_t code_ = TRAWL_OK;
  std::string message_;
};

struct NamedArgument {
  const char* name;
  const char* value;
};

// Runs a setter: nothing without a handle, and a NULL string (or an allocation failure) is
// recorded in the handle instead of applied.
template <typename Handle, typename Set>
void Setter(Handle* handle, const char* function, std::initializer_list<NamedArgument> strings,
            Set&& set) noexcept {
  if (handle == nullptr) return;
  for (const NamedArgument& argument : strings) {
    if (argument.value == nullptr) {
      handle->misuse.RecordNull(function, argument.name);
      return;
    }
  }
  try {
    set();
  } catch (...) {  // only allocation can fail in a setter
    handle->misuse.RecordOutOfMemory();
  }
}

// Allocates a handle without letting bad_alloc out.
template <typename Handle>
Handle* Create() noexcept {
  try {
    return new Handle();
  } catch (...) {
    return nullptr;
  }
}

template <typename Item>
const Item* At(const std::vector<Item>& items, size_t i) {
  return i < items.size() ? &items[i] : nullptr;
}

// trawl::FieldTypeName as a static C string.
const char* TypeName(trawl::FieldType type) {
  switch (type) {
    case trawl::FieldType::kText:
      return "text";
    case trawl::FieldType::kKeyword:
      return "keyword";
    case trawl::FieldType::kInt:
      return "int";
    case trawl::FieldType::kFloat:
      return "float";
    case trawl::FieldType::kDate:
      return "date";
    case trawl::FieldType::kBool:
      return "bool";
    case trawl::FieldType::kStored:
      return "stored";
  }
  return "unknown";
}

const char* FieldValue(const std::vector<trawl::DocField>& fields, const char* name) {
  if (name == nullptr) return nullptr;
  for (const trawl::DocField& f : fields)
    if (f.name == name) return f.value.c_str();
  return nullptr;
}

}  // namespace

struct trawl_document_t {
  trawl::Document doc;
  Misuse misuse;
};

struct trawl_writer_options_t {
  trawl::IndexWriterOptions options;
  // Set when a setter of the tiered policy's numbers was called: trawl_writer_open then makes
  // the policy (segments_per_tier from merge_factor) instead of leaving the writer's default.
  std::optional<trawl::TieredMergeOptions> tiers;
  // Parsed by trawl_writer_open, which can report what is wrong with it.
  std::optional<std::string> schema_json;
  Misuse misuse;
};

struct trawl_writer_t {
  std::unique_ptr<trawl::IndexWriter> writer;
};

struct trawl_searcher_options_t {
  trawl::SearcherOptions options;
};

struct trawl_searcher_t {
  std::unique_ptr<trawl::Searcher> searcher;
};

struct trawl_search_options_t {
  trawl::SearchOptions options;
  // Relative, unlike SearchOptions::deadline: each call turns it into its own deadline.
  uint64_t timeout_ms = 0;
  Misuse misuse;
};

struct trawl_cancel_t {
  std::atomic<bool> flag{false};
};

struct trawl_results_t {
  trawl::SearchResults results;
};

namespace {

// The options a handle holds, or the defaults for none (without copying either).
const trawl::SearcherOptions& OptionsOf(const trawl_searcher_options_t* options) {
  static const trawl::SearcherOptions defaults;
  return options == nullptr ? defaults : options->options;
}

const trawl::SearchOptions& OptionsOf(const trawl_search_options_t* options) {
  static const trawl::SearchOptions defaults;
  return options == nullptr ? defaults : options->options;
}

}  // namespace

// ---- status codes, messages, memory, version ----

const char* trawl_status_name(trawl_status_t status) {
  switch (status) {
    case TRAWL_OK:
      return "OK";
    case TRAWL_NOT_FOUND:
      return "Not found";
    case TRAWL_CORRUPTION:
      return "Corruption";
    case TRAWL_IO_ERROR:
      return "IO error";
    case TRAWL_INVALID_ARGUMENT:
      return "Invalid argument";
    case TRAWL_NOT_SUPPORTED:
      return "Not supported";
    case TRAWL_BUSY:
      return "Busy";
    case TRAWL_DEADLINE_EXCEEDED:
      return "Deadline exceeded";
    case TRAWL_CANCELLED:
      return "Cancelled";
    case TRAWL_OUT_OF_MEMORY:
      return "Out of memory";
    case TRAWL_INTERNAL:
      return "Internal error";
  }
  return "Unknown";
}

void trawl_free(void* ptr) { std::free(ptr); }

const char* trawl_version(void) { return trawl::Version(); }

uint32_t trawl_version_number(void) { return trawl::VersionNumber(); }

// ---- schemas ----

trawl_status_t trawl_schema_normalize(const char* schema_json, char** normalized_json,
                                      char** errmsg) {
  if (normalized_json != nullptr) *normalized_json = nullptr;
  return Guarded(errmsg, [&]() -> Outcome {
    if (schema_json == nullptr) return NullArgument("trawl_schema_normalize", "schema_json");
    trawl::Schema schema;
    TRAWL_RETURN_IF_ERROR(trawl::Schema::FromJson(schema_json, &schema));
    if (normalized_json == nullptr) return Status::OK();
    *normalized_json = CopyOut(schema.ToJson());
    if (*normalized_json == nullptr) throw std::bad_alloc();
    return Status::OK();
  });
}

// ---- documents ----

trawl_document_t* trawl_document_create(void) { return Create<trawl_document_t>(); }

void trawl_document_destroy(trawl_document_t* doc) { delete doc; }

void trawl_document_clear(trawl_document_t* doc) {
  if (doc == nullptr) return;
  doc->doc.id.clear();
  doc->doc.fields.clear();
  doc->misuse.Clear();
}

void trawl_document_set_id(trawl_document_t* doc, const char* id) {
  Setter(doc, "trawl_document_set_id", {{"id", id}}, [&] { doc->doc.id = id; });
}

void trawl_document_add(trawl_document_t* doc, const char* name, const char* value,
                        trawl_value_kind_t kind) {
  Setter(doc, "trawl_document_add", {{"name", name}, {"value", value}}, [&] {
    if (static_cast<unsigned>(kind) > TRAWL_KIND_DATE) {
      doc->misuse.RecordInvalid("trawl_document_add", "kind is no trawl_value_kind_t");
      return;
    }
    doc->doc.Add(name, value, static_cast<trawl::ValueKind>(kind));
  });
}

void trawl_document_add_int(trawl_document_t* doc, const char* name, int64_t value) {
  Setter(doc, "trawl_document_add_int", {{"name", name}}, [&] { doc->doc.AddInt(name, value); });
}

void trawl_document_add_float(trawl_document_t* doc, const char* name, double value) {
  Setter(doc, "trawl_document_add_float", {{"name", name}}, [&] {
    // Enough digits that the value reads back the same double.
    char text[32];
    std::snprintf(text, sizeof text, "%.17g", value);
    doc->doc.Add(name, text, trawl::ValueKind::kFloat);
  });
}

void trawl_document_add_bool(trawl_document_t* doc, const char* name, int value) {
  Setter(doc, "trawl_document_add_bool", {{"name", name}},
         [&] { doc->doc.AddBool(name, value != 0); });
}

void trawl_document_add_date(trawl_document_t* doc, const char* name, int64_t epoch_millis) {
  Setter(doc, "trawl_document_add_date", {{"name", name}},
         [&] { doc->doc.AddDate(name, epoch_millis); });
}

const char* trawl_document_id(const trawl_document_t* doc) {
  return doc == nullptr ? nullptr : doc->doc.id.c_str();
}

size_t trawl_document_field_count(const trawl_document_t* doc) {
  return doc == nullptr ? 0 : doc->doc.fields.size();
}

const char* trawl_document_field_name(const trawl_document_t* doc, size_t i) {
  const trawl::DocField* f = doc == nullptr ? nullptr : At(doc->doc.fields, i);
  return f == nullptr ? nullptr : f->name.c_str();
}

const char* trawl_document_field_value(const trawl_document_t* doc, size_t i) {
  const trawl::DocField* f = doc == nullptr ? nullptr : At(doc->doc.fields, i);
  return f == nullptr ? nullptr : f->value.c_str();
}

trawl_value_kind_t trawl_document_field_kind(const trawl_document_t* doc, size_t i) {
  const trawl::DocField* f = doc == nullptr ? nullptr : At(doc->doc.fields, i);
  return f == nullptr ? TRAWL_KIND_TEXT : static_cast<trawl_value_kind_t>(f->kind);
}

const char* trawl_document_get(const trawl_document_t* doc, const char* name) {
  return doc == nullptr ? nullptr : FieldValue(doc->doc.fields, name);
}

// ---- writer options ----

trawl_writer_options_t* trawl_writer_options_create(void) {
  return Create<trawl_writer_options_t>();
}

void trawl_writer_options_destroy(trawl_writer_options_t* options) { delete options; }

void trawl_writer_options_set_schema_json(trawl_writer_options_t* options,
                                          const char* schema_json) {
  // NULL is "no schema" here, not a mistake.
  Setter(options, "trawl_writer_options_set_schema_json", {}, [&] {
    if (schema_json == nullptr)
      options->schema_json.reset();
    else
      options->schema_json = schema_json;
  });
}

void trawl_writer_options_set_language(trawl_writer_options_t* options, const char* language) {
  Setter(options, "trawl_writer_options_set_language", {{"language", language}},
         [&] { options->options.language = language; });
}

void trawl_writer_options_set_stopwords(trawl_writer_options_t* options, const char* stopwords) {
  Setter(options, "trawl_writer_options_set_stopwords", {{"stopwords", stopwords}},
         [&] { options->options.stopwords = stopwords; });
}

void trawl_writer_options_set_tokenizer(trawl_writer_options_t* options, const char* tokenizer) {
  Setter(options, "trawl_writer_options_set_tokenizer", {{"tokenizer", tokenizer}},
         [&] { options->options.tokenizer = tokenizer; });
}

void trawl_writer_options_set_ascii_folding(trawl_writer_options_t* options, int enabled) {
  if (options != nullptr) options->options.ascii_folding = enabled != 0;
}

void trawl_writer_options_set_max_token_chars(trawl_writer_options_t* options, uint32_t chars) {
  if (options != nullptr) options->options.max_token_chars = chars;
}

void trawl_writer_options_set_force(trawl_writer_options_t* options, int force) {
  if (options != nullptr) options->options.force = force != 0;
}

void trawl_writer_options_set_store_compression(trawl_writer_options_t* options,
                                                uint32_t block_bytes, int level) {
  if (options == nullptr) return;
  options->options.store_block_bytes = block_bytes;
  options->options.store_zstd_level = level;
}

void trawl_writer_options_set_store_large_value_level(trawl_writer_options_t* options,
                                                      int large_value_level) {
  if (options != nullptr) options->options.store_large_value_zstd_level = large_value_level;
}

void trawl_writer_options_set_memory_budget(trawl_writer_options_t* options, size_t bytes) {
  if (options != nullptr) options->options.memory_budget_bytes = bytes;
}

void trawl_writer_options_set_threads(trawl_writer_options_t* options, uint32_t threads) {
  if (options != nullptr) options->options.threads = threads;
}

void trawl_writer_options_set_keep_commits(trawl_writer_options_t* options, uint32_t commits) {
  if (options != nullptr) options->options.keep_commits = commits;
}

void trawl_writer_options_set_merge_factor(trawl_writer_options_t* options, uint32_t factor) {
  if (options != nullptr) options->options.merge_factor = factor;
}

void trawl_writer_options_set_merge_in_background(trawl_writer_options_t* options, int background) {
  if (options != nullptr) options->options.merge_in_background = background != 0;
}

namespace {

// The tiered policy's numbers of a handle, from the defaults when first set.
trawl::TieredMergeOptions& Tiers(trawl_writer_options_t* options) {
  if (!options->tiers) options->tiers.emplace();
  return *options->tiers;
}

}  // namespace

void trawl_writer_options_set_merge_floor_docs(trawl_writer_options_t* options, uint64_t docs) {
  if (options != nullptr) Tiers(options).floor_docs = docs;
}

void trawl_writer_options_set_max_merged_docs(trawl_writer_options_t* options, uint64_t docs) {
  if (options != nullptr) Tiers(options).max_merged_docs = docs;
}

void trawl_writer_options_set_reclaim_deleted_percent(trawl_writer_options_t* options,
                                                      uint32_t percent) {
  if (options != nullptr) Tiers(options).reclaim_deleted_percent = percent;
}

// ---- writer ----

trawl_status_t trawl_writer_open(const char* path, const trawl_writer_options_t* options,
                                 trawl_writer_t** writer, char** errmsg) {
  if (writer != nullptr) *writer = nullptr;
  return Guarded(errmsg, [&]() -> Outcome {
    if (path == nullptr) return NullArgument("trawl_writer_open", "path");
    if (writer == nullptr) return NullArgument("trawl_writer_open", "writer");
    trawl::IndexWriterOptions cc_options;
    if (options != nullptr) {
      if (options->misuse.any()) return options->misuse.outcome();
      cc_options = options->options;
      if (options->tiers) {
        trawl::TieredMergeOptions tiers = *options->tiers;
        tiers.segments_per_tier = cc_options.merge_factor;
        cc_options.merge_policy = std::make_shared<trawl::TieredMergePolicy>(tiers);
      }
      if (options->schema_json) {
        Status s = trawl::Schema::FromJson(*options->schema_json, &cc_options.schema);
        if (!s.ok()) return Status::InvalidArgument("schema: " + s.message());
      }
    }
    auto handle = std::make_unique<trawl_writer_t>();
    TRAWL_RETURN_IF_ERROR(trawl::IndexWriter::Open(path, cc_options, &handle->writer));
    *writer = handle.release();
    return Status::OK();
  });
}

void trawl_writer_close(trawl_writer_t* writer) {
  // The destructor releases the lock and discards the buffer; it reports nothing and throws
  // nothing (destructors are noexcept).
  delete writer;
}

trawl_status_t trawl_writer_add(trawl_writer_t* writer, const trawl_document_t* doc,
                                char** errmsg) {
  return Guarded(errmsg, [&]() -> Outcome {
    if (writer == nullptr) return NullArgument("trawl_writer_add", "writer");
    if (doc == nullptr) return NullArgument("trawl_writer_add", "doc");
    if (doc->misuse.any()) return doc->misuse.outcome();
    return writer->writer->Add(doc->doc);
  });
}

trawl_status_t trawl_writer_delete(trawl_writer_t* writer, const char* id, int* found,
                                   char** errmsg) {
  if (found != nullptr) *found = 0;
  return Guarded(errmsg, [&]() -> Outcome {
    if (writer == nullptr) return NullArgument("trawl_writer_delete", "writer");
    if (id == nullptr) return NullArgument("trawl_writer_delete", "id");
    bool existed = false;
    TRAWL_RETURN_IF_ERROR(writer->writer->Delete(id, &existed));
    if (found != nullptr) *found = existed ? 1 : 0;
    return Status::OK();
  });
}

trawl_status_t trawl_writer_commit(trawl_writer_t* writer, char** errmsg) {
  return Guarded(errmsg, [&]() -> Outcome {
    if (writer == nullptr) return NullArgument("trawl_writer_commit", "writer");
    return writer->writer->Commit();
  });
}

trawl_status_t trawl_writer_optimize(trawl_writer_t* writer, char** errmsg) {
  return Guarded(errmsg, [&]() -> Outcome {
    if (writer == nullptr) return NullArgument("trawl_writer_optimize", "writer");
    return writer->writer->Optimize();
  });
}

trawl_status_t trawl_writer_wait_for_merges(trawl_writer_t* writer, char** errmsg) {
  return Guarded(errmsg, [&]() -> Outcome {
    if (writer == nullptr) return NullArgument("trawl_writer_wait_for_merges", "writer");
    return writer->writer->WaitForMerges();
  });
}

uint64_t trawl_writer_committed_documents(const trawl_writer_t* writer) {
  return writer == nullptr ? 0 : writer->writer->committed_documents();
}

uint64_t trawl_writer_buffered_documents(const trawl_writer_t* writer) {
  return writer == nullptr ? 0 : writer->writer->buffered_documents();
}

// ---- searcher ----

trawl_searcher_options_t* trawl_searcher_options_create(void) {
  return Create<trawl_searcher_options_t>();
}

void trawl_searcher_options_destroy(trawl_searcher_options_t* options) { delete options; }

void trawl_searcher_options_set_verify_checksums(trawl_searcher_options_t* options, int verify) {
  if (options != nullptr) options->options.verify_checksums = verify != 0;
}

trawl_status_t trawl_searcher_open(const char* path, const trawl_searcher_options_t* options,
                                   trawl_searcher_t** searcher, char** errmsg) {
  if (searcher != nullptr) *searcher = nullptr;
  return Guarded(errmsg, [&]() -> Outcome {
    if (path == nullptr) return NullArgument("trawl_searcher_open", "path");
    if (searcher == nullptr) return NullArgument("trawl_searcher_open", "searcher");
    auto handle = std::make_unique<trawl_searcher_t>();
    TRAWL_RETURN_IF_ERROR(trawl::Searcher::Open(path, OptionsOf(options), &handle->searcher));
    *searcher = handle.release();
    return Status::OK();
  });
}

void trawl_searcher_close(trawl_searcher_t* searcher) { delete searcher; }

trawl_status_t trawl_searcher_open_if_changed(const trawl_searcher_t* current,
                                              trawl_searcher_t** newer, char** errmsg) {
  if (newer != nullptr) *newer = nullptr;
  return Guarded(errmsg, [&]() -> Outcome {
    if (current == nullptr) return NullArgument("trawl_searcher_open_if_changed", "current");
    if (newer == nullptr) return NullArgument("trawl_searcher_open_if_changed", "newer");
    auto handle = std::make_unique<trawl_searcher_t>();
    TRAWL_RETURN_IF_ERROR(trawl::Searcher::OpenIfChanged(*current->searcher, &handle->searcher));
    if (handle->searcher != nullptr) *newer = handle.release();
    return Status::OK();
  });
}

uint64_t trawl_searcher_num_docs(const trawl_searcher_t* searcher) {
  return searcher == nullptr ? 0 : searcher->searcher->num_docs();
}

uint64_t trawl_searcher_generation(const trawl_searcher_t* searcher) {
  return searcher == nullptr ? 0 : searcher->searcher->generation();
}

trawl_status_t trawl_searcher_schema_json(const trawl_searcher_t* searcher, char** schema_json,
                                          char** errmsg) {
  if (schema_json != nullptr) *schema_json = nullptr;
  return Guarded(errmsg, [&]() -> Outcome {
    if (searcher == nullptr) return NullArgument("trawl_searcher_schema_json", "searcher");
    if (schema_json == nullptr) return NullArgument("trawl_searcher_schema_json", "schema_json");
    *schema_json = CopyOut(searcher->searcher->schema().ToJson());
    if (*schema_json == nullptr) throw std::bad_alloc();
    return Status::OK();
  });
}

// ---- search options ----

trawl_search_options_t* trawl_search_options_create(void) {
  return Create<trawl_search_options_t>();
}

void trawl_search_options_destroy(trawl_search_options_t* options) { delete options; }

void trawl_search_options_set_top(trawl_search_options_t* options, size_t top) {
  if (options != nullptr) options->options.top_k = top;
}

void trawl_search_options_set_offset(trawl_search_options_t* options, size_t offset) {
  if (options != nullptr) options->options.offset = offset;
}

void trawl_search_options_add_filter(trawl_search_options_t* options, const char* filter) {
  Setter(options, "trawl_search_options_add_filter", {{"filter", filter}},
         [&] { options->options.filters.emplace_back(filter); });
}

void trawl_search_options_add_sort(trawl_search_options_t* options, const char* field,
                                   int descending) {
  Setter(options, "trawl_search_options_add_sort", {{"field", field}}, [&] {
    options->options.sort.push_back({field, descending != 0});
  });
}

void trawl_search_options_add_facet(trawl_search_options_t* options, const char* field,
                                    size_t top_n) {
  Setter(options, "trawl_search_options_add_facet", {{"field", field}}, [&] {
    options->options.facets.push_back({field, top_n});
  });
}

void trawl_search_options_add_range_facet(trawl_search_options_t* options, const char* field,
                                          const char* interval) {
  Setter(options, "trawl_search_options_add_range_facet",
         {{"field", field}, {"interval", interval}}, [&] {
           options->options.range_facets.push_back({field, interval});
         });
}

void trawl_search_options_set_after(trawl_search_options_t* options, const char* cursor) {
  Setter(options, "trawl_search_options_set_after", {{"cursor", cursor}},
         [&] { options->options.after = cursor; });
}

void trawl_search_options_set_collapse(trawl_search_options_t* options, const char* field) {
  Setter(options, "trawl_search_options_set_collapse", {{"field", field}},
         [&] { options->options.collapse = field; });
}

void trawl_search_options_add_field(trawl_search_options_t* options, const char* field) {
  Setter(options, "trawl_search_options_add_field", {{"field", field}},
         [&] { options->options.fields.emplace_back(field); });
}

void trawl_search_options_add_snippet_field(trawl_search_options_t* options, const char* field) {
  Setter(options, "trawl_search_options_add_snippet_field", {{"field", field}},
         [&] { options->options.snippet_fields.emplace_back(field); });
}

void trawl_search_options_set_snippet_chars(trawl_search_options_t* options, size_t chars) {
  if (options != nullptr) options->options.snippet_chars = chars;
}

void trawl_search_options_set_highlight(trawl_search_options_t* options, const char* begin,
                                        const char* end) {
  Setter(options, "trawl_search_options_set_highlight", {{"begin", begin}, {"end", end}}, [&] {
    std::string begin_copy = begin;  // both or neither
    options->options.highlight_end = end;
    options->options.highlight_begin = std::move(begin_copy);
  });
}

void trawl_search_options_set_bm25(trawl_search_options_t* options, double k1, double b) {
  if (options == nullptr) return;
  options->options.k1 = k1;
  options->options.b = b;
}

void trawl_search_options_set_bm25f(trawl_search_options_t* options, int enabled) {
  if (options != nullptr) options->options.bm25f = enabled != 0;
}

void trawl_search_options_set_field_weight(trawl_search_options_t* options, const char* field,
                                           double weight) {
  Setter(options, "trawl_search_options_set_field_weight", {{"field", field}},
         [&] { options->options.field_weights[field] = weight; });
}

void trawl_search_options_set_field_b(trawl_search_options_t* options, const char* field,
                                      double b) {
  Setter(options, "trawl_search_options_set_field_b", {{"field", field}},
         [&] { options->options.field_b[field] = b; });
}

void trawl_search_options_set_proximity(trawl_search_options_t* options, double weight,
                                        uint32_t window) {
  if (options == nullptr) return;
  options->options.proximity = weight;
  options->options.proximity_window = window;
}

void trawl_search_options_set_exact_total(trawl_search_options_t* options, int exact) {
  if (options != nullptr) options->options.exact_total = exact != 0;
}

void trawl_search_options_set_load_documents(trawl_search_options_t* options, int load) {
  if (options != nullptr) options->options.load_documents = load != 0;
}

void trawl_search_options_set_explain(trawl_search_options_t* options, int explain) {
  if (options != nullptr) options->options.explain = explain != 0;
}

void trawl_search_options_set_plain_text(trawl_search_options_t* options, int plain_text) {
  if (options != nullptr) options->options.plain_text = plain_text != 0;
}

void trawl_search_options_set_timeout_ms(trawl_search_options_t* options, uint64_t timeout_ms) {
  if (options != nullptr) options->timeout_ms = timeout_ms;
}

void trawl_search_options_set_allow_partial(trawl_search_options_t* options, int allow) {
  if (options != nullptr) options->options.allow_partial = allow != 0;
}

void trawl_search_options_set_max_query_bytes(trawl_search_options_t* options, size_t bytes) {
  if (options != nullptr) options->options.limits.max_query_bytes = bytes;
}

void trawl_search_options_set_max_depth(trawl_search_options_t* options, size_t depth) {
  if (options != nullptr) options->options.limits.max_depth = depth;
}

void trawl_search_options_set_max_clauses(trawl_search_options_t* options, size_t clauses) {
  if (options != nullptr) options->options.limits.max_clauses = clauses;
}

void trawl_search_options_set_max_expansions(trawl_search_options_t* options, size_t terms) {
  if (options != nullptr) options->options.limits.max_expansions = terms;
}

void trawl_search_options_set_max_phrase_terms(trawl_search_options_t* options, size_t terms) {
  if (options != nullptr) options->options.limits.max_phrase_terms = terms;
}

void trawl_search_options_set_max_top(trawl_search_options_t* options, size_t top) {
  if (options != nullptr) options->options.limits.max_top = top;
}

void trawl_search_options_set_max_offset(trawl_search_options_t* options, size_t offset) {
  if (options != nullptr) options->options.limits.max_offset = offset;
}

trawl_cancel_t* trawl_cancel_create(void) { return new (std::nothrow) trawl_cancel_t(); }

void trawl_cancel_destroy(trawl_cancel_t* cancel) { delete cancel; }

void trawl_cancel_set(trawl_cancel_t* cancel) {
  if (cancel != nullptr) cancel->flag.store(true);
}

void trawl_cancel_reset(trawl_cancel_t* cancel) {
  if (cancel != nullptr) cancel->flag.store(false);
}

void trawl_search_options_set_cancel(trawl_search_options_t* options,
                                     const trawl_cancel_t* cancel) {
  if (options != nullptr) options->options.cancel = cancel == nullptr ? nullptr : &cancel->flag;
}

// ---- search, count, get ----

namespace {

// The options of one call: with a time budget, a copy whose deadline counts from now.
const trawl::SearchOptions& OptionsForCall(const trawl_search_options_t* options,
                                           trawl::SearchOptions* timed) {
  if (options == nullptr || options->timeout_ms == 0) return OptionsOf(options);
  *timed = options->options;
  // A budget past what the clock can hold is no budget.
  const uint64_t max_ms = 1000ull * 60 * 60 * 24 * 365 * 100;
  if (options->timeout_ms < max_ms) {
    timed->deadline = std::chrono::steady_clock::now() +
                      std::chrono::milliseconds(static_cast<int64_t>(options->timeout_ms));
  }
  return *timed;
}

}  // namespace

trawl_status_t trawl_search(const trawl_searcher_t* searcher, const char* query,
                            const trawl_search_options_t* options, trawl_results_t** results,
                            char** errmsg) {
  if (results != nullptr) *results = nullptr;
  return Guarded(errmsg, [&]() -> Outcome {
    if (searcher == nullptr) return NullArgument("trawl_search", "searcher");
    if (query == nullptr) return NullArgument("trawl_search", "query");
    if (results == nullptr) return NullArgument("trawl_search", "results");
    if (options != nullptr && options->misuse.any()) return options->misuse.outcome();
    auto handle = std::make_unique<trawl_results_t>();
    trawl::SearchOptions timed;
    TRAWL_RETURN_IF_ERROR(
        searcher->searcher->Search(query, OptionsForCall(options, &timed), &handle->results));
    *results = handle.release();
    return Status::OK();
  });
}

trawl_status_t trawl_count(const trawl_searcher_t* searcher, const char* query,
                           const trawl_search_options_t* options, uint64_t* count, char** errmsg) {
  if (count != nullptr) *count = 0;
  return Guarded(errmsg, [&]() -> Outcome {
    if (searcher == nullptr) return NullArgument("trawl_count", "searcher");
    if (query == nullptr) return NullArgument("trawl_count", "query");
    if (count == nullptr) return NullArgument("trawl_count", "count");
    if (options == nullptr) return searcher->searcher->Count(query, count);
    if (options->misuse.any()) return options->misuse.outcome();
    // Count applies the filters, the query mode, the deadline and the cancel flag, and
    // ignores the options about hits.
    trawl::SearchOptions timed;
    return searcher->searcher->Count(query, OptionsForCall(options, &timed), count);
  });
}

trawl_status_t trawl_searcher_analyze(const trawl_searcher_t* searcher, const char* field,
                                      const char* text, char** terms, size_t* count,
                                      char** errmsg) {
  if (terms != nullptr) *terms = nullptr;
  if (count != nullptr) *count = 0;
  return Guarded(errmsg, [&]() -> Outcome {
    if (searcher == nullptr) return NullArgument("trawl_searcher_analyze", "searcher");
    if (field == nullptr) return NullArgument("trawl_searcher_analyze", "field");
    if (text == nullptr) return NullArgument("trawl_searcher_analyze", "text");
    if (terms == nullptr) return NullArgument("trawl_searcher_analyze", "terms");
    if (count == nullptr) return NullArgument("trawl_searcher_analyze", "count");
    std::vector<std::string> analyzed;
    TRAWL_RETURN_IF_ERROR(searcher->searcher->Analyze(field, text, &analyzed));
    if (analyzed.empty()) return Status::OK();
    std::string packed;
    for (const std::string& term : analyzed) packed.append(term).push_back('\0');
    // CopyOut's own terminator follows the last term's.
    *terms = CopyOut(packed);
    if (*terms == nullptr) throw std::bad_alloc();
    *count = analyzed.size();
    return Status::OK();
  });
}

trawl_status_t trawl_get(const trawl_searcher_t* searcher, const char* id, trawl_document_t** doc,
                         char** errmsg) {
  if (doc != nullptr) *doc = nullptr;
  return Guarded(errmsg, [&]() -> Outcome {
    if (searcher == nullptr) return NullArgument("trawl_get", "searcher");
    if (id == nullptr) return NullArgument("trawl_get", "id");
    if (doc == nullptr) return NullArgument("trawl_get", "doc");
    auto handle = std::make_unique<trawl_document_t>();
    TRAWL_RETURN_IF_ERROR(searcher->searcher->Get(id, &handle->doc));
    *doc = handle.release();
    return Status::OK();
  });
}

// ---- results ----

namespace {

const trawl::Hit* HitAt(const trawl_results_t* results, size_t hit) {
  return results == nullptr ? nullptr : At(results->results.hits, hit);
}

const trawl::DocField* HitFieldAt(const trawl_results_t* results, size_t hit, size_t field) {
  const trawl::Hit* h = HitAt(results, hit);
  return h == nullptr ? nullptr : At(h->fields, field);
}

const trawl::FacetResult* FacetAt(const trawl_results_t* results, size_t facet) {
  return results == nullptr ? nullptr : At(results->results.facets, facet);
}

const trawl::FacetCount* FacetValueAt(const trawl_results_t* results, size_t facet, size_t value) {
  const trawl::FacetResult* f = FacetAt(results, facet);
  return f == nullptr ? nullptr : At(f->counts, value);
}

}  // namespace

void trawl_results_destroy(trawl_results_t* results) { delete results; }

uint64_t trawl_results_total(const trawl_results_t* results) {
  return results == nullptr ? 0 : results->results.total;
}

int trawl_results_total_exact(const trawl_results_t* results) {
  return results != nullptr && results->results.total_exact ? 1 : 0;
}

int trawl_results_partial(const trawl_results_t* results) {
  return results != nullptr && results->results.partial ? 1 : 0;
}

const char* trawl_results_next(const trawl_results_t* results) {
  return results == nullptr ? nullptr : results->results.next.c_str();
}

size_t trawl_results_hit_count(const trawl_results_t* results) {
  return results == nullptr ? 0 : results->results.hits.size();
}

const char* trawl_results_hit_id(const trawl_results_t* results, size_t hit) {
  const trawl::Hit* h = HitAt(results, hit);
  return h == nullptr ? nullptr : h->id.c_str();
}

double trawl_results_hit_score(const trawl_results_t* results, size_t hit) {
  const trawl::Hit* h = HitAt(results, hit);
  return h == nullptr ? 0 : h->score;
}

const char* trawl_results_hit_title(const trawl_results_t* results, size_t hit) {
  const trawl::Hit* h = HitAt(results, hit);
  return h == nullptr ? nullptr : h->title.c_str();
}

const char* trawl_results_hit_snippet(const trawl_results_t* results, size_t hit) {
  const trawl::Hit* h = HitAt(results, hit);
  return h == nullptr ? nullptr : h->snippet.c_str();
}

const char* trawl_results_hit_explanation(const trawl_results_t* results, size_t hit) {
  const trawl::Hit* h = HitAt(results, hit);
  return h == nullptr ? nullptr : h->explanation.c_str();
}

uint64_t trawl_results_hit_collapsed(const trawl_results_t* results, size_t hit) {
  const trawl::Hit* h = HitAt(results, hit);
  return h == nullptr ? 0 : h->collapsed;
}

size_t trawl_results_hit_field_count(const trawl_results_t* results, size_t hit) {
  const trawl::Hit* h = HitAt(results, hit);
  return h == nullptr ? 0 : h->fields.size();
}

const char* trawl_results_hit_field_name(const trawl_results_t* results, size_t hit, size_t field) {
  const trawl::DocField* f = HitFieldAt(results, hit, field);
  return f == nullptr ? nullptr : f->name.c_str();
}

const char* trawl_results_hit_field_value(const trawl_results_t* results, size_t hit,
                                          size_t field) {
  const trawl::DocField* f = HitFieldAt(results, hit, field);
  return f == nullptr ? nullptr : f->value.c_str();
}

trawl_value_kind_t trawl_results_hit_field_kind(const trawl_results_t* results, size_t hit,
                                                size_t field) {
  const trawl::DocField* f = HitFieldAt(results, hit, field);
  return f == nullptr ? TRAWL_KIND_TEXT : static_cast<trawl_value_kind_t>(f->kind);
}

const char* trawl_results_hit_get(const trawl_results_t* results, size_t hit, const char* name) {
  const trawl::Hit* h = HitAt(results, hit);
  return h == nullptr ? nullptr : FieldValue(h->fields, name);
}

size_t trawl_results_facet_count(const trawl_results_t* results) {
  return results == nullptr ? 0 : results->results.facets.size();
}

const char* trawl_results_facet_field(const trawl_results_t* results, size_t facet) {
  const trawl::FacetResult* f = FacetAt(results, facet);
  return f == nullptr ? nullptr : f->field.c_str();
}

const char* trawl_results_facet_type(const trawl_results_t* results, size_t facet) {
  const trawl::FacetResult* f = FacetAt(results, facet);
  return f == nullptr ? nullptr : TypeName(f->type);
}

int trawl_results_facet_is_range(const trawl_results_t* results, size_t facet) {
  const trawl::FacetResult* f = FacetAt(results, facet);
  return f != nullptr && f->is_range ? 1 : 0;
}

size_t trawl_results_facet_value_count(const trawl_results_t* results, size_t facet) {
  const trawl::FacetResult* f = FacetAt(results, facet);
  return f == nullptr ? 0 : f->counts.size();
}

const char* trawl_results_facet_value(const trawl_results_t* results, size_t facet, size_t value) {
  const trawl::FacetCount* c = FacetValueAt(results, facet, value);
  return c == nullptr ? nullptr : c->value.c_str();
}

uint64_t trawl_results_facet_value_hits(const trawl_results_t* results, size_t facet,
                                        size_t value) {
  const trawl::FacetCount* c = FacetValueAt(results, facet, value);
  return c == nullptr ? 0 : c->count;
}
