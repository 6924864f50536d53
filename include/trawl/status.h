// Status: the outcome of an operation that can fail. Errors cross every boundary of libtrawl
// as values; the library never throws across its API, prints, or exits.
#ifndef TRAWL_STATUS_H_
#define TRAWL_STATUS_H_

#include <string>
#include <utility>

#include "trawl/export.h"

namespace trawl {

class TRAWL_EXPORT Status {
 public:
  enum class Code {
    kOk = 0,
    kNotFound,         // a file, index, term or document that does not exist
    kCorruption,       // bytes on disk that fail a checksum, a bound or a structural check
    kIOError,          // the operating system refused a read, write, fsync or rename
    kInvalidArgument,  // bad input from the caller: a query syntax error, a bad option, bad JSON
    kNotSupported,     // a format version or feature this build does not know
    kBusy,             // another writer holds the index lock
    kDeadlineExceeded,  // a query ran out of its time budget (SearchOptions) and was stopped
    kCancelled,         // a query was stopped by its cancel flag (SearchOptions)
  };

  Status() = default;  // OK
  static Status OK() { return Status(); }
  static Status NotFound(std::string msg) { return Status(Code::kNotFound, std::move(msg)); }
  static Status Corruption(std::string msg) { return Status(Code::kCorruption, std::move(msg)); }
  static Status IOError(std::string msg) { return Status(Code::kIOError, std::move(msg)); }
  static Status InvalidArgument(std::string msg) {
    return Status(Code::kInvalidArgument, std::move(msg));
  }
  static Status NotSupported(std::string msg) {
    return Status(Code::kNotSupported, std::move(msg));
  }
  static Status Busy(std::string msg) { return Status(Code::kBusy, std::move(msg)); }
  static Status DeadlineExceeded(std::string msg) {
    return Status(Code::kDeadlineExceeded, std::move(msg));
  }
  static Status Cancelled(std::string msg) { return Status(Code::kCancelled, std::move(msg)); }

  bool ok() const { return code_ == Code::kOk; }
  Code code() const { return code_; }
  bool IsNotFound() const { return code_ == Code::kNotFound; }
  bool IsCorruption() const { return code_ == Code::kCorruption; }
  bool IsInvalidArgument() const { return code_ == Code::kInvalidArgument; }
  bool IsBusy() const { return code_ == Code::kBusy; }
  bool IsDeadlineExceeded() const { return code_ == Code::kDeadlineExceeded; }
  bool IsCancelled() const { return code_ == Code::kCancelled; }
  const std::string& message() const { return message_; }

  // "Corruption: seg_3.post: checksum mismatch" and the like; "OK" for success.
  std::string ToString() const;

 private:
  Status(Code code, std::string msg) : code_(code), message_(std::move(msg)) {}
  Code code_ = Code::kOk;
  std::string message_;
};

}  // namespace trawl

// Returns from the enclosing function when `expr` yields a non-OK Status.
#define TRAWL_RETURN_IF_ERROR(expr)            \
  do {                                         \
    ::trawl::Status _trawl_st = (expr);        \
    if (!_trawl_st.ok()) return _trawl_st;     \
  } while (0)

#endif  // TRAWL_STATUS_H_
