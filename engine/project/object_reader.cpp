#include "project/object_reader.h"

#include <cmath>
#include <limits>

#include "core/error.h"

namespace ss {

namespace {
const nlohmann::json& emptyObject() {
  static const nlohmann::json empty = nlohmann::json::object();
  return empty;
}

std::string typeName(const nlohmann::json& v) {
  if (v.is_number_integer()) return "an integer";
  if (v.is_number()) return "a number";
  return std::string("a ") + v.type_name();
}

// Levenshtein distance, to suggest the key the user probably meant.
size_t editDistance(const std::string& a, const std::string& b) {
  std::vector<size_t> prev(b.size() + 1), cur(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) prev[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    cur[0] = i;
    for (size_t j = 1; j <= b.size(); ++j)
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1)});
    std::swap(prev, cur);
  }
  return prev[b.size()];
}
}  // namespace

ObjectReader::ObjectReader(const nlohmann::json& object, std::string path, std::string source)
    : object_(object), path_(std::move(path)), source_(std::move(source)) {
  if (!object_.is_object())
    throw InputError(source_ + ": " + (path_.empty() ? "(top level)" : path_) + ": expected an object, got " +
                     typeName(object_));
}

std::string ObjectReader::keyPath(const char* key) const {
  return path_.empty() ? key : path_ + "." + key;
}

void ObjectReader::fail(const char* key, const std::string& reason) const {
  throw InputError(source_ + ": " + keyPath(key) + ": " + reason);
}

void ObjectReader::check(bool ok, const char* key, const std::string& reason) const {
  if (!ok) fail(key, reason);
}

bool ObjectReader::has(const char* key) const {
  return object_.contains(key);
}

const nlohmann::json* ObjectReader::find(const char* key) {
  seen_.insert(key);
  auto it = object_.find(key);
  return it == object_.end() ? nullptr : &*it;
}

const nlohmann::json* ObjectReader::raw(const char* key) {
  return find(key);
}

void ObjectReader::read(const char* key, int64_t& out) {
  const auto* v = find(key);
  if (!v) return;
  if (v->is_number_integer()) {
    out = v->get<int64_t>();
  } else if (v->is_number_float() && std::floor(v->get<double>()) == v->get<double>() &&
             std::abs(v->get<double>()) < 9e15) {
    out = static_cast<int64_t>(v->get<double>());
  } else {
    fail(key, "expected an integer, got " + typeName(*v));
  }
}

void ObjectReader::read(const char* key, int& out) {
  int64_t wide = out;
  read(key, wide);
  check(wide >= std::numeric_limits<int>::min() && wide <= std::numeric_limits<int>::max(), key,
        "integer out of range");
  out = static_cast<int>(wide);
}

void ObjectReader::read(const char* key, uint64_t& out) {
  int64_t wide = static_cast<int64_t>(out);
  read(key, wide);
  check(wide >= 0, key, "must not be negative");
  out = static_cast<uint64_t>(wide);
}

void ObjectReader::read(const char* key, double& out) {
  const auto* v = find(key);
  if (!v) return;
  if (!v->is_number()) fail(key, "expected a number, got " + typeName(*v));
  out = v->get<double>();
  check(std::isfinite(out), key, "must be a finite number");
}

void ObjectReader::read(const char* key, bool& out) {
  const auto* v = find(key);
  if (!v) return;
  if (!v->is_boolean()) fail(key, "expected true or false, got " + typeName(*v));
  out = v->get<bool>();
}

void ObjectReader::read(const char* key, std::string& out) {
  const auto* v = find(key);
  if (!v) return;
  if (!v->is_string()) fail(key, "expected a string, got " + typeName(*v));
  out = v->get<std::string>();
}

void ObjectReader::read(const char* key, std::vector<int>& out) {
  const auto* v = find(key);
  if (!v) return;
  if (!v->is_array()) fail(key, "expected a list of integers, got " + typeName(*v));
  out.clear();
  for (const auto& item : *v) {
    if (!item.is_number_integer()) fail(key, "expected a list of integers, found " + typeName(item) + " in it");
    out.push_back(item.get<int>());
  }
}

void ObjectReader::read(const char* key, std::vector<std::string>& out) {
  const auto* v = find(key);
  if (!v) return;
  if (!v->is_array()) fail(key, "expected a list of strings, got " + typeName(*v));
  out.clear();
  for (const auto& item : *v) {
    if (!item.is_string()) fail(key, "expected a list of strings, found " + typeName(item) + " in it");
    out.push_back(item.get<std::string>());
  }
}

void ObjectReader::readChoice(const char* key, std::string& out, const std::vector<std::string>& allowed) {
  read(key, out);
  for (const auto& a : allowed)
    if (a == out) return;
  std::string list;
  for (const auto& a : allowed) list += (list.empty() ? "" : ", ") + a;
  fail(key, "'" + out + "' is not one of: " + list);
}

ObjectReader ObjectReader::child(const char* key) {
  const auto* v = find(key);
  return ObjectReader(v ? *v : emptyObject(), keyPath(key), source_);
}

void ObjectReader::finish() const {
  for (const auto& [key, value] : object_.items()) {
    if (seen_.count(key)) continue;
    std::string hint;
    size_t best = 3;
    for (const auto& known : seen_) {
      const size_t d = editDistance(key, known);
      if (d < best) {
        best = d;
        hint = " (did you mean '" + known + "'?)";
      }
    }
    throw InputError(source_ + ": " + keyPath(key.c_str()) + ": unknown key" + hint);
  }
}

}  // namespace ss
