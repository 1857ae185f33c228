// Reports: every section is there for one run and for several (with the comparison and its best marks), a run
// that logged no masks or example statistics still reports, a missing run is a clear error, and the three
// formats come out as what they claim: self-contained HTML, Markdown with its files, a paginated PDF.
#include <QSignalSpy>
#include <QtTest>
#include <set>

#include "core/error.h"
#include "main_window.h"
#include "report/report_builder.h"
#include "report/report_writers.h"
#include "store/run_store.h"
#include "store_test_helpers.h"
#include "test_helpers.h"
#include "train/experiment.h"

using namespace ss;
using namespace ss::ui::report;

namespace {

// A sparse MEST run on Fashion-MNIST with data efficiency, small enough for seconds: masks, mutations and
// example statistics with thumbnails.
std::string fashionProject(const QTemporaryDir& dir) {
  return writeTestText(dir, "fashion.json", R"({"format": 1, "name": "report-fashion-mest",
      "algorithm": {"name": "mest", "variant": "em&s", "every_epochs": 1},
      "data": {"dataset": "fashion-mnist"},
      "model": {"preset": "mlp", "hidden": [32]},
      "sparsity": {"target": 0.9, "distribution": "erk"},
      "data_efficiency": {"enabled": true, "removal_epoch": 1, "remove_fraction": 0.1},
      "memory_bound": "800MB",
      "train": {"epochs": 2, "batch_size": 256, "threads": 2}})");
}

// A dense run on a 2-D set: no masks; the examples are points, not pictures.
std::string spiralsProject(const QTemporaryDir& dir) {
  return writeTestText(dir, "spirals.json", R"({"format": 1, "name": "report-spirals-dense",
      "data": {"dataset": "spirals", "examples": 600, "classes": 3},
      "model": {"preset": "mlp", "hidden": [16]},
      "train": {"epochs": 2, "batch_size": 32, "threads": 2}})");
}

int64_t train(const std::string& projectPath, const std::string& db) {
  RunStore store(db);
  RunControl control;
  return Experiment(loadProject(projectPath)).run(store, control, {}).runId;
}

QStringList headings(const ReportDocument& doc) {
  QStringList out;
  for (const Block& b : doc.blocks)
    if (const auto* h = std::get_if<Heading>(&b)) out << h->text;
  return out;
}

std::set<QString> figureStems(const ReportDocument& doc) {
  std::set<QString> out;
  for (const Block& b : doc.blocks)
    if (const auto* f = std::get_if<Figure>(&b)) {
      if (f->image.isNull())
        qWarning() << "empty figure" << f->fileStem;
      else
        out.insert(f->fileStem);
    }
  return out;
}

QStringList attachmentNames(const ReportDocument& doc) {
  QStringList out;
  for (const Block& b : doc.blocks)
    if (const auto* l = std::get_if<Links>(&b))
      for (const Attachment& a : l->files) out << a.fileName;
  return out;
}

bool mentions(const ReportDocument& doc, const QString& text) {
  for (const Block& b : doc.blocks) {
    if (const auto* p = std::get_if<Paragraph>(&b); p && p->text.contains(text)) return true;
    if (const auto* c = std::get_if<Code>(&b); c && c->text.contains(text)) return true;
  }
  return false;
}

const QStringList kRunSections = {"Summary",
                                  "Project and how to reproduce the run",
                                  "Model: per-layer density and memory",
                                  "Accuracy and loss",
                                  "Memory against the bound",
                                  "Mutation schedule",
                                  "Masks at start and end",
                                  "Forgettable examples",
                                  "Data"};

QByteArray readAll(const QString& path) {
  QFile f(path);
  return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
}

}  // namespace

class TestGuiReport : public QObject {
  Q_OBJECT

  QTemporaryDir dir_;
  std::string db_;
  int64_t fashionRun_ = 0, spiralsRun_ = 0;

 private slots:
  void initTestCase() {
    QStandardPaths::setTestModeEnabled(true);
    db_ = storePath(dir_);
    fashionRun_ = train(fashionProject(dir_), db_);
    spiralsRun_ = train(spiralsProject(dir_), db_);
  }

  void singleRunHasEverySection() {
    const ReportDocument doc = composeReport(gatherReportInputs(QString::fromStdString(db_), {fashionRun_}));
    QVERIFY(doc.title.contains("report-fashion-mest"));
    QCOMPARE(headings(doc), kRunSections);
    const QString p = QString("run-%1-").arg(fashionRun_);
    const std::set<QString> expected = {
        p + "accuracy", p + "loss",     p + "memory",     p + "schedule",         p + "mutations",
        p + "mask-fc1", p + "mask-fc2", p + "forgetting", p + "most-forgettable", p + "least-forgettable"};
    QCOMPARE(figureStems(doc), expected);
    const QString csv = QString("run-%1/").arg(fashionRun_);
    QCOMPARE(attachmentNames(doc),
             QStringList({QString("run-%1-project.json").arg(fashionRun_), csv + "run.csv", csv + "epochs.csv",
                          csv + "steps.csv", csv + "layers.csv", csv + "mask_events.csv", csv + "example_stats.csv"}));
    QVERIFY(mentions(doc, QString("sparsescope run run-%1-project.json --threads 2").arg(fashionRun_)));
    QVERIFY(mentions(doc, "Memory bound 800.0 MB"));
    // The summary holds what reproducing needs: engine version, seed, machine and dates.
    const auto& summary = std::get<Table>(doc.blocks[1]);
    QStringList keys;
    for (const QStringList& row : summary.rows) keys << row[0];
    for (const char* key : {"Engine version", "Seed", "Threads", "Machine", "Started", "Ended"})
      QVERIFY2(keys.contains(key), key);
  }

  void severalRunsAreComparedWithTheBestMarked() {
    const ReportDocument doc =
        composeReport(gatherReportInputs(QString::fromStdString(db_), {fashionRun_, spiralsRun_}));
    const QStringList h = headings(doc);
    QCOMPARE(h.front(), QString("Comparison"));
    QCOMPARE(h.count("Summary"), 2);
    QCOMPARE(h.count("Forgettable examples"), 2);
    const auto stems = figureStems(doc);
    QVERIFY(stems.count("comparison-accuracy") && stems.count("comparison-loss"));
    QVERIFY(stems.count(QString("run-%1-examples").arg(spiralsRun_)));  // 2-D data: the points themselves
    const Table* comparison = nullptr;
    for (const Block& b : doc.blocks)
      if (const auto* t = std::get_if<Table>(&b); t && t->header.contains("Final accuracy")) comparison = t;
    QVERIFY(comparison);
    QCOMPARE(comparison->rows.size(), size_t(2));
    const int finalColumn = int(comparison->header.indexOf("Final accuracy"));
    const int memoryColumn = int(comparison->header.indexOf("Memory model"));
    RunStore store(db_);
    const bool fashionBetter = *store.run(fashionRun_).finalTestAccuracy > *store.run(spiralsRun_).finalTestAccuracy;
    QCOMPARE(comparison->isMarked(0, finalColumn), fashionBetter);
    QCOMPARE(comparison->isMarked(1, finalColumn), !fashionBetter);
    QVERIFY(comparison->isMarked(0, memoryColumn) != comparison->isMarked(1, memoryColumn));
    QVERIFY(!comparison->isMarked(0, 2) && !comparison->isMarked(1, 2));  // names are never "best"
    // Each run's part starts a page on paper.
    for (const Block& b : doc.blocks)
      if (const auto* heading = std::get_if<Heading>(&b); heading && heading->text.startsWith("Run "))
        QVERIFY(heading->startsPage);
  }

  void aRunWithoutMasksOrExampleStatisticsStillReports() {
    int64_t bare = 0;
    {
      RunStore store(db_);
      bare = store.beginRun("bare", readAll(QString::fromStdString(spiralsProject(dir_))).toStdString(), 1, 1);
      store.endRun(bare, RunStatus::Cancelled, "stopped at once", std::nullopt);
    }
    const ReportDocument doc = composeReport(gatherReportInputs(QString::fromStdString(db_), {bare}));
    QCOMPARE(headings(doc), kRunSections);
    QVERIFY(mentions(doc, "logged no mask snapshots"));
    QVERIFY(mentions(doc, "recorded no example statistics"));
    for (const char* name : {"bare.html", "bare.md", "bare.pdf"}) {
      const QString path = dir_.filePath(name);
      writeReport(doc, reportFormatOfPath(path), path);
      QVERIFY2(QFileInfo(path).size() > 1000, name);
    }
  }

  void aMissingRunIsAClearError() {
    const std::string message = errorMessage<InputError>([&] {
      gatherReportInputs(QString::fromStdString(db_), {fashionRun_, 9999});
    });
    QVERIFY2(message.find("no run 9999") != std::string::npos, message.c_str());
    const std::string format = errorMessage<InputError>([] { parseReportFormat("docx"); });
    QVERIFY2(format.find("docx") != std::string::npos, format.c_str());
  }

  void eachFormatIsWhatItClaims() {
    const ReportDocument doc =
        composeReport(gatherReportInputs(QString::fromStdString(db_), {fashionRun_, spiralsRun_}));
    const QString html = dir_.filePath("study.html");
    writeReport(doc, ReportFormat::Html, html);
    const QByteArray page = readAll(html);
    // Self-contained: every image and linked file is embedded, nothing points elsewhere.
    QVERIFY(page.startsWith("<!DOCTYPE html>"));
    QCOMPARE(page.count("<img src=\"data:image/png;base64,"), page.count("<img "));
    QCOMPARE(page.count("href=\"data:"), page.count("<a "));
    QVERIFY(page.contains("download=\"epochs.csv\""));
    QVERIFY(page.contains("<b>"));  // the marked best cells

    const QString md = dir_.filePath("study.md");
    writeReport(doc, ReportFormat::Markdown, md);
    const QByteArray text = readAll(md);
    QVERIFY(text.contains("## Comparison"));
    QVERIFY(text.contains(QString("](study_files/run-%1-accuracy.png)").arg(fashionRun_).toUtf8()));
    QVERIFY(QFileInfo(dir_.filePath(QString("study_files/run-%1-accuracy.png").arg(fashionRun_))).size() > 1000);
    QVERIFY(QFileInfo(dir_.filePath(QString("study_files/run-%1/example_stats.csv").arg(fashionRun_))).size() > 0);

    const QString pdf = dir_.filePath("study.pdf");
    writeReport(doc, ReportFormat::Pdf, pdf);
    const QByteArray bytes = readAll(pdf);
    QVERIFY(bytes.startsWith("%PDF"));
    const qsizetype pages = bytes.count("/Type /Page\n") + bytes.count("/Type /Page\r") + bytes.count("/Type /Page ");
    QVERIFY2(pages >= 6, qPrintable(QString("%1 pages").arg(pages)));
    QVERIFY(QFileInfo(dir_.filePath(QString("study_files/run-%1/epochs.csv").arg(spiralsRun_))).exists());
  }

  void theWindowExportsTheSelectedRuns() {
    ui::MainWindow window;
    window.setStorePath(QString::fromStdString(db_));
    QSignalSpy done(&window, &ui::MainWindow::reportExported);
    const QString path = dir_.filePath("from-gui.html");
    window.exportReport(path, {fashionRun_});
    QVERIFY(done.wait(60000));
    QCOMPARE(done.front().at(1).toString(), QString());
    QVERIFY(readAll(path).contains("report-fashion-mest"));

    window.exportReport(dir_.filePath("missing.html"), {4242});
    QVERIFY(done.wait(60000));
    QVERIFY(done.back().at(1).toString().contains("no run 4242"));
  }
};

QTEST_MAIN(TestGuiReport)
#include "tst_gui_report.moc"
