#include "held_store.h"

#include <sys/stat.h>

#include <QFile>

namespace ss::ui {

FileIdentity fileIdentity(const QString& path) {
  struct stat st {};
  if (stat(QFile::encodeName(path).constData(), &st) != 0) return {};
  return {uint64_t(st.st_dev), uint64_t(st.st_ino)};
}

}  // namespace ss::ui
