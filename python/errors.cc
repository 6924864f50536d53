#include "errors.h"

#include <Python.h>

#include <utility>

namespace py = pybind11;

namespace trawl::python {
namespace {

using Code = Status::Code;

// One class per code, indexed by the code's value; created once when the module is imported
// and kept for the life of the process (the module holds a reference too).
PyObject* g_classes[static_cast<int>(Code::kCancelled) + 1] = {};

struct ErrorClass {
  Code code;
  const char* name;        // in the module
  PyObject* builtin_base;  // a second base, so `except ValueError` also catches it, or null
  const char* doc;
};

PyObject* NewClass(py::module_& m, const char* name, PyObject* bases, const char* doc) {
  const std::string qualified = std::string("trawl.") + name;
  PyObject* cls = PyErr_NewExceptionWithDoc(qualified.c_str(), doc, bases, nullptr);
  if (cls == nullptr) throw py::error_already_set();
  m.add_object(name, py::handle(cls));  // the module takes a reference of its own
  return cls;
}

void SetPythonError(const Status& status) {
  PyObject* cls = g_classes[static_cast<int>(status.code())];
  if (cls == nullptr) cls = g_classes[static_cast<int>(Code::kOk)];
  const std::string& message = status.message();
  // Messages quote ids and queries, which need not be valid UTF-8.
  PyObject* text =
      PyUnicode_DecodeUTF8(message.data(), static_cast<Py_ssize_t>(message.size()), "replace");
  if (text == nullptr) return;  // the decoding error stays set
  PyErr_SetObject(cls, text);
  Py_DECREF(text);
}

}  // namespace

StatusError::StatusError(Status status) : status_(std::move(status)), what_(status_.ToString()) {}

void RegisterErrors(py::module_& m) {
  // The base class sits in the slot of kOk, which no StatusError carries.
  g_classes[static_cast<int>(Code::kOk)] =
      NewClass(m, "Error", PyExc_Exception, "Base class of every error trawl reports.");
  const ErrorClass kClasses[] = {
      {Code::kNotFound, "NotFoundError", nullptr, "No index, file or document of that name."},
      {Code::kCorruption, "CorruptionError", nullptr,
       "Bytes on disk failed a checksum, a bound or a structural check."},
      {Code::kIOError, "IOError", PyExc_OSError,
       "The operating system refused a read, write, fsync or rename."},
      {Code::kInvalidArgument, "InvalidArgumentError", PyExc_ValueError,
       "Bad input: a query syntax error (with its column), a bad option, a document that does "
       "not fit the schema, bad schema JSON."},
      {Code::kNotSupported, "NotSupportedError", nullptr,
       "A format version or feature this build does not know."},
      {Code::kBusy, "BusyError", nullptr, "Another writer holds the index lock."},
      {Code::kDeadlineExceeded, "DeadlineExceededError", PyExc_TimeoutError,
       "A query ran out of its time budget."},
      {Code::kCancelled, "CancelledError", nullptr, "A query was cancelled."},
  };
  PyObject* base = g_classes[static_cast<int>(Code::kOk)];
  for (const ErrorClass& c : kClasses) {
    py::tuple bases = c.builtin_base == nullptr
                          ? py::make_tuple(py::handle(base))
                          : py::make_tuple(py::handle(base), py::handle(c.builtin_base));
    g_classes[static_cast<int>(c.code)] = NewClass(m, c.name, bases.ptr(), c.doc);
  }
  py::register_exception_translator([](std::exception_ptr p) {
    try {
      if (p) std::rethrow_exception(p);
    } catch (const StatusError& e) {
      SetPythonError(e.status());
    }
  });
}

}  // namespace trawl::python
