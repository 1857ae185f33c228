#pragma once

#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <vector>

namespace ss {

// Reads the keys of one JSON object into typed fields, remembering which keys it read so that any
// key left over is reported as unknown. Every error names the source file and the full key path.
class ObjectReader {
 public:
  ObjectReader(const nlohmann::json& object, std::string path, std::string source);

  void read(const char* key, int& out);
  void read(const char* key, int64_t& out);
  void read(const char* key, uint64_t& out);
  void read(const char* key, double& out);
  void read(const char* key, bool& out);
  void read(const char* key, std::string& out);
  void read(const char* key, std::vector<int>& out);
  void read(const char* key, std::vector<std::string>& out);
  // A string restricted to a fixed set of names.
  void readChoice(const char* key, std::string& out, const std::vector<std::string>& allowed);

  bool has(const char* key) const;
  const nlohmann::json* raw(const char* key);  // marks the key read; null when absent
  ObjectReader child(const char* key);         // an absent child reads as an empty object

  // Throws "<source>: <path.key>: <reason>" unless ok.
  void check(bool ok, const char* key, const std::string& reason) const;
  [[noreturn]] void fail(const char* key, const std::string& reason) const;
  void finish() const;  // reports the first key that no read() asked for

 private:
  const nlohmann::json* find(const char* key);
  std::string keyPath(const char* key) const;

  const nlohmann::json& object_;
  std::string path_, source_;
  std::set<std::string> seen_;
};

}  // namespace ss
