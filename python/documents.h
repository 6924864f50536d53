// Python values to and from trawl documents. Every function here needs the GIL.
#ifndef TRAWL_PYTHON_DOCUMENTS_H_
#define TRAWL_PYTHON_DOCUMENTS_H_

#include <pybind11/pybind11.h>

#include <string_view>
#include <vector>

#include "trawl/document.h"

namespace trawl::python {

// Imports what the conversions need (the datetime C API); once, when the module loads.
void InitDocuments();

// A Python str of UTF-8 bytes that need not be valid (stored text comes from any input):
// invalid bytes read as U+FFFD.
pybind11::str Str(std::string_view utf8);

// A dict as a Document, as a JSONL line is read (docs/python.md):
//   "id"      str, or int (its decimal digits); required
//   str       -> kText (a keyword field of the schema takes it as keyword)
//   int       -> kInt (64-bit range); float -> kFloat (finite); bool -> kBool
//   datetime.datetime / datetime.date -> kDate (no tzinfo means UTC)
//   None      -> no field
//   list, tuple -> one field per element (a multi-valued field), elements of one kind, ints
//                  among floats counting as floats
//   dict      -> its members under dotted names ({"a": {"b": 1}} is "a.b")
// Throws TypeError for a value of another type or a key that is not a str, and StatusError
// (InvalidArgument, naming the field) for a value out of range or a list of mixed kinds.
Document DocumentFromDict(pybind11::handle dict);

// A stored value in canonical text as the Python value of its kind: int, float, bool,
// datetime.datetime in UTC (str if out of datetime's range), str.
pybind11::object ValueToPython(ValueKind kind, std::string_view text);

// {"name": value, ...}; a name given several times maps to a list of its values.
pybind11::dict FieldsToDict(const std::vector<DocField>& fields);

}  // namespace trawl::python

#endif  // TRAWL_PYTHON_DOCUMENTS_H_
