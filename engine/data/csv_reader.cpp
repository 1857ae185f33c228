#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"
#include "data/data_file.h"
#include "data/readers.h"

namespace ss {
namespace {

// A label this large would make an output layer of that many units: almost surely a wrong column.
constexpr int64_t kMaxLabel = 65535;

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

void splitFields(std::string_view line, std::vector<std::string_view>& fields) {
  fields.clear();
  for (;;) {
    const size_t comma = line.find(',');
    fields.push_back(trim(line.substr(0, comma)));
    if (comma == std::string_view::npos) return;
    line.remove_prefix(comma + 1);
  }
}

// from_chars takes no leading '+', which spreadsheets sometimes write.
std::string_view withoutPlus(std::string_view s) {
  return s.size() > 1 && s.front() == '+' ? s.substr(1) : s;
}

bool parseFloat(std::string_view s, float& value) {
  s = withoutPlus(s);
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
  return ec == std::errc() && end == s.data() + s.size();
}

bool parseInteger(std::string_view s, int64_t& value) {
  s = withoutPlus(s);
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
  return ec == std::errc() && end == s.data() + s.size();
}

}  // namespace

Dataset readCsv(const std::string& path, const std::string& name) {
  const std::vector<unsigned char> bytes = readDataFile(path);
  const std::string_view text(reinterpret_cast<const char*>(bytes.data()), bytes.size());

  std::vector<std::string_view> fields;
  std::vector<float> values;
  std::vector<int32_t> labels;
  size_t expectedFields = 0;
  int64_t lineNumber = 0;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    const std::string_view line = trim(text.substr(pos, end - pos));
    pos = end + 1;
    ++lineNumber;
    if (line.empty()) continue;

    const std::string where = path + ":" + std::to_string(lineNumber) + ": ";
    splitFields(line, fields);
    if (expectedFields == 0) {
      expectedFields = fields.size();
      if (expectedFields < 2) {
        throw InputError(where + "expected a label and at least one feature, found " + std::to_string(fields.size()) +
                         " field");
      }
      float ignored = 0.0f;
      if (!parseFloat(fields[0], ignored)) continue;  // a header line
    }
    if (fields.size() != expectedFields) {
      throw InputError(where + "expected " + std::to_string(expectedFields) + " fields, found " +
                       std::to_string(fields.size()));
    }

    int64_t label = 0;
    if (!parseInteger(fields[0], label)) {
      throw InputError(where + "label \"" + std::string(fields[0]) + "\" is not an integer");
    }
    if (label < 0 || label > kMaxLabel) {
      throw InputError(where + "label " + std::to_string(label) + " out of range 0.." + std::to_string(kMaxLabel));
    }
    labels.push_back(int32_t(label));

    for (size_t f = 1; f < fields.size(); ++f) {
      float value = 0.0f;
      if (fields[f].empty()) throw InputError(where + "field " + std::to_string(f + 1) + " is empty");
      if (!parseFloat(fields[f], value) || !std::isfinite(value)) {
        throw InputError(where + "field " + std::to_string(f + 1) + " \"" + std::string(fields[f]) +
                         "\" is not a finite number");
      }
      values.push_back(value);
    }
  }
  if (labels.empty()) throw InputError(path + ": no examples");

  const auto count = Eigen::Index(labels.size());
  const auto features = Eigen::Index(expectedFields - 1);
  Dataset set;
  set.name = name;
  set.shape = {1, 1, int(features)};
  set.features = FeatureRows(Matrix(ConstMatrixMap(values.data(), count, features)));
  set.labels = std::move(labels);
  set.originalIndex.resize(size_t(count));
  for (Eigen::Index i = 0; i < count; ++i) set.originalIndex[size_t(i)] = i;
  set.classCount = *std::max_element(set.labels.begin(), set.labels.end()) + 1;
  return set;
}

}  // namespace ss
