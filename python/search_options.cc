#include "search_options.h"

#include <Python.h>

#include <chrono>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "errors.h"

namespace py = pybind11;

namespace trawl::python {
namespace {

[[noreturn]] void Refuse(const std::string& message) {
  throw StatusError(Status::InvalidArgument(message));
}

std::string TypeName(py::handle value) { return Py_TYPE(value.ptr())->tp_name; }

std::string Text(py::handle value, const char* option) {
  if (!PyUnicode_Check(value.ptr())) {
    throw py::type_error(std::string(option) + " expects a str, not " + TypeName(value));
  }
  return py::cast<std::string>(value);
}

// A repeatable option: one str, or a list or tuple of them; None is none.
std::vector<std::string> Texts(py::handle value, const char* option) {
  std::vector<std::string> out;
  if (value.is_none()) return out;
  if (PyList_Check(value.ptr()) || PyTuple_Check(value.ptr())) {
    for (py::handle item : value) out.push_back(Text(item, option));
  } else {
    out.push_back(Text(value, option));
  }
  return out;
}

bool Flag(py::handle value, const char* option) {
  if (!PyBool_Check(value.ptr())) {
    throw py::type_error(std::string(option) + " expects a bool, not " + TypeName(value));
  }
  return value.ptr() == Py_True;
}

double Number(py::handle value, const char* option) {
  if (PyBool_Check(value.ptr()) || !(PyFloat_Check(value.ptr()) || PyLong_Check(value.ptr()))) {
    throw py::type_error(std::string(option) + " expects a number, not " + TypeName(value));
  }
  return py::cast<double>(value);
}

int64_t Integer(py::handle value, const char* option) {
  if (PyBool_Check(value.ptr()) || !PyLong_Check(value.ptr())) {
    throw py::type_error(std::string(option) + " expects an int, not " + TypeName(value));
  }
  int overflow = 0;
  const long long v = PyLong_AsLongLongAndOverflow(value.ptr(), &overflow);
  if (overflow != 0) Refuse(std::string(option) + " is out of range");
  return v;
}

std::string Trim(std::string_view s) {
  const size_t b = s.find_first_not_of(" \t");
  if (b == std::string_view::npos) return std::string();
  return std::string(s.substr(b, s.find_last_not_of(" \t") - b + 1));
}

// "FIELD:REST" split at the last ':'; false if either side is empty (as trawl-search).
bool SplitFieldSpec(const std::string& spec, std::string* field, std::string* rest) {
  const size_t colon = spec.rfind(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 == spec.size()) return false;
  *field = spec.substr(0, colon);
  *rest = spec.substr(colon + 1);
  return true;
}

SortField SortKey(const std::string& spec) {
  SortField key;
  std::string order;
  if (SplitFieldSpec(spec, &key.field, &order)) {
    if (order != "asc" && order != "desc") {
      Refuse("sort expects FIELD, FIELD:asc or FIELD:desc, not '" + spec + "'");
    }
    key.descending = order == "desc";
  } else {
    key.field = spec;
    key.descending = spec == "score";  // relevance is best first unless asked otherwise
  }
  if (key.field.empty()) Refuse("sort expects FIELD[:asc|desc], not '" + spec + "'");
  return key;
}

FacetRequest Facet(const std::string& spec) {
  FacetRequest request;
  std::string n;
  if (SplitFieldSpec(spec, &request.field, &n)) {
    size_t used = 0;
    unsigned long top = 0;
    try {
      top = std::stoul(n, &used);
    } catch (const std::exception&) {
      used = 0;
    }
    if (used == 0 || used != n.size() || n[0] == '-' || top > 1000000) {
      Refuse("facet expects FIELD or FIELD:N (N from 0 to 1000000), not '" + spec + "'");
    }
    request.top_n = top;
  } else {
    request.field = spec;
  }
  if (request.field.empty()) Refuse("facet expects FIELD[:N], not '" + spec + "'");
  return request;
}

RangeFacetRequest RangeFacet(const std::string& spec) {
  RangeFacetRequest request;
  if (!SplitFieldSpec(spec, &request.field, &request.interval)) {
    Refuse("facet_range expects FIELD:INTERVAL, not '" + spec + "'");
  }
  return request;
}

// A dict {FIELD: NUMBER}, or "FIELD=NUMBER" strs as trawl-search takes them.
void FieldValues(py::handle value, const char* option,
                 std::map<std::string, double, std::less<>>* out) {
  if (PyDict_Check(value.ptr())) {
    for (auto [field, number] : py::reinterpret_borrow<py::dict>(value)) {
      (*out)[Text(field, option)] = Number(number, option);
    }
    return;
  }
  for (const std::string& spec : Texts(value, option)) {
    const size_t eq = spec.find('=');
    size_t used = 0;
    double number = 0;
    if (eq != std::string::npos && eq > 0) {
      try {
        number = std::stod(spec.substr(eq + 1), &used);
      } catch (const std::exception&) {
        used = 0;
      }
    }
    if (eq == std::string::npos || eq == 0 || used == 0 || eq + 1 + used != spec.size()) {
      Refuse(std::string(option) + " expects FIELD=NUMBER, not '" + spec + "'");
    }
    (*out)[spec.substr(0, eq)] = number;
  }
}

// The same bound as trawl-search's: offset + top hits are kept in a heap.
constexpr int64_t kMaxHits = 10000000;

int64_t HitCount(int64_t n, const char* name) {
  if (n < 0 || n > kMaxHits) Refuse(std::string(name) + " must be between 0 and 10000000");
  return n;
}

struct ProximityArgs {
  bool on = false;
  bool tuned = false;  // a weight or window given, which mean nothing without proximity
  double weight = 0.5;
  int64_t window = 5;
};

using Handler = std::function<void(py::handle, SearchOptions*, ProximityArgs*)>;

const std::map<std::string, Handler, std::less<>>& SearchHandlers() {
  static const auto* handlers = new std::map<std::string, Handler, std::less<>>{
      {"filter",
       [](py::handle v, SearchOptions* o, ProximityArgs*) {
         for (std::string& f : Texts(v, "filter")) o->filters.push_back(std::move(f));
       }},
      {"sort",
       [](py::handle v, SearchOptions* o, ProximityArgs*) {
         for (const std::string& s : Texts(v, "sort")) o->sort.push_back(SortKey(s));
       }},
      {"after",
       [](py::handle v, SearchOptions* o, ProximityArgs*) {
         if (!v.is_none()) o->after = Text(v, "after");
       }},
      {"facet",
       [](py::handle v, SearchOptions* o, ProximityArgs*) {
         for (const std::string& s : Texts(v, "facet")) o->facets.push_back(Facet(s));
       }},
      {"facet_range",
       [](py::handle v, SearchOptions* o, ProximityArgs*) {
         for (const std::string& s : Texts(v, "facet_range"))
           o->range_facets.push_back(RangeFacet(s));
       }},
      {"collapse",
       [](py::handle v, SearchOptions* o, ProximityArgs*) {
         if (!v.is_none()) o->collapse = Text(v, "collapse");
       }},
      {"fields",
       [](py::handle v, SearchOptions* o, ProximityArgs*) {
         // "a,b" as on the command line, or a list of names.
         std::vector<std::string> specs = Texts(v, "fields");
         for (const std::string& spec : specs) {
           size_t start = 0;
           while (start <= spec.size()) {
             size_t comma = spec.find(',', start);
             if (comma == std::string::npos) comma = spec.size();
             std::string name = Trim(std::string_view(spec).substr(start, comma - start));
             if (!name.empty()) o->fields.push_back(std::move(name));
             start = comma + 1;
           }
         }
       }},
      {"snippet_field", [](py::handle v, SearchOptions* o,
                           ProximityArgs*) { o->snippet_fields = Texts(v, "snippet_field"); }},
      {"explain",
       [](py::handle v, SearchOptions* o, ProximityArgs*) { o->explain = Flag(v, "explain"); }},
      {"plain",
       [](py::handle v, SearchOptions* o, ProximityArgs*) { o->plain_text = Flag(v, "plain"); }},
      {"k1",
       [](py::handle v, SearchOptions* o, ProximityArgs*) {
         o->k1 = Number(v, "k1");
         if (!(o->k1 >= 0) || o->k1 > 1000) Refuse("k1 must be between 0 and 1000");
       }},
      {"b",
       [](py::handle v, SearchOptions* o, ProximityArgs*) {
         o->b = Number(v, "b");
         if (!(o->b >= 0 && o->b <= 1)) Refuse("b must be between 0 and 1");
       }},
      {"bm25f",
       [](py::handle v, SearchOptions* o, ProximityArgs*) { o->bm25f = Flag(v, "bm25f"); }},
      {"field_weight", [](py::handle v, SearchOptions* o,
                          ProximityArgs*) { FieldValues(v, "field_weight", &o->field_weights); }},
      {"field_b", [](py::handle v, SearchOptions* o,
                     ProximityArgs*) { FieldValues(v, "field_b", &o->field_b); }},
      {"proximity",
       [](py::handle v, SearchOptions*, ProximityArgs* p) { p->on = Flag(v, "proximity"); }},
      {"proximity_weight",
       [](py::handle v, SearchOptions*, ProximityArgs* p) {
         p->weight = Number(v, "proximity_weight");
         p->tuned = true;
         if (!(p->weight >= 0 && p->weight <= 1e6)) {
           Refuse("proximity_weight must be between 0 and 1000000");
         }
       }},
      {"timeout_ms",
       [](py::handle v, SearchOptions* o, ProximityArgs*) {
         // Counted from now: the options are made just before the call they are for.
         const double ms = Number(v, "timeout_ms");
         if (!(ms >= 0 && ms <= 1e12)) Refuse("timeout_ms must be between 0 and 1e12");
         if (ms > 0) {
           o->deadline = std::chrono::steady_clock::now() +
                         std::chrono::microseconds(static_cast<int64_t>(ms * 1000));
         }
       }},
      {"proximity_window",
       [](py::handle v, SearchOptions*, ProximityArgs* p) {
         p->window = Integer(v, "proximity_window");
         p->tuned = true;
         if (p->window < 1 || p->window > 64) Refuse("proximity_window must be between 1 and 64");
       }},
  };
  return *handlers;
}

void ApplyKwargs(const py::kwargs& kwargs, const char* function, bool count_only,
                 SearchOptions* options) {
  ProximityArgs proximity;
  for (auto [key, value] : kwargs) {
    const std::string name = py::cast<std::string>(key);
    const auto& handlers = SearchHandlers();
    auto it = handlers.find(name);
    if (it == handlers.end() || (count_only && name != "filter" && name != "plain" && name != "timeout_ms")) {
      throw py::type_error(std::string(function) + "() got an unexpected keyword argument '" +
                           name + "'");
    }
    it->second(value, options, &proximity);
  }
  if (proximity.tuned && !proximity.on) {
    Refuse("proximity_weight and proximity_window need proximity=True");
  }
  options->proximity = proximity.on ? proximity.weight : 0;
  options->proximity_window = static_cast<uint32_t>(proximity.window);
  if ((!options->field_weights.empty() || !options->field_b.empty()) && !options->bm25f) {
    Refuse("field_weight and field_b need bm25f=True");
  }
}

}  // namespace

void SearchOptionsFromArgs(int64_t top, int64_t offset, const py::kwargs& kwargs,
                           SearchOptions* options) {
  options->top_k = static_cast<size_t>(HitCount(top, "top"));
  options->offset = static_cast<size_t>(HitCount(offset, "offset"));
  ApplyKwargs(kwargs, "search", /*count_only=*/false, options);
}

void CountOptionsFromArgs(const py::kwargs& kwargs, SearchOptions* options) {
  ApplyKwargs(kwargs, "count", /*count_only=*/true, options);
  options->count_only = true;
}

}  // namespace trawl::python
