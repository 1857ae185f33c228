#include <nlohmann/json.hpp>

#include "project/object_reader.h"
#include "sparse/block_scheme.h"
#include "sparse/channel_scheme.h"
#include "sparse/nm_scheme.h"
#include "sparse/pattern_scheme.h"
#include "sparse/unstructured_scheme.h"

namespace ss {

std::unique_ptr<Scheme> makeScheme(const std::string& name, const std::string& optionsJson, const std::string& source) {
  nlohmann::json options = nlohmann::json::object();
  if (optionsJson.find_first_not_of(" \t\r\n") != std::string::npos) {
    try {
      options = nlohmann::json::parse(optionsJson);
    } catch (const nlohmann::json::exception& e) {
      throw InputError(source + ": sparsity.scheme_options: not valid JSON: " + e.what());
    }
  }
  ObjectReader r(options, "sparsity.scheme_options", source);
  std::unique_ptr<Scheme> scheme;
  if (name == "unstructured") {
    scheme = std::make_unique<UnstructuredScheme>();
  } else if (name == "nm") {
    int n = 2, m = 4;
    r.read("n", n);
    r.read("m", m);
    r.check(n >= 1, "n", "must be at least 1, got " + std::to_string(n));
    r.check(m > n, "m", "must be greater than n (" + std::to_string(n) + "), got " + std::to_string(m));
    scheme = std::make_unique<NmScheme>(n, m);
  } else if (name == "block") {
    int height = 4, width = 1;
    r.read("height", height);
    r.read("width", width);
    r.check(height >= 1, "height", "must be at least 1, got " + std::to_string(height));
    r.check(width >= 1, "width", "must be at least 1, got " + std::to_string(width));
    scheme = std::make_unique<BlockScheme>(height, width);
  } else if (name == "channel") {
    scheme = std::make_unique<ChannelScheme>();
  } else if (name == "pattern") {
    scheme = std::make_unique<PatternScheme>();
  } else {
    throw InputError(source + ": sparsity.scheme: '" + name +
                     "' is not one of: unstructured, nm, block, channel, pattern");
  }
  r.finish();
  return scheme;
}

}  // namespace ss
