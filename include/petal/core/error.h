// petal's exception hierarchy: every error the library reports is a petal::Error.
// Messages name the layer or file, what was expected and what was received.
#pragma once

#include <stdexcept>
#include <string>

namespace petal {

// Root of all errors petal throws. The library never calls exit or abort.
class Error : public std::runtime_error {
 public:
  explicit Error(const std::string& message) : std::runtime_error(message) {}
};

// A tensor had the wrong rank or dimensions.
class ShapeError : public Error {
 public:
  using Error::Error;
};

// An option or argument is invalid (bad name, out of range, inconsistent).
class ConfigError : public Error {
 public:
  using Error::Error;
};

// A file could not be read or written, or is malformed.
class IoError : public Error {
 public:
  using Error::Error;
};

// Training or evaluation data is unusable (bad labels, undecodable image, ...).
class DataError : public Error {
 public:
  using Error::Error;
};

// The caller used the API in the wrong order (e.g. training before compile()).
class StateError : public Error {
 public:
  using Error::Error;
};

}  // namespace petal
