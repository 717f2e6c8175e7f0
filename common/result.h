// Result<T> and Status: the error type used at every layer boundary.
// No exceptions cross a boundary on the data plane; errors carry a code a
// caller can branch on and a message a person can read.
#pragma once

#include <expected>
#include <string>
#include <utility>

namespace esan {

enum class Errc {
  kInvalidArgument,  // caller passed something malformed
  kNotFound,         // named object does not exist
  kExists,           // named object already exists
  kIo,               // an operating-system I/O call failed
  kProtocol,         // the peer violated the wire protocol
  kUnsupported,      // valid request we do not implement
  kBusy,             // try again later
  kInternal,         // a bug: an invariant did not hold
};

struct Error {
  Errc code;
  std::string message;
};

template <class T>
using Result = std::expected<T, Error>;
using Status = std::expected<void, Error>;

inline std::unexpected<Error> make_error(Errc code, std::string message) {
  return std::unexpected<Error>(Error{code, std::move(message)});
}

inline Status ok() { return {}; }

}  // namespace esan
