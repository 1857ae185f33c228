// runProcess: what a child prints on each stream, its exit code, and a program that is not there.
#include <QTest>

#include "core/error.h"
#include "core/subprocess.h"

using namespace ss;

class TestSubprocess : public QObject {
  Q_OBJECT
 private slots:
  void collectsBothStreamsAndTheExitCode();
  void collectsMoreThanAPipeHolds();
  void aSignalIsReportedAsOneHundredTwentyEightPlusIt();
  void aMissingProgramIsNamed();
};

void TestSubprocess::collectsBothStreamsAndTheExitCode() {
  const ProcessOutput p = runProcess({"sh", "-c", "echo out; echo err >&2; read line || echo stdin-empty; exit 3"});
  QCOMPARE(p.exitCode, 3);
  QCOMPARE(p.out, std::string("out\nstdin-empty\n"));
  QCOMPARE(p.err, std::string("err\n"));
}

void TestSubprocess::collectsMoreThanAPipeHolds() {
  // 1 MB on each stream: reading one stream to its end first would leave the child blocked on the other.
  const ProcessOutput p =
      runProcess({"sh", "-c", "head -c 1048576 /dev/zero; head -c 1048576 /dev/zero >&2; head -c 10 /dev/zero"});
  QCOMPARE(p.exitCode, 0);
  QCOMPARE(p.out.size(), size_t(1048586));
  QCOMPARE(p.err.size(), size_t(1048576));
}

void TestSubprocess::aSignalIsReportedAsOneHundredTwentyEightPlusIt() {
  QCOMPARE(runProcess({"sh", "-c", "kill -TERM $$"}).exitCode, 128 + 15);
}

void TestSubprocess::aMissingProgramIsNamed() {
  try {
    runProcess({"sparsescope-no-such-program", "--help"});
    QFAIL("a missing program was run");
  } catch (const InputError& e) {
    QVERIFY2(std::string(e.what()).find("cannot run 'sparsescope-no-such-program'") != std::string::npos, e.what());
  }
}

QTEST_GUILESS_MAIN(TestSubprocess)
#include "tst_subprocess.moc"
