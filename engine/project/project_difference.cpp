#include "project/project_difference.h"

#include <nlohmann/json.hpp>

namespace ss {

namespace {

using nlohmann::json;

json comparable(const Project& p) {
  json doc = json::parse(projectToJson(p));
  doc.erase("description");
  doc.erase("sweep");
  doc["train"].erase("threads");
  doc.erase("memory_bound");  // it decides whether the run may go on, not what it computes
  return doc;
}

std::string firstDifference(const json& a, const json& b, const std::string& path) {
  if (a.is_object() && b.is_object()) {
    for (const auto& [key, value] : a.items()) {
      const std::string at = path.empty() ? key : path + "." + key;
      if (!b.contains(key)) return at;
      if (std::string d = firstDifference(value, b[key], at); !d.empty()) return d;
    }
    for (const auto& [key, value] : b.items())
      if (!a.contains(key)) return path.empty() ? key : path + "." + key;
    return "";
  }
  return a == b ? "" : (path.empty() ? "(top level)" : path);
}

}  // namespace

std::string firstTrainingDifference(const Project& a, const Project& b) {
  return firstDifference(comparable(a), comparable(b), "");
}

}  // namespace ss
