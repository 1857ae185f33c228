#pragma once

#include <string>

namespace ss {

// The whole file as text. Throws InputError "<path>: cannot open <what>" when it cannot be read, since the files
// read this way (projects, sweeps) are ones the user named.
std::string readTextFile(const std::string& path, const std::string& what);

}  // namespace ss
