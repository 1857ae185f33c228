#include "sweep/sweep_plan.h"

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "algorithms/algorithm_factory.h"
#include "core/error.h"
#include "core/text_file.h"
#include "project/object_reader.h"
#include "project/project.h"

namespace ss {

using nlohmann::json;

namespace {

// Far more runs than any machine or cluster allocation trains; a typo such as a 1000-value axis stops here.
constexpr size_t kMaxRuns = 100000;

struct Axis {
  std::string key;                // dotted key path into the project
  std::vector<std::string> path;  // its segments
  std::vector<json> values;
  std::vector<std::string> labels;  // one per value, as it appears in run names
  std::string where;                // "axes[2]" or "axes[1].zip[0]", for messages
};

// A set of axes that move together: a plain axis is a group of one.
using AxisGroup = std::vector<Axis>;

// Run names become file names (the sweep's project and log files) and shell arguments.
bool isNameSafe(const std::string& text) {
  if (text.empty()) return false;
  for (char c : text)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '.' && c != '_' && c != '-' && c != '+') return false;
  return true;
}

std::vector<std::string> splitKeyPath(const ObjectReader& r, const std::string& key) {
  std::vector<std::string> segments;
  std::stringstream in(key);
  for (std::string segment; std::getline(in, segment, '.');) {
    r.check(!segment.empty(), "key", "'" + key + "' has an empty segment");
    for (char c : segment)
      r.check(std::islower(static_cast<unsigned char>(c)) || std::isdigit(static_cast<unsigned char>(c)) || c == '_',
              "key", "'" + key + "' is not a key path such as 'sparsity.target'");
    segments.push_back(segment);
  }
  r.check(!segments.empty() && key.back() != '.', "key", "'" + key + "' is not a key path such as 'sparsity.target'");
  for (const char* reserved : {"format", "name", "sweep"})
    r.check(segments[0] != reserved, "key",
            "'" + key + "' cannot vary: the sweep sets a run's " + reserved + " itself");
  return segments;
}

// How a value appears in run names: strings and numbers as written, an object by its "name"; anything else needs
// a label from the sweep file.
std::string labelOf(const json& value) {
  if (value.is_string()) return value.get<std::string>();
  if (value.is_number() || value.is_boolean()) return value.dump();
  if (value.is_object() && value.contains("name") && value["name"].is_string()) return value["name"].get<std::string>();
  return "";
}

Axis readAxis(const json& object, const std::string& where, const std::string& source) {
  ObjectReader r(object, where, source);
  Axis axis;
  axis.where = where;
  r.check(r.has("key"), "key", "missing: the key path the axis varies, such as \"sparsity.target\"");
  r.read("key", axis.key);
  axis.path = splitKeyPath(r, axis.key);
  const json* values = r.raw("values");
  r.check(values && values->is_array() && !values->empty(), "values", "must be a list of at least one value");
  axis.values.assign(values->begin(), values->end());
  if (r.has("labels")) {
    r.read("labels", axis.labels);
    r.check(axis.labels.size() == axis.values.size(), "labels",
            "must give one label per value (" + std::to_string(axis.values.size()) + ")");
  } else {
    for (const json& v : axis.values) axis.labels.push_back(labelOf(v));
  }
  std::set<std::string> seen;
  for (const std::string& label : axis.labels) {
    r.check(!label.empty(), r.has("labels") ? "labels" : "values",
            r.has("labels") ? "a label is empty"
                            : "a list or an object without a \"name\" needs \"labels\" to name the runs");
    r.check(isNameSafe(label), r.has("labels") ? "labels" : "values",
            "'" + label + "' cannot be part of a run name (letters, digits and . _ - + only); give \"labels\"");
    r.check(seen.insert(label).second, r.has("labels") ? "labels" : "values",
            "two values would name their runs '" + label + "'; give distinct \"labels\"");
  }
  r.finish();
  return axis;
}

std::vector<AxisGroup> readAxes(ObjectReader& top, const std::string& source) {
  const json* axes = top.raw("axes");
  top.check(axes && axes->is_array() && !axes->empty(), "axes",
            "must list at least one axis: {\"key\": \"sparsity.target\", \"values\": [0.9, 0.95]}");
  std::vector<AxisGroup> groups;
  for (size_t i = 0; i < axes->size(); ++i) {
    const json& entry = (*axes)[i];
    const std::string where = "axes[" + std::to_string(i) + "]";
    if (!entry.is_object() || !entry.contains("zip")) {
      groups.push_back({readAxis(entry, where, source)});
      continue;
    }
    ObjectReader r(entry, where, source);
    const json* zip = r.raw("zip");
    r.check(zip->is_array() && zip->size() >= 2, "zip", "must list the two or more axes that move together");
    AxisGroup group;
    for (size_t j = 0; j < zip->size(); ++j) {
      group.push_back(readAxis((*zip)[j], where + ".zip[" + std::to_string(j) + "]", source));
      r.check(group.back().values.size() == group.front().values.size(), "zip",
              "its axes move together, so they need as many values each: '" + group.front().key + "' has " +
                  std::to_string(group.front().values.size()) + ", '" + group.back().key + "' has " +
                  std::to_string(group.back().values.size()));
    }
    r.finish();
    groups.push_back(std::move(group));
  }
  return groups;
}

// Two axes on one key, or one inside the other ("algorithm" and "algorithm.zeta"), would depend on their order.
void checkKeysIndependent(const std::vector<AxisGroup>& groups, const std::string& source) {
  std::vector<const Axis*> all;
  for (const auto& g : groups)
    for (const auto& a : g) all.push_back(&a);
  for (size_t i = 0; i < all.size(); ++i)
    for (size_t j = 0; j < i; ++j) {
      const auto& a = all[j]->path;
      const auto& b = all[i]->path;
      const size_t n = std::min(a.size(), b.size());
      if (std::equal(a.begin(), a.begin() + std::ptrdiff_t(n), b.begin()))
        throw InputError(source + ": " + all[i]->where + ".key: '" + all[i]->key + "' overlaps '" + all[j]->key +
                         "' of " + all[j]->where + "; vary each setting in one axis only");
    }
}

// The axis's name in run names: its last key segment ("target"), or the one before a final "name"
// ("algorithm.name" -> "algorithm"); the whole key path when two axes would share a short name.
std::vector<std::string> shortNames(const std::vector<const Axis*>& axes) {
  std::vector<std::string> names;
  std::map<std::string, int> uses;
  for (const Axis* a : axes) {
    const auto& p = a->path;
    names.push_back(p.size() > 1 && p.back() == "name" ? p[p.size() - 2] : p.back());
    ++uses[names.back()];
  }
  for (size_t i = 0; i < axes.size(); ++i)
    if (uses[names[i]] > 1) names[i] = axes[i]->key;
  return names;
}

json readBase(ObjectReader& top, const std::string& source) {
  const json* base = top.raw("base");
  top.check(base != nullptr, "base", "missing: the project the axes vary, a file name or an inline project");
  if (base->is_object()) return *base;
  top.check(base->is_string(), "base", "expected a project file name or an inline project object");
  std::filesystem::path file = base->get<std::string>();
  if (file.is_relative()) file = std::filesystem::path(source).parent_path() / file;
  std::string text;
  try {
    text = readTextFile(file.string(), "project file");
  } catch (const InputError& e) {
    top.fail("base", e.what());
  }
  try {
    return json::parse(text);
  } catch (const json::exception& e) {  // a syntax error, or a number beyond a double's range
    top.fail("base", file.string() + " is not valid JSON: " + e.what());
  }
}

void setAtPath(json& project, const Axis& axis, const json& value, const std::string& source) {
  json* node = &project;
  for (size_t i = 0; i + 1 < axis.path.size(); ++i) {
    json& next = (*node)[axis.path[i]];
    if (next.is_null()) next = json::object();
    if (!next.is_object())
      throw InputError(source + ": " + axis.where + ".key: '" + axis.key + "' goes through '" + axis.path[i] +
                       "', which is not an object in the base project");
    node = &next;
  }
  (*node)[axis.path.back()] = value;
}

}  // namespace

SweepPlan parseSweep(const std::string& jsonText, const std::string& source) {
  json doc;
  try {
    doc = json::parse(jsonText);
  } catch (const json::exception& e) {  // a syntax error, or a number beyond a double's range
    throw InputError(source + ": not valid JSON: " + e.what());
  }
  ObjectReader top(doc, "", source);
  int format = 0;
  top.check(top.has("sweep_format"), "sweep_format",
            "missing: a sweep file starts with \"sweep_format\": " + std::to_string(kSweepFormat) +
                (top.has("format") ? " (this looks like a project: train it with 'sparsescope run')" : ""));
  top.read("sweep_format", format);
  top.check(format == kSweepFormat, "sweep_format",
            "version " + std::to_string(format) + " is not supported (this SparseScope reads version " +
                std::to_string(kSweepFormat) + ")");
  SweepPlan plan;
  plan.sourcePath = source;
  top.read("id", plan.id);
  top.check(isNameSafe(plan.id), "id",
            plan.id.empty() ? "missing: a sweep needs an id, which starts every run's name"
                            : "'" + plan.id + "' may hold letters, digits and . _ - + only");
  std::string description;  // for readers of the file; each run keeps its base project's description
  top.read("description", description);
  const json base = readBase(top, source);
  const std::vector<AxisGroup> groups = readAxes(top, source);
  top.finish();
  checkKeysIndependent(groups, source);

  std::vector<const Axis*> axes;
  size_t runCount = 1;
  for (const auto& g : groups) {
    for (const auto& a : g) axes.push_back(&a);
    runCount *= g.front().values.size();
    if (runCount > kMaxRuns)
      throw InputError(source + ": axes: the sweep has more than " + std::to_string(kMaxRuns) + " runs");
  }
  const std::vector<std::string> names = shortNames(axes);

  // Odometer over the groups: the last group turns fastest, so the first axis varies slowest.
  std::vector<size_t> position(groups.size(), 0);
  for (size_t n = 0; n < runCount; ++n) {
    json project = base;
    SweepRun run;
    run.name = plan.id;
    json values = json::object(), labels = json::object();
    size_t axisIndex = 0;
    for (size_t g = 0; g < groups.size(); ++g)
      for (const Axis& axis : groups[g]) {
        const json& value = axis.values[position[g]];
        setAtPath(project, axis, value, source);
        run.name += "_" + names[axisIndex++] + "-" + axis.labels[position[g]];
        run.axisValues.emplace_back(axis.key, value.dump());
        values[axis.key] = value;
        labels[axis.key] = axis.labels[position[g]];
      }
    project["name"] = run.name;
    project["sweep"] = {{"id", plan.id}, {"values", values}, {"labels", labels}};
    try {
      Project parsed = parseProject(project.dump(), source + ": run '" + run.name + "'");
      checkAlgorithmSettings(parsed);
      run.projectJson = projectToJson(parsed);
    } catch (const InputError& e) {
      const std::string message = e.what();
      // The algorithm's checks name the project by its name alone; say which sweep file it came from.
      throw InputError(message.rfind(source, 0) == 0 ? message : source + ": " + message);
    }
    plan.runs.push_back(std::move(run));
    for (size_t g = groups.size(); g-- > 0;) {
      if (++position[g] < groups[g].front().values.size()) break;
      position[g] = 0;
    }
  }
  return plan;
}

SweepPlan loadSweep(const std::string& path) {
  return parseSweep(readTextFile(path, "sweep file"), path);
}

}  // namespace ss
