// The module's exceptions: trawl.Error and one subclass per Status code, and the C++ exception
// that carries a Status out of a binding to them.
#ifndef TRAWL_PYTHON_ERRORS_H_
#define TRAWL_PYTHON_ERRORS_H_

#include <pybind11/pybind11.h>

#include <exception>
#include <string>

#include "trawl/status.h"

namespace trawl::python {

// A failed Status on its way to Python. Plain C++, so that a binding may throw it while the
// GIL is released; the translator RegisterErrors installs raises the trawl.Error subclass of
// its code with the status's message once the GIL is held again.
class StatusError : public std::exception {
 public:
  explicit StatusError(Status status);
  const Status& status() const { return status_; }
  const char* what() const noexcept override { return what_.c_str(); }

 private:
  Status status_;
  std::string what_;
};

// Throws StatusError for a failed status.
inline void ThrowIfError(const Status& status) {
  if (!status.ok()) throw StatusError(status);
}

// Adds Error, NotFoundError, CorruptionError, IOError, InvalidArgumentError (also a ValueError),
// NotSupportedError, BusyError, DeadlineExceededError (also a TimeoutError) and CancelledError
// to `m`, and translates StatusError into them.
void RegisterErrors(pybind11::module_& m);

}  // namespace trawl::python

#endif  // TRAWL_PYTHON_ERRORS_H_
