#include "search_options.h"

#include <Python.h>

#include <algorithm>
#include <chrono>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "cli/search_options.h"
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

// The option specs as trawl-search reads them (cli/search_options.h), a bad one refused.
SortField SortKey(const std::string& spec) {
  SortField key;
  const std::string error = cli::ParseSortSpec(spec, "sort", &key);
  if (!error.empty()) Refuse(error);
  return key;
}

FacetRequest Facet(const std::string& spec) {
  FacetRequest request;
  const std::string error = cli::ParseFacetSpec(spec, "facet", &request);
  if (!error.empty()) Refuse(error);
  return request;
}

RangeFacetRequest RangeFacet(const std::string& spec) {
  RangeFacetRequest request;
  const std::string error = cli::ParseRangeFacetSpec(spec, "facet_range", &request);
  if (!error.empty()) Refuse(error);
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
  const std::string error = cli::ParseFieldValues(Texts(value, option), option, out);
  if (!error.empty()) Refuse(error);
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
         for (const std::string& spec : Texts(v, "fields")) {
           for (std::string& name : cli::SplitFieldList(spec)) o->fields.push_back(std::move(name));
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
      {"allow_partial", [](py::handle v, SearchOptions* o,
                           ProximityArgs*) { o->allow_partial = Flag(v, "allow_partial"); }},
      {"proximity_window",
       [](py::handle v, SearchOptions*, ProximityArgs* p) {
         p->window = Integer(v, "proximity_window");
         p->tuned = true;
         if (p->window < 1 || p->window > 64) Refuse("proximity_window must be between 1 and 64");
       }},
  };
  return *handlers;
}

// The query limits, named as trawl-search's flags with '_' for '-', each held to its range.
const std::map<std::string, Handler, std::less<>>& LimitHandlers() {
  static const auto* handlers = [] {
    auto* out = new std::map<std::string, Handler, std::less<>>();
    for (const cli::QueryLimitFlag& flag : cli::QueryLimitFlags()) {
      std::string name = flag.name;
      std::replace(name.begin(), name.end(), '-', '_');
      (*out)[name] = [name, flag](py::handle v, SearchOptions* o, ProximityArgs*) {
        const int64_t n = Integer(v, name.c_str());
        if (n < 0 || static_cast<uint64_t>(n) < flag.min || static_cast<uint64_t>(n) > flag.max) {
          Refuse(name + " must be from " + std::to_string(flag.min) + " to " +
                 std::to_string(flag.max));
        }
        o->limits.*flag.member = static_cast<size_t>(n);
      };
    }
    return out;
  }();
  return *handlers;
}

// What count() takes: the options that choose the matches, not those about the page.
bool CountTakes(std::string_view name) {
  return name == "filter" || name == "plain" || name == "timeout_ms" ||
         (name.substr(0, 4) == "max_" && name != "max_top" && name != "max_offset");
}

void ApplyKwargs(const py::kwargs& kwargs, const char* function, bool count_only,
                 SearchOptions* options) {
  ProximityArgs proximity;
  for (auto [key, value] : kwargs) {
    const std::string name = py::cast<std::string>(key);
    const auto* handlers = &SearchHandlers();
    auto it = handlers->find(name);
    if (it == handlers->end()) {
      handlers = &LimitHandlers();
      it = handlers->find(name);
    }
    if (it == handlers->end() || (count_only && !CountTakes(name))) {
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
