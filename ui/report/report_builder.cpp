#include "report_builder.h"

#include <qcustomplot.h>

#include <QDateTime>
#include <QPainter>
#include <QSysInfo>
#include <map>
#include <nlohmann/json.hpp>

#include "comparison_view.h"
#include "core/version.h"
#include "example_grid_model.h"
#include "forgetting_view.h"
#include "mask_viewer.h"
#include "run_comparison.h"
#include "store/run_store.h"
#include "training_dashboard.h"

namespace ss::ui::report {

namespace {

// Layout size of a full-width figure, in CSS pixels: an A4 page's text width at 96 dpi.
constexpr int kPageWidth = 680;

QImage renderPlot(QCustomPlot* plot, int width, int height) {
  return plot->toPixmap(width, height, kFigureScale).toImage();
}

QString megabytes(int64_t bytes) {
  return QString("%1 MB").arg(double(bytes) / 1e6, 0, 'f', bytes < 10'000'000 ? 3 : 1);
}

QString percentOf(double fraction, int decimals = 2) {
  return QString("%1%").arg(100.0 * fraction, 0, 'f', decimals);
}

QString runTitle(const RunSummary& s) {
  return QObject::tr("Run %1 '%2'").arg(s.id).arg(QString::fromStdString(s.name));
}

// Builds one report's blocks; heading levels are relative, so a run's sections nest under a comparison.
class Composer {
 public:
  Composer(ReportDocument& doc, const QString& storePath) : doc_(doc), storePath_(storePath) {}

  void comparison(const std::vector<RunReportInputs>& runs, int level) {
    std::vector<RunDetails> details;
    std::vector<int64_t> ids;
    for (const RunReportInputs& r : runs) {
      details.push_back(r.details);
      ids.push_back(r.details.summary.id);
    }
    heading(level, QObject::tr("Comparison"));
    paragraph(
        QObject::tr("Marked cells hold the best value of their column: highest accuracy, shortest training "
                    "time, smallest memory model."));
    doc_.blocks.push_back(compareRuns(details));
    ComparisonView view;
    view.compare(storePath_, ids);
    figure("comparison-accuracy", renderPlot(view.accuracyPlot(), kPageWidth, 320),
           QObject::tr("Test accuracy per epoch, every run overlaid"));
    figure("comparison-loss", renderPlot(view.lossPlot(), kPageWidth, 320),
           QObject::tr("Test loss per epoch, every run overlaid"));
  }

  void run(const RunReportInputs& r, int level) {
    const RunSummary& s = r.details.summary;
    prefix_ = QString("run-%1-").arg(s.id);
    summary(r, level);
    reproduce(r, level);
    model(r, level);
    curves(r, level);
    masks(r, level);
    examples(r, level);
    doc_.blocks.push_back(Heading{level, QObject::tr("Data")});
    doc_.blocks.push_back(Links{QObject::tr("Everything plotted above, as written by 'sparsescope export':"), r.csv});
  }

 private:
  void heading(int level, const QString& text) { doc_.blocks.push_back(Heading{level, text}); }
  void paragraph(const QString& text) { doc_.blocks.push_back(Paragraph{text}); }
  void figure(const QString& stem, QImage image, const QString& caption) {
    doc_.blocks.push_back(Figure{prefix_ + stem, std::move(image), caption});
  }

  void summary(const RunReportInputs& r, int level) {
    const RunSummary& s = r.details.summary;
    heading(level, QObject::tr("Summary"));
    Table t{{QObject::tr("Setting"), QObject::tr("Value")}, {}, {}};
    auto row = [&](const QString& key, const QString& value) { t.rows.push_back({key, value}); };
    row(QObject::tr("Status"), QString::fromStdString(s.status + (s.message.empty() ? "" : ": " + s.message)));
    row(QObject::tr("Algorithm"), QString::fromStdString(s.algorithm));
    row(QObject::tr("Scheme"), QString::fromStdString(s.scheme));
    row(QObject::tr("Target sparsity"), percentOf(s.target, 1));
    row(QObject::tr("Final test accuracy"), s.finalTestAccuracy ? percentOf(*s.finalTestAccuracy) : "-");
    if (r.details.bestEpoch)
      row(QObject::tr("Best test accuracy"), QObject::tr("%1 (epoch %2)")
                                                 .arg(percentOf(r.details.bestEpoch->testAccuracy))
                                                 .arg(r.details.bestEpoch->epoch));
    row(QObject::tr("Epochs"), QString("%1 of %2").arg(s.epochsLogged).arg(s.epochs));
    row(QObject::tr("Training time"), QString("%1 s").arg(s.elapsedSeconds, 0, 'f', 1));
    row(QObject::tr("Mask changes"), QObject::tr("%1 (%2 weights dropped, %3 grown)")
                                         .arg(r.details.maskChanges)
                                         .arg(r.details.weightsDropped)
                                         .arg(r.details.weightsGrown));
    row(QObject::tr("Examples removed"), QString::number(r.details.examplesRemoved));
    row(QObject::tr("Engine version"), QString::fromStdString(s.engineVersion));
    row(QObject::tr("Seed"), QString::number(s.seed));
    row(QObject::tr("Threads"), QString::number(s.threads));
    row(QObject::tr("Machine"), QString::fromStdString(s.host));
    row(QObject::tr("Started"), QString::fromStdString(s.startedAt));
    row(QObject::tr("Ended"), QString::fromStdString(s.endedAt.empty() ? "-" : s.endedAt));
    doc_.blocks.push_back(std::move(t));
  }

  void reproduce(const RunReportInputs& r, int level) {
    const RunSummary& s = r.details.summary;
    heading(level, QObject::tr("Project and how to reproduce the run"));
    const QString file = QString("run-%1-project.json").arg(s.id);
    paragraph(
        QObject::tr("Save the project file linked below and run this; with the same engine version and "
                    "thread count the result is bit for bit the recorded one:"));
    doc_.blocks.push_back(Code{QString("sparsescope run %1 --threads %2").arg(file).arg(s.threads)});
    doc_.blocks.push_back(
        Links{QObject::tr("Project file:"), {{file, QByteArray::fromStdString(r.projectJson), "application/json"}}});
    // Every setting as a key path, the way sweeps and error messages name them.
    const nlohmann::json project = nlohmann::json::parse(r.projectJson, nullptr, false);
    if (project.is_discarded()) return;
    Table t{{QObject::tr("Key"), QObject::tr("Value")}, {}, {}};
    const nlohmann::json flat = project.flatten();
    for (const auto& [path, value] : flat.items()) {
      QString key = QString::fromStdString(path).mid(1).replace('/', '.');
      t.rows.push_back({key, QString::fromStdString(value.is_string() ? value.get<std::string>() : value.dump())});
    }
    doc_.blocks.push_back(std::move(t));
  }

  void model(const RunReportInputs& r, int level) {
    heading(level, QObject::tr("Model: per-layer density and memory"));
    if (!r.plan) {
      paragraph(
          QObject::tr("This engine cannot rebuild the run's model from its project, so the per-layer table "
                      "is missing; the densities each mask snapshot recorded are in layers.csv."));
      return;
    }
    const ProjectPlan& plan = *r.plan;
    std::map<std::string, const LayerDensity*> planned;
    for (const LayerDensity& d : plan.densities) planned[d.name] = &d;
    std::map<std::string, const LayerSnapshotSummary*> atEnd;
    for (const LayerSnapshotSummary& l : r.details.layers) atEnd[l.layer] = &l;
    Table t{
        {QObject::tr("Layer"), QObject::tr("Weights"), QObject::tr("Planned density"), QObject::tr("Density at end"),
         QObject::tr("Parameter memory"), QObject::tr("Dense equivalent"), QObject::tr("Activations")},
        {},
        {}};
    for (size_t i = 0; i < plan.memory.layers.size(); ++i) {
      const LayerMemory& m = plan.memory.layers[i];
      const int64_t dense = plan.denseTwin.layers[i].parameterState();
      const auto p = planned.find(m.layer);
      const auto e = atEnd.find(m.layer);
      if (dense == 0 && p == planned.end()) continue;  // no weights: pooling, activations
      // Without a mask snapshot the weight count comes from the dense twin: 12 bytes a weight (value, gradient,
      // momentum), as weightMemory counts them.
      constexpr int64_t kDenseBytesPerWeight = 12;
      t.rows.push_back({QString::fromStdString(m.layer),
                        e != atEnd.end() ? QString("%1 x %2").arg(e->second->rows).arg(e->second->cols)
                                         : QString::number(dense / kDenseBytesPerWeight),
                        p != planned.end() ? percentOf(p->second->density) : QObject::tr("100% (dense)"),
                        e != atEnd.end() ? percentOf(e->second->density()) : QString("-"),
                        megabytes(m.parameterState()), megabytes(dense), megabytes(m.activations)});
    }
    t.rows.push_back({QObject::tr("model"), QString::number(plan.parameterCount), "", "",
                      megabytes(plan.memory.parameterState()), megabytes(plan.denseTwin.parameterState()),
                      QObject::tr("peak %1").arg(megabytes(plan.memory.peak()))});
    doc_.blocks.push_back(std::move(t));
    QString bound = r.project && r.project->memoryBoundBytes
                        ? QObject::tr("Memory bound %1: %2.")
                              .arg(megabytes(*r.project->memoryBoundBytes),
                                   plan.boundProblem.empty() ? QObject::tr("the planned model fits")
                                                             : QString::fromStdString(plan.boundProblem))
                        : QObject::tr("No memory bound.");
    paragraph(QObject::tr("Parameter memory counts weights, indices, gradients and momentum as the engine stores "
                          "them; the dense equivalent is the same layer trained dense. ") +
              bound);
  }

  void curves(const RunReportInputs& r, int level) {
    TrainingDashboard dashboard;
    const RunStore store(storePath_.toStdString());
    dashboard.showStoredRun(store, r.details.summary.id);
    heading(level, QObject::tr("Accuracy and loss"));
    figure("accuracy", renderPlot(dashboard.accuracyPlot(), kPageWidth, 300),
           QObject::tr("Train and test accuracy per epoch"));
    figure("loss", renderPlot(dashboard.lossPlot(), kPageWidth, 300),
           QObject::tr("Cross-entropy: sampled steps, and train and test per epoch"));
    heading(level, QObject::tr("Memory against the bound"));
    figure("memory", renderPlot(dashboard.memoryPlot(), kPageWidth, 280),
           QObject::tr("The memory model's lines stacked to its peak, and the measured peak resident set above the "
                       "process's base at each epoch's end; the dashed line is the memory bound, when the project "
                       "sets one"));
    heading(level, QObject::tr("Mutation schedule"));
    figure("schedule", renderPlot(dashboard.schedulePlot(), kPageWidth, 300),
           QObject::tr("Learning rate, model density and each mutated layer's density"));
    figure("mutations", renderPlot(dashboard.mutationPlot(), kPageWidth, 280),
           QObject::tr("Weights dropped and grown at each mask change, and the training examples in use"));
    if (r.plan && !r.plan->mestSchedule.empty()) {
      Table t{{QObject::tr("Epoch"), QObject::tr("Prunes to sparsity"), QObject::tr("Grows back to")}, {}, {}};
      for (const ProjectPlan::Mutation& m : r.plan->mestSchedule)
        t.rows.push_back({QString::number(m.epoch), percentOf(m.pruneTo), percentOf(m.growTo)});
      paragraph(QObject::tr("MEST's planned mutations:"));
      doc_.blocks.push_back(std::move(t));
    }
  }

  void masks(const RunReportInputs& r, int level) {
    heading(level, QObject::tr("Masks at start and end"));
    MaskViewer viewer;
    viewer.showRun(storePath_, r.details.summary.id);
    if (viewer.snapshotCount() == 0 && viewer.layers().isEmpty()) {
      paragraph(QObject::tr("This run logged no mask snapshots: it trained dense, or stopped before its first."));
      return;
    }
    paragraph(QObject::tr("One cell per weight (rows: outputs or filters; columns: inputs). Dark: active; green: "
                          "grown by the snapshot's mutation; red: dropped by it; light: inactive. A layer longer than "
                          "%1 weights along an axis is drawn in blocks of weights, each the darker the more of its "
                          "weights are active; the caption gives the block size.")
                  .arg(CellBudget{}.perWeightLimit));
    for (const QString& layer : viewer.layers()) {
      viewer.selectLayer(layer);
      const int count = viewer.snapshotCount();
      if (count == 0) continue;
      const int half = kPageWidth / 2 - 4;
      viewer.selectSnapshot(0);
      const QString startCaption = viewer.caption();
      const QImage start = renderPlot(viewer.plot(), half, 240);
      viewer.selectSnapshot(count - 1);
      const QString endCaption = viewer.caption();
      const QImage end = renderPlot(viewer.plot(), half, 240);
      figure("mask-" + layer, sideBySide(start, end),
             QObject::tr("Left, at start: %1. Right, at end: %2.").arg(startCaption, endCaption));
    }
  }

  static QImage sideBySide(const QImage& left, const QImage& right) {
    const int gap = 8 * kFigureScale;
    QImage both(left.width() + gap + right.width(), std::max(left.height(), right.height()), QImage::Format_RGB32);
    both.fill(Qt::white);
    QPainter paint(&both);
    paint.drawImage(0, 0, left);
    paint.drawImage(left.width() + gap, 0, right);
    return both;
  }

  void examples(const RunReportInputs& r, int level) {
    heading(level, QObject::tr("Forgettable examples"));
    if (r.exampleStats.empty()) {
      paragraph(QObject::tr("This run recorded no example statistics (it ended before its first epoch)."));
      return;
    }
    ForgettingView view;
    if (r.train) view.setTrainingData(r.train);
    view.setStats(r.exampleStats);
    paragraph(view.summary());
    figure("forgetting", renderPlot(view.histogramPlot(), kPageWidth, 260),
           QObject::tr("How often each training example was forgotten (learned, then misclassified later)"));
    if (!r.train) {
      paragraph(QObject::tr("The examples themselves are not shown: %1")
                    .arg(r.dataProblem.isEmpty() ? QObject::tr("the project's data cannot be read") : r.dataProblem));
      return;
    }
    ExampleGridModel* grid = view.gridModel();
    if (!grid->hasImages()) {
      figure("examples", renderPlot(view.pointsPlot(), kPageWidth, 360),
             QObject::tr("The training examples, coloured by how often each was forgotten"));
      return;
    }
    grid->setOrder(ExampleGridModel::Order::MostForgotten);
    figure("most-forgettable", thumbnailStrip(*grid),
           QObject::tr("The most forgettable training examples, with their forgetting count (orange frame: never "
                       "learned; red: removed by data efficiency)"));
    grid->setOrder(ExampleGridModel::Order::LeastForgotten);
    figure("least-forgettable", thumbnailStrip(*grid),
           QObject::tr("The least forgettable training examples: never forgotten once learned"));
  }

  // Two rows of thumbnails as the examples view draws them, each with its class underneath.
  static QImage thumbnailStrip(const ExampleGridModel& grid) {
    constexpr int kColumns = 10, kRows = 2, kCellWidth = kPageWidth / kColumns, kCellHeight = 78;
    const int shown = std::min(grid.rowCount(), kColumns * kRows);
    QImage strip(kPageWidth * kFigureScale, ((shown + kColumns - 1) / kColumns) * kCellHeight * kFigureScale,
                 QImage::Format_RGB32);
    strip.fill(Qt::white);
    QPainter paint(&strip);
    paint.scale(kFigureScale, kFigureScale);
    paint.setFont(QFont("DejaVu Sans", 6));
    for (int i = 0; i < shown; ++i) {
      const QPoint corner((i % kColumns) * kCellWidth, (i / kColumns) * kCellHeight);
      const QModelIndex index = grid.index(i);
      const auto pixmap = grid.data(index, Qt::DecorationRole).value<QPixmap>();
      paint.drawPixmap(corner + QPoint((kCellWidth - ExampleGridModel::kThumbnail) / 2, 2), pixmap);
      paint.drawText(QRect(corner.x(), corner.y() + ExampleGridModel::kThumbnail + 4, kCellWidth, 14), Qt::AlignHCenter,
                     grid.className(grid.statAt(i)));
    }
    return strip;
  }

  ReportDocument& doc_;
  QString storePath_;
  QString prefix_;  // keeps figure file names unique across the runs of one report
};

}  // namespace

ReportDocument composeReport(const ReportInputs& inputs) {
  ReportDocument doc;
  const auto& runs = inputs.runs;
  doc.title = runs.size() == 1 ? QObject::tr("SparseScope report: %1").arg(runTitle(runs.front().details.summary))
                               : QObject::tr("SparseScope report: %1 runs compared").arg(runs.size());
  doc.subtitle = QObject::tr("Made by SparseScope %1 on %2, %3, from the store %4")
                     .arg(kEngineVersion, QSysInfo::machineHostName(),
                          QDateTime::currentDateTimeUtc().toString("yyyy-MM-dd HH:mm 'UTC'"), inputs.storePath);
  Composer composer(doc, inputs.storePath);
  if (runs.size() == 1) {
    composer.run(runs.front(), 1);
    return doc;
  }
  composer.comparison(runs, 1);
  for (const RunReportInputs& r : runs) {
    doc.blocks.push_back(Heading{1, runTitle(r.details.summary), true});
    composer.run(r, 2);
  }
  return doc;
}

}  // namespace ss::ui::report
