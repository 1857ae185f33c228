// Sparsity schemes: the shape of a projected mask, its counts, that it keeps the top scores (against a
// brute-force search on small layers), validation of hand-made masks, options, and the mutation contract.
#include <QJsonDocument>
#include <QJsonObject>
#include <QtTest>
#include <algorithm>
#include <bit>
#include <cmath>
#include <functional>
#include <map>
#include <set>

#include "algorithms/active_units.h"
#include "algorithms/gradient_growth.h"
#include "algorithms/unit_mutation.h"
#include "core/error.h"
#include "core/rng.h"
#include "sparse/pattern_scheme.h"
#include "sparse/scheme.h"

using namespace ss;

namespace {

struct SchemeCase {
  const char* scheme;
  const char* options;
};

const std::vector<SchemeCase> kMatrixSchemes = {
    {"unstructured", "{}"},
    {"nm", "{\"n\":2,\"m\":4}"},
    {"nm", "{\"n\":1,\"m\":3}"},
    {"nm", "{\"n\":3,\"m\":8}"},
    {"block", "{\"height\":4,\"width\":1}"},
    {"block", "{\"height\":2,\"width\":3}"},
    {"block", "{\"height\":1,\"width\":1}"},
    {"channel", "{}"},
};

// rows x cols: odd sizes, one row, one column, one element.
const std::vector<std::pair<int, int>> kMatrixShapes = {{1, 1},  {1, 7},  {5, 1},    {3, 5},
                                                        {7, 13}, {8, 16}, {10, 100}, {17, 9}};
// filters x C*9, for the pattern scheme.
const std::vector<std::pair<int, int>> kConvShapes = {{1, 9}, {3, 27}, {5, 18}, {8, 72}, {2, 9}};
const std::vector<double> kDensities = {0.0, 0.05, 0.3, 0.5, 0.77, 1.0};

std::unique_ptr<Scheme> schemeFor(const QString& name, const QString& options) {
  return makeScheme(name.toStdString(), options.toStdString(), "test");
}

Matrix randomScores(int rows, int cols, Rng& rng) {
  Matrix m(rows, cols);
  for (Eigen::Index i = 0; i < m.size(); ++i) m.data()[i] = rng.uniform(-1.0f, 1.0f);
  return m;
}

Matrix constantScores(int rows, int cols) {
  return Matrix::Constant(rows, cols, 0.5f);
}

QString bitsOf(const Mask& mask) {
  QString out;
  for (int r = 0; r < mask.rows; ++r) {
    if (r) out += ' ';
    for (int c = 0; c < mask.cols; ++c) out += mask.at(r, c) ? '1' : '0';
  }
  return out;
}

Mask maskFromBits(int rows, int cols, const QString& bits) {
  Mask mask(rows, cols);
  QString compact = bits;
  compact.remove(' ');
  for (int i = 0; i < compact.size() && i < rows * cols; ++i) mask.bits[size_t(i)] = compact[i] == '1' ? 1 : 0;
  return mask;
}

double keptEnergy(const Matrix& scores, const Mask& mask) {
  double e = 0.0;
  for (size_t i = 0; i < mask.bits.size(); ++i)
    if (mask.bits[i]) e += double(scores.data()[i]) * double(scores.data()[i]);
  return e;
}

// A group's extent in the matrix: (rows spanned, columns spanned).
std::pair<int, int> extentOf(const std::vector<int64_t>& group, int cols) {
  const int64_t first = group.front(), last = group.back();
  return {int(last / cols - first / cols + 1), int(last % cols - first % cols + 1)};
}

// The units holding a mask's active positions, ascending.
std::set<int64_t> activeUnitsOf(const UnitLayout& units, const Mask& mask) {
  std::set<int64_t> out;
  for (int64_t p : positionsOf(mask)) out.insert(units.unitOf(p));
  return out;
}

// For blocks: how many whole blocks of each extent are kept (ragged blocks are ranked in their own class).
std::map<std::pair<int, int>, int> keptBlocksByExtent(const Scheme& scheme, const Mask& mask, const LayerGeometry& g) {
  std::map<std::pair<int, int>, int> kept;
  if (scheme.name() != "block") return kept;
  const auto units = scheme.unitLayout(g);
  for (int64_t unit : activeUnitsOf(*units, mask)) {
    std::vector<int64_t> block;
    units->appendPositions({unit, 0}, block);
    ++kept[extentOf(block, g.cols)];
  }
  return kept;
}

// The valid mask with the largest kept energy (sum of squared scores) among all masks with the same active
// count (and, for blocks, the same kept blocks per extent) as `like`: every 0/1 matrix for the matrix
// schemes, every choice of pattern or nothing per kernel for the pattern scheme.
Mask bestByEnumeration(const Scheme& scheme, const Matrix& scores, const LayerGeometry& g, const Mask& like) {
  const int64_t size = int64_t(g.rows) * g.cols;
  const int64_t count = like.activeCount();
  const auto signature = keptBlocksByExtent(scheme, like, g);
  Mask best;
  double bestEnergy = -1.0;
  auto consider = [&](const Mask& candidate) {
    if (candidate.activeCount() != count || !scheme.validate(candidate, g).empty()) return;
    if (keptBlocksByExtent(scheme, candidate, g) != signature) return;
    const double e = keptEnergy(scores, candidate);
    if (e > bestEnergy) {
      bestEnergy = e;
      best = candidate;
    }
  };
  if (scheme.name() == "pattern") {
    const int kernels = int(size / 9);
    std::vector<int> choice(size_t(kernels), 0);  // 0: empty, p + 1: library pattern p
    for (;;) {
      Mask candidate(g.rows, g.cols);
      for (int k = 0; k < kernels; ++k)
        if (choice[size_t(k)])
          for (int entry : PatternScheme::library()[size_t(choice[size_t(k)] - 1)])
            candidate.bits[size_t(k * 9 + entry)] = 1;
      consider(candidate);
      int k = 0;
      while (k < kernels && ++choice[size_t(k)] == 9) choice[size_t(k++)] = 0;
      if (k == kernels) break;
    }
    return best;
  }
  for (uint64_t bits = 0; bits < (uint64_t(1) << size); ++bits) {
    if (std::popcount(bits) != count) continue;
    Mask candidate(g.rows, g.cols);
    for (int64_t i = 0; i < size; ++i) candidate.bits[size_t(i)] = (bits >> i) & 1u;
    consider(candidate);
  }
  return best;
}

// The active count each scheme must reach, worked out from the scheme's definition.
int64_t expectedActive(const QString& scheme, const QString& options, const LayerGeometry& g, double d) {
  const QJsonObject o = QJsonDocument::fromJson(options.toUtf8()).object();
  const int64_t size = int64_t(g.rows) * g.cols;
  if (scheme == "unstructured") return std::llround(d * double(size));
  if (scheme == "channel") return std::llround(d * g.rows) * g.cols;
  if (scheme == "nm") {
    const int n = o["n"].toInt(), m = o["m"].toInt(), tail = g.cols % m;
    return int64_t(g.rows) * ((g.cols / m) * n + (tail * n + m - 1) / m);
  }
  if (scheme == "block") {
    const int h = o["height"].toInt(), w = o["width"].toInt();
    int64_t active = 0;
    // Per extent class: round(d * blocks in the class) blocks of that extent.
    const int fullRows = g.rows / h, shortRows = g.rows % h, fullCols = g.cols / w, narrowCols = g.cols % w;
    const struct {
      int64_t blocks, blockSize;
    } classes[] = {{int64_t(fullRows) * fullCols, int64_t(h) * w},
                   {fullRows * (narrowCols ? 1 : 0), int64_t(h) * narrowCols},
                   {(shortRows ? 1 : 0) * int64_t(fullCols), int64_t(shortRows) * w},
                   {(shortRows && narrowCols) ? 1 : 0, int64_t(shortRows) * narrowCols}};
    for (const auto& c : classes) active += std::llround(d * double(c.blocks)) * c.blockSize;
    return active;
  }
  // pattern: K of C kernels per filter, K the nearest to d * 9C / 4 (at most C).
  const int channels = g.cols / 9;
  const int64_t k = std::min<int64_t>(channels, std::llround(d * 9.0 * channels / 4.0));
  return int64_t(g.rows) * k * 4;
}

QString errorOf(const std::function<void()>& f) {
  try {
    f();
  } catch (const InputError& e) {
    return QString::fromStdString(e.what());
  }
  return {};
}

void addProjectionRows() {
  QTest::addColumn<QString>("scheme");
  QTest::addColumn<QString>("options");
  QTest::addColumn<int>("rows");
  QTest::addColumn<int>("cols");
  QTest::addColumn<int>("kernelArea");
  QTest::addColumn<double>("density");
  for (const auto& s : kMatrixSchemes)
    for (const auto& [rows, cols] : kMatrixShapes)
      for (double d : kDensities)
        QTest::addRow("%s %s %dx%d d=%g", s.scheme, s.options, rows, cols, d)
            << QString(s.scheme) << QString(s.options) << rows << cols << 1 << d;
  for (const auto& [rows, cols] : kConvShapes)
    for (double d : kDensities)
      QTest::addRow("pattern %dx%d d=%g", rows, cols, d)
          << QString("pattern") << QString("{}") << rows << cols << 9 << d;
}

}  // namespace

class TestSchemes : public QObject {
  Q_OBJECT

 private slots:
  void projectedMaskHasTheSchemeShape_data() { addProjectionRows(); }
  void projectedMaskHasTheSchemeShape();
  void projectedMaskKeepsTheSchemeCount_data() { addProjectionRows(); }
  void projectedMaskKeepsTheSchemeCount();
  void keptWeightsAreTheTopScores_data();
  void keptWeightsAreTheTopScores();
  void tiesGoToTheLowerIndex_data();
  void tiesGoToTheLowerIndex();
  void nanScoresRankLowest();
  void achievableDensityRoundsToWholeGroups_data();
  void achievableDensityRoundsToWholeGroups();
  void validateRejectsMalformedMasks_data();
  void validateRejectsMalformedMasks();
  void patternLibraryHoldsTheCentre();
  void patternLeavesOtherLayersUnstructured();
  void badRequestsAreRejected_data();
  void badRequestsAreRejected();
  void optionsAreValidated_data();
  void optionsAreValidated();
  void describeNamesTheShape_data();
  void describeNamesTheShape();
  void unitsAndSetsPartitionTheLayer_data() { addProjectionRows(); }
  void unitsAndSetsPartitionTheLayer();
  void dropAndGrowStepsKeepTheShape_data() { addProjectionRows(); }
  void dropAndGrowStepsKeepTheShape();
};

void TestSchemes::projectedMaskHasTheSchemeShape() {
  QFETCH(QString, scheme);
  QFETCH(QString, options);
  QFETCH(int, rows);
  QFETCH(int, cols);
  QFETCH(int, kernelArea);
  QFETCH(double, density);
  const auto s = schemeFor(scheme, options);
  const LayerGeometry g{rows, cols, kernelArea};
  Rng rng(uint64_t(rows * 1000 + cols));
  const Mask mask = s->project(randomScores(rows, cols, rng), g, density);
  QCOMPARE(mask.rows, rows);
  QCOMPARE(mask.cols, cols);
  const std::string problem = s->validate(mask, g);
  QVERIFY2(problem.empty(), problem.c_str());
  const double achievable = s->achievableDensity(g, density);
  QVERIFY(achievable >= 0.0 && achievable <= 1.0);
  QCOMPARE(mask.activeCount(), std::llround(achievable * double(mask.size())));
}

void TestSchemes::projectedMaskKeepsTheSchemeCount() {
  QFETCH(QString, scheme);
  QFETCH(QString, options);
  QFETCH(int, rows);
  QFETCH(int, cols);
  QFETCH(int, kernelArea);
  QFETCH(double, density);
  const auto s = schemeFor(scheme, options);
  const LayerGeometry g{rows, cols, kernelArea};
  Rng rng(uint64_t(rows * 7 + cols));
  const Mask mask = s->project(randomScores(rows, cols, rng), g, density);
  QCOMPARE(mask.activeCount(), expectedActive(scheme, options, g, density));
  if (scheme == "pattern") {
    const int channels = cols / 9;
    std::vector<int> keptPerFilter(size_t(rows), 0);
    for (int r = 0; r < rows; ++r)
      for (int c = 0; c < channels; ++c) {
        int bits = 0;
        for (int e = 0; e < 9; ++e) bits |= mask.at(r, c * 9 + e) ? 1 << e : 0;
        if (!bits) continue;
        bool inLibrary = false;
        for (const auto& p : PatternScheme::library()) {
          int pb = 0;
          for (int e : p) pb |= 1 << e;
          inLibrary = inLibrary || pb == bits;
        }
        QVERIFY2(inLibrary, qPrintable(QString("row %1 kernel %2").arg(r).arg(c)));
        ++keptPerFilter[size_t(r)];
      }
    for (int r = 1; r < rows; ++r) QCOMPARE(keptPerFilter[size_t(r)], keptPerFilter[0]);
  }
}

void TestSchemes::keptWeightsAreTheTopScores_data() {
  QTest::addColumn<QString>("scheme");
  QTest::addColumn<QString>("options");
  QTest::addColumn<int>("rows");
  QTest::addColumn<int>("cols");
  QTest::addColumn<int>("kernelArea");
  QTest::addColumn<double>("density");
  const struct {
    const char *scheme, *options;
    int rows, cols, kernelArea;
    double density;
  } cases[] = {
      {"unstructured", "{}", 1, 1, 1, 1.0},
      {"unstructured", "{}", 3, 5, 1, 0.4},
      {"unstructured", "{}", 4, 4, 1, 0.25},
      {"unstructured", "{}", 2, 8, 1, 0.9},
      {"unstructured", "{}", 1, 7, 1, 0.5},
      {"nm", "{\"n\":2,\"m\":4}", 2, 8, 1, 0.5},
      {"nm", "{\"n\":1,\"m\":3}", 3, 5, 1, 0.3},
      {"nm", "{\"n\":3,\"m\":4}", 1, 10, 1, 0.75},
      {"nm", "{\"n\":1,\"m\":2}", 4, 3, 1, 0.5},
      {"block", "{\"height\":4,\"width\":1}", 6, 2, 1, 0.5},
      {"block", "{\"height\":2,\"width\":2}", 3, 5, 1, 0.5},
      {"block", "{\"height\":2,\"width\":3}", 4, 4, 1, 0.6},
      {"block", "{\"height\":4,\"width\":1}", 8, 2, 1, 0.3},
      {"channel", "{}", 5, 3, 1, 0.4},
      {"channel", "{}", 4, 4, 1, 0.5},
      {"channel", "{}", 7, 2, 1, 0.77},
      {"pattern", "{}", 1, 27, 9, 0.3},
      {"pattern", "{}", 2, 18, 9, 0.25},
      {"pattern", "{}", 3, 18, 9, 0.2},
      {"pattern", "{}", 2, 9, 9, 1.0},
  };
  for (const auto& c : cases)
    for (uint64_t seed : {1u, 2u, 3u})
      QTest::addRow("%s %s %dx%d d=%g seed %d", c.scheme, c.options, c.rows, c.cols, c.density, int(seed))
          << QString(c.scheme) << QString(c.options) << c.rows << c.cols << c.kernelArea << c.density;
}

void TestSchemes::keptWeightsAreTheTopScores() {
  QFETCH(QString, scheme);
  QFETCH(QString, options);
  QFETCH(int, rows);
  QFETCH(int, cols);
  QFETCH(int, kernelArea);
  QFETCH(double, density);
  const auto s = schemeFor(scheme, options);
  const LayerGeometry g{rows, cols, kernelArea};
  Rng rng(qHash(QString(QTest::currentDataTag())));
  const Matrix scores = randomScores(rows, cols, rng);
  const Mask mask = s->project(scores, g, density);
  const Mask best = bestByEnumeration(*s, scores, g, mask);
  QCOMPARE(bitsOf(mask), bitsOf(best));
}

void TestSchemes::tiesGoToTheLowerIndex_data() {
  QTest::addColumn<QString>("scheme");
  QTest::addColumn<QString>("options");
  QTest::addColumn<int>("rows");
  QTest::addColumn<int>("cols");
  QTest::addColumn<int>("kernelArea");
  QTest::addColumn<double>("density");
  QTest::addColumn<QString>("expected");
  // clang-format off
  QTest::newRow("unstructured") << "unstructured" << "{}" << 3 << 5 << 1 << 0.4 << "11111 10000 00000";
  QTest::newRow("nm 2:4") << "nm" << "{\"n\":2,\"m\":4}" << 2 << 10 << 1 << 0.5 << "1100110010 1100110010";
  QTest::newRow("block 4x1") << "block" << "{\"height\":4,\"width\":1}" << 8 << 3 << 1 << 0.5
      << "111 111 111 111 000 000 000 000";
  QTest::newRow("block 2x2") << "block" << "{\"height\":2,\"width\":2}" << 2 << 8 << 1 << 0.5 << "11110000 11110000";
  QTest::newRow("channel") << "channel" << "{}" << 5 << 3 << 1 << 0.4 << "111 111 000 000 000";
  QTest::newRow("pattern") << "pattern" << "{}" << 2 << 27 << 9 << 0.3
      << "010111000010111000000000000 010111000010111000000000000";
  // clang-format on
}

void TestSchemes::tiesGoToTheLowerIndex() {
  QFETCH(QString, scheme);
  QFETCH(QString, options);
  QFETCH(int, rows);
  QFETCH(int, cols);
  QFETCH(int, kernelArea);
  QFETCH(double, density);
  QFETCH(QString, expected);
  const auto s = schemeFor(scheme, options);
  QCOMPARE(bitsOf(s->project(constantScores(rows, cols), {rows, cols, kernelArea}, density)), expected);
}

void TestSchemes::nanScoresRankLowest() {
  Matrix scores = Matrix::Constant(2, 4, 0.1f);
  scores(0, 1) = std::nanf("");
  const auto unstructured = schemeFor("unstructured", "{}");
  QCOMPARE(bitsOf(unstructured->project(scores, {2, 4}, 7.0 / 8.0)), QString("1011 1111"));
  const auto channel = schemeFor("channel", "{}");
  QCOMPARE(bitsOf(channel->project(scores, {2, 4}, 0.5)), QString("0000 1111"));
}

void TestSchemes::achievableDensityRoundsToWholeGroups_data() {
  QTest::addColumn<QString>("scheme");
  QTest::addColumn<QString>("options");
  QTest::addColumn<int>("rows");
  QTest::addColumn<int>("cols");
  QTest::addColumn<int>("kernelArea");
  QTest::addColumn<double>("requested");
  QTest::addColumn<double>("achievable");
  // clang-format off
  QTest::newRow("unstructured rounds to whole weights") << "unstructured" << "{}" << 3 << 5 << 1 << 0.5 << 8.0 / 15;
  QTest::newRow("unstructured one element, below half") << "unstructured" << "{}" << 1 << 1 << 1 << 0.49 << 0.0;
  QTest::newRow("unstructured one element, half") << "unstructured" << "{}" << 1 << 1 << 1 << 0.5 << 1.0;
  QTest::newRow("2:4 whatever is asked") << "nm" << "{\"n\":2,\"m\":4}" << 4 << 8 << 1 << 0.1 << 0.5;
  QTest::newRow("2:4 tail of 2 keeps 1") << "nm" << "{\"n\":2,\"m\":4}" << 1 << 10 << 1 << 0.5 << 0.5;
  QTest::newRow("2:4 tail of 3 keeps 2") << "nm" << "{\"n\":2,\"m\":4}" << 1 << 7 << 1 << 0.5 << 4.0 / 7;
  QTest::newRow("1:3 tail of 2 keeps 1") << "nm" << "{\"n\":1,\"m\":3}" << 2 << 5 << 1 << 0.5 << 0.4;
  QTest::newRow("3:8 tail of 1 keeps 1") << "nm" << "{\"n\":3,\"m\":8}" << 1 << 9 << 1 << 0.9 << 4.0 / 9;
  QTest::newRow("block 4x1 whole blocks") << "block" << "{\"height\":4,\"width\":1}" << 8 << 8 << 1 << 0.3 << 5.0 / 16;
  QTest::newRow("block 4x1 short row group") << "block" << "{\"height\":4,\"width\":1}" << 10 << 3 << 1 << 0.5
      << 16.0 / 30;
  QTest::newRow("channel rounds down") << "channel" << "{}" << 10 << 7 << 1 << 0.33 << 0.3;
  QTest::newRow("channel rounds half up") << "channel" << "{}" << 10 << 7 << 1 << 0.35 << 0.4;
  QTest::newRow("pattern nearest kernel count") << "pattern" << "{}" << 4 << 54 << 9 << 0.2 << 12.0 / 54;
  QTest::newRow("pattern at most 4/9") << "pattern" << "{}" << 4 << 54 << 9 << 1.0 << 4.0 / 9;
  QTest::newRow("pattern nothing") << "pattern" << "{}" << 4 << 54 << 9 << 0.0 << 0.0;
  // clang-format on
}

void TestSchemes::achievableDensityRoundsToWholeGroups() {
  QFETCH(QString, scheme);
  QFETCH(QString, options);
  QFETCH(int, rows);
  QFETCH(int, cols);
  QFETCH(int, kernelArea);
  QFETCH(double, requested);
  QFETCH(double, achievable);
  const double got = schemeFor(scheme, options)->achievableDensity({rows, cols, kernelArea}, requested);
  QVERIFY2(std::abs(got - achievable) < 1e-12, qPrintable(QString("%1, expected %2").arg(got).arg(achievable)));
}

void TestSchemes::validateRejectsMalformedMasks_data() {
  QTest::addColumn<QString>("scheme");
  QTest::addColumn<QString>("options");
  QTest::addColumn<int>("rows");
  QTest::addColumn<int>("cols");
  QTest::addColumn<int>("kernelArea");
  QTest::addColumn<QString>("bits");
  QTest::addColumn<QString>("problem");
  const QString nm24 = "{\"n\":2,\"m\":4}";
  // clang-format off
  QTest::newRow("nm three in a group") << "nm" << nm24 << 1 << 8 << 1 << "11100011"
      << "row 0, group 0 (columns 0-3): 3 active, expected 2";
  QTest::newRow("nm empty group") << "nm" << nm24 << 2 << 4 << 1 << "1100 0000"
      << "row 1, group 0 (columns 0-3): 0 active";
  QTest::newRow("nm tail too full") << "nm" << nm24 << 2 << 6 << 1 << "110010 101011"
      << "row 1, group 1 (columns 4-5): 2 active, expected 1";
  QTest::newRow("block split") << "block" << "{\"height\":2,\"width\":1}" << 3 << 2 << 1 << "10 00 11"
      << "block at rows 0-1, columns 0-0: 1 of 2 active, expected all or none";
  QTest::newRow("block ragged corner split") << "block" << "{\"height\":2,\"width\":2}" << 3 << 3 << 1 << "000 000 010"
      << "block at rows 2-2, columns 0-1: 1 of 2 active";
  QTest::newRow("channel partial row") << "channel" << "{}" << 2 << 3 << 1 << "111 010" << "row 1: 1 of 3 active";
  QTest::newRow("pattern not in library") << "pattern" << "{}" << 1 << 9 << 9 << "111000000"
      << "row 0, kernel 0: entries {0,1,2} are not one of the library's patterns";
  QTest::newRow("pattern with a fifth entry") << "pattern" << "{}" << 1 << 18 << 9 << "000000000 010111001"
      << "row 0, kernel 1: entries {1,3,4,5,8}";
  QTest::newRow("pattern filters unbalanced") << "pattern" << "{}" << 2 << 18 << 9
      << "010111000000000000 010111000110110000" << "row 1 keeps 2 kernels, row 0 keeps 1";
  QTest::newRow("wrong dimensions") << "unstructured" << "{}" << 3 << 2 << 1 << "" << "mask is 2x3, layer is 3x2";
  // clang-format on
}

void TestSchemes::validateRejectsMalformedMasks() {
  QFETCH(QString, scheme);
  QFETCH(QString, options);
  QFETCH(int, rows);
  QFETCH(int, cols);
  QFETCH(int, kernelArea);
  QFETCH(QString, bits);
  QFETCH(QString, problem);
  const Mask mask = bits.isEmpty() ? Mask(cols, rows) : maskFromBits(rows, cols, bits);
  const QString got = QString::fromStdString(schemeFor(scheme, options)->validate(mask, {rows, cols, kernelArea}));
  QVERIFY2(got.startsWith(problem), qPrintable(got));
}

void TestSchemes::patternLibraryHoldsTheCentre() {
  std::set<std::vector<int>> distinct;
  for (const auto& p : PatternScheme::library()) {
    QCOMPARE(std::set<int>(p.begin(), p.end()).size(), size_t(4));
    QVERIFY(std::find(p.begin(), p.end(), 4) != p.end());
    QVERIFY(std::all_of(p.begin(), p.end(), [](int e) { return e >= 0 && e < 9; }));
    distinct.insert(std::vector<int>(p.begin(), p.end()));
  }
  QCOMPARE(distinct.size(), size_t(8));
}

void TestSchemes::patternLeavesOtherLayersUnstructured() {
  const auto pattern = schemeFor("pattern", "{}");
  const auto unstructured = schemeFor("unstructured", "{}");
  Rng rng(8);
  Matrix scores(10, 27);
  for (Eigen::Index k = 0; k < scores.size(); ++k) scores.data()[k] = rng.uniform(-1.0f, 1.0f);
  // A linear layer (kernel area 1) and a 5x5 convolution: exactly what the unstructured scheme does.
  for (const LayerGeometry& other : {LayerGeometry{10, 27, 1, "fc1"}, LayerGeometry{10, 25, 25, "conv5"}}) {
    const Matrix s = scores.leftCols(other.cols);
    const Mask mask = pattern->project(s, other, 0.3);
    QCOMPARE(mask.bits, unstructured->project(s, other, 0.3).bits);
    QCOMPARE(pattern->achievableDensity(other, 0.3), unstructured->achievableDensity(other, 0.3));
    QVERIFY(pattern->validate(mask, other).empty());
    // Single positions in one set, as the unstructured scheme's, grown by shuffling (one draw per grown position).
    const auto units = pattern->unitLayout(other);
    QCOMPARE(units->setCount(), int64_t(1));
    QCOMPARE(units->setSize(0), int64_t(other.rows) * other.cols);
    QVERIFY(!units->balanced() && !units->drawsPositions());
    QCOMPARE(units->unitOf(3), int64_t(3));
    Rng drawn(1), once(1);
    QCOMPARE(units->randomChoice(3, drawn), 0);
    once.uniform(0.0f, 1.0f);
    QCOMPARE(drawn.next(), once.next());
  }
  // A 3x3 convolution still gets patterns, and a kernel area of 9 over inputs that are not whole kernels is
  // a malformed layer, not one to fall back for.
  QVERIFY(!pattern->validate(unstructured->project(scores, {10, 27, 9, "conv1"}, 0.3), {10, 27, 9, "conv1"}).empty());
  const QString partial = errorOf([&] { pattern->achievableDensity({2, 20, 9, "conv1"}, 0.3); });
  QVERIFY2(partial.contains("layer conv1") && partial.contains("20 inputs are not whole 3x3 kernels"),
           qPrintable(partial));
}

void TestSchemes::badRequestsAreRejected_data() {
  QTest::addColumn<QString>("scheme");
  QTest::addColumn<int>("scoreRows");
  QTest::addColumn<double>("density");
  QTest::addColumn<QString>("problem");
  for (const char* scheme : {"unstructured", "nm", "block", "channel", "pattern"}) {
    QTest::addRow("%s density above 1", scheme) << QString(scheme) << 4 << 1.5 << "density 1.500000 is outside [0, 1]";
    QTest::addRow("%s negative density", scheme) << QString(scheme) << 4 << -0.1 << "is outside [0, 1]";
    QTest::addRow("%s NaN density", scheme) << QString(scheme) << 4 << double(std::nan("")) << "is outside [0, 1]";
    QTest::addRow("%s scores of another shape", scheme)
        << QString(scheme) << 3 << 0.5 << "scores are 3x18 but the layer is 4x18";
  }
}

void TestSchemes::badRequestsAreRejected() {
  QFETCH(QString, scheme);
  QFETCH(int, scoreRows);
  QFETCH(double, density);
  QFETCH(QString, problem);
  const auto s = schemeFor(scheme, "");
  const QString error = errorOf([&] { s->project(Matrix::Ones(scoreRows, 18), {4, 18, 9, "conv2"}, density); });
  QVERIFY2(error.startsWith("layer conv2: sparsity scheme ") && error.contains(problem), qPrintable(error));
}

void TestSchemes::optionsAreValidated_data() {
  QTest::addColumn<QString>("scheme");
  QTest::addColumn<QString>("options");
  QTest::addColumn<QString>("problem");
  // clang-format off
  QTest::newRow("n equal to m") << "nm" << "{\"n\":4,\"m\":4}"
      << "sparsity.scheme_options.m: must be greater than n (4)";
  QTest::newRow("m below default n") << "nm" << "{\"m\":2}" << "sparsity.scheme_options.m: must be greater than n (2)";
  QTest::newRow("n zero") << "nm" << "{\"n\":0,\"m\":4}" << "sparsity.scheme_options.n: must be at least 1";
  QTest::newRow("n fractional") << "nm" << "{\"n\":2.5}" << "sparsity.scheme_options.n: expected an integer";
  QTest::newRow("n a string") << "nm" << "{\"n\":\"2\"}" << "sparsity.scheme_options.n: expected an integer";
  QTest::newRow("nm misspelt key") << "nm" << "{\"nn\":2}"
      << "sparsity.scheme_options.nn: unknown key (did you mean 'n'?)";
  QTest::newRow("block height zero") << "block" << "{\"height\":0}"
      << "sparsity.scheme_options.height: must be at least 1";
  QTest::newRow("block width negative") << "block" << "{\"width\":-1}"
      << "sparsity.scheme_options.width: must be at least 1";
  QTest::newRow("block misspelt key") << "block" << "{\"widht\":2}"
      << "sparsity.scheme_options.widht: unknown key (did you mean 'width'?)";
  QTest::newRow("unstructured takes none") << "unstructured" << "{\"n\":2}" << "sparsity.scheme_options.n: unknown key";
  QTest::newRow("channel takes none") << "channel" << "{\"rows\":2}" << "sparsity.scheme_options.rows: unknown key";
  QTest::newRow("pattern takes none") << "pattern" << "{\"patterns\":8}"
      << "sparsity.scheme_options.patterns: unknown key";
  QTest::newRow("not an object") << "nm" << "[2, 4]" << "sparsity.scheme_options: expected an object";
  QTest::newRow("not JSON") << "nm" << "{\"n\":" << "sparsity.scheme_options: not valid JSON";
  QTest::newRow("unknown scheme") << "nmm" << "{}" << "sparsity.scheme: 'nmm' is not one of: unstructured, nm, block";
  // clang-format on
}

void TestSchemes::optionsAreValidated() {
  QFETCH(QString, scheme);
  QFETCH(QString, options);
  QFETCH(QString, problem);
  const QString error = errorOf([&] { makeScheme(scheme.toStdString(), options.toStdString(), "proj.json"); });
  QVERIFY2(error.startsWith("proj.json: " + problem), qPrintable(error));
}

void TestSchemes::describeNamesTheShape_data() {
  QTest::addColumn<QString>("scheme");
  QTest::addColumn<QString>("options");
  QTest::addColumn<QString>("description");
  // clang-format off
  QTest::newRow("unstructured") << "unstructured" << "" << "unstructured";
  QTest::newRow("nm default") << "nm" << "" << "2:4";
  QTest::newRow("nm 1:8") << "nm" << "{\"n\":1,\"m\":8}" << "1:8";
  QTest::newRow("nm from whole floats") << "nm" << "{\"n\":1.0,\"m\":16}" << "1:16";
  QTest::newRow("block default") << "block" << "{}" << "block 4x1";
  QTest::newRow("block 2x2") << "block" << "{\"height\":2,\"width\":2}" << "block 2x2";
  QTest::newRow("channel") << "channel" << "{}" << "channel";
  QTest::newRow("pattern") << "pattern" << "{}" << "3x3 pattern, filter-balanced";
  // clang-format on
}

void TestSchemes::describeNamesTheShape() {
  QFETCH(QString, scheme);
  QFETCH(QString, options);
  QFETCH(QString, description);
  const auto s = schemeFor(scheme, options);
  QCOMPARE(QString::fromStdString(s->name()), scheme);
  QCOMPARE(QString::fromStdString(s->describe()), description);
}

// Every position lies in exactly one unit, every unit in exactly one set at one rank, and a projected mask is made of
// whole units (a pattern kernel: exactly one pattern's entries).
void TestSchemes::unitsAndSetsPartitionTheLayer() {
  QFETCH(QString, scheme);
  QFETCH(QString, options);
  QFETCH(int, rows);
  QFETCH(int, cols);
  QFETCH(int, kernelArea);
  QFETCH(double, density);
  const auto s = schemeFor(scheme, options);
  const LayerGeometry g{rows, cols, kernelArea};
  const auto units = s->unitLayout(g);
  const int choices = scheme == "pattern" && kernelArea == 9 ? int(PatternScheme::library().size()) : 1;
  std::map<int64_t, std::set<int64_t>> positionsOfUnit;
  for (int64_t p = 0; p < int64_t(rows) * cols; ++p) positionsOfUnit[units->unitOf(p)].insert(p);
  for (const auto& [unit, covered] : positionsOfUnit)
    for (int choice = 0; choice < choices; ++choice) {
      std::vector<int64_t> held;
      units->appendPositions({unit, choice}, held);
      QVERIFY(std::is_sorted(held.begin(), held.end()));
      for (int64_t p : held) QVERIFY(covered.count(p));
      if (choices == 1) QCOMPARE(held.size(), covered.size());
    }

  std::set<int64_t> inSets;
  for (int64_t set = 0; set < units->setCount(); ++set)
    for (int64_t rank = 0; rank < units->setSize(set); ++rank) {
      const int64_t unit = units->unitInSet(set, rank);
      QVERIFY(positionsOfUnit.count(unit));
      QCOMPARE(units->setOf(unit), set);
      QCOMPARE(units->rankInSet(unit), rank);
      QVERIFY(inSets.insert(unit).second);
      QVERIFY(rank == 0 || unit > units->unitInSet(set, rank - 1));  // ranked by index
    }
  QCOMPARE(inSets.size(), positionsOfUnit.size());

  Rng rng(11);
  const Mask mask = s->project(randomScores(rows, cols, rng), g, density);
  for (int64_t unit : activeUnitsOf(*units, mask)) {
    const std::set<int64_t>& covered = positionsOfUnit[unit];
    const int64_t active =
        std::count_if(covered.begin(), covered.end(), [&](int64_t p) { return mask.bits[size_t(p)]; });
    QCOMPARE(active, choices == 1 ? int64_t(covered.size()) : int64_t(4));
  }
}

// Each kind of drop-and-grow step on units, from a projected mask: SET's random swap of a third of the active units,
// MEST's elastic prune to two thirds of every set and growth back, and RigL's drop of a third and growth by a dense
// gradient. Each leaves a mask of the scheme's shape with as many active units and weights (sets hold units of one
// size).
void TestSchemes::dropAndGrowStepsKeepTheShape() {
  QFETCH(QString, scheme);
  QFETCH(QString, options);
  QFETCH(int, rows);
  QFETCH(int, cols);
  QFETCH(int, kernelArea);
  QFETCH(double, density);
  const auto s = schemeFor(scheme, options);
  const LayerGeometry g{rows, cols, kernelArea};
  Rng rng(uint64_t(rows * 31 + cols));
  const Matrix weights = randomScores(rows, cols, rng);
  const Mask mask = s->project(weights, g, density);
  const std::vector<int64_t> positions = positionsOf(mask);
  std::vector<float> magnitudes;
  for (int64_t p : positions) magnitudes.push_back(std::abs(weights.data()[p]));
  const auto units = s->unitLayout(g);
  const ActiveUnits active = activeUnits(*units, cols, positions, magnitudes);
  const int64_t third = (int64_t(active.units.size()) + 2) / 3;

  std::vector<int64_t> budget(size_t(units->setCount()), 0);
  for (const auto& [set, count] : countPerSet(*units, active.units)) budget[size_t(set)] = count;
  std::vector<int64_t> keep;
  for (int64_t b : budget) keep.push_back(b - (b + 2) / 3);

  KeptAndDropped split = keepBestUnits(active, int64_t(active.units.size()) - third);
  const auto quotas = countPerSet(*units, split.dropped);
  GradientGrowth growth(s->unitLayout(g), cols, std::move(split.kept), quotas);
  growth.addRows(0, randomScores(rows, cols, rng));

  const std::vector<std::pair<const char*, UnitChange>> steps = {
      {"swap", swapUnits(*units, active, third, rng)},
      {"prune and grow", pruneAndGrowUnits(*units, active, keep, budget, rng)},
      {"gradient", {split.dropped, growth.grownPositions()}},
  };
  for (const auto& [name, change] : steps) {
    const Mask next = maskAt(rows, cols, positionsAfter(*units, positions, change));
    const std::string problem = s->validate(next, g);
    QVERIFY2(problem.empty(), (std::string(name) + ": " + problem).c_str());
    QCOMPARE(int64_t(activeUnitsOf(*units, next).size()), int64_t(active.units.size()));
    QCOMPARE(next.activeCount(), mask.activeCount());
  }
}

QTEST_GUILESS_MAIN(TestSchemes)
#include "tst_schemes.moc"
