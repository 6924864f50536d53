#include "cli/search_json.h"

#include <exception>
#include <utility>

namespace trawl::cli {

std::string Dump(const Json& j) {
  return j.dump(-1, ' ', /*ensure_ascii=*/false, Json::error_handler_t::replace);
}

Json TypedJson(ValueKind kind, const std::string& value) {
  try {
    switch (kind) {
      case ValueKind::kInt: {
        size_t used = 0;
        const long long v = std::stoll(value, &used);
        if (used == value.size()) return Json(v);
        break;
      }
      case ValueKind::kFloat: {
        size_t used = 0;
        const double v = std::stod(value, &used);
        if (used == value.size()) return Json(v);
        break;
      }
      case ValueKind::kBool:
        if (value == "true" || value == "false") return Json(value == "true");
        break;
      default:
        break;
    }
  } catch (const std::exception&) {
  }
  return Json(value);
}

namespace {

ValueKind KindOfType(FieldType type) {
  switch (type) {
    case FieldType::kInt: return ValueKind::kInt;
    case FieldType::kFloat: return ValueKind::kFloat;
    case FieldType::kBool: return ValueKind::kBool;
    case FieldType::kDate: return ValueKind::kDate;
    case FieldType::kKeyword: return ValueKind::kKeyword;
    default: return ValueKind::kText;
  }
}

// Adds `f` to *out, turning a repeated name into an array.
void AddField(const DocField& f, Json* out) {
  Json v = TypedJson(f.kind, f.value);
  auto it = out->find(f.name);
  if (it == out->end()) {
    (*out)[f.name] = std::move(v);
  } else {
    if (!it->is_array()) *it = Json::array({*it});
    it->push_back(std::move(v));
  }
}

}  // namespace

Json FieldsJson(const std::vector<DocField>& fields) {
  Json out = Json::object();
  for (const DocField& f : fields) AddField(f, &out);
  return out;
}

Json FacetsJson(const std::vector<FacetResult>& facets) {
  Json out = Json::object();
  for (const FacetResult& f : facets) {
    Json counts = Json::array();
    for (const FacetCount& c : f.counts) {
      Json entry;
      entry["value"] = TypedJson(KindOfType(f.type), c.value);
      entry["count"] = c.count;
      counts.push_back(std::move(entry));
    }
    out[f.field] = std::move(counts);
  }
  return out;
}

Json HitJson(const Hit& h, bool explain) {
  Json hit;
  hit["id"] = h.id;
  hit["score"] = h.score;
  hit["title"] = h.title;
  hit["snippet"] = h.snippet;
  if (!h.fields.empty()) hit["fields"] = FieldsJson(h.fields);
  if (h.collapsed > 0) hit["collapsed"] = h.collapsed;
  if (explain) hit["explanation"] = h.explanation;
  return hit;
}

Json SearchJson(std::string_view query, const SearchResults& results, uint64_t took_us,
                bool count, bool explain) {
  Json j;
  j["query"] = query;
  j["total"] = results.total;
  // Only when true, so that a complete answer keeps its bytes.
  if (results.partial) j["partial"] = true;
  j["took_us"] = took_us;
  if (!count) {
    Json hits = Json::array();
    for (const Hit& h : results.hits) hits.push_back(HitJson(h, explain));
    j["hits"] = std::move(hits);
    if (!results.next.empty()) j["next"] = results.next;
  }
  if (!results.facets.empty()) j["facets"] = FacetsJson(results.facets);
  return j;
}

Json DocumentJson(const Document& doc) {
  Json out = Json::object();
  out["id"] = doc.id;
  // A stored field named "id" cannot exist (the name is reserved), so the key is the id's own.
  for (const DocField& f : doc.fields) AddField(f, &out);
  return out;
}

}  // namespace trawl::cli
