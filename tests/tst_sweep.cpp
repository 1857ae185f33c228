// Sweep files: the runs they expand to (product, zip groups, names, the sweep recorded in every project), every
// kind of mistake refused with its key path, and how a store's runs decide what a re-run does with each.
#include <QtTest>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <set>

#include "core/error.h"
#include "project/project.h"
#include "project/project_difference.h"
#include "store/named_run.h"
#include "store/run_store.h"
#include "store_test_helpers.h"
#include "sweep/sweep_plan.h"
#include "sweep/sweep_projects.h"
#include "test_helpers.h"
#include "train/experiment.h"

using namespace ss;
using nlohmann::json;

namespace {
const char* const kBase =
    R"({"format": 1, "name": "base", "data": {"dataset": "spirals"}, "model": {"hidden": [8]},
        "train": {"epochs": 2, "seed": 1}, "sparsity": {"target": 0.5}, "algorithm": {"name": "static"}})";

std::string sweepWithAxes(const std::string& axes) {
  return std::string(R"({"sweep_format": 1, "id": "s", "base": )") + kBase + R"(, "axes": )" + axes + "}";
}

std::vector<std::string> names(const SweepPlan& plan) {
  std::vector<std::string> out;
  for (const auto& r : plan.runs) out.push_back(r.name);
  return out;
}
}  // namespace

class TestSweep : public QObject {
  Q_OBJECT

 private slots:
  void productVariesTheFirstAxisSlowest();
  void zipGroupMovesItsAxesTogether();
  void expandedProjectsCarryValuesAndSweep();
  void runNamesComeFromAxesAndLabels_data();
  void runNamesComeFromAxesAndLabels();
  void badSweepIsRefusedWithKeyPath_data();
  void badSweepIsRefusedWithKeyPath();
  void baseFileIsReadBesideTheSweep();
  void projectFilesAreWrittenPerRun();
  void shippedSweepsAreValid();
  void sweepMembershipSurvivesTheProjectRoundTrip();
  void storedRunRecordsItsSweep();
  void namedRunStateDecidesAReRun();
  void trainingDifferenceIgnoresWhatChangesNothingTrained();
};

void TestSweep::productVariesTheFirstAxisSlowest() {
  const SweepPlan plan = parseSweep(
      sweepWithAxes(
          R"([{"key": "sparsity.target", "values": [0.5, 0.9]}, {"key": "train.seed", "values": [1, 2, 3]}])"),
      "s.json");
  QCOMPARE(plan.id, std::string("s"));
  QCOMPARE(plan.sourcePath, std::string("s.json"));
  QCOMPARE(names(plan),
           (std::vector<std::string>{"s_target-0.5_seed-1", "s_target-0.5_seed-2", "s_target-0.5_seed-3",
                                     "s_target-0.9_seed-1", "s_target-0.9_seed-2", "s_target-0.9_seed-3"}));
}

void TestSweep::zipGroupMovesItsAxesTogether() {
  const SweepPlan plan = parseSweep(sweepWithAxes(R"([{"zip": [{"key": "train.seed", "values": [1, 2]},
                                  {"key": "train.optimizer.lr", "values": [0.1, 0.01]}]},
                        {"key": "model.hidden", "values": [[8], [16]], "labels": ["narrow", "wide"]}])"),
                                    "s.json");
  QCOMPARE(names(plan), (std::vector<std::string>{"s_seed-1_lr-0.1_hidden-narrow", "s_seed-1_lr-0.1_hidden-wide",
                                                  "s_seed-2_lr-0.01_hidden-narrow", "s_seed-2_lr-0.01_hidden-wide"}));
  const Project last = parseProject(plan.runs.back().projectJson, "last");
  QCOMPARE(last.train.seed, uint64_t(2));
  QCOMPARE(last.train.optimizer.lr, 0.01);
  QCOMPARE(last.model.hidden, (std::vector<int>{16}));
}

void TestSweep::expandedProjectsCarryValuesAndSweep() {
  const SweepPlan plan = parseSweep(sweepWithAxes(R"([{"key": "algorithm.name", "values": ["static", "set"]},
                        {"key": "sparsity.distribution", "values": ["erk"]}])"),
                                    "s.json");
  QCOMPARE(plan.runs.size(), size_t(2));
  const SweepRun& run = plan.runs[1];
  QCOMPARE(run.axisValues, (std::vector<std::pair<std::string, std::string>>{{"algorithm.name", "\"set\""},
                                                                             {"sparsity.distribution", "\"erk\""}}));
  const Project p = parseProject(run.projectJson, "run");
  QCOMPARE(p.name, run.name);
  QCOMPARE(p.algorithm.name, std::string("set"));
  QCOMPARE(p.train.epochs, 2);  // the rest from the base
  QVERIFY(p.sweep.has_value());
  QCOMPARE(p.sweep->id, std::string("s"));
  QCOMPARE(p.sweep->values, run.axisValues);
}

void TestSweep::runNamesComeFromAxesAndLabels_data() {
  QTest::addColumn<QString>("axes");
  QTest::addColumn<QString>("firstName");
  QTest::newRow("a final 'name' is named by its parent") << R"([{"key": "algorithm.name", "values": ["set"]}])"
                                                         << "s_algorithm-set";
  QTest::newRow("an object by its name") << R"([{"key": "algorithm", "values": [{"name": "set", "zeta": 0.2}]}])"
                                         << "s_algorithm-set";
  QTest::newRow("labels instead of values")
      << R"([{"key": "train.optimizer.lr", "values": [0.001], "labels": ["small"]}])"
      << "s_lr-small";
  QTest::newRow("booleans") << R"([{"key": "sparsity.transposed_index", "values": [false]}])"
                            << "s_transposed_index-false";
}

void TestSweep::runNamesComeFromAxesAndLabels() {
  QFETCH(QString, axes);
  QFETCH(QString, firstName);
  const SweepPlan plan = parseSweep(sweepWithAxes(axes.toStdString()), "s.json");
  QCOMPARE(QString::fromStdString(plan.runs.front().name), firstName);
  // Deterministic: the same file names the same runs.
  QCOMPARE(names(parseSweep(sweepWithAxes(axes.toStdString()), "s.json")), names(plan));
}

void TestSweep::badSweepIsRefusedWithKeyPath_data() {
  QTest::addColumn<QString>("sweep");
  QTest::addColumn<QString>("expected");
  const auto withAxes = [](const char* axes) { return QString::fromStdString(sweepWithAxes(axes)); };
  QTest::newRow("not json") << "{"
                            << "not valid JSON";
  QTest::newRow("number beyond a double") << R"({"sweep_format": 1E400})"
                                          << "not valid JSON";
  QTest::newRow("a project, not a sweep") << QString(kBase) << "sweep_format: missing";
  QTest::newRow("future format") << R"({"sweep_format": 2})"
                                 << "sweep_format: version 2 is not supported";
  QTest::newRow("no id") << R"({"sweep_format": 1, "base": {}, "axes": []})"
                         << "id: missing";
  QTest::newRow("id unfit for names") << R"({"sweep_format": 1, "id": "a b"})"
                                      << "id: 'a b' may hold";
  QTest::newRow("no base") << R"({"sweep_format": 1, "id": "s", "axes": []})"
                           << "base: missing";
  QTest::newRow("base file missing") << R"({"sweep_format": 1, "id": "s", "base": "nope.json"})"
                                     << "base: nope.json: cannot open project file";
  QTest::newRow("no axes") << withAxes("[]") << "axes: must list at least one axis";
  QTest::newRow("unknown sweep key") << R"({"sweep_format": 1, "id": "s", "base": {}, "axes": [{"key": "train.seed",
                                         "values": [1]}], "axis": 1})"
                                     << "axis: unknown key (did you mean 'axes'?)";
  QTest::newRow("axis without key") << withAxes(R"([{"values": [1]}])") << "axes[0].key: missing";
  QTest::newRow("axis without values") << withAxes(R"([{"key": "train.seed", "values": []}])")
                                       << "axes[0].values: must be a list of at least one value";
  QTest::newRow("unknown axis key") << withAxes(R"([{"key": "train.seed", "value": [1]}])") << "axes[0].values";
  QTest::newRow("malformed key path") << withAxes(R"([{"key": "sparsity..target", "values": [0.5]}])")
                                      << "axes[0].key: 'sparsity..target' has an empty segment";
  QTest::newRow("the name cannot vary") << withAxes(R"([{"key": "name", "values": ["a"]}])")
                                        << "axes[0].key: 'name' cannot vary";
  QTest::newRow("misspelt key path") << withAxes(R"([{"key": "sparsity.targte", "values": [0.5]}])")
                                     << "run 's_targte-0.5': sparsity.targte: unknown key (did you mean 'target'?)";
  QTest::newRow("value out of range") << withAxes(R"([{"key": "sparsity.target", "values": [0.5, 1.5]}])")
                                      << "run 's_target-1.5': sparsity.target: must be a sparsity in [0, 1)";
  QTest::newRow("value of the wrong type") << withAxes(R"([{"key": "train.seed", "values": ["one"]}])")
                                           << "run 's_seed-one': train.seed: expected an integer, got a string";
  QTest::newRow("key through a number") << withAxes(R"([{"key": "train.epochs.max", "values": [3]}])")
                                        << "axes[0].key: 'train.epochs.max' goes through 'epochs'";
  QTest::newRow("shared short names spell the key path")
      << withAxes(R"([{"key": "data.noise", "values": [0.1]}, {"key": "model.noise", "values": [0.2]}])")
      << "run 's_data.noise-0.1_model.noise-0.2': model.noise: unknown key";
  QTest::newRow("algorithm against target") << withAxes(R"([{"key": "algorithm.name", "values": ["dense"]}])")
                                            << "s_algorithm-dense: algorithm 'dense' trains every weight";
  QTest::newRow("bad algorithm option") << withAxes(R"([{"key": "algorithm", "values": [{"name": "set", "zeta": 7}]}])")
                                        << "s_algorithm-set: algorithm.zeta";
  QTest::newRow("zip of unequal axes")
      << withAxes(R"([{"zip": [{"key": "train.seed", "values": [1, 2]}, {"key": "train.epochs", "values": [3]}]}])")
      << "axes[0].zip: its axes move together";
  QTest::newRow("overlapping axes") << withAxes(R"([{"key": "algorithm", "values": [{"name": "set"}]},
                                                  {"key": "algorithm.zeta", "values": [0.1]}])")
                                    << "axes[1].key: 'algorithm.zeta' overlaps 'algorithm'";
  QTest::newRow("object without name or labels") << withAxes(R"([{"key": "model.hidden", "values": [[8], [16]]}])")
                                                 << "axes[0].values: a list or an object without a \"name\" needs";
  QTest::newRow("labels of the wrong count")
      << withAxes(R"([{"key": "train.seed", "values": [1, 2], "labels": ["a"]}])")
      << "axes[0].labels: must give one label per value (2)";
  QTest::newRow("two values, one label")
      << withAxes(R"([{"key": "algorithm", "values": [{"name": "set", "zeta": 0.1}, {"name": "set", "zeta": 0.2}]}])")
      << "axes[0].values: two values would name their runs 'set'";
  QTest::newRow("label unfit for names") << withAxes(R"([{"key": "data.dir", "values": ["/data/fashion"]}])")
                                         << "axes[0].values: '/data/fashion' cannot be part of a run name";
}

void TestSweep::badSweepIsRefusedWithKeyPath() {
  QFETCH(QString, sweep);
  QFETCH(QString, expected);
  const QString message =
      QString::fromStdString(errorMessage<InputError>([&] { parseSweep(sweep.toStdString(), "bad.json"); }));
  QVERIFY2(message.startsWith("bad.json: "), qPrintable(message));
  QVERIFY2(message.contains(expected), qPrintable(message));
}

void TestSweep::baseFileIsReadBesideTheSweep() {
  QTemporaryDir dir;
  writeTestText(dir, "base.json", kBase);
  const std::string path = writeTestText(
      dir, "beside-sweep.json",
      R"({"sweep_format": 1, "id": "b", "base": "base.json", "axes": [{"key": "train.seed", "values": [4]}]})");
  const SweepPlan plan = loadSweep(path);
  QCOMPARE(plan.sourcePath, path);
  QCOMPARE(parseProject(plan.runs[0].projectJson, "run").train.seed, uint64_t(4));
  const QString missing = QString::fromStdString(errorMessage<InputError>([&] { loadSweep(path + ".gone"); }));
  QVERIFY2(missing.contains("beside-sweep.json.gone: cannot open sweep file"), qPrintable(missing));
}

void TestSweep::projectFilesAreWrittenPerRun() {
  QTemporaryDir dir;
  const SweepPlan plan = parseSweep(sweepWithAxes(R"([{"key": "train.seed", "values": [1, 2]}])"), "s.json");
  const std::vector<std::string> paths = writeSweepProjects(plan, dir.path().toStdString() + "/projects");
  QCOMPARE(paths.size(), size_t(2));
  QCOMPARE(std::filesystem::path(paths[1]).filename().string(), plan.runs[1].name + ".json");
  QCOMPARE(loadProject(paths[1]).name, plan.runs[1].name);
}

void TestSweep::shippedSweepsAreValid() {
  int count = 0;
  for (const auto& entry : std::filesystem::directory_iterator(SPARSESCOPE_SOURCE_DIR "/projects")) {
    if (!entry.path().stem().string().ends_with("-sweep")) continue;
    const SweepPlan plan = loadSweep(entry.path().string());
    QCOMPARE(plan.id + ".json", entry.path().filename().string());
    const std::vector<std::string> all = names(plan);
    const std::set<std::string> unique(all.begin(), all.end());
    QCOMPARE(unique.size(), plan.runs.size());
    ++count;
  }
  QVERIFY(count >= 1);
  const SweepPlan fashion = loadSweep(SPARSESCOPE_SOURCE_DIR "/projects/fashion-mlp-sweep.json");
  QCOMPARE(fashion.runs.size(), size_t(6 * 3 * 3));  // algorithms x targets x seeds
  QCOMPARE(fashion.runs.front().name, std::string("fashion-mlp-sweep_algorithm-static_target-0.9_seed-1"));
}

void TestSweep::sweepMembershipSurvivesTheProjectRoundTrip() {
  const Project p = parseProject(
      R"({"format": 1, "name": "r", "sweep": {"id": "s", "values": {"sparsity.target": 0.9, "algorithm.name": "set"}}})",
      "r.json");
  QVERIFY(p.sweep.has_value());
  const Project again = parseProject(projectToJson(p), "again");
  QCOMPARE(again.sweep->id, std::string("s"));
  QCOMPARE(again.sweep->values, p.sweep->values);
  QCOMPARE(json::parse(projectToJson(again))["sweep"]["values"]["sparsity.target"].get<double>(), 0.9);
  const QString bad = QString::fromStdString(errorMessage<InputError>(
      [] { parseProject(R"({"format": 1, "name": "r", "sweep": {"values": {}}})", "r.json"); }));
  QVERIFY2(bad.contains("r.json: sweep.id: missing"), qPrintable(bad));
}

void TestSweep::storedRunRecordsItsSweep() {
  QTemporaryDir dir;
  const SweepPlan plan = parseSweep(
      sweepWithAxes(R"([{"key": "data.examples", "values": [40]}, {"key": "train.epochs", "values": [1]}])"), "s.json");
  Project project = parseProject(plan.runs[0].projectJson, "run");
  project.train.threads = 1;
  RunStore store(storePath(dir));
  Experiment experiment(project);
  RunControl control;
  const RunOutcome outcome = experiment.run(store, control, {});
  QCOMPARE(outcome.status, RunStatus::Finished);
  // What the run browser groups by: the run's name and the sweep in its stored project.
  QCOMPARE(store.run(outcome.runId).name, std::string("s_examples-40_epochs-1"));
  const json stored = json::parse(store.projectJson(outcome.runId));
  QCOMPARE(stored["sweep"]["id"].get<std::string>(), std::string("s"));
  QCOMPARE(stored["sweep"]["values"]["data.examples"].get<int>(), 40);
}

void TestSweep::namedRunStateDecidesAReRun() {
  QTemporaryDir dir;
  RunStore store(storePath(dir));
  QCOMPARE(findNamedRun(store, "a").state, NamedRunState::Absent);

  const int64_t failedEarly = store.beginRun("a", "{}", 1, 1);
  store.endRun(failedEarly, RunStatus::Failed, "diverged", std::nullopt);
  QCOMPARE(findNamedRun(store, "a").state, NamedRunState::Restartable);

  const int64_t cancelled = store.beginRun("a", "{}", 1, 1);
  CheckpointRecord c;
  c.epoch = 1;
  c.step = 10;
  c.kind = "cancel";
  c.bytes = {1, 2, 3};
  store.logCheckpoint(cancelled, c);
  store.endRun(cancelled, RunStatus::Cancelled, "", std::nullopt);
  const NamedRun resumable = findNamedRun(store, "a");
  QCOMPARE(resumable.state, NamedRunState::Resumable);
  QCOMPARE(resumable.run->id, cancelled);  // the newest run of the name

  QCOMPARE(findNamedRun(store, "A").state, NamedRunState::Absent);  // names match exactly, not as the filter does
  const int64_t going = store.beginRun("b", "{}", 1, 1);
  QCOMPARE(findNamedRun(store, "b").state, NamedRunState::Running);
  store.endRun(going, RunStatus::Finished, "", 0.9);
  store.beginRun("b", "{}", 1, 1);  // a later attempt does not hide the finished one
  QCOMPARE(findNamedRun(store, "b").state, NamedRunState::Finished);
  QCOMPARE(findNamedRun(store, "b").run->id, going);
}

void TestSweep::trainingDifferenceIgnoresWhatChangesNothingTrained() {
  const Project a = parseProject(kBase, "a");
  Project b = a;
  b.train.threads = 7;
  b.description = "other words";
  b.memoryBoundBytes = 300'000'000;  // a run stopped at its bound continues with a larger one
  QCOMPARE(firstTrainingDifference(a, b), std::string());
  b.train.epochs = 3;
  QCOMPARE(firstTrainingDifference(a, b), std::string("train.epochs"));
}

QTEST_GUILESS_MAIN(TestSweep)
#include "tst_sweep.moc"
