#pragma once

#include <stdexcept>
#include <string>

namespace ss {

// Something the user gave us is wrong (a project key, a data file, a flag): the CLI exits with 2.
class InputError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// A run failed while it was going (a diverging loss, an I/O failure of the store): exit code 1.
class RunError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

}  // namespace ss
