// The schema as a JSON value, for files that embed it (the manifest) rather than hold it as
// text: Schema::FromJson and ToJson are these two around a parse and a dump.
#ifndef TRAWL_FORMAT_SCHEMA_JSON_H_
#define TRAWL_FORMAT_SCHEMA_JSON_H_

#include <nlohmann/json.hpp>

#include "trawl/schema.h"
#include "trawl/status.h"

namespace trawl {

// ordered_json: a schema's fields are in id order, which a sorted object would lose.
nlohmann::ordered_json SchemaToJsonValue(const Schema& schema);
// InvalidArgument naming the field or key, as Schema::FromJson.
Status SchemaFromJsonValue(const nlohmann::ordered_json& json, Schema* out);

}  // namespace trawl

#endif  // TRAWL_FORMAT_SCHEMA_JSON_H_
