// Resolves a Document against an index's schema: each field's type (mapping fields the schema
// lacks, when it is dynamic), its value converted to that type, and what is stored. The result
// owns all it holds, so a builder on another thread needs nothing else.
#ifndef TRAWL_INDEXER_DOCUMENT_MAPPER_H_
#define TRAWL_INDEXER_DOCUMENT_MAPPER_H_

#include <string>
#include <vector>

#include "format/values.h"
#include "trawl/document.h"
#include "trawl/schema.h"
#include "trawl/status.h"

namespace trawl {

struct MappedField {
  std::string name;
  FieldSpec spec;
  std::string text;   // text fields: what the analyzer reads
  TypedValue value;   // other types: the converted value
};

struct MappedDocument {
  std::string id;
  // The fields that are indexed or have a column, in document order (a repeated name is a
  // multi-valued field).
  std::vector<MappedField> fields;
  // What the store keeps: the id and the stored fields, typed values in canonical text.
  Document stored;
};

// Maps `doc` against *schema. Fields the schema lacks are added to it (dynamic mapping) only
// when the whole document maps: on error (InvalidArgument naming the field and the value)
// *schema is unchanged. Fields named "id" are skipped (the id is Document::id).
Status MapDocument(const Document& doc, Schema* schema, MappedDocument* out);

// The same against a schema it does not change, so that threads may map documents against one
// schema at once: the fields `schema` lacks are mapped into *added (empty on return if there
// were none), for the caller to merge. Two threads that see a new field at once may map it
// differently; a caller that merges must map such a document again against the merged schema.
Status MapDocument(const Document& doc, const Schema& schema, Schema* added,
                   MappedDocument* out);

}  // namespace trawl

#endif  // TRAWL_INDEXER_DOCUMENT_MAPPER_H_
