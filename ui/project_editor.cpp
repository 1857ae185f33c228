#include "project_editor.h"

#include <qcustomplot.h>

#include <QCheckBox>
#include <QComboBox>
#include <QDoubleSpinBox>
#include <QFormLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QRegularExpression>
#include <QScrollArea>
#include <QScrollBar>
#include <QSlider>
#include <QSpinBox>
#include <QTableWidget>
#include <QTimer>
#include <QToolTip>
#include <QUndoStack>
#include <QVBoxLayout>

#include "core/error.h"
#include "layer_list_editor.h"
#include "memory_line_colours.h"
#include "plot_interaction.h"
#include "plot_theme.h"
#include "train/project_plan.h"

namespace ss::ui {

namespace {

// The algorithm choices as the form shows them, with the project keys each stands for.
struct AlgorithmChoice {
  const char* label;
  const char* name;
  const char* variant;  // mest only
};
constexpr AlgorithmChoice kAlgorithms[] = {
    {"dense", "dense", ""},
    {"static (random pruning)", "static", ""},
    {"SET", "set", ""},
    {"RigL", "rigl", ""},
    {"gradual magnitude pruning", "gmp", ""},
    {"MEST (vanilla)", "mest", "vanilla"},
    {"MEST+EM", "mest", "em"},
    {"MEST+EM&S", "mest", "em&s"},
};

QString megabytes(int64_t bytes) {
  return QString("%1 MB").arg(double(bytes) / 1e6, 0, 'f', 3);
}

// A ResNet's depth, 6n+2 for n basic blocks in each of its three stages: the arrows step from one such depth to the
// next, and a depth typed between two becomes the nearer when editing ends.
class ResNetDepthSpinBox : public QSpinBox {
 public:
  using QSpinBox::QSpinBox;

 protected:
  QValidator::State validate(QString& text, int& pos) const override {
    const QValidator::State state = QSpinBox::validate(text, pos);
    if (state != QValidator::Acceptable) return state;
    return (valueFromText(text) - 2) % 6 == 0 ? QValidator::Acceptable : QValidator::Intermediate;
  }
  void fixup(QString& text) const override {
    bool ok = false;
    const int typed = locale().toInt(text.trimmed(), &ok);
    if (!ok) return;
    text = textFromValue(std::clamp(6 * int(std::lround((typed - 2) / 6.0)) + 2, minimum(), maximum()));
  }
};

QString layerSummary(const LayerSpec& l) {
  const QString stride = l.stride > 1 ? QString(" /%1").arg(l.stride) : QString();
  if (l.type == "conv") return QString("conv %1 %2x%2%3").arg(l.channels).arg(l.kernel).arg(stride);
  if (l.type == "batch_norm") return QObject::tr("batch norm");
  if (l.type == "relu") return "ReLU";
  if (l.type == "max_pool") return QObject::tr("max pool %1").arg(l.window);
  if (l.type == "global_avg_pool") return QObject::tr("global avg pool");
  if (l.type == "linear") return QObject::tr("linear %1").arg(l.units);
  if (l.type == "dropout") return QObject::tr("dropout %1").arg(l.rate);
  if (l.type == "stage")
    return (l.blocks == 1 ? QObject::tr("1 block of %2%3") : QObject::tr("%1 blocks of %2%3"))
               .arg(l.blocks)
               .arg(l.channels)
               .arg(stride) +
           (l.shortcut == "zero_pad" ? QObject::tr(" (zero-padded)") : QString());
  return QString::fromStdString(l.type);
}

// A project's own layer list in one line, input first, with the classifier every list ends in.
QString layerListSummary(const std::vector<LayerSpec>& layers) {
  QStringList parts;
  for (const LayerSpec& l : layers) parts << layerSummary(l);
  parts << QObject::tr("classifier");
  return parts.join(QString::fromUtf8(" \u2192 "));
}

// The layer names under the memory bars, as many as fit across the axis: of the names in view, every k-th when a deep
// model has more than fit (hovering a bar names it), all once zoomed in far enough. The last, the whole run's, stays.
class LayerNameTicker : public QCPAxisTickerText {
 public:
  void setRoom(int labels) { room_ = labels; }

 protected:
  QVector<double> createTickVector(double tickStep, const QCPRange& range) override {
    const QVector<double> all = QCPAxisTickerText::createTickVector(tickStep, range);
    if (room_ <= 0 || all.size() <= room_) return all;
    const int every = (int(all.size()) + room_ - 1) / room_;
    QVector<double> some;
    for (int i = int(all.size()) - 1; i >= 0; i -= every) some.prepend(all[i]);
    return some;
  }

 private:
  int room_ = 0;
};

bool hasLayerList(const std::string& preset) {
  return preset == "mlp" || preset == "convnet";
}

}  // namespace

// One edit of the form: the project before and after, as JSON.
class EditCommand : public QUndoCommand {
 public:
  EditCommand(ProjectEditor* editor, std::string before, std::string after)
      : editor_(editor), before_(std::move(before)), after_(std::move(after)) {
    setText(QObject::tr("project edit"));
  }
  void undo() override { editor_->apply(before_, true); }
  void redo() override {
    if (first_) {
      first_ = false;  // the form already shows it
      return;
    }
    editor_->apply(after_, true);
  }

 private:
  ProjectEditor* editor_;
  std::string before_, after_;
  bool first_ = true;
};

ProjectEditor::ProjectEditor(QWidget* parent)
    : QWidget(parent), undo_(new QUndoStack(this)), planner_(new BackgroundPlanner(this)) {
  connect(planner_, &BackgroundPlanner::planned, this, &ProjectEditor::drawPlan);
  auto spin = [this](int lo, int hi) {
    auto* s = new QSpinBox(this);
    s->setRange(lo, hi);
    connect(s, &QSpinBox::valueChanged, this, &ProjectEditor::formEdited);
    return s;
  };
  auto dspin = [this](double lo, double hi, double step, int decimals) {
    auto* s = new QDoubleSpinBox(this);
    s->setRange(lo, hi);
    s->setSingleStep(step);
    s->setDecimals(decimals);
    connect(s, &QDoubleSpinBox::valueChanged, this, &ProjectEditor::formEdited);
    return s;
  };
  auto line = [this](const QString& placeholder) {
    auto* e = new QLineEdit(this);
    e->setPlaceholderText(placeholder);
    connect(e, &QLineEdit::editingFinished, this, &ProjectEditor::formEdited);
    return e;
  };
  auto combo = [this](const QStringList& items) {
    auto* c = new QComboBox(this);
    c->addItems(items);
    connect(c, &QComboBox::currentIndexChanged, this, &ProjectEditor::formEdited);
    return c;
  };

  name_ = line(tr("run name"));
  dataset_ = combo({"fashion-mnist", "mnist", "cifar10", "cifar100", "spirals", "blobs", "circles", "idx", "csv"});
  dataset_->setObjectName("dataset");
  randomCrop_ = new QCheckBox(tr("Random crop"), this);
  cropPadding_ = spin(-1, 64);
  cropPadding_->setSpecialValueText(tr("auto"));
  horizontalFlip_ = new QCheckBox(tr("Horizontal flip"), this);
  connect(randomCrop_, &QCheckBox::toggled, this, [this] {
    enableAugmentation();
    formEdited();
  });
  connect(horizontalFlip_, &QCheckBox::toggled, this, &ProjectEditor::formEdited);
  augmentationRow_ = new QWidget(this);
  auto* augmentation = new QHBoxLayout(augmentationRow_);
  augmentation->setContentsMargins(0, 0, 0, 0);
  augmentation->addWidget(randomCrop_);
  augmentation->addWidget(cropPadding_);
  augmentation->addWidget(horizontalFlip_);
  augmentation->addStretch(1);
  enableAugmentation();  // the tooltips, before a project is open

  preset_ = combo({"mlp", "convnet", "resnet", "vgg"});
  preset_->setToolTip(tr("Picking a preset replaces the model with the preset's own (Edit > Undo brings it back)"));
  const QString presetTips[] = {
      tr("Fully connected layers with ReLU"),
      tr("Convolutions (each with ReLU and a 2x2 max pool), then fully connected layers"),
      tr("He et al.'s CIFAR ResNet: three stages of basic blocks at 16, 32 and 64 channels, batch norm"),
      tr("The CIFAR VGG with batch norm: 3x3 convolutions in five groups, each ending in a 2x2 max pool")};
  for (int i = 0; i < int(std::size(presetTips)); ++i) preset_->setItemData(i, presetTips[i], Qt::ToolTipRole);
  layerList_ = new LayerListEditor(this);
  layerList_->setObjectName("layerList");
  connect(layerList_, &LayerListEditor::edited, this, &ProjectEditor::formEdited);
  layersSummary_ = new QLabel(this);
  layersSummary_->setObjectName("layersSummary");
  layersSummary_->setWordWrap(true);
  layersSummary_->setTextInteractionFlags(Qt::TextSelectableByMouse);
  layersSummary_->setToolTip(
      tr("The project's own list of layers, input first; it is saved as it is. Edit it in the "
         "project file, or pick a preset to replace it."));
  auto withHint = [this](QWidget* field, QLabel*& hint) {
    auto* row = new QWidget(this);
    auto* layout = new QHBoxLayout(row);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(field);
    hint = new QLabel(row);
    hint->setToolTip(field->toolTip());
    layout->addWidget(hint, 1);
    return row;
  };
  resnetDepth_ = new ResNetDepthSpinBox(this);
  resnetDepth_->setObjectName("resnetDepth");
  resnetDepth_->setRange(8, 2000);
  resnetDepth_->setSingleStep(6);
  resnetDepth_->setToolTip(tr("Layers with weights, 6n+2 for n basic blocks per stage: 20, 32, 44, 56, 110"));
  const auto showBlocks = [this](int depth) {
    const int blocks = (depth - 2) / 6;
    resnetDepthHint_->setText(blocks == 1 ? tr("1 block per stage") : tr("%1 blocks per stage").arg(blocks));
  };
  connect(resnetDepth_, &QSpinBox::valueChanged, this, [this, showBlocks](int depth) {
    showBlocks(depth);
    formEdited();
  });
  resnetDepthRow_ = withHint(resnetDepth_, resnetDepthHint_);
  showBlocks(resnetDepth_->value());
  resnetWidth_ = new QSpinBox(this);
  resnetWidth_->setObjectName("resnetWidth");
  resnetWidth_->setRange(1, 64);
  resnetWidth_->setPrefix(QString::fromUtf8("\u00d7"));
  resnetWidth_->setToolTip(tr("Channel multiplier of every stage, as in wide ResNets"));
  const auto showChannels = [this](int width) {
    resnetWidthHint_->setText(tr("%1, %2 and %3 channels").arg(16 * width).arg(32 * width).arg(64 * width));
  };
  connect(resnetWidth_, &QSpinBox::valueChanged, this, [this, showChannels](int width) {
    showChannels(width);
    formEdited();
  });
  resnetWidthRow_ = withHint(resnetWidth_, resnetWidthHint_);
  showChannels(resnetWidth_->value());
  shortcut_ = new QComboBox(this);
  shortcut_->setObjectName("resnetShortcut");
  shortcut_->addItem(tr("projection (1x1 conv)"), "projection");
  shortcut_->addItem(tr("zero-padded identity"), "zero_pad");
  shortcut_->setToolTip(
      tr("Where a block halves the image and doubles the channels: a strided 1x1 convolution "
         "(torchvision's option B), or the identity subsampled and padded with zero channels "
         "(option A of the CIFAR ResNets, no weights)"));
  connect(shortcut_, &QComboBox::currentIndexChanged, this, &ProjectEditor::formEdited);
  vggDepth_ = combo({"11", "13", "16", "19"});
  vggDepth_->setObjectName("vggDepth");
  vggDepth_->setToolTip(tr("Convolutions plus the classifier: VGG-11, 13, 16 or 19"));
  vggFc_ = line(tr("none: the classifier alone"));
  vggFc_->setObjectName("vggFc");
  vggFc_->setToolTip(
      tr("Units of the fully connected layers between the last pool and the classifier, e.g. 512, "
         "512; each with ReLU"));
  dropout_ = dspin(0, 0.9, 0.05, 2);
  epochs_ = spin(1, 100000);
  batch_ = spin(1, 65536);
  lr_ = dspin(0.0001, 10, 0.005, 4);
  seed_ = spin(0, 1 << 30);
  threads_ = spin(0, 1024);
  threads_->setSpecialValueText(tr("all cores"));
  target_ = new QSlider(Qt::Horizontal, this);
  target_->setRange(0, 99);
  target_->setObjectName("targetSlider");
  targetLabel_ = new QLabel(this);
  targetLabel_->setMinimumWidth(40);
  connect(target_, &QSlider::valueChanged, this, [this](int v) {
    targetLabel_->setText(QString("%1%").arg(v));
    formEdited();
  });
  scheme_ = combo({"unstructured", "nm", "block", "channel", "pattern"});
  schemeOptions_ = line(tr(R"(JSON, e.g. {"n": 2, "m": 4})"));
  distribution_ = combo({"erk", "er", "uniform"});
  algorithm_ = new QComboBox(this);
  for (const auto& a : kAlgorithms) algorithm_->addItem(tr(a.label));
  connect(algorithm_, &QComboBox::currentIndexChanged, this, &ProjectEditor::formEdited);
  memoryBound_ = line(tr("none, or e.g. 2MB, 512KiB"));
  dataEfficiency_ = new QCheckBox(tr("remove the least forgettable examples"), this);
  connect(dataEfficiency_, &QCheckBox::toggled, this, &ProjectEditor::formEdited);
  removalEpoch_ = spin(1, 100000);
  removeFraction_ = dspin(0.0, 0.99, 0.05, 2);

  auto* form = form_ = new QFormLayout;
  form->setFieldGrowthPolicy(QFormLayout::AllNonFixedFieldsGrow);
  form->addRow(tr("Name"), name_);
  form->addRow(tr("Data set"), dataset_);
  form->addRow(tr("Augmentation"), augmentationRow_);
  form->addRow(tr("Model preset"), preset_);
  form->addRow(tr("Hidden layers"), layerList_);
  form->addRow(tr("Layers"), layersSummary_);
  form->addRow(tr("Depth"), resnetDepthRow_);
  form->addRow(tr("Width"), resnetWidthRow_);
  form->addRow(tr("Shortcut"), shortcut_);
  form->addRow(tr("Depth"), vggDepth_);
  form->addRow(tr("Dense layers"), vggFc_);
  form->addRow(tr("Dropout"), dropout_);
  form->addRow(tr("Epochs"), epochs_);
  form->addRow(tr("Batch size"), batch_);
  form->addRow(tr("Learning rate"), lr_);
  form->addRow(tr("Seed"), seed_);
  form->addRow(tr("Threads"), threads_);
  auto* targetRow = new QHBoxLayout;
  targetRow->addWidget(target_, 1);
  targetRow->addWidget(targetLabel_);
  form->addRow(tr("Target sparsity"), targetRow);
  form->addRow(tr("Scheme"), scheme_);
  form->addRow(tr("Scheme options"), schemeOptions_);
  form->addRow(tr("Layer distribution"), distribution_);
  form->addRow(tr("Algorithm"), algorithm_);
  form->addRow(tr("Memory bound"), memoryBound_);
  form->addRow(tr("Data efficiency"), dataEfficiency_);
  form->addRow(tr("  after epoch"), removalEpoch_);
  form->addRow(tr("  fraction removed"), removeFraction_);

  problemLabel_ = new QLabel(this);
  problemLabel_->setObjectName("projectProblem");
  problemLabel_->setWordWrap(true);
  problemLabel_->setStyleSheet(warningStyle());
  layers_ = new QTableWidget(this);
  layers_->setObjectName("layerTable");
  layers_->verticalHeader()->setVisible(false);
  layers_->setEditTriggers(QAbstractItemView::NoEditTriggers);
  layers_->setMinimumHeight(120);
  planStatus_ = new QLabel(tr("Working out the plan for the edited settings\u2026 (the figures below are the previous "
                              "settings')"),
                           this);
  planStatus_->setObjectName("planStatus");
  planStatus_->setWordWrap(true);
  planStatus_->setStyleSheet("font-style: italic");
  planStatus_->setVisible(false);
  // Shown only for a plan that takes a while (a model of millions of weights): the example projects plan in a few
  // milliseconds, and a line that flashed on every keystroke would be noise.
  planStatusDelay_ = new QTimer(this);
  planStatusDelay_->setSingleShot(true);
  planStatusDelay_->setInterval(250);
  connect(planStatusDelay_, &QTimer::timeout, this, [this] { planStatus_->setVisible(planner_->busy()); });
  memoryLabel_ = new QLabel(this);
  memoryLabel_->setWordWrap(true);
  memoryLabel_->setAlignment(Qt::AlignLeft | Qt::AlignTop);  // alone at the top when there is no plan
  memoryBars_ = new QCustomPlot(this);
  memoryBars_->setObjectName("memoryBars");
  memoryBars_->setMinimumHeight(200);
  memoryBars_->yAxis->setLabel(tr("training bytes (MB)"));
  memoryBars_->legend->setVisible(true);
  memoryBars_->legend->setFont(QFont(font().family(), 8));
  // Up to eight lines: the legend in its own rows above the bars, which it would otherwise cover.
  memoryBars_->plotLayout()->insertRow(0);
  memoryBars_->plotLayout()->addElement(0, 0, memoryBars_->legend);
  memoryBars_->legend->setFillOrder(QCPLegend::foColumnsFirst);
  memoryBars_->legend->setWrap(3);
  memoryBars_->plotLayout()->setRowStretchFactor(0, 0.001);
  makeInteractive(memoryBars_);
  connect(memoryBars_, &QCustomPlot::beforeReplot, this, &ProjectEditor::fitLayerNames);
  connect(memoryBars_, &QCustomPlot::mouseMove, this, [this](QMouseEvent* event) {
    const double x = memoryBars_->xAxis->pixelToCoord(event->position().x());
    const int bar = int(std::lround(x));
    if (bar < 0 || bar >= int(barTips_.size()) || std::abs(x - bar) > 0.3 ||
        !memoryBars_->axisRect()->rect().contains(event->position().toPoint())) {
      QToolTip::hideText();
      return;
    }
    QToolTip::showText(event->globalPosition().toPoint(), barTips_[size_t(bar)], memoryBars_);
  });

  schedule_ = new QCustomPlot(this);
  schedule_->setObjectName("mestSchedule");
  schedule_->setMinimumHeight(150);
  schedule_->xAxis->setLabel(tr("epoch (mutation at its start)"));
  schedule_->yAxis->setLabel(tr("model sparsity (%)"));
  schedule_->legend->setVisible(true);
  schedule_->legend->setFont(QFont(font().family(), 8));
  // The legend in its own row above the plot: the points span the whole width.
  schedule_->plotLayout()->insertRow(0);
  schedule_->plotLayout()->addElement(0, 0, schedule_->legend);
  schedule_->legend->setFillOrder(QCPLegend::foColumnsFirst);
  schedule_->plotLayout()->setRowStretchFactor(0, 0.001);
  makeInteractive(schedule_);
  schedule_->setVisible(false);

  auto* formBox = new QGroupBox(tr("Settings"), this);
  formBox->setLayout(form);
  auto* planBox = new QGroupBox(tr("Per-layer plan and memory model"), this);
  auto* planLayout = new QVBoxLayout(planBox);
  planLayout->addWidget(planStatus_);
  planLayout->addWidget(layers_, 2);
  planLayout->addWidget(memoryLabel_);
  planLayout->addWidget(memoryBars_, 3);
  planLayout->addWidget(schedule_, 2);
  auto* layout = new QHBoxLayout(this);
  // The settings scroll when the window is too short for them, rather than squeezing the form's rows.
  auto* settings = new QWidget(this);
  auto* left = new QVBoxLayout(settings);
  left->setContentsMargins(0, 0, 0, 0);
  left->addWidget(formBox);
  left->addWidget(problemLabel_);
  left->addStretch(1);
  auto* scroll = new QScrollArea(this);
  scroll->setWidget(settings);
  scroll->setWidgetResizable(true);
  scroll->setFrameShape(QFrame::NoFrame);
  scroll->setMinimumWidth(settings->sizeHint().width() + scroll->verticalScrollBar()->sizeHint().width());
  layout->addWidget(scroll, 2);
  layout->addWidget(planBox, 3);
}

// The problem's red, lightened on a dark theme until it reads.
QString ProjectEditor::warningStyle() const {
  return QString("color: %1;").arg(readableOn(QColor(0xb0, 0x30, 0x00), palette().color(QPalette::Window)).name());
}

void ProjectEditor::changeEvent(QEvent* event) {
  QWidget::changeEvent(event);
  if (event->type() != QEvent::PaletteChange) return;
  problemLabel_->setStyleSheet(warningStyle());
  if (memoryWarning_) memoryLabel_->setStyleSheet(warningStyle());
}

void ProjectEditor::setProject(const Project& project) {
  undo_->clear();
  apply(projectToJson(project), false);
}

void ProjectEditor::apply(const std::string& json, bool emitChange) {
  Project p = parseProject(json, "project");
  project_ = p;
  currentJson_ = json;
  problem_.clear();
  problemLabel_->clear();
  fill(p);
  showPlan(p);
  emit problemChanged(problem_);
  if (emitChange) emit projectChanged(p);
}

void ProjectEditor::fill(const Project& p) {
  filling_ = true;
  name_->setText(QString::fromStdString(p.name));
  dataset_->setCurrentText(QString::fromStdString(p.data.dataset));
  if (!p.augmentation.randomCrop) cropPadding_->setValue(cropPadding_->minimum());  // a new project: auto
  fillAugmentation(p.augmentation);
  fillModel(p.model);
  dropout_->setValue(p.model.dropout);
  epochs_->setValue(p.train.epochs);
  batch_->setValue(p.train.batchSize);
  lr_->setValue(p.train.optimizer.lr);
  seed_->setValue(int(p.train.seed));
  threads_->setValue(p.train.threads);
  target_->setValue(int(std::lround(100.0 * p.sparsity.target)));
  targetLabel_->setText(QString("%1%").arg(target_->value()));
  scheme_->setCurrentText(QString::fromStdString(p.sparsity.scheme));
  schemeOptions_->setText(QString::fromStdString(p.sparsity.schemeOptionsJson));
  distribution_->setCurrentText(QString::fromStdString(p.sparsity.distribution));
  const nlohmann::json algorithm = nlohmann::json::parse(projectToJson(p)).value("algorithm", nlohmann::json::object());
  const std::string variant = algorithm.value("variant", std::string("em&s"));
  for (int i = 0; i < int(std::size(kAlgorithms)); ++i)
    if (p.algorithm.name == kAlgorithms[i].name && (p.algorithm.name != "mest" || variant == kAlgorithms[i].variant))
      algorithm_->setCurrentIndex(i);
  memoryBound_->setText(p.memoryBoundBytes ? QString::number(*p.memoryBoundBytes) : QString());
  dataEfficiency_->setChecked(p.dataEfficiency.enabled);
  removalEpoch_->setValue(p.dataEfficiency.removalEpoch);
  removeFraction_->setValue(p.dataEfficiency.removeFraction);
  filling_ = false;
}

void ProjectEditor::fillModel(const ModelSpec& model) {
  const bool wasFilling = std::exchange(filling_, true);
  // "layers" is offered only while the project holds its own list: picked otherwise it would have none.
  const int layersItem = preset_->findText("layers");
  if (model.preset == "layers" && layersItem < 0) {
    preset_->addItem("layers");
    preset_->setItemData(preset_->count() - 1, tr("The project's own list of layers"), Qt::ToolTipRole);
  } else if (model.preset != "layers" && layersItem >= 0) {
    preset_->removeItem(layersItem);
  }
  preset_->setCurrentText(QString::fromStdString(model.preset));
  if (hasLayerList(model.preset)) layerList_->setModel(model);
  if (model.preset == "resnet") {
    resnetDepth_->setValue(model.depth);
    resnetWidth_->setValue(model.width);
    shortcut_->setCurrentIndex(shortcut_->findData(QString::fromStdString(model.shortcut)));
  }
  if (model.preset == "vgg") {
    vggDepth_->setCurrentText(QString::number(model.depth));
    QStringList widths;
    for (int w : model.fc) widths << QString::number(w);
    vggFc_->setText(widths.join(", "));
  }
  if (model.preset == "layers") layersSummary_->setText(layerListSummary(model.layers));
  showModelRows(model.preset);
  filling_ = wasFilling;
}

// Only the rows of the preset shown: each preset reads its own keys, and the form stays short.
void ProjectEditor::showModelRows(const std::string& preset) {
  form_->setRowVisible(layerList_, hasLayerList(preset));
  form_->setRowVisible(layersSummary_, preset == "layers");
  for (QWidget* row : {resnetDepthRow_, resnetWidthRow_, static_cast<QWidget*>(shortcut_)})
    form_->setRowVisible(row, preset == "resnet");
  for (QWidget* row : {static_cast<QWidget*>(vggDepth_), static_cast<QWidget*>(vggFc_)})
    form_->setRowVisible(row, preset == "vgg");
  form_->setRowVisible(dropout_, preset != "resnet" && preset != "layers");  // neither reads a dropout rate
}

void ProjectEditor::fillAugmentation(const AugmentationSpec& augmentation) {
  const bool wasFilling = std::exchange(filling_, true);
  randomCrop_->setChecked(augmentation.randomCrop);
  horizontalFlip_->setChecked(augmentation.horizontalFlip);
  // With the crop off the padding stays as it was: turned on again, the crop takes it back.
  if (augmentation.randomCrop) cropPadding_->setValue(augmentation.cropPadding.value_or(cropPadding_->minimum()));
  enableAugmentation();
  filling_ = wasFilling;
}

void ProjectEditor::enableAugmentation() {
  const bool images = isImageDataset(dataset_->currentText().toStdString());
  const QString why = images ? QString() : tr(" (for image data sets only: fashion-mnist, mnist, idx and cifar10)");
  randomCrop_->setEnabled(images);
  randomCrop_->setToolTip(tr("Shift each training image by up to the padding each way, as a crop of the image "
                             "padded with black, drawn afresh every epoch") +
                          why);
  horizontalFlip_->setEnabled(images);
  horizontalFlip_->setToolTip(tr("Mirror half of the training images, drawn afresh every epoch") + why);
  cropPadding_->setEnabled(images && randomCrop_->isChecked());
  cropPadding_->setToolTip(tr("Padding in pixels each way; auto: 2 for 28x28 images, 4 for any other size") +
                           (images && !randomCrop_->isChecked() ? tr(" (turn on Random crop first)") : why));
}

nlohmann::json ProjectEditor::formJson() const {
  nlohmann::json j = nlohmann::json::parse(currentJson_);
  j["name"] = name_->text().toStdString();
  if (j["data"].value("dataset", std::string()) != dataset_->currentText().toStdString())
    j["data"] = {{"dataset", dataset_->currentText().toStdString()}};  // another reader takes other keys
  const std::string dataset = dataset_->currentText().toStdString();
  const bool crop = randomCrop_->isChecked(), flip = horizontalFlip_->isChecked();
  if (isImageDataset(dataset) && (crop || flip)) {
    j["augmentation"] = {{"random_crop", crop}, {"horizontal_flip", flip}};
    if (crop && cropPadding_->value() != cropPadding_->minimum())
      j["augmentation"]["crop_padding"] = cropPadding_->value();
  } else {
    j.erase("augmentation");  // off, or a data set of points that nothing crops or mirrors
  }
  nlohmann::json& model = j["model"];
  const std::string preset = preset_->currentText().toStdString();
  if (model.value("preset", std::string()) != preset) {
    model = {{"preset", preset}};  // the preset's own layers
  } else if (preset == "resnet") {
    model["depth"] = resnetDepth_->value();
    model["width"] = resnetWidth_->value();
    model["shortcut"] = shortcut_->currentData().toString().toStdString();
  } else if (preset == "vgg") {
    model["depth"] = vggDepth_->currentText().toInt();
    nlohmann::json fc = nlohmann::json::array();
    for (const QString& width : vggFc_->text().split(QRegularExpression("[,\\s]+"), Qt::SkipEmptyParts))
      fc.push_back(sizeJson(width));
    model["fc"] = fc;
  } else if (hasLayerList(preset)) {
    for (const char* key : {"hidden", "channels", "fc", "kernel"}) model.erase(key);
    model.update(layerList_->modelJson());  // which may make it the other preset
  }
  if (const std::string shown = model.value("preset", std::string()); shown != "resnet" && shown != "layers")
    model["dropout"] = dropout_->value();
  j["train"]["epochs"] = epochs_->value();
  j["train"]["batch_size"] = batch_->value();
  j["train"]["optimizer"]["lr"] = lr_->value();
  j["train"]["seed"] = seed_->value();
  j["train"]["threads"] = threads_->value();
  j["sparsity"]["target"] = target_->value() / 100.0;
  j["sparsity"]["scheme"] = scheme_->currentText().toStdString();
  j["sparsity"]["distribution"] = distribution_->currentText().toStdString();
  const std::string options = schemeOptions_->text().trimmed().toStdString();
  nlohmann::json schemeOptions = nlohmann::json::parse(options.empty() ? "{}" : options, nullptr, false);
  if (schemeOptions.is_discarded())
    throw InputError("sparsity.scheme_options: not JSON (write it as {\"n\": 2, \"m\": 4})");
  j["sparsity"]["scheme_options"] = schemeOptions;
  const AlgorithmChoice& a = kAlgorithms[std::max(0, algorithm_->currentIndex())];
  nlohmann::json& algorithm = j["algorithm"];
  const bool sameChoice = algorithm.value("name", std::string()) == a.name &&
                          (std::string(a.name) != "mest" || algorithm.value("variant", std::string()) == a.variant);
  if (!sameChoice) {
    algorithm = {{"name", a.name}};  // another algorithm's knobs would not be valid here
    if (*a.variant) algorithm["variant"] = a.variant;
  }
  const QString bound = memoryBound_->text().trimmed();
  bool isNumber = false;
  const qlonglong boundBytes = bound.toLongLong(&isNumber);
  j["memory_bound"] = bound.isEmpty() ? nlohmann::json()
                      : isNumber      ? nlohmann::json(boundBytes)
                                      : nlohmann::json(bound.toStdString());
  j["data_efficiency"] = {{"enabled", dataEfficiency_->isChecked()},
                          {"removal_epoch", removalEpoch_->value()},
                          {"remove_fraction", removeFraction_->value()},
                          {"keep_lowest", j["data_efficiency"].value("keep_lowest", 0)}};
  return j;
}

void ProjectEditor::formEdited() {
  if (filling_ || currentJson_.empty()) return;
  enableAugmentation();  // the data set may have changed
  try {
    const std::string edited = formJson().dump(2);
    if (edited == currentJson_) {  // back to the valid project: a problem shown for an edit in between is gone
      if (!problem_.isEmpty()) {
        problem_.clear();
        problemLabel_->clear();
        emit problemChanged(problem_);
      }
      return;
    }
    const Project p = parseProject(edited, "project");
    const std::string normal = projectToJson(p);
    const std::string before = currentJson_;
    project_ = p;
    currentJson_ = normal;
    problem_.clear();
    problemLabel_->clear();
    fillModel(p.model);                // a preset brings its layers; the layers decide the preset
    fillAugmentation(p.augmentation);  // off when the data set has no images
    showPlan(p);
    undo_->push(new EditCommand(this, before, normal));
    emit problemChanged(problem_);
    emit projectChanged(p);
  } catch (const std::exception& e) {
    // Shown beside the form; the last valid project stays the one a run would use.
    problem_ = QString::fromStdString(e.what());
    problemLabel_->setText(problem_);
    emit problemChanged(problem_);
  }
}

void ProjectEditor::showSchedule(const std::vector<ProjectPlan::Mutation>& mutations, double target) {
  schedule_->clearGraphs();
  schedule_->clearItems();
  schedule_->setVisible(!mutations.empty());
  if (mutations.empty()) return;
  QCPGraph* prune = schedule_->addGraph();
  QCPGraph* grow = schedule_->addGraph();
  prune->setName(tr("prune to (drop the least important)"));
  grow->setName(tr("grow to (random, at zero)"));
  prune->setPen(QPen(QColor::fromRgb(seriesRgb(SeriesColour::Vermillion)), 2));
  grow->setPen(QPen(QColor::fromRgb(seriesRgb(SeriesColour::Green)), 2));
  for (QCPGraph* g : {prune, grow}) {
    g->setLineStyle(QCPGraph::lsNone);
    g->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssCircle, 6));
  }
  for (const auto& m : mutations) {
    prune->addData(m.epoch, 100.0 * m.pruneTo);
    grow->addData(m.epoch, 100.0 * m.growTo);
  }
  auto* line = new QCPItemStraightLine(schedule_);
  line->setPen(QPen(Qt::gray, 1, Qt::DashLine));
  line->point1->setCoords(0, 100.0 * target);
  line->point2->setCoords(1, 100.0 * target);
  schedule_->rescaleAxes();
  schedule_->xAxis->setRange(0.5, mutations.back().epoch + 0.5);
  schedule_->yAxis->setRange(schedule_->yAxis->range().lower - 0.5, schedule_->yAxis->range().upper + 0.5);
  schedule_->replot();
}

void ProjectEditor::showPlan(const Project& p) {
  planner_->request(p);
  if (!planStatusDelay_->isActive()) planStatusDelay_->start();
}

void ProjectEditor::drawMemoryBars(const MemoryEstimate& memory) {
  // A stacked bar per layer of its own lines, and one for the lines of the whole run (the algorithm's transient,
  // the checkpoint and snapshots on their way to the store), coloured as the dashboard's memory plot.
  const std::vector<MemoryLine> names = memory.lines();
  const int64_t LayerMemory::*const perLayer[] = {&LayerMemory::weights,     &LayerMemory::indices,
                                                  &LayerMemory::gradients,   &LayerMemory::optimizer,
                                                  &LayerMemory::activations, &LayerMemory::transient};
  constexpr size_t kPerLayer = std::size(perLayer);
  QSharedPointer<LayerNameTicker> ticker(new LayerNameTicker);
  std::vector<const LayerMemory*> shown;
  for (const LayerMemory& m : memory.layers)
    if (m.persistent() + m.transient > 0) shown.push_back(&m);
  barTips_.assign(shown.size() + 1, QString());
  for (size_t x = 0; x < shown.size(); ++x) {
    ticker->addTick(double(x), QString::fromStdString(shown[x]->layer));
    barTips_[x] = QString::fromStdString(shown[x]->layer);
    for (size_t k = 0; k < kPerLayer; ++k)
      if (const int64_t bytes = shown[x]->*perLayer[k]; bytes > 0)
        barTips_[x] += QString("\n%1: %2").arg(tr(names[k].name), megabytes(bytes));
  }
  const double runX = double(shown.size());
  ticker->addTick(runX, tr("whole run"));
  barTips_.back() = tr("the whole run's lines");
  for (size_t k = kPerLayer; k < names.size(); ++k)
    if (names[k].bytes > 0) barTips_.back() += QString("\n%1: %2").arg(tr(names[k].name), megabytes(names[k].bytes));
  QCPBars* below = nullptr;
  for (size_t k = 0; k < names.size(); ++k) {
    auto* bars = new QCPBars(memoryBars_->xAxis, memoryBars_->yAxis);
    bars->setName(tr(names[k].name));
    bars->setBrush(memoryLineColour(k));
    bars->setPen(Qt::NoPen);
    bars->setWidth(0.6);
    if (below) bars->moveAbove(below);
    below = bars;
    if (k < kPerLayer) {
      for (size_t x = 0; x < shown.size(); ++x) bars->addData(double(x), double(shown[x]->*perLayer[k]) / 1e6);
    } else {
      bars->addData(runX, double(names[k].bytes) / 1e6);
    }
    if (names[k].bytes == 0) bars->removeFromLegend();
  }
  memoryBars_->xAxis->setTicker(ticker);
  memoryBars_->rescaleAxes();
  memoryBars_->xAxis->setRange(-0.7, runX + 0.7);
  memoryBars_->yAxis->setRange(0, memoryBars_->yAxis->range().upper * 1.15);
}

// Layer names that would overlap are tilted, then thinned to as many as fit across the plot.
void ProjectEditor::fitLayerNames() {
  const auto ticker = memoryBars_->xAxis->ticker().dynamicCast<LayerNameTicker>();
  if (!ticker) return;
  const QFontMetrics metrics(memoryBars_->xAxis->tickLabelFont());
  const QCPRange range = memoryBars_->xAxis->range();
  int inView = 0, widest = 0;
  for (auto it = ticker->ticks().cbegin(); it != ticker->ticks().cend(); ++it) {
    if (!range.contains(it.key())) continue;
    ++inView;
    widest = std::max(widest, metrics.horizontalAdvance(it.value()));
  }
  const QMargins margins = memoryBars_->axisRect()->margins();
  const int width = std::max(1, memoryBars_->viewport().width() - margins.left() - margins.right());
  const int gap = metrics.averageCharWidth() * 2;
  if (inView * (widest + gap) <= width) {
    memoryBars_->xAxis->setTickLabelRotation(0);
    ticker->setRoom(0);
  } else {  // tilted by 30 degrees, a name is half as tall as it is long, and neighbours need twice its height apart
    memoryBars_->xAxis->setTickLabelRotation(-30);
    ticker->setRoom(std::max(2, width / (2 * (metrics.height() + 2))));
  }
}

void ProjectEditor::drawPlan(const Project& p, const BackgroundPlanner::Outcome& outcome) {
  if (!planner_->busy()) {  // the newest edit's plan: nothing is being worked out any more
    planStatusDelay_->stop();
    planStatus_->setVisible(false);
  }
  layers_->clear();
  memoryBars_->clearPlottables();
  // Without a plan only its reason is shown: an empty table and bars with the last plan's layer names said nothing.
  layers_->setVisible(outcome.plan.has_value());
  memoryBars_->setVisible(outcome.plan.has_value());
  if (outcome.plan) {
    const ProjectPlan& plan = *outcome.plan;
    const QStringList headers{tr("layer"),  tr("weights"),        tr("density"),
                              tr("active"), tr("training bytes"), tr("dense bytes")};
    layers_->setColumnCount(int(headers.size()));
    layers_->setHorizontalHeaderLabels(headers);
    layers_->setRowCount(int(plan.memory.layers.size()));
    for (size_t i = 0; i < plan.memory.layers.size(); ++i) {
      const LayerMemory& m = plan.memory.layers[i];
      const LayerMemory& dense = plan.denseTwin.layers[i];
      const auto d = std::find_if(plan.densities.begin(), plan.densities.end(),
                                  [&](const LayerDensity& x) { return x.name == m.layer; });
      const QStringList cells{
          QString::fromStdString(m.layer),
          d != plan.densities.end() ? QString::number(d->size) : QString("-"),
          d != plan.densities.end() ? QString::number(double(d->active) / double(d->size), 'f', 4) : QString("1"),
          d != plan.densities.end() ? QString::number(d->active) : QString("-"),
          megabytes(m.persistent() + m.transient),
          megabytes(dense.persistent() + dense.transient)};
      for (int c = 0; c < int(cells.size()); ++c) layers_->setItem(int(i), c, new QTableWidgetItem(cells[c]));
    }
    layers_->resizeColumnsToContents();
    layers_->horizontalHeader()->setStretchLastSection(true);
    drawMemoryBars(plan.memory);
    const int64_t peak = plan.memory.peak(), densePeak = plan.denseTwin.peak();
    QString text = tr("%1 parameters; training needs %2 at its peak, %3% of the %4 it needs dense (the data set, read "
                      "when the run starts, comes on top)")
                       .arg(plan.parameterCount)
                       .arg(megabytes(peak))
                       .arg(100.0 * double(peak) / double(std::max<int64_t>(1, densePeak)), 0, 'f', 0)
                       .arg(megabytes(densePeak));
    if (p.memoryBoundBytes) text += tr("; bound %1").arg(megabytes(*p.memoryBoundBytes));
    if (!plan.boundProblem.empty()) text += "\n" + QString::fromStdString(plan.boundProblem);
    memoryLabel_->setText(text);
    memoryWarning_ = !plan.boundProblem.empty();
    memoryLabel_->setStyleSheet(memoryWarning_ ? warningStyle() : QString());
    showSchedule(plan.mestSchedule, p.sparsity.target);
  } else {
    schedule_->setVisible(false);
    memoryLabel_->setText(QString::fromStdString(outcome.error));
    // Data read from the user's files has no shape before the run: a note. A known shape without a plan is a
    // model the run would refuse too (one beyond this machine's memory): a warning.
    memoryWarning_ = knownInputShape(p.data).has_value();
    memoryLabel_->setStyleSheet(memoryWarning_ ? warningStyle() : QString());
  }
  memoryBars_->replot();
}

}  // namespace ss::ui
