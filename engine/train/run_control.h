#pragma once

#include <atomic>
#include <condition_variable>
#include <mutex>

namespace ss {

// Shared between the thread that runs training and whoever controls it (a signal handler's flag,
// the GUI). The trainer checks it between steps, so a request takes effect within one step.
class RunControl {
 public:
  void requestCancel() {
    cancel_ = true;
    wake_.notify_all();
  }
  // Only sets a lock-free flag, so a signal handler may call it; a paused run notices at its next wake-up.
  void requestCancelFromSignal() { cancel_ = true; }
  bool cancelRequested() const { return cancel_; }

  void setPaused(bool paused) {
    {
      std::lock_guard lock(mutex_);
      paused_ = paused;
    }
    wake_.notify_all();
  }
  bool paused() const { return paused_; }

  // Blocks while paused; returns at once when running or when cancel is requested.
  void waitWhilePaused() {
    if (!paused_) return;
    std::unique_lock lock(mutex_);
    wake_.wait(lock, [this] { return !paused_ || cancel_; });
  }

 private:
  std::atomic<bool> cancel_{false};
  std::atomic<bool> paused_{false};
  std::mutex mutex_;
  std::condition_variable wake_;
};

}  // namespace ss
