#include "nn/im2col_panels.h"

namespace ss {

std::shared_ptr<Im2colPanels> im2colPanelsOfThisThread() {
  thread_local std::weak_ptr<Im2colPanels> shared;
  std::shared_ptr<Im2colPanels> panels = shared.lock();
  if (!panels) {
    panels = std::make_shared<Im2colPanels>();
    panels->thread = std::this_thread::get_id();
    shared = panels;
  }
  return panels;
}

}  // namespace ss
