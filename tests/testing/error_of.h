// The message of the exception of type E that f throws, or "(no E thrown)"
// when it throws none (an exception of another type propagates).
#pragma once

#include <string>
#include <utility>

namespace petal::testing {

template <typename E, typename F>
std::string error_of(F&& f) {
  try {
    std::forward<F>(f)();
  } catch (const E& e) {
    return e.what();
  }
  return "(no expected exception thrown)";
}

}  // namespace petal::testing
