#include "documents.h"

#include <Python.h>
#include <datetime.h>

#include <charconv>
#include <cmath>
#include <cstdint>
#include <string>
#include <system_error>
#include <utility>

#include "errors.h"

namespace py = pybind11;

namespace trawl::python {
namespace {

// As deep as the JSONL reader goes into objects; a deeper dict is more likely a mistake
// (a cycle is one) than a document.
constexpr int kMaxDictDepth = 64;

[[noreturn]] void Refuse(const std::string& message) {
  throw StatusError(Status::InvalidArgument(message));
}

std::string TypeName(py::handle value) { return Py_TYPE(value.ptr())->tp_name; }

std::string Quoted(const std::string& name) { return "field \"" + name + "\""; }

bool IsList(py::handle value) { return PyList_Check(value.ptr()) || PyTuple_Check(value.ptr()); }

std::string Utf8(py::handle str) {
  Py_ssize_t size = 0;
  const char* data = PyUnicode_AsUTF8AndSize(str.ptr(), &size);
  if (data == nullptr) throw py::error_already_set();  // a lone surrogate
  return std::string(data, static_cast<size_t>(size));
}

// A scalar into *out; false for None, which is an absent value.
bool ScalarField(py::handle value, const std::string& name, DocField* out) {
  PyObject* o = value.ptr();
  if (o == Py_None) return false;
  out->name = name;
  if (PyBool_Check(o)) {  // before int: bool is a subclass of int
    out->value = o == Py_True ? "true" : "false";
    out->kind = ValueKind::kBool;
  } else if (PyLong_Check(o)) {
    int overflow = 0;
    const long long v = PyLong_AsLongLongAndOverflow(o, &overflow);
    if (overflow != 0) {
      Refuse(Quoted(name) + ": integer " + std::string(py::str(value)) +
             " is outside the 64-bit range; give it as a str or a float");
    }
    if (v == -1 && PyErr_Occurred()) throw py::error_already_set();
    out->value = std::to_string(v);
    out->kind = ValueKind::kInt;
  } else if (PyFloat_Check(o)) {
    const double v = PyFloat_AS_DOUBLE(o);
    if (!std::isfinite(v))
      Refuse(Quoted(name) + ": float " + std::string(py::repr(value)) + " is not finite");
    char buf[32];
    const auto [end, ec] = std::to_chars(buf, buf + sizeof(buf), v);  // shortest exact text
    if (ec != std::errc()) Refuse(Quoted(name) + ": cannot write the float");
    out->value.assign(buf, end);
    out->kind = ValueKind::kFloat;
  } else if (PyUnicode_Check(o)) {
    out->value = Utf8(value);
    out->kind = ValueKind::kText;
  } else if (PyDate_Check(o)) {  // datetime.date and datetime.datetime
    // ISO 8601 with the offset of an aware datetime and none for a naive one, which the
    // library reads as UTC, as it does a date without a time.
    out->value = Utf8(value.attr("isoformat")());
    out->kind = ValueKind::kDate;
  } else {
    throw py::type_error(Quoted(name) + ": a value of type " + TypeName(value) +
                         " (expected str, int, float, bool, datetime, date, None, list, "
                         "tuple or dict)");
  }
  return true;
}

const char* KindName(ValueKind kind) {
  switch (kind) {
    case ValueKind::kInt:
    case ValueKind::kFloat:
      return "number";
    case ValueKind::kBool:
      return "bool";
    case ValueKind::kDate:
      return "date";
    default:
      return "str";
  }
}

// A list's elements as fields of one name and one kind.
void AddList(py::handle list, const std::string& name, Document* doc) {
  const size_t first = doc->fields.size();
  bool has_float = false;
  for (py::handle element : list) {
    if (IsList(element) || PyDict_Check(element.ptr())) {
      throw py::type_error(Quoted(name) +
                           ": a list may hold only str, int, float, bool, "
                           "datetime, date and None, not " +
                           TypeName(element));
    }
    DocField field;
    if (!ScalarField(element, name, &field)) continue;
    has_float |= field.kind == ValueKind::kFloat;
    doc->fields.push_back(std::move(field));
  }
  for (size_t i = first; i < doc->fields.size(); ++i) {
    DocField& f = doc->fields[i];
    if (has_float && f.kind == ValueKind::kInt) f.kind = ValueKind::kFloat;
    if (f.kind != doc->fields[first].kind) {
      Refuse(Quoted(name) + ": a list mixes " + KindName(doc->fields[first].kind) + " and " +
             KindName(f.kind) + " values; a field holds values of one kind");
    }
  }
}

void AddMembers(py::handle dict, const std::string& prefix, int depth, Document* doc);

void AddValue(py::handle value, const std::string& name, int depth, Document* doc) {
  if (PyDict_Check(value.ptr())) {
    AddMembers(value, name + ".", depth + 1, doc);
  } else if (IsList(value)) {
    AddList(value, name, doc);
  } else {
    DocField field;
    if (ScalarField(value, name, &field)) doc->fields.push_back(std::move(field));
  }
}

void AddMembers(py::handle dict, const std::string& prefix, int depth, Document* doc) {
  if (depth > kMaxDictDepth) {
    Refuse(Quoted(prefix.substr(0, prefix.size() - 1)) + ": dicts nested more than " +
           std::to_string(kMaxDictDepth) + " deep");
  }
  for (auto [key, value] : py::reinterpret_borrow<py::dict>(dict)) {
    if (!PyUnicode_Check(key.ptr())) {
      throw py::type_error(
          "field names must be str, not " + TypeName(key) +
          (prefix.empty() ? "" : " (in " + Quoted(prefix.substr(0, prefix.size() - 1)) + ")"));
    }
    std::string name = prefix + Utf8(key);
    if (depth == 0 && name == "id") continue;  // the document's key, not a field
    AddValue(value, name, depth, doc);
  }
}

std::string DocumentId(py::handle dict) {
  PyObject* id = PyDict_GetItemString(dict.ptr(), "id");  // borrowed
  if (id == nullptr) Refuse("a document needs an \"id\"");
  if (PyBool_Check(id) || !(PyUnicode_Check(id) || PyLong_Check(id))) {
    throw py::type_error("\"id\" must be a str or an int, not " + TypeName(id));
  }
  // An int of any size is exact in Python, so its digits are too.
  std::string text = PyUnicode_Check(id) ? Utf8(id) : std::string(py::str(id));
  if (text.empty()) Refuse("a document's \"id\" must not be empty");
  return text;
}

py::object DateToPython(std::string_view text) {
  // FormatDate writes "2024-05-16T09:30:00Z" or "...:00.123Z"; datetime.fromisoformat reads
  // "Z" only from Python 3.11, "+00:00" from 3.7. Years beyond 9999 stay text.
  std::string iso(text);
  if (!iso.empty() && iso.back() == 'Z') iso.replace(iso.size() - 1, 1, "+00:00");
  py::handle type(reinterpret_cast<PyObject*>(PyDateTimeAPI->DateTimeType));
  try {
    return type.attr("fromisoformat")(iso);
  } catch (const py::error_already_set&) {
    return Str(text);
  }
}

}  // namespace

void InitDocuments() {
  PyDateTime_IMPORT;
  if (PyDateTimeAPI == nullptr) throw py::error_already_set();
}

py::str Str(std::string_view utf8) {
  PyObject* s = PyUnicode_DecodeUTF8(utf8.data(), static_cast<Py_ssize_t>(utf8.size()), "replace");
  if (s == nullptr) throw py::error_already_set();
  return py::reinterpret_steal<py::str>(s);
}

Document DocumentFromDict(py::handle dict) {
  if (!PyDict_Check(dict.ptr())) {
    throw py::type_error("a document is a dict, not " + TypeName(dict));
  }
  Document doc;
  doc.id = DocumentId(dict);
  AddMembers(dict, "", 0, &doc);
  return doc;
}

py::object ValueToPython(ValueKind kind, std::string_view text) {
  const char* begin = text.data();
  const char* end = text.data() + text.size();
  switch (kind) {
    case ValueKind::kInt: {
      int64_t v = 0;
      const auto [ptr, ec] = std::from_chars(begin, end, v);
      if (ec == std::errc() && ptr == end) return py::int_(v);
      break;
    }
    case ValueKind::kFloat: {
      double v = 0;
      const auto [ptr, ec] = std::from_chars(begin, end, v);
      if (ec == std::errc() && ptr == end) return py::float_(v);
      break;
    }
    case ValueKind::kBool:
      if (text == "true" || text == "false") return py::bool_(text == "true");
      break;
    case ValueKind::kDate:
      return DateToPython(text);
    default:
      break;
  }
  return Str(text);
}

py::dict FieldsToDict(const std::vector<DocField>& fields) {
  py::dict out;
  for (const DocField& f : fields) {
    py::str name = Str(f.name);
    py::object value = ValueToPython(f.kind, f.value);
    if (!out.contains(name)) {
      out[name] = std::move(value);
    } else if (PyList_Check(out[name].ptr())) {
      py::reinterpret_borrow<py::list>(out[name]).append(std::move(value));
    } else {
      py::list values;
      values.append(out[name]);
      values.append(std::move(value));
      out[name] = std::move(values);
    }
  }
  return out;
}

}  // namespace trawl::python
