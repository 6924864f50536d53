#include "indexer/document_mapper.h"

#include <algorithm>

#include "format/segment_format.h"

namespace trawl {

Status MapDocument(const Document& doc, Schema* schema, MappedDocument* out) {
  // Fields first seen in this document are mapped apart so that a refused document leaves the
  // schema as it was.
  Schema added;
  TRAWL_RETURN_IF_ERROR(MapDocument(doc, *schema, &added, out));
  if (!added.empty()) TRAWL_RETURN_IF_ERROR(schema->Merge(added));
  return Status::OK();
}

Status MapDocument(const Document& doc, const Schema& schema, Schema* added_out,
                   MappedDocument* out) {
  out->id = doc.id;
  out->fields.clear();
  out->stored = Document();
  out->stored.id = doc.id;
  Schema& added = *added_out;
  added = Schema();
  added.dynamic = schema.dynamic;
  added.max_fields = schema.max_fields;
  for (const DocField& field : doc.fields) {
    if (field.name == kIdField) continue;
    const Schema::Field* known = schema.Find(field.name);
    if (known == nullptr) known = added.Find(field.name);
    if (known == nullptr) {
      if (!schema.dynamic) {
        return Status::InvalidArgument("field '" + field.name +
                                       "' is not in the schema (and the schema is not dynamic)");
      }
      if (schema.fields().size() + added.fields().size() >= schema.max_fields) {
        return Status::InvalidArgument("field '" + field.name + "' would take the schema past " +
                                       std::to_string(schema.max_fields) + " fields (max_fields)");
      }
      TRAWL_RETURN_IF_ERROR(
          added.AddField(field.name, FieldSpec::Default(DynamicFieldType(field.kind))));
      known = added.Find(field.name);
    }
    const FieldSpec& spec = known->spec;
    MappedField mapped;
    mapped.name = field.name;
    mapped.spec = spec;
    std::string stored;
    if (spec.type == FieldType::kText || spec.type == FieldType::kStored) {
      mapped.text = field.value;
      stored = field.value;
    } else {
      TRAWL_RETURN_IF_ERROR(ConvertValue(field, spec, &mapped.value));
      stored = mapped.value.stored;
    }
    if (spec.stored) out->stored.fields.emplace_back(field.name, std::move(stored), field.kind);
    const bool searchable = spec.type != FieldType::kStored && (spec.indexed || spec.column);
    if (searchable) out->fields.push_back(std::move(mapped));
  }
  return Status::OK();
}

}  // namespace trawl
