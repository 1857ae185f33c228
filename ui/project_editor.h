#pragma once

#include <QWidget>
#include <nlohmann/json.hpp>
#include <optional>

#include "background_planner.h"
#include "project/project.h"
#include "train/project_plan.h"

class QCheckBox;
class QComboBox;
class QCustomPlot;
class QDoubleSpinBox;
class QFormLayout;
class QLabel;
class QLineEdit;
class QSlider;
class QSpinBox;
class QTableWidget;
class QTimer;
class QUndoStack;

namespace ss::ui {

class LayerListEditor;

// The project as a form: data set and its augmentation, model (mlp and convnet as an edited layer list, resnet and vgg
// by their depth and options, a project's own layer list summarised and kept as it is), training, sparsity (target
// slider, scheme and its options, distribution), algorithm, memory bound and data efficiency. Every edit is validated
// at once by the engine's own project reader, with its reason shown; a valid edit updates the per-layer density table
// and the memory model's bars (weights, indices, gradients, optimizer, activations per layer; the bound named), and
// goes on the undo stack.
class ProjectEditor : public QWidget {
  Q_OBJECT

 public:
  explicit ProjectEditor(QWidget* parent = nullptr);

  void setProject(const Project& project);  // a newly opened project: clears the undo history
  const std::optional<Project>& project() const { return project_; }
  const QString& problem() const { return problem_; }
  QUndoStack* undoStack() const { return undo_; }
  QTableWidget* layerTable() const { return layers_; }
  QCustomPlot* schedulePlot() const { return schedule_; }
  // The plan (layer table, memory bars, schedule) is worked out on a worker thread after each edit; true until
  // the newest edit's plan is shown.
  bool planPending() const { return planner_->busy(); }
  // "Working out the plan..." above the plan, while a plan has been pending for longer than a glance: the plan shown
  // until then is the previous edit's.
  QLabel* planStatus() const { return planStatus_; }

  // The form's widgets, for keyboard-free tests.
  QSlider* targetSlider() const { return target_; }
  QComboBox* algorithmBox() const { return algorithm_; }
  QComboBox* schemeBox() const { return scheme_; }
  QSpinBox* epochsBox() const { return epochs_; }
  QLineEdit* memoryBoundEdit() const { return memoryBound_; }
  QComboBox* datasetBox() const { return dataset_; }
  QComboBox* presetBox() const { return preset_; }
  LayerListEditor* layerList() const { return layerList_; }
  QSpinBox* resnetDepthBox() const { return resnetDepth_; }
  QSpinBox* resnetWidthBox() const { return resnetWidth_; }
  QComboBox* shortcutBox() const { return shortcut_; }
  QComboBox* vggDepthBox() const { return vggDepth_; }
  QLineEdit* vggFcEdit() const { return vggFc_; }
  QLabel* layersSummary() const { return layersSummary_; }
  QCheckBox* randomCropBox() const { return randomCrop_; }
  QSpinBox* cropPaddingBox() const { return cropPadding_; }  // its minimum, -1, reads "auto": the data set's default
  QCheckBox* horizontalFlipBox() const { return horizontalFlip_; }

 signals:
  void projectChanged(const ss::Project& project);  // after every valid edit, undo and redo
  void problemChanged(const QString& problem);      // empty when the form is valid again

 protected:
  void changeEvent(QEvent* event) override;  // a new palette recolours the problems

 private:
  friend class EditCommand;
  QString warningStyle() const;
  bool memoryWarning_ = false;
  void formEdited();
  void apply(const std::string& json, bool emitChange);
  void fill(const Project& p);
  void fillModel(const ModelSpec& model);
  void showModelRows(const std::string& preset);
  void fillAugmentation(const AugmentationSpec& augmentation);
  void enableAugmentation();
  nlohmann::json formJson() const;
  void showPlan(const Project& p);
  void drawPlan(const Project& p, const BackgroundPlanner::Outcome& outcome);
  void drawMemoryBars(const MemoryEstimate& memory);
  void fitLayerNames();

  std::optional<Project> project_;
  QString problem_;
  std::string currentJson_;
  bool filling_ = false;
  QUndoStack* undo_;
  BackgroundPlanner* planner_;

  QFormLayout* form_;
  QLineEdit *name_, *schemeOptions_, *memoryBound_, *vggFc_;
  LayerListEditor* layerList_;
  QComboBox *dataset_, *preset_, *scheme_, *distribution_, *algorithm_, *shortcut_, *vggDepth_;
  QSpinBox *epochs_, *batch_, *seed_, *threads_, *removalEpoch_, *resnetDepth_, *resnetWidth_, *cropPadding_;
  QDoubleSpinBox *lr_, *dropout_, *removeFraction_;
  QSlider* target_;
  QLabel *targetLabel_, *problemLabel_, *memoryLabel_, *planStatus_, *layersSummary_;
  QLabel *resnetDepthHint_, *resnetWidthHint_;
  QWidget *resnetDepthRow_, *resnetWidthRow_, *augmentationRow_;
  QTimer* planStatusDelay_;
  QCheckBox *dataEfficiency_, *randomCrop_, *horizontalFlip_;
  QTableWidget* layers_;
  QCustomPlot* memoryBars_;
  std::vector<QString> barTips_;  // what hovering each bar tells: its layer and lines
  QCustomPlot* schedule_;         // MEST's planned mutations
  void showSchedule(const std::vector<ProjectPlan::Mutation>& mutations, double target);
};

}  // namespace ss::ui
