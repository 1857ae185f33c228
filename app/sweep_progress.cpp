#include "sweep_progress.h"

#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <nlohmann/json.hpp>

#include "terminal_progress.h"

namespace ss::cli {

namespace {
using Clock = std::chrono::steady_clock;
}  // namespace

SweepProgress::SweepProgress(FILE* out, const SweepPlan& plan)
    : out_(out), tty_(isatty(fileno(out)) != 0), id_(plan.id), start_(Clock::now()), lastDraw_(start_) {
  for (const SweepRun& run : plan.runs) {
    const int epochs = nlohmann::json::parse(run.projectJson)["train"]["epochs"].get<int>();
    epochsOfRun_[run.name] = epochs;
    totalEpochs_ += epochs;
  }
}

void SweepProgress::update(const std::vector<RunSummary>& stored, int running, int failed) {
  // A run's newest record counts (a run started afresh after a failure comes later), a finished one above all.
  std::map<std::string, const RunSummary*> latest;
  for (const RunSummary& r : stored) {
    if (!epochsOfRun_.count(r.name)) continue;
    const RunSummary*& held = latest[r.name];
    if (!held || held->status != "finished") held = &r;
  }
  finished_ = 0;
  epochsDone_ = 0;
  for (const auto& [name, run] : latest) {
    finished_ += run->status == "finished";
    epochsDone_ += std::min(run->epochsLogged, epochsOfRun_[name]);
  }
  if (epochsAtStart_ < 0) epochsAtStart_ = epochsDone_;
  running_ = running;
  failed_ = failed;
  draw(finished_ != lastFinished_ || failed_ != lastFailed_);
}

void SweepProgress::note(const std::string& line) {
  if (lineOpen_) std::fprintf(out_, "\r\033[K");
  std::fprintf(out_, "%s\n", line.c_str());
  lineOpen_ = false;
  draw(true);
}

void SweepProgress::draw(bool force) {
  const auto now = Clock::now();
  if (!force && std::chrono::duration<double>(now - lastDraw_).count() < (tty_ ? 0.5 : 30.0)) return;
  lastDraw_ = now;
  lastFinished_ = finished_;
  lastFailed_ = failed_;
  const double elapsed = std::chrono::duration<double>(now - start_).count();
  const int64_t trainedHere = epochsDone_ - std::max<int64_t>(0, epochsAtStart_);
  const double eta =
      trainedHere > 0 ? elapsed / double(trainedHere) * double(totalEpochs_ - epochsDone_) : std::nan("");
  char line[512];
  std::snprintf(line, sizeof line, "sweep %s: %d/%zu done, %d running, %d failed, epochs %lld/%lld, ETA %s",
                id_.c_str(), finished_, epochsOfRun_.size(), running_, failed_, (long long)epochsDone_,
                (long long)totalEpochs_, formatDuration(eta).c_str());
  if (tty_) {
    std::fprintf(out_, "\r\033[K%s", line);
    lineOpen_ = true;
  } else {
    std::fprintf(out_, "%s\n", line);
  }
  std::fflush(out_);
}

void SweepProgress::finish() {
  draw(true);
  if (lineOpen_) std::fprintf(out_, "\n");
  lineOpen_ = false;
  std::fflush(out_);
}

}  // namespace ss::cli
