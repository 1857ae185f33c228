// Batch norm as PyTorch's BatchNorm2d and BatchNorm1d define it: gradients against finite differences, the running
// statistics and evaluation against values worked out by hand, and the same bits on any thread count.
#include <omp.h>

#include <QtTest>
#include <algorithm>
#include <cmath>

#include "core/error.h"
#include "core/rng.h"
#include "core/threads.h"
#include "gradient_check.h"
#include "nn/activation.h"
#include "nn/batch_norm.h"
#include "nn/linear.h"
#include "nn/model.h"
#include "train/checkpoint.h"
#include "train/model_state.h"

using namespace ss;

namespace {

// A layer whose gamma and beta are not the identity's 1 and 0, so that a gradient that leaves either out shows.
BatchNorm scrambledBatchNorm(ExampleShape shape, Rng& rng) {
  BatchNorm bn(shape);
  bn.setName("bn");
  for (float& g : bn.gamma()) g = rng.uniform(0.5f, 1.5f);
  for (float& b : bn.beta()) b = rng.uniform(-0.5f, 0.5f);
  return bn;
}

Matrix rowsOf(Eigen::Index rows, Eigen::Index cols, std::initializer_list<float> values) {
  Matrix m(rows, cols);
  std::copy(values.begin(), values.end(), m.data());
  return m;
}

// Relative to the larger of the two and 1: the hand-worked values are of order 1.
bool near(double actual, double expected, double tolerance = 1e-6) {
  return std::abs(actual - expected) <= tolerance * std::max({1.0, std::abs(actual), std::abs(expected)});
}

#define QVERIFY_NEAR(actual, expected) \
  QVERIFY2(near(actual, expected), qPrintable(QString("%1 is %2, expected %3").arg(#actual).arg(actual).arg(expected)))

}  // namespace

class TestBatchNorm : public QObject {
  Q_OBJECT

 private slots:
  void normalisesPerChannelOrPerFeature_data();
  void normalisesPerChannelOrPerFeature();
  void gradientMatchesFiniteDifferences_data();
  void gradientMatchesFiniteDifferences();
  void trainingNormalisesWithTheBatchsBiasedVariance();
  void runningStatisticsMoveByMomentumTowardsUnbiasedBatchStatistics();
  void evaluationNormalisesWithTheRunningStatistics();
  void sameBitsOnOneAndTwoThreads_data();
  void sameBitsOnOneAndTwoThreads();
  void gammaAndBetaAreNamedParametersWithoutWeightDecay();
  void stateBuffersAreTheRunningStatistics();
  void layersWithoutRunningStatisticsHaveNoStateBuffers();
  void trainingOnOneValuePerChannelIsRefused();
  void runningStatisticsGoThroughACheckpoint();
  void passingThroughTheReluIsTheTwoLayersBitForBit_data();
  void passingThroughTheReluIsTheTwoLayersBitForBit();
  void modelRunsBatchNormAndReluAsOneAndKeepsNoOutputBetween();
};

void TestBatchNorm::normalisesPerChannelOrPerFeature_data() {
  QTest::addColumn<int>("channels");
  QTest::addColumn<int>("height");
  QTest::addColumn<int>("width");
  QTest::addColumn<int>("normalised");
  QTest::addColumn<QString>("description");
  QTest::newRow("3x5x5 image: its channels") << 3 << 5 << 5 << 3 << "batchnorm 3 channels";
  QTest::newRow("1x4x4 image: its one channel") << 1 << 4 << 4 << 1 << "batchnorm 1 channels";
  QTest::newRow("16x1x1 (after a global pool): its channels") << 16 << 1 << 1 << 16 << "batchnorm 16 channels";
  QTest::newRow("1x1x300 (after a linear layer): its features") << 1 << 1 << 300 << 300 << "batchnorm 300 features";
}

void TestBatchNorm::normalisesPerChannelOrPerFeature() {
  QFETCH(int, channels);
  QFETCH(int, height);
  QFETCH(int, width);
  QFETCH(int, normalised);
  QFETCH(QString, description);
  BatchNorm bn(ExampleShape{channels, height, width});
  QCOMPARE(bn.channels(), normalised);
  QCOMPARE(QString::fromStdString(bn.describe()), description);
  QCOMPARE(bn.outputShape().size(), channels * height * width);
}

void TestBatchNorm::gradientMatchesFiniteDifferences_data() {
  QTest::addColumn<int>("channels");
  QTest::addColumn<int>("height");
  QTest::addColumn<int>("width");
  QTest::addColumn<int>("batch");
  QTest::addColumn<bool>("training");
  QTest::newRow("channels: batch 4 of 3x5x5, training") << 3 << 5 << 5 << 4 << true;
  QTest::newRow("features: batch 6 of 1x1x7, training") << 1 << 1 << 7 << 6 << true;
  QTest::newRow("features: batch 3 of 1x1x5, training (three values per channel)") << 1 << 1 << 5 << 3 << true;
  QTest::newRow("channels: batch 4 of 3x5x5, evaluation (running statistics)") << 3 << 5 << 5 << 4 << false;
}

void TestBatchNorm::gradientMatchesFiniteDifferences() {
  QFETCH(int, channels);
  QFETCH(int, height);
  QFETCH(int, width);
  QFETCH(int, batch);
  QFETCH(bool, training);
  Rng rng(11);
  BatchNorm bn = scrambledBatchNorm(ExampleShape{channels, height, width}, rng);
  // Off-centre and spread unlike the initial running statistics (0 and 1), which evaluation normalises with after
  // a training forward has moved them.
  const Matrix x = (randomMatrix(batch, channels * height * width, rng) * 2.0f).array() + 0.5f;
  Matrix warmUp;
  bn.forward(x, warmUp, true);
  // x-hat curves within a few hundredths when a channel has few values (at batch 3 of features, a step of 1e-2
  // left 2e-3 of truncation error in dx); 3e-3 keeps both it and the float rounding near 2e-4.
  const GradientErrors e = checkLayer(bn, x, rng, 3e-3f, training);
  QCOMPARE(e.eachParameter.size(), size_t(2));
  QVERIFY2(e.input < 1e-3, qPrintable(QString("dx relative error %1").arg(e.input)));
  QVERIFY2(e.eachParameter[0] < 1e-3, qPrintable(QString("dgamma relative error %1").arg(e.eachParameter[0])));
  QVERIFY2(e.eachParameter[1] < 1e-3, qPrintable(QString("dbeta relative error %1").arg(e.eachParameter[1])));
}

// Channel 0 of the batch holds 1, 2, 3, 6: mean 3, squared deviations 4 + 1 + 0 + 9 = 14, biased variance 3.5.
// Channel 1 holds 0, 0, 4, 4: mean 2, squared deviations 16, biased variance 4.
void TestBatchNorm::trainingNormalisesWithTheBatchsBiasedVariance() {
  BatchNorm bn(ExampleShape{2, 1, 2});
  bn.gamma() << 2.0f, 0.5f;
  bn.beta() << 1.0f, -1.0f;
  const Matrix x = rowsOf(2, 4,
                          {1, 2, 0, 0,  //
                           3, 6, 4, 4});
  Matrix y;
  bn.forward(x, y, true);
  const double eps = 1e-5, std0 = std::sqrt(3.5 + eps), std1 = std::sqrt(4.0 + eps);
  const double expected[2][4] = {
      {2 * (1 - 3) / std0 + 1, 2 * (2 - 3) / std0 + 1, 0.5 * (0 - 2) / std1 - 1, 0.5 * (0 - 2) / std1 - 1},
      {2 * (3 - 3) / std0 + 1, 2 * (6 - 3) / std0 + 1, 0.5 * (4 - 2) / std1 - 1, 0.5 * (4 - 2) / std1 - 1}};
  for (int n = 0; n < 2; ++n)
    for (int i = 0; i < 4; ++i) QVERIFY_NEAR(double(y(n, i)), expected[n][i]);
}

// The first batch as above (unbiased variances 14/3 and 16/3); the second holds 2, 2, 2, 2 in channel 0 (mean 2,
// variance 0) and -1, 1, -3, 3 in channel 1 (mean 0, squared deviations 20, unbiased variance 20/3).
// running = 0.9 running + 0.1 batch, from mean 0 and variance 1.
void TestBatchNorm::runningStatisticsMoveByMomentumTowardsUnbiasedBatchStatistics() {
  BatchNorm bn(ExampleShape{2, 1, 2});
  Matrix y;
  bn.forward(rowsOf(2, 4, {1, 2, 0, 0, 3, 6, 4, 4}), y, true);
  QVERIFY_NEAR(bn.runningMean()[0], 0.1 * 3);
  QVERIFY_NEAR(bn.runningMean()[1], 0.1 * 2);
  QVERIFY_NEAR(bn.runningVar()[0], 0.9 + 0.1 * 14.0 / 3);
  QVERIFY_NEAR(bn.runningVar()[1], 0.9 + 0.1 * 16.0 / 3);
  bn.forward(rowsOf(2, 4, {2, 2, -1, 1, 2, 2, -3, 3}), y, true);
  QVERIFY_NEAR(bn.runningMean()[0], 0.9 * 0.3 + 0.1 * 2);
  QVERIFY_NEAR(bn.runningMean()[1], 0.9 * 0.2 + 0.1 * 0);
  QVERIFY_NEAR(bn.runningVar()[0], 0.9 * (0.9 + 0.1 * 14.0 / 3) + 0.1 * 0);
  QVERIFY_NEAR(bn.runningVar()[1], 0.9 * (0.9 + 0.1 * 16.0 / 3) + 0.1 * 20.0 / 3);
}

// Features 0 and 1 with running means 1 and -2, running variances 4 and 0.25: evaluation ignores the batch's own
// statistics, and leaves the running ones as they were.
void TestBatchNorm::evaluationNormalisesWithTheRunningStatistics() {
  BatchNorm bn(ExampleShape{1, 1, 2});
  bn.setName("bn");
  const std::vector<NamedBuffer> buffers = bn.stateBuffers();
  buffers[0].values[0] = 1.0f;
  buffers[0].values[1] = -2.0f;
  buffers[1].values[0] = 4.0f;
  buffers[1].values[1] = 0.25f;
  bn.gamma() << 2.0f, 0.5f;
  bn.beta() << 0.5f, 1.0f;
  Matrix y;
  bn.forward(rowsOf(2, 2,
                    {3, -1,  //
                     5, 0}),
             y, false);
  const double eps = 1e-5, std0 = std::sqrt(4 + eps), std1 = std::sqrt(0.25 + eps);
  QVERIFY_NEAR(y(0, 0), 2 * (3 - 1) / std0 + 0.5);
  QVERIFY_NEAR(y(0, 1), 0.5 * (-1 + 2) / std1 + 1);
  QVERIFY_NEAR(y(1, 0), 2 * (5 - 1) / std0 + 0.5);
  QVERIFY_NEAR(y(1, 1), 0.5 * (0 + 2) / std1 + 1);
  QCOMPARE(bn.runningMean()[0], 1.0f);
  QCOMPARE(bn.runningMean()[1], -2.0f);
  QCOMPARE(bn.runningVar()[0], 4.0f);
  QCOMPARE(bn.runningVar()[1], 0.25f);
}

void TestBatchNorm::sameBitsOnOneAndTwoThreads_data() {
  QTest::addColumn<int>("channels");
  QTest::addColumn<int>("height");
  QTest::addColumn<int>("width");
  QTest::addColumn<int>("batch");
  QTest::newRow("channels: batch 64 of 16x16x16") << 16 << 16 << 16 << 64;
  QTest::newRow("features: batch 128 of 1x1x2101") << 1 << 1 << 2101 << 128;
}

// Forward and backward, training then evaluation, on a batch large enough for the layer to split it between
// threads: every output, gradient and running statistic must be the same bits on one thread as on two.
void TestBatchNorm::sameBitsOnOneAndTwoThreads() {
  QFETCH(int, channels);
  QFETCH(int, height);
  QFETCH(int, width);
  QFETCH(int, batch);
  const ExampleShape shape{channels, height, width};
  Rng rng(5);
  const Matrix x = (randomMatrix(batch, shape.size(), rng) * 3.0f).array() + 1.0f;
  const Matrix dy = randomMatrix(batch, shape.size(), rng);
  QVERIFY(x.size() >= kParallelElements);

  struct Results {
    Matrix y, dx, evalY, evalDx;
    std::vector<std::vector<float>> grads, evalGrads, buffers;
  };
  const auto runOn = [&](int threads) {
    const int before = omp_get_max_threads();
    const auto restore = qScopeGuard([&] { omp_set_num_threads(before); });
    omp_set_num_threads(threads);
    Rng gammaRng(3);
    BatchNorm bn = scrambledBatchNorm(shape, gammaRng);
    const auto gradsOf = [&] {
      std::vector<std::vector<float>> g;
      for (const ParameterRef& p : bn.parameters()) g.emplace_back(p.grads.begin(), p.grads.end());
      return g;
    };
    Results r;
    bn.forward(x, r.y, true);
    bn.backward(x, r.y, dy, r.dx, true);
    r.grads = gradsOf();
    for (const NamedBuffer& b : bn.stateBuffers()) r.buffers.emplace_back(b.values.begin(), b.values.end());
    bn.forward(x, r.evalY, false);
    bn.backward(x, r.evalY, dy, r.evalDx, true);
    r.evalGrads = gradsOf();
    return r;
  };
  const Results one = runOn(1), two = runOn(2);
  QVERIFY(one.y == two.y);
  QVERIFY(one.dx == two.dx);
  QVERIFY(one.grads == two.grads);
  QVERIFY(one.buffers == two.buffers);
  QVERIFY(one.evalY == two.evalY);
  QVERIFY(one.evalDx == two.evalDx);
  QVERIFY(one.evalGrads == two.evalGrads);
}

void TestBatchNorm::gammaAndBetaAreNamedParametersWithoutWeightDecay() {
  BatchNorm bn(ExampleShape{3, 5, 5});
  bn.setName("layer2.bn1");
  const std::vector<ParameterRef> params = bn.parameters();
  QCOMPARE(params.size(), size_t(2));
  QCOMPARE(params[0].name, std::string("layer2.bn1.weight"));
  QCOMPARE(params[1].name, std::string("layer2.bn1.bias"));
  for (const ParameterRef& p : params) {
    QVERIFY2(!p.decay, p.name.c_str());
    QCOMPARE(p.values.size(), size_t(3));
    QCOMPARE(p.grads.size(), size_t(3));
  }
  for (float g : params[0].values) QCOMPARE(g, 1.0f);
  for (float b : params[1].values) QCOMPARE(b, 0.0f);
  QCOMPARE(params[0].values.data(), bn.gamma().data());
  QCOMPARE(params[1].values.data(), bn.beta().data());
}

void TestBatchNorm::stateBuffersAreTheRunningStatistics() {
  BatchNorm bn(ExampleShape{1, 1, 7});
  bn.setName("bn3");
  const std::vector<NamedBuffer> buffers = bn.stateBuffers();
  QCOMPARE(buffers.size(), size_t(2));
  QCOMPARE(buffers[0].name, std::string("bn3.running_mean"));
  QCOMPARE(buffers[1].name, std::string("bn3.running_var"));
  QCOMPARE(buffers[0].values.size(), size_t(7));
  QCOMPARE(buffers[1].values.size(), size_t(7));
  for (float m : buffers[0].values) QCOMPARE(m, 0.0f);
  for (float v : buffers[1].values) QCOMPARE(v, 1.0f);
  // Views of the layer's own statistics, as a checkpoint's restore writes them.
  QCOMPARE(buffers[0].values.data(), bn.runningMean().data());
  QCOMPARE(buffers[1].values.data(), bn.runningVar().data());
}

void TestBatchNorm::layersWithoutRunningStatisticsHaveNoStateBuffers() {
  Linear linear(4, 3);
  QVERIFY(linear.stateBuffers().empty());
}

// As PyTorch: a variance over one value is no statistic (and the unbiased one divides by zero).
void TestBatchNorm::trainingOnOneValuePerChannelIsRefused() {
  BatchNorm bn(ExampleShape{1, 1, 5});
  Matrix y;
  QVERIFY_THROWS_EXCEPTION(InputError, bn.forward(Matrix::Ones(1, 5), y, true));
  bn.forward(Matrix::Ones(1, 5), y, false);
  QCOMPARE(y.rows(), Eigen::Index(1));
}

// A linear layer and a batch norm after it, named as the model factory names layers.
Model linearThenBatchNorm(uint64_t seed) {
  Rng rng(seed);
  Model model;
  auto fc = std::make_unique<Linear>(4, 3);
  fc->setName("fc");
  fc->initKaiming(rng);
  model.add(std::move(fc));
  auto bn = std::make_unique<BatchNorm>(ExampleShape{1, 1, 3});
  bn->setName("bn");
  model.add(std::move(bn));
  return model;
}

// A resumed run evaluates with the running statistics it stopped with: they go into the checkpoint beside the
// parameters, and one without them is refused, naming what is missing.
void TestBatchNorm::runningStatisticsGoThroughACheckpoint() {
  Model trained = linearThenBatchNorm(1);
  Rng rng(2);
  for (int step = 0; step < 3; ++step) trained.forward(randomMatrix(8, 4, rng), true);
  Sgd optimizer(SgdSettings{});
  CheckpointParts parts;
  describeModelState(trained, optimizer, parts);
  const Checkpoint checkpoint = decodeCheckpoint(encodeCheckpoint(parts).contiguous(), "test checkpoint");

  Model resumed = linearThenBatchNorm(1);
  Sgd resumedOptimizer(SgdSettings{});
  restoreModelState(checkpoint, resumed, resumedOptimizer, SparseFormat{});
  const std::vector<NamedBuffer> before = trained.stateBuffers(), after = resumed.stateBuffers();
  QCOMPARE(after.size(), size_t(2));
  for (size_t b = 0; b < before.size(); ++b) {
    QCOMPARE(after[b].name, before[b].name);
    QVERIFY(std::equal(before[b].values.begin(), before[b].values.end(), after[b].values.begin()));
  }
  QVERIFY(after[1].values[0] != 1.0f);  // the variance moved from its initial 1, so the comparison means something
  const Matrix x = randomMatrix(5, 4, rng);
  QCOMPARE(Matrix(resumed.forward(x, false)), Matrix(trained.forward(x, false)));

  Checkpoint withoutStatistics = checkpoint;
  std::erase_if(withoutStatistics.parameters, [](const NamedFloats& p) { return p.name == "bn.running_var"; });
  Model another = linearThenBatchNorm(1);
  try {
    restoreModelState(withoutStatistics, another, resumedOptimizer, SparseFormat{});
    QFAIL("a checkpoint without the running variance was restored");
  } catch (const RunError& e) {
    QVERIFY2(QString(e.what()).contains("bn.running_var is missing"), e.what());
  }
}

void TestBatchNorm::passingThroughTheReluIsTheTwoLayersBitForBit_data() {
  QTest::addColumn<bool>("training");
  QTest::addColumn<int>("threads");
  QTest::newRow("training") << true << 2;
  QTest::newRow("training, one thread") << true << 1;
  QTest::newRow("evaluation") << false << 2;
}

// The fused layer computes the values the batch norm and the ReLU compute one after the other, in the same order:
// the ReLU's output, dX, dgamma, dbeta and the running statistics are the same bits. Half the values are negative
// after normalising, so the ReLU's mask matters.
void TestBatchNorm::passingThroughTheReluIsTheTwoLayersBitForBit() {
  QFETCH(bool, training);
  QFETCH(int, threads);
  const int before = omp_get_max_threads();
  const auto restore = qScopeGuard([&] { omp_set_num_threads(before); });
  omp_set_num_threads(threads);
  const ExampleShape shape{16, 16, 16};
  Rng rng(7);
  const Matrix x = (randomMatrix(64, shape.size(), rng) * 2.0f).array() - 0.3f;
  const Matrix dRelu = randomMatrix(64, shape.size(), rng);
  QVERIFY(x.size() >= kParallelElements);
  Rng gammaRng(3), sameGammaRng(3);
  BatchNorm apart = scrambledBatchNorm(shape, gammaRng), fused = scrambledBatchNorm(shape, sameGammaRng);
  ReLU relu(shape);
  Matrix warmUp;
  apart.forward(x, warmUp, true);  // evaluation normalises with running statistics a training forward moved
  fused.forward(x, warmUp, true);

  Matrix y, reluApart, dy, dxApart, reluFused, dxFused;
  apart.forward(x, y, training);
  relu.forward(y, reluApart, training);
  relu.backward(y, reluApart, dRelu, dy, true);
  apart.backward(x, y, dy, dxApart, true);
  fused.forwardThroughRelu(x, reluFused, training);
  fused.backwardThroughRelu(x, reluFused, dRelu, dxFused, true);

  const Eigen::Index negative = (reluApart.array() == 0.0f).count();
  QVERIFY2(negative > x.size() / 4 && negative < x.size() * 3 / 4, "the ReLU masks a good share of the values");
  QVERIFY(reluFused == reluApart);
  QVERIFY(dxFused == dxApart);
  const auto values = [](const auto& refs) {
    std::vector<std::vector<float>> out;
    for (const auto& r : refs) out.emplace_back(r.values.begin(), r.values.end());
    return out;
  };
  const auto grads = [](std::vector<ParameterRef> refs) {
    std::vector<std::vector<float>> out;
    for (const ParameterRef& r : refs) out.emplace_back(r.grads.begin(), r.grads.end());
    return out;
  };
  QVERIFY(grads(fused.parameters()) == grads(apart.parameters()));
  QVERIFY(values(fused.stateBuffers()) == values(apart.stateBuffers()));
}

// In a model, a batch norm that only its ReLU reads runs fused with it: the parameter gradients are those of the
// layers run one by one by hand, and the batch norm's output is not kept (the memory it no longer takes).
void TestBatchNorm::modelRunsBatchNormAndReluAsOneAndKeepsNoOutputBetween() {
  Rng rng(9);
  const auto build = [](uint64_t seed) {
    Rng init(seed);
    auto fc1 = std::make_unique<Linear>(12, 20);
    fc1->initKaiming(init);
    auto fc2 = std::make_unique<Linear>(20, 5);
    fc2->initKaiming(init);
    Model model;
    model.add(std::move(fc1));
    auto bn = std::make_unique<BatchNorm>(ExampleShape{1, 1, 20});
    for (float& g : bn->gamma()) g = init.uniform(0.5f, 1.5f);
    for (float& b : bn->beta()) b = init.uniform(-0.5f, 0.5f);
    model.add(std::move(bn));
    model.add(std::make_unique<ReLU>(ExampleShape{1, 1, 20}));
    model.add(std::move(fc2));
    return model;
  };
  Model model = build(4), byHand = build(4);
  QCOMPARE(model.reluFusionPlan(), (std::vector<char>{0, 1, 0, 0}));
  const Matrix x = randomMatrix(32, 12, rng), dLogits = randomMatrix(32, 5, rng);
  model.forward(x, true);
  model.backward(dLogits);
  QCOMPARE(model.activation(2).size(), Eigen::Index(0));  // the batch norm's output

  std::vector<Matrix> out(4), grad(4);
  const auto& layers = byHand.layers();
  layers[0]->forward(x, out[0], true);
  for (size_t i = 1; i < 4; ++i) layers[i]->forward(out[i - 1], out[i], true);
  QVERIFY(model.activation(4) == out[3]);
  Matrix dOut = dLogits;
  for (size_t i = 4; i-- > 1;) {
    layers[i]->backward(out[i - 1], out[i], dOut, grad[i], true);
    dOut = grad[i];
  }
  layers[0]->backward(x, out[0], dOut, grad[0], false);
  const auto gradsOf = [](Model& m) {
    std::vector<std::vector<float>> g;
    for (const ParameterRef& p : m.parameters()) g.emplace_back(p.grads.begin(), p.grads.end());
    return g;
  };
  QVERIFY(gradsOf(model) == gradsOf(byHand));
}

QTEST_GUILESS_MAIN(TestBatchNorm)
#include "tst_batch_norm.moc"
