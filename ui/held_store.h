#pragma once

#include <QString>
#include <cstdint>
#include <memory>

namespace ss::ui {

// Which file a path names (device and inode), to notice a store deleted and created anew at the same path.
struct FileIdentity {
  uint64_t device = 0, inode = 0;
  bool operator==(const FileIdentity&) const = default;
};
FileIdentity fileIdentity(const QString& path);  // {0, 0} when there is no file

// A store kept open across a view's redraws: opened on first use and again when the path changes or the file at
// it was replaced, so a view that follows a run reads from it every epoch without paying for an open each time
// (an open checks the schema, and for a RunStore marks interrupted runs and starts a writer thread).
template <typename Store>
class HeldStore {
 public:
  Store& at(const QString& path) {
    if (!store_ || path != path_ || fileIdentity(path) != identity_) {
      store_.reset();
      store_ = std::make_unique<Store>(path.toStdString());
      path_ = path;
      identity_ = fileIdentity(path);
    }
    return *store_;
  }

 private:
  std::unique_ptr<Store> store_;
  QString path_;
  FileIdentity identity_;
};

}  // namespace ss::ui
