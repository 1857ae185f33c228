// The Slurm side of sweeps without a cluster: job array specs, the sweep folder's records, the job script
// (run by bash with a stand-in for sparsescope), and reading what sbatch, squeue and sacct print.
#include <QTemporaryDir>
#include <QTest>

#include "core/error.h"
#include "core/subprocess.h"
#include "store/run_store.h"
#include "sweep/slurm_array.h"
#include "sweep/slurm_job_script.h"
#include "sweep/slurm_queue.h"
#include "sweep/slurm_sweep_dir.h"
#include "sweep/slurm_sweep_status.h"
#include "test_helpers.h"

using namespace ss;

Q_DECLARE_METATYPE(std::vector<int>)

class TestSlurmSweep : public QObject {
  Q_OBJECT
 private slots:
  void arraySpecListsRangesAndTheLimit_data();
  void arraySpecListsRangesAndTheLimit();
  void arraySpecReadsBackWhatItWrites_data();
  void arraySpecReadsBackWhatItWrites();
  void badArraySpecsAreRejected_data();
  void badArraySpecsAreRejected();
  void sweepFolderKeepsTasksAndSubmissions();
  void aFolderWithoutASweepIsNamed();
  void jobScriptAsksForTheResources();
  void jobScriptTaskRunsItsOwnProjectIntoItsOwnStore_data();
  void jobScriptTaskRunsItsOwnProjectIntoItsOwnStore();
  void jobScriptRefusesBlanksInSbatchLines();
  void squeueLinesGiveEachArrayTaskItsState();
  void sacctLinesGiveEachArrayTaskItsState();
  void sbatchJobId_data();
  void sbatchJobId();
  void aTaskIsActiveWhileSlurmMayStillRunIt_data();
  void aTaskIsActiveWhileSlurmMayStillRunIt();
  void taskStatusCombinesClusterAndStore_data();
  void taskStatusCombinesClusterAndStore();
  void aTaskKilledMidRunLeavesItsRunResumable();
};

void TestSlurmSweep::arraySpecListsRangesAndTheLimit_data() {
  QTest::addColumn<std::vector<int>>("tasks");
  QTest::addColumn<int>("maxParallel");
  QTest::addColumn<QString>("spec");
  QTest::newRow("one range, limited") << std::vector<int>{0, 1, 2, 3, 4, 5} << 2 << "0-5%2";
  QTest::newRow("unlimited") << std::vector<int>{0, 1, 2} << 0 << "0-2";
  QTest::newRow("single tasks") << std::vector<int>{1, 3} << 0 << "1,3";
  QTest::newRow("mixed, unsorted, repeated") << std::vector<int>{7, 3, 4, 5, 0, 4} << 3 << "0,3-5,7%3";
  QTest::newRow("one task") << std::vector<int>{4} << 1 << "4%1";
}

void TestSlurmSweep::arraySpecListsRangesAndTheLimit() {
  QFETCH(std::vector<int>, tasks);
  QFETCH(int, maxParallel);
  QFETCH(QString, spec);
  QCOMPARE(QString::fromStdString(formatSlurmArray({tasks, maxParallel})), spec);
}

void TestSlurmSweep::arraySpecReadsBackWhatItWrites_data() {
  arraySpecListsRangesAndTheLimit_data();
}

void TestSlurmSweep::arraySpecReadsBackWhatItWrites() {
  QFETCH(std::vector<int>, tasks);
  QFETCH(int, maxParallel);
  QFETCH(QString, spec);
  const SlurmArray array = parseSlurmArray(spec.toStdString());
  std::sort(tasks.begin(), tasks.end());
  tasks.erase(std::unique(tasks.begin(), tasks.end()), tasks.end());
  QCOMPARE(array.tasks, tasks);
  QCOMPARE(array.maxParallel, maxParallel);
}

void TestSlurmSweep::badArraySpecsAreRejected_data() {
  QTest::addColumn<QString>("spec");
  QTest::newRow("empty") << "";
  QTest::newRow("backwards range") << "5-2";
  QTest::newRow("not a number") << "0-x";
  QTest::newRow("empty item") << "1,,2";
  QTest::newRow("no limit after %") << "0-5%";
  QTest::newRow("negative") << "-1";
}

void TestSlurmSweep::badArraySpecsAreRejected() {
  QFETCH(QString, spec);
  QVERIFY_THROWS_EXCEPTION(InputError, parseSlurmArray(spec.toStdString()));
}

void TestSlurmSweep::sweepFolderKeepsTasksAndSubmissions() {
  QTemporaryDir tmp;
  const SlurmSweepDir dir(tmp.path().toStdString() + "/sub/../sweep/");
  QCOMPARE(dir.path(), tmp.path().toStdString() + "/sweep");
  dir.create({"s_lr-0.1", "s_lr-0.2", "s_lr-0.4"});
  for (const std::string& folder : {dir.projectsDir(), dir.storesDir(), dir.logsDir()})
    QVERIFY2(std::filesystem::is_directory(folder), folder.c_str());
  QCOMPARE(dir.runs(), (std::vector<std::string>{"s_lr-0.1", "s_lr-0.2", "s_lr-0.4"}));
  QCOMPARE(dir.storePath("s_lr-0.2"), dir.path() + "/stores/s_lr-0.2.db");
  QVERIFY(dir.submissions().empty());

  dir.recordSubmission({"41", {{0, 1, 2}, 2}});
  dir.recordSubmission({"57", {{1}, 2}});
  const auto submissions = dir.submissions();
  QCOMPARE(submissions.size(), size_t(2));
  QCOMPARE(submissions[0].jobId, std::string("41"));
  QCOMPARE(submissions[0].array.tasks, (std::vector<int>{0, 1, 2}));
  QCOMPARE(submissions[1].jobId, std::string("57"));
  QCOMPARE(submissions[1].array.tasks, (std::vector<int>{1}));
  QCOMPARE(submissions[1].array.maxParallel, 2);
}

void TestSlurmSweep::aFolderWithoutASweepIsNamed() {
  QTemporaryDir tmp;
  try {
    SlurmSweepDir(tmp.path().toStdString()).runs();
    QFAIL("an empty folder read as a sweep");
  } catch (const InputError& e) {
    const std::string message = e.what();
    QVERIFY2(message.find(tmp.path().toStdString() + ": not a Slurm sweep folder") == 0, e.what());
  }
}

void TestSlurmSweep::jobScriptAsksForTheResources() {
  QTemporaryDir tmp;
  const SlurmSweepDir dir(tmp.path().toStdString());
  const std::string script = slurmJobScript(dir, "sparsescope-lr", {"a", "b", "c"}, {"short", "0:30:00", "2G", 2, 2},
                                            "/opt/sparsescope/bin/sparsescope");
  const std::vector<std::string> lines = {"#!/bin/bash\n",
                                          "\n#SBATCH --job-name=sparsescope-lr\n",
                                          "\n#SBATCH --array=0-2%2\n",
                                          "\n#SBATCH --output=" + dir.logsDir() + "/%a.%A.out\n",
                                          "\n#SBATCH --chdir=" + dir.path() + "\n",
                                          "\n#SBATCH --cpus-per-task=2\n",
                                          "\n#SBATCH --partition=short\n",
                                          "\n#SBATCH --time=0:30:00\n",
                                          "\n#SBATCH --mem=2G\n"};
  for (const std::string& line : lines)
    QVERIFY2(script.find(line) != std::string::npos, (line + " missing from:\n" + script).c_str());

  const std::string defaults = slurmJobScript(dir, "j", {"a"}, {}, "/bin/sparsescope");
  QVERIFY2(defaults.find("--array=0\n") != std::string::npos, defaults.c_str());
  for (const char* absent : {"--partition", "--time", "--mem"}) QVERIFY(defaults.find(absent) == std::string::npos);
}

void TestSlurmSweep::jobScriptTaskRunsItsOwnProjectIntoItsOwnStore_data() {
  QTest::addColumn<int>("task");
  QTest::addColumn<QString>("run");
  QTest::newRow("first") << 0 << "sweep_lr-0.1";
  QTest::newRow("a name with a quote and a blank") << 1 << "it's b";
  QTest::newRow("last") << 2 << "sweep_lr-$HOME";
}

void TestSlurmSweep::jobScriptTaskRunsItsOwnProjectIntoItsOwnStore() {
  QFETCH(int, task);
  QFETCH(QString, run);
  QTemporaryDir tmp;
  const SlurmSweepDir dir(tmp.path().toStdString());
  // A stand-in for sparsescope that prints its arguments one per line.
  const std::string binary = writeTestText(tmp, "fake sparsescope", "#!/bin/sh\nprintf '%s\\n' \"$@\"\n");
  std::filesystem::permissions(binary, std::filesystem::perms::owner_exec, std::filesystem::perm_options::add);
  const std::string script =
      writeTestText(tmp, "sweep.sbatch",
                    slurmJobScript(dir, "j", {"sweep_lr-0.1", "it's b", "sweep_lr-$HOME"}, {"", "", "", 3, 0}, binary));
  const ProcessOutput out = runProcess({"env", "SLURM_ARRAY_TASK_ID=" + std::to_string(task), "bash", script});
  QCOMPARE(out.exitCode, 0);
  const std::string name = run.toStdString();
  QCOMPARE(out.out,
           "run\n" + dir.projectPath(name) + "\n--db\n" + dir.storePath(name) + "\n--threads\n3\n--continue\n");
}

void TestSlurmSweep::jobScriptRefusesBlanksInSbatchLines() {
  QTemporaryDir tmp;
  QVERIFY_THROWS_EXCEPTION(InputError,
                           slurmJobScript(SlurmSweepDir(tmp.path().toStdString() + "/my sweep"), "j", {"a"}, {}, "/b"));
  QVERIFY_THROWS_EXCEPTION(InputError, slurmJobScript(SlurmSweepDir(tmp.path().toStdString()), "j", {"a"},
                                                      {"short queue", "", "", 1, 0}, "/b"));
}

void TestSlurmSweep::squeueLinesGiveEachArrayTaskItsState() {
  const SlurmTaskStates states = parseSqueueTasks(
      "7|N/A|CANCELLED\n"  // a plain job
      "13|0|COMPLETED\n"
      "13|2|RUNNING\n"
      "13|4|PENDING\n"
      "9|N/A|CANCELLED\n"  // an array's tasks cancelled before they started
      "\n"
      "21|3|PENDING\n");
  const SlurmTaskStates expected = {
      {{"13", 0}, "COMPLETED"}, {{"13", 2}, "RUNNING"}, {{"13", 4}, "PENDING"}, {{"21", 3}, "PENDING"}};
  QCOMPARE(states, expected);
}

void TestSlurmSweep::sacctLinesGiveEachArrayTaskItsState() {
  const SlurmTaskStates states = parseSacctTasks(
      "12_3|CANCELLED by 0\n"
      "12_[4-5%2]|PENDING\n"
      "13|COMPLETED\n"
      "12_1|TIMEOUT\n");
  const SlurmTaskStates expected = {{{"12", 3}, "CANCELLED"}, {{"12", 1}, "TIMEOUT"}};
  QCOMPARE(states, expected);
}

void TestSlurmSweep::sbatchJobId_data() {
  QTest::addColumn<QString>("output");
  QTest::addColumn<QString>("jobId");
  QTest::newRow("plain") << "4711\n"
                         << "4711";
  QTest::newRow("with the cluster") << "4711;hpc\n"
                                    << "4711";
  QTest::newRow("nothing") << ""
                           << "";
  QTest::newRow("a message") << "sbatch: error: Batch job submission failed\n"
                             << "";
}

void TestSlurmSweep::sbatchJobId() {
  QFETCH(QString, output);
  QFETCH(QString, jobId);
  if (jobId.isEmpty())
    QVERIFY_THROWS_EXCEPTION(RunError, parseSbatchJobId(output.toStdString()));
  else
    QCOMPARE(QString::fromStdString(parseSbatchJobId(output.toStdString())), jobId);
}

void TestSlurmSweep::aTaskIsActiveWhileSlurmMayStillRunIt_data() {
  QTest::addColumn<QString>("state");
  QTest::addColumn<bool>("active");
  for (const char* s : {"PENDING", "CONFIGURING", "RUNNING", "COMPLETING", "SUSPENDED", "REQUEUED"})
    QTest::newRow(s) << s << true;
  for (const char* s : {"COMPLETED", "CANCELLED", "FAILED", "TIMEOUT", "NODE_FAIL", "OUT_OF_MEMORY", "PREEMPTED", ""})
    QTest::newRow(s) << s << false;
}

void TestSlurmSweep::aTaskIsActiveWhileSlurmMayStillRunIt() {
  QFETCH(QString, state);
  QFETCH(bool, active);
  QCOMPARE(slurmStateIsActive(state.toStdString()), active);
}

void TestSlurmSweep::taskStatusCombinesClusterAndStore_data() {
  QTest::addColumn<QString>("queue");
  QTest::addColumn<QString>("accounting");
  QTest::addColumn<int>("stored");  // NamedRunState
  QTest::addColumn<QString>("storedStatus");
  QTest::addColumn<QString>("state");
  QTest::addColumn<QString>("detail");  // a part of it
  const int absent = int(NamedRunState::Absent), finished = int(NamedRunState::Finished),
            resumable = int(NamedRunState::Resumable), restartable = int(NamedRunState::Restartable),
            running = int(NamedRunState::Running);
  QTest::newRow("pending, not started") << "PENDING"
                                        << "" << absent << ""
                                        << "pending"
                                        << "PENDING";
  QTest::newRow("running") << "RUNNING"
                           << "RUNNING" << absent << ""
                           << "running"
                           << "RUNNING";
  QTest::newRow("completing counts as running") << "COMPLETING"
                                                << "" << absent << ""
                                                << "running"
                                                << "";
  QTest::newRow("pending again after a requeue, store not read") << "REQUEUED"
                                                                 << "" << resumable << "cancelled"
                                                                 << "pending"
                                                                 << "";
  QTest::newRow("finished, squeue forgot it") << ""
                                              << "" << finished << "finished"
                                              << "finished"
                                              << "3 epochs";
  QTest::newRow("finished, squeue remembers") << "COMPLETED"
                                              << "" << finished << "finished"
                                              << "finished"
                                              << "";
  QTest::newRow("cancelled with a checkpoint") << "CANCELLED"
                                               << "" << resumable << "cancelled"
                                               << "failed"
                                               << "cancelled after 1/3 epochs; resubmit continues";
  QTest::newRow("time limit, from accounting") << ""
                                               << "TIMEOUT" << resumable << "cancelled"
                                               << "failed"
                                               << "(Slurm: TIMEOUT)";
  QTest::newRow("accounting names it better than squeue") << "CANCELLED"
                                                          << "OUT_OF_MEMORY" << running << "running"
                                                          << "failed"
                                                          << "(Slurm: OUT_OF_MEMORY)";
  QTest::newRow("killed: the store still says running") << ""
                                                        << "" << running << "running"
                                                        << "failed"
                                                        << "the task ended while its run was going";
  QTest::newRow("stopped before a checkpoint") << ""
                                               << "" << restartable << "interrupted"
                                               << "failed"
                                               << "before its first checkpoint; resubmit starts it afresh";
  QTest::newRow("cancelled before it started") << "CANCELLED"
                                               << "" << absent << ""
                                               << "failed"
                                               << "no run in its store (Slurm: CANCELLED)";
}

void TestSlurmSweep::taskStatusCombinesClusterAndStore() {
  QFETCH(QString, queue);
  QFETCH(QString, accounting);
  QFETCH(int, stored);
  QFETCH(QString, storedStatus);
  QFETCH(QString, state);
  QFETCH(QString, detail);
  NamedRun run;
  run.state = NamedRunState(stored);
  if (run.state != NamedRunState::Absent) {
    RunSummary summary;
    summary.status = storedStatus.toStdString();
    summary.epochs = 3;
    summary.epochsLogged = run.state == NamedRunState::Finished ? 3 : 1;
    summary.finalTestAccuracy = 0.5;
    run.run = summary;
  }
  const SweepTaskStatus status = combineTaskStatus(queue.toStdString(), accounting.toStdString(), run);
  QCOMPARE(QString(toString(status.state)), state);
  QVERIFY2(status.detail.find(detail.toStdString()) != std::string::npos, status.detail.c_str());
}

void TestSlurmSweep::aTaskKilledMidRunLeavesItsRunResumable() {
  QTemporaryDir tmp;
  const SlurmSweepDir dir(tmp.path().toStdString());
  const std::string name = "s_seed-1";
  dir.create({name});
  int64_t id = 0;
  {
    // Begun by this live process, the run looks like one whose process goes on on another host.
    RunStore store(dir.storePath(name));
    id = store.beginRun(name, R"({"format": 1, "name": "s_seed-1"})", 1, 1);
  }
  const NamedRun stored = findNamedRun(RunStore(dir.storePath(name)), name);
  QCOMPARE(int(stored.state), int(NamedRunState::Running));

  SweepTaskStatus running = combineTaskStatus("RUNNING", "", stored);
  running.run = name;
  markEndedTaskInterrupted(dir, running);
  QCOMPARE(RunStore(dir.storePath(name)).run(id).status, std::string("running"));

  SweepTaskStatus ended = combineTaskStatus("", "", stored);
  ended.run = name;
  ended.job = "12_0";
  QCOMPARE(int(ended.state), int(SweepTaskState::Failed));
  markEndedTaskInterrupted(dir, ended);
  const RunSummary run = RunStore(dir.storePath(name)).run(id);
  QCOMPARE(run.status, std::string("interrupted"));
  QVERIFY2(run.message.find("Slurm task 12_0 ended") != std::string::npos, run.message.c_str());
}

QTEST_GUILESS_MAIN(TestSlurmSweep)
#include "tst_slurm_sweep.moc"
