#include "terminal_progress.h"

#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <nlohmann/json.hpp>
#include <string>

namespace ss::cli {

namespace {
using Clock = std::chrono::steady_clock;
}  // namespace

std::string formatDuration(double seconds) {
  if (!std::isfinite(seconds) || seconds < 0) return "--";
  const long s = std::lround(seconds);
  char buf[32];
  if (s >= 3600)
    std::snprintf(buf, sizeof buf, "%ldh%02ldm", s / 3600, (s % 3600) / 60);
  else if (s >= 60)
    std::snprintf(buf, sizeof buf, "%ldm%02lds", s / 60, s % 60);
  else
    std::snprintf(buf, sizeof buf, "%lds", s);
  return buf;
}

TerminalProgress::TerminalProgress(FILE* out) : out_(out), tty_(isatty(fileno(out)) != 0) {}

void TerminalProgress::onRunStart(const RunStartInfo& info) {
  info_ = info;
  start_ = lastDraw_ = Clock::now();
  std::fprintf(
      out_, "run %lld '%s': %d epochs x %lld steps, %lld train / %lld test examples, %lld parameters, %d threads\n",
      (long long)info.runId, info.name.c_str(), info.epochs, (long long)info.stepsPerEpoch,
      (long long)info.trainExamples, (long long)info.testExamples, (long long)info.parameterCount, info.threads);
  if (info.resumedAtEpoch > 0)
    std::fprintf(out_, "resuming at epoch %d, step %lld, from its last checkpoint\n", info.resumedAtEpoch,
                 (long long)info.resumedAtStep);
  std::fflush(out_);
}

double TerminalProgress::secondsElapsed() const {
  return std::chrono::duration<double>(Clock::now() - start_).count();
}

double TerminalProgress::etaSeconds(int64_t stepsDone) const {
  const int64_t total = info_.stepsPerEpoch * info_.epochs;
  // A resumed run's clock started at its checkpoint: only the steps since count for the rate.
  const int64_t doneHere = stepsDone - info_.resumedAtStep;
  if (doneHere <= 0) return NAN;
  return secondsElapsed() / double(doneHere) * double(total - stepsDone);
}

void TerminalProgress::onStep(const StepRecord& s, int64_t stepInEpoch, int64_t stepsPerEpoch) {
  // Exponential smoothing so the figures are readable while they change every step.
  const double a = haveSmoothed_ ? 0.05 : 1.0;
  smoothedLoss_ += a * (s.loss - smoothedLoss_);
  smoothedAccuracy_ += a * (s.accuracy - smoothedAccuracy_);
  smoothedRate_ += a * (s.samplesPerSecond - smoothedRate_);
  haveSmoothed_ = true;

  const auto now = Clock::now();
  const double sinceDraw = std::chrono::duration<double>(now - lastDraw_).count();
  if (sinceDraw < (tty_ ? 0.1 : 10.0) && stepInEpoch != stepsPerEpoch) return;
  lastDraw_ = now;
  const double eta = etaSeconds(s.step);
  if (tty_) {
    const int width = 24;
    const int filled = int(double(width) * double(stepInEpoch) / double(std::max<int64_t>(1, stepsPerEpoch)));
    std::string bar(size_t(filled), '#');
    bar.resize(size_t(width), '.');
    std::fprintf(out_, "\r\033[Kepoch %d/%d [%s] %lld/%lld loss %.4f acc %5.1f%% %8.0f samples/s ETA %s", s.epoch,
                 info_.epochs, bar.c_str(), (long long)stepInEpoch, (long long)stepsPerEpoch, smoothedLoss_,
                 100.0 * smoothedAccuracy_, smoothedRate_, formatDuration(eta).c_str());
  } else {
    std::fprintf(out_, "epoch %d/%d step %lld/%lld loss %.4f acc %.1f%% %.0f samples/s ETA %s\n", s.epoch, info_.epochs,
                 (long long)stepInEpoch, (long long)stepsPerEpoch, smoothedLoss_, 100.0 * smoothedAccuracy_,
                 smoothedRate_, formatDuration(eta).c_str());
  }
  std::fflush(out_);
}

void TerminalProgress::onEpochEnd(const EpochRecord& e) {
  if (tty_) std::fprintf(out_, "\r\033[K");
  std::fprintf(
      out_,
      "epoch %d/%d  train loss %.4f acc %.2f%%  test loss %.4f acc %.2f%%  lr %.4g  %.0f samples/s  %.1fs  ETA %s\n",
      e.epoch, info_.epochs, e.trainLoss, 100.0 * e.trainAccuracy, e.testLoss, 100.0 * e.testAccuracy, e.lr,
      e.samplesPerSecond, e.epochSeconds, formatDuration(etaSeconds(e.step)).c_str());
  if (droppedThisEpoch_ + grownThisEpoch_ > 0)
    std::fprintf(out_, "  mask mutation in %lld layers: %lld weights dropped, %lld grown; density now %.4f\n",
                 (long long)mutatedLayers_, (long long)droppedThisEpoch_, (long long)grownThisEpoch_, e.density);
  droppedThisEpoch_ = grownThisEpoch_ = mutatedLayers_ = 0;
  std::fflush(out_);
}

void TerminalProgress::onMaskChange(const MaskChangeEvent& e) {
  droppedThisEpoch_ += e.dropped;
  grownThisEpoch_ += e.grown;
  ++mutatedLayers_;
}

void TerminalProgress::onExamplesRemoved(const ExamplesRemovedEvent& e) {
  std::fprintf(out_,
               "data efficiency: removed %zu least-forgettable examples after epoch %d (%lld were never forgotten); "
               "%lld remain\n",
               e.rows.size(), e.epoch, (long long)e.unforgettable, (long long)e.remaining);
  std::fflush(out_);
}

void JsonEpochPrinter::onEpochEnd(const EpochRecord& e) {
  const nlohmann::json line = {{"run_id", runId_},
                               {"epoch", e.epoch},
                               {"step", e.step},
                               {"train_loss", e.trainLoss},
                               {"train_accuracy", e.trainAccuracy},
                               {"test_loss", e.testLoss},
                               {"test_accuracy", e.testAccuracy},
                               {"lr", e.lr},
                               {"density", e.density},
                               {"samples_per_second", e.samplesPerSecond},
                               {"epoch_seconds", e.epochSeconds},
                               {"examples_in_use", e.examplesInUse},
                               {"memory_bytes", e.memoryBytes},
                               {"peak_rss_bytes", e.peakRssBytes},
                               {"base_rss_bytes", e.baseRssBytes}};
  std::fprintf(out_, "%s\n", line.dump().c_str());
  std::fflush(out_);
}

}  // namespace ss::cli
