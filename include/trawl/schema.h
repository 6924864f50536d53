// Schema: the fields of an index, their types and what is kept of each.
//
//   {"fields": {"title": {"type": "text", "analyzer": {"language": "none", "ascii_folding": true}},
//               "tag":   {"type": "keyword", "lowercase": true},
//               "price": {"type": "float"},
//               "date":  {"type": "date", "stored": true, "indexed": true, "column": true}},
//    "dynamic": true}
//
// A schema is declared when an index is created (trawl-index --schema FILE, or
// IndexWriterOptions::schema) and kept in every commit. Fields may be added later, by a later
// schema or by dynamic mapping; a field's type and options never change once an index has it.
#ifndef TRAWL_SCHEMA_H_
#define TRAWL_SCHEMA_H_

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "trawl/document.h"
#include "trawl/export.h"
#include "trawl/status.h"

namespace trawl {

enum class FieldType : uint8_t {
  kText,     // analyzed into words with positions, scored by BM25
  kKeyword,  // one exact term per value (multi-valued), for filters, facets, sorting, collapse
  kInt,      // int64
  kFloat,    // finite double
  kDate,     // milliseconds since the Unix epoch, UTC
  kBool,
  kStored,   // stored only: returned with hits, never searched
};

// "text", "keyword", "int", "float", "date", "bool", "stored".
TRAWL_EXPORT std::string_view FieldTypeName(FieldType type);
TRAWL_EXPORT bool ParseFieldType(std::string_view name, FieldType* out);
// The type dynamic mapping gives a field first seen with a value of this kind.
TRAWL_EXPORT FieldType DynamicFieldType(ValueKind kind);

// A text field's own analysis. A setting left unset takes the index's (trawl-index --language,
// --stopwords, --tokenizer, --ascii-folding; IndexWriterOptions), which is what a field without
// any has. The order in which the steps run is in trawl/analysis.h.
struct FieldAnalyzer {
  std::optional<std::string> language;   // a Snowball algorithm, or "none"
  std::optional<std::string> stopwords;   // "" (none), "english", or a file
  // "simple", "standard", or the name of a tokenizer the program registers (RegisterTokenizer).
  std::optional<std::string> tokenizer;
  std::optional<bool> ascii_folding;
  // Names of token filters the program registers (RegisterTokenFilter), run in this order
  // after the tokenizer and before the built-in steps. Empty: none (the index has none).
  std::vector<std::string> filters;
  bool IsDefault() const {
    return !language && !stopwords && !tokenizer && !ascii_folding && filters.empty();
  }
  bool operator==(const FieldAnalyzer&) const = default;
};

struct TRAWL_EXPORT FieldSpec {
  FieldType type = FieldType::kText;
  bool stored = true;   // returned with hits and by Searcher::Get
  bool indexed = true;  // searchable: words (text), exact values (keyword), values and ranges
  // A per-document column (Lucene's doc values, Tantivy's fast fields) for sorting, range
  // filters and facets. Not for text.
  bool column = false;
  // Keyword only: values are indexed and kept in the column in lower case (queries are lowered
  // alike); the stored value keeps its case.
  bool lowercase = false;
  // Text only: how its words are analyzed, at indexing and in queries alike.
  FieldAnalyzer analyzer;

  // The defaults of a type: text stored and indexed; stored only stored; every other type
  // stored, indexed and with a column.
  static FieldSpec Default(FieldType type);
  bool operator==(const FieldSpec&) const = default;
};

class TRAWL_EXPORT Schema {
 public:
  struct Field {
    std::string name;
    FieldSpec spec;
    bool operator==(const Field&) const = default;
  };

  // Names: [A-Za-z_][A-Za-z0-9_.]*, at most 255 bytes; "id" is reserved (every document's
  // unique key, an exact term).
  static bool ValidFieldName(std::string_view name);

  // Fields in the order they were added; a field keeps its place for good.
  const std::vector<Field>& fields() const { return fields_; }
  const Field* Find(std::string_view name) const;
  bool empty() const { return fields_.empty(); }

  // Adds a field. Adding one the schema has with the same spec changes nothing; with another
  // spec it is InvalidArgument naming the field, both types and the differing option (an
  // analyzer never changes either: the index holds the terms the old one made). Also
  // InvalidArgument for a bad name, a column on a text or stored field, an indexed stored
  // field, lowercase on a non-keyword field, an analyzer on a non-text field or with an
  // unknown language, a tokenizer or filter name that no program could register (see
  // RegisterTokenizer), or a schema that would exceed max_fields. Whether a named component
  // is registered is checked when an index is opened, not here.
  Status AddField(std::string name, const FieldSpec& spec);
  // Adds every field of `other` (as AddField, in other's order); on error nothing is added.
  Status Merge(const Schema& other);

  // A document field the schema lacks is mapped at first sight (DynamicFieldType, with the
  // type's defaults); false: such a document is refused, naming the field.
  bool dynamic = true;
  // A document that would take the schema past this many fields is refused (not the index:
  // every segment holds a subset of the schema, so merges never exceed it).
  size_t max_fields = 10000;

  // {"fields": {NAME: {"type": ..., "stored": ..., "indexed": ..., "column": ...,
  // "lowercase": ..., "analyzer": {"language": ..., "stopwords": ..., "tokenizer": ...,
  // "ascii_folding": bool, "filters": [name, ...]}}, ...}, "dynamic": bool, "max_fields": n},
  // fields in id order.
  // Omitted options take the type's defaults; an omitted analyzer setting, the index's. InvalidArgument naming the field or key for anything
  // else (unknown keys included, so that a misspelt option is not silently ignored).
  static Status FromJson(std::string_view json, Schema* out);
  // Every option written out, so a schema reads back equal whatever the defaults become; of an
  // analyzer, the settings the field has (the rest follow the index's).
  std::string ToJson() const;

  bool operator==(const Schema&) const = default;

 private:
  std::vector<Field> fields_;
  // Name -> position in fields_, so that Find stays cheap for schemas of thousands of fields.
  std::map<std::string, size_t, std::less<>> positions_;
};

}  // namespace trawl

#endif  // TRAWL_SCHEMA_H_
