#include "layer_list_editor.h"

#include <QComboBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QShortcut>
#include <QSpinBox>
#include <QTableWidget>
#include <QToolButton>
#include <QVBoxLayout>
#include <functional>

#include "core/error.h"

namespace ss::ui {

namespace {

constexpr int kKindColumn = 0, kSizeColumn = 1, kThenColumn = 2;

QString kindLabel(LayerListEditor::Kind kind) {
  return kind == LayerListEditor::Kind::Convolution ? QObject::tr("convolution") : QObject::tr("dense");
}

QToolButton* button(QWidget* parent, const QString& name, const QString& text, const QString& tip) {
  auto* b = new QToolButton(parent);
  b->setObjectName(name);
  b->setText(text);
  b->setToolTip(tip);
  return b;
}

// A key that acts while the layer table has the focus, so Delete elsewhere in the form stays the editor's.
void onKey(QTableWidget* table, const QKeySequence& keys, const std::function<void()>& act) {
  auto* shortcut = new QShortcut(keys, table, nullptr, nullptr, Qt::WidgetShortcut);
  QObject::connect(shortcut, &QShortcut::activated, table, act);
}

}  // namespace

nlohmann::json sizeJson(const QString& text) {
  bool ok = false;
  const int v = text.trimmed().toInt(&ok);
  return ok ? nlohmann::json(v) : nlohmann::json(text.trimmed().toStdString());
}

LayerListEditor::LayerListEditor(QWidget* parent) : QWidget(parent) {
  table_ = new QTableWidget(0, 3, this);
  table_->setObjectName("modelLayers");
  table_->setHorizontalHeaderLabels({tr("layer"), tr("size"), tr("then")});
  table_->horizontalHeaderItem(kSizeColumn)->setToolTip(tr("Filters of a convolution, units of a dense layer"));
  table_->horizontalHeader()->setSectionResizeMode(kKindColumn, QHeaderView::ResizeToContents);
  table_->horizontalHeader()->setSectionResizeMode(kSizeColumn, QHeaderView::Stretch);
  table_->horizontalHeader()->setSectionResizeMode(kThenColumn, QHeaderView::ResizeToContents);
  table_->setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
  table_->setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Fixed);  // as tall as its rows, see showLayers
  table_->setSelectionBehavior(QAbstractItemView::SelectRows);
  table_->setSelectionMode(QAbstractItemView::SingleSelection);
  table_->setEditTriggers(QAbstractItemView::DoubleClicked | QAbstractItemView::EditKeyPressed |
                          QAbstractItemView::AnyKeyPressed);
  table_->setToolTip(
      tr("The hidden layers in order, input first; the classifier follows the last. Double-click a "
         "size to change it; Delete removes a layer, Ctrl+Up and Ctrl+Down move it."));
  table_->verticalHeader()->setDefaultSectionSize(table_->fontMetrics().height() + 10);
  connect(table_, &QTableWidget::itemChanged, this, [this](QTableWidgetItem* item) {
    if (!showing_ && item->column() == kSizeColumn) setLayerSize(item->row(), item->text());
  });
  connect(table_, &QTableWidget::itemSelectionChanged, this, &LayerListEditor::updateButtons);

  kernel_ = new QSpinBox(this);
  kernel_->setObjectName("convKernel");
  kernel_->setRange(1, 11);
  kernel_->setSingleStep(2);
  kernel_->setToolTip(tr("Square kernel of every convolution, odd so that 'same' padding keeps the image size"));
  connect(kernel_, &QSpinBox::valueChanged, this, [this] {
    if (!showing_) emit edited();
  });

  addConv_ =
      button(this, "addConvolution", tr("+ Conv"), tr("Add a convolution of 32 filters after the last convolution"));
  addDense_ =
      button(this, "addDense", tr("+ Dense"), tr("Add a fully connected layer of 128 units below the selected one"));
  remove_ = button(this, "removeLayer", tr("Remove"), QString());
  up_ = button(this, "moveLayerUp", QString::fromUtf8("\u2191"), QString());
  down_ = button(this, "moveLayerDown", QString::fromUtf8("\u2193"), QString());
  connect(addConv_, &QToolButton::clicked, this, [this] { addLayer(Kind::Convolution, 32); });
  connect(addDense_, &QToolButton::clicked, this, [this] { addLayer(Kind::FullyConnected, 128); });
  connect(remove_, &QToolButton::clicked, this, [this] { removeLayer(selectedRow()); });
  connect(up_, &QToolButton::clicked, this, [this] { moveLayer(selectedRow(), -1); });
  connect(down_, &QToolButton::clicked, this, [this] { moveLayer(selectedRow(), +1); });
  onKey(table_, QKeySequence::Delete, [this] { removeLayer(selectedRow()); });
  onKey(table_, QKeySequence(Qt::CTRL | Qt::Key_Up), [this] { moveLayer(selectedRow(), -1); });
  onKey(table_, QKeySequence(Qt::CTRL | Qt::Key_Down), [this] { moveLayer(selectedRow(), +1); });

  auto* buttons = new QHBoxLayout;
  for (QWidget* w : std::initializer_list<QWidget*>{addConv_, addDense_, remove_, up_, down_}) buttons->addWidget(w);
  buttons->addStretch(1);
  // Shown only with convolutions: an MLP has no kernel, and the form stays short enough for a laptop screen.
  kernelRow_ = new QWidget(this);
  auto* kernelRow = new QHBoxLayout(kernelRow_);
  kernelRow->setContentsMargins(0, 0, 0, 0);
  kernelRow->addWidget(new QLabel(tr("Kernel of every convolution:"), kernelRow_));
  kernelRow->addWidget(kernel_);
  kernelRow->addStretch(1);
  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(0, 0, 0, 0);
  layout->addWidget(table_, 1);
  layout->addLayout(buttons);
  layout->addWidget(kernelRow_);
  showLayers(-1);
}

void LayerListEditor::setModel(const ModelSpec& model) {
  layers_.clear();
  if (model.preset == "mlp") {
    for (int w : model.hidden) layers_.push_back({Kind::FullyConnected, QString::number(w)});
  } else {
    for (int c : model.channels) layers_.push_back({Kind::Convolution, QString::number(c)});
    for (int w : model.fc) layers_.push_back({Kind::FullyConnected, QString::number(w)});
  }
  showing_ = true;
  kernel_->setValue(model.kernel);
  showing_ = false;
  showLayers(std::min(selectedRow(), int(layers_.size()) - 1));
}

nlohmann::json LayerListEditor::modelJson() const {
  nlohmann::json channels = nlohmann::json::array(), fc = nlohmann::json::array();
  for (size_t i = 0; i < layers_.size(); ++i) {
    const bool conv = layers_[i].kind == Kind::Convolution;
    if (conv && !fc.empty())
      throw InputError("model: layer " + std::to_string(i + 1) +
                       " is a convolution after a fully connected layer; convolutions come first, since the "
                       "network flattens the image once before its fully connected layers");
    (conv ? channels : fc).push_back(sizeJson(layers_[i].size));
  }
  if (channels.empty()) return {{"preset", "mlp"}, {"hidden", fc}};
  return {{"preset", "convnet"}, {"channels", channels}, {"fc", fc}, {"kernel", kernel_->value()}};
}

void LayerListEditor::addLayer(Kind kind, int size) {
  const auto firstDense =
      std::find_if(layers_.begin(), layers_.end(), [](const Layer& l) { return l.kind == Kind::FullyConnected; });
  int at = int(layers_.size());
  if (kind == Kind::Convolution) {
    at = int(firstDense - layers_.begin());
  } else if (const int row = selectedRow(); row >= 0 && layers_[size_t(row)].kind == Kind::FullyConnected) {
    at = row + 1;
  }
  layers_.insert(layers_.begin() + at, {kind, QString::number(size)});
  showLayers(at);
  emit edited();
}

void LayerListEditor::removeLayer(int row) {
  if (row < 0 || row >= int(layers_.size())) return;
  layers_.erase(layers_.begin() + row);
  showLayers(std::min(row, int(layers_.size()) - 1));
  emit edited();
}

void LayerListEditor::moveLayer(int row, int offset) {
  const int to = row + offset;
  if (row < 0 || row >= int(layers_.size()) || to < 0 || to >= int(layers_.size())) return;
  std::swap(layers_[size_t(row)], layers_[size_t(to)]);
  showLayers(to);
  emit edited();
}

void LayerListEditor::setLayerSize(int row, const QString& size) {
  if (row < 0 || row >= int(layers_.size()) || layers_[size_t(row)].size == size) return;
  layers_[size_t(row)].size = size;
  showLayers(row);
  emit edited();
}

void LayerListEditor::setLayerKind(int row, Kind kind) {
  if (row < 0 || row >= int(layers_.size()) || layers_[size_t(row)].kind == kind) return;
  layers_[size_t(row)].kind = kind;
  showLayers(row);
  emit edited();
}

int LayerListEditor::selectedRow() const {
  const auto rows = table_->selectionModel()->selectedRows();
  return rows.isEmpty() ? -1 : rows.front().row();
}

// Cells are updated in place, never replaced: an edit arrives from the very item or combo box it changes.
void LayerListEditor::showLayers(int selectRow) {
  showing_ = true;
  table_->setRowCount(int(layers_.size()));
  for (int row = 0; row < int(layers_.size()); ++row) {
    const Layer& layer = layers_[size_t(row)];
    const bool conv = layer.kind == Kind::Convolution;
    auto* kind = qobject_cast<QComboBox*>(table_->cellWidget(row, kKindColumn));
    if (!kind) {
      kind = new QComboBox(table_);
      kind->addItems({kindLabel(Kind::Convolution), kindLabel(Kind::FullyConnected)});
      kind->setToolTip(tr("Convolutions see the image; fully connected layers see it flattened"));
      connect(kind, &QComboBox::currentIndexChanged, this, [this, row](int index) {
        if (!showing_) setLayerKind(row, index == 0 ? Kind::Convolution : Kind::FullyConnected);
      });
      table_->setCellWidget(row, kKindColumn, kind);
      table_->setItem(row, kSizeColumn, new QTableWidgetItem);
      auto* then = new QTableWidgetItem;
      then->setFlags(then->flags() & ~Qt::ItemIsEditable);
      then->setToolTip(tr("Fixed by the project format"));
      table_->setItem(row, kThenColumn, then);
    }
    kind->setCurrentIndex(conv ? 0 : 1);
    QTableWidgetItem* size = table_->item(row, kSizeColumn);
    size->setText(layer.size);
    size->setToolTip(conv ? tr("Filters of this convolution (1 to 65536)") : tr("Units of this layer (1 to 65536)"));
    table_->item(row, kThenColumn)->setText(conv ? tr("ReLU, max pool 2") : tr("ReLU"));
  }
  if (selectRow >= 0) table_->selectRow(selectRow);
  const bool anyConv =
      std::any_of(layers_.begin(), layers_.end(), [](const Layer& l) { return l.kind == Kind::Convolution; });
  kernelRow_->setVisible(anyConv);
  // Room for one more row than there is, so that a new layer does not make the form jump; up to six.
  const int rows = std::clamp(int(layers_.size()) + 1, 3, 6);
  table_->setFixedHeight(table_->horizontalHeader()->sizeHint().height() +
                         rows * table_->verticalHeader()->defaultSectionSize() + 2 * table_->frameWidth());
  showing_ = false;
  updateButtons();
}

void LayerListEditor::updateButtons() {
  const int row = selectedRow();
  const QString why = row < 0 ? tr(" (select a layer first)") : QString();
  remove_->setEnabled(row >= 0);
  remove_->setToolTip(tr("Remove the selected layer (Delete)") + why);
  up_->setEnabled(row > 0);
  up_->setToolTip(tr("Move the selected layer towards the input (Ctrl+Up)") +
                  (row == 0 ? tr(" (it is the first already)") : why));
  down_->setEnabled(row >= 0 && row + 1 < int(layers_.size()));
  down_->setToolTip(tr("Move the selected layer towards the classifier (Ctrl+Down)") +
                    (row >= 0 && row + 1 == int(layers_.size()) ? tr(" (it is the last already)") : why));
}

}  // namespace ss::ui
