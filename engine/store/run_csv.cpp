#include "store/run_csv.h"

#include <cerrno>
#include <cstdio>
#include <cstring>

#include "core/error.h"

namespace ss {

namespace {

// One CSV file; every write is checked so a full disk names the file instead of leaving it cut short.
class CsvFile {
 public:
  CsvFile(const std::filesystem::path& path, const char* header) : path_(path.string()) {
    file_ = std::fopen(path_.c_str(), "w");
    if (!file_) throw InputError(path_ + ": cannot write: " + std::strerror(errno));
    row("%s\n", header);
  }
  ~CsvFile() {
    if (file_) std::fclose(file_);
  }
  CsvFile(const CsvFile&) = delete;
  CsvFile& operator=(const CsvFile&) = delete;

  template <typename... A>
  void row(const char* format, A... values) {
    if (std::fprintf(file_, format, values...) < 0) fail();
  }
  void close() {
    const bool ok = std::fflush(file_) == 0 && !std::ferror(file_);
    const int rc = std::fclose(file_);
    file_ = nullptr;
    if (!ok || rc != 0) fail();
  }

 private:
  [[noreturn]] void fail() const { throw RunError(path_ + ": write failed: " + std::strerror(errno)); }
  std::string path_;
  FILE* file_ = nullptr;
};

// Quotes a text field the CSV way: names may hold commas or quotes.
std::string quoted(const std::string& text) {
  std::string out = "\"";
  for (char c : text) out += c == '"' ? std::string("\"\"") : std::string(1, c);
  return out + "\"";
}

void writeRun(const std::filesystem::path& dir, const RunDetails& d) {
  const RunSummary& s = d.summary;
  CsvFile f(dir / "run.csv", "key,value");
  auto text = [&](const char* key, const std::string& value) { f.row("%s,%s\n", key, quoted(value).c_str()); };
  auto number = [&](const char* key, double value) { f.row("%s,%.17g\n", key, value); };
  number("id", double(s.id));
  text("name", s.name);
  text("status", s.status);
  text("message", s.message);
  text("algorithm", s.algorithm);
  text("scheme", s.scheme);
  number("target", s.target);
  text("seed", std::to_string(s.seed));
  number("threads", s.threads);
  text("host", s.host);
  text("engine_version", s.engineVersion);
  text("started_at", s.startedAt);
  text("ended_at", s.endedAt);
  number("epochs", s.epochs);
  number("epochs_logged", s.epochsLogged);
  number("elapsed_seconds", s.elapsedSeconds);
  if (s.finalTestAccuracy) number("final_test_accuracy", *s.finalTestAccuracy);
  if (d.bestEpoch) number("best_test_accuracy", d.bestEpoch->testAccuracy);
  if (s.measuredMemory) {
    number("peak_rss_bytes", double(s.measuredMemory->peakBytes));
    number("base_rss_bytes", double(s.measuredMemory->baseBytes));
  }
  for (const MemoryLineRecord& l : d.memoryLines) {
    const std::string key = "memory_model." + l.line;
    number(key.c_str(), double(l.bytes));
    number((key + ".dense").c_str(), double(l.denseBytes));
  }
  number("mask_changes", double(d.maskChanges));
  number("examples_removed", double(d.examplesRemoved));
  f.close();
}

void writeEpochs(const std::filesystem::path& dir, const StoreReader& store, int64_t runId) {
  CsvFile f(dir / "epochs.csv",
            "epoch,step,train_loss,train_accuracy,test_loss,test_accuracy,lr,density,samples_per_second,"
            "epoch_seconds,examples_in_use,memory_model_bytes,rss_bytes,peak_rss_bytes,base_rss_bytes");
  for (const EpochRecord& e : store.epochs(runId))
    f.row("%d,%lld,%.9g,%.9g,%.9g,%.9g,%.9g,%.9g,%.6g,%.6g,%lld,%lld,%lld,%lld,%lld\n", e.epoch, (long long)e.step,
          e.trainLoss, e.trainAccuracy, e.testLoss, e.testAccuracy, e.lr, e.density, e.samplesPerSecond, e.epochSeconds,
          (long long)e.examplesInUse, (long long)e.memoryBytes, (long long)e.rssBytes, (long long)e.peakRssBytes,
          (long long)e.baseRssBytes);
  f.close();
}

void writeSteps(const std::filesystem::path& dir, const StoreReader& store, int64_t runId) {
  CsvFile f(dir / "steps.csv", "step,epoch,loss,accuracy,lr,samples_per_second");
  for (const StepRecord& s : store.steps(runId))
    f.row("%lld,%d,%.9g,%.9g,%.9g,%.6g\n", (long long)s.step, s.epoch, s.loss, s.accuracy, s.lr, s.samplesPerSecond);
  f.close();
}

void writeLayers(const std::filesystem::path& dir, const StoreReader& store, int64_t runId) {
  CsvFile f(dir / "layers.csv", "step,epoch,layer,rows,cols,active,density");
  for (const MaskSnapshotInfo& m : store.maskSnapshotInfos(runId))
    f.row("%lld,%d,%s,%d,%d,%lld,%.9g\n", (long long)m.step, m.epoch, quoted(m.layer).c_str(), m.rows, m.cols,
          (long long)m.active, double(m.active) / std::max(1.0, double(m.rows) * double(m.cols)));
  f.close();
}

void writeMaskEvents(const std::filesystem::path& dir, const StoreReader& store, int64_t runId) {
  CsvFile f(dir / "mask_events.csv", "step,epoch,layer,dropped,grown,active_after");
  for (const MaskChangeEvent& e : store.maskChangeCounts(runId))
    f.row("%lld,%d,%s,%lld,%lld,%lld\n", (long long)e.step, e.epoch, quoted(e.layer).c_str(), (long long)e.dropped,
          (long long)e.grown, (long long)e.activeAfter);
  f.close();
}

void writeExampleStats(const std::filesystem::path& dir, const StoreReader& store, int64_t runId) {
  CsvFile f(dir / "example_stats.csv",
            "original_index,presentations,forgetting_events,first_learned_epoch,removed_at_epoch");
  for (const ExampleStatRecord& x : store.exampleStats(runId))
    f.row("%lld,%d,%d,%d,%d\n", (long long)x.originalIndex, x.presentations, x.forgettingEvents, x.firstLearnedEpoch,
          x.removedAtEpoch);
  f.close();
}

}  // namespace

std::vector<std::string> writeRunCsv(const StoreReader& store, const RunDetails& details,
                                     const std::filesystem::path& dir) {
  const int64_t runId = details.summary.id;
  writeRun(dir, details);
  writeEpochs(dir, store, runId);
  writeSteps(dir, store, runId);
  writeLayers(dir, store, runId);
  writeMaskEvents(dir, store, runId);
  writeExampleStats(dir, store, runId);
  return {"run.csv", "epochs.csv", "steps.csv", "layers.csv", "mask_events.csv", "example_stats.csv"};
}

}  // namespace ss
