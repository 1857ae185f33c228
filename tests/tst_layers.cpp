// Gradient checks: every layer's backward against central finite differences of its forward.
#include <omp.h>

#include <QtTest>
#include <cmath>
#include <functional>
#include <memory>

#include "core/rng.h"
#include "dense_gradient_helpers.h"
#include "gradient_check.h"
#include "nn/activation.h"
#include "nn/conv2d.h"
#include "nn/cross_entropy.h"
#include "nn/dropout.h"
#include "nn/global_avg_pool.h"
#include "nn/linear.h"
#include "nn/max_pool2d.h"
#include "nn/model.h"

using namespace ss;

class TestLayers : public QObject {
  Q_OBJECT

 private slots:
  void gradientMatchesFiniteDifferences_data();
  void gradientMatchesFiniteDifferences();
  void crossEntropyGradientMatchesFiniteDifferences();
  void crossEntropyCountsCorrectPredictions();
  void wholeConvnetGradientMatchesFiniteDifferences();
  void convMatchesDirectConvolution();
  void dropoutScalesKeptActivationsAndRoutesGradientThroughThem();
  void dropoutDrawsTheSameOnAnyThreadCount();
  void maxPoolSendsATiedWindowsGradientToItsFirstMaximumOnly();
  void globalAveragePoolTakesEachChannelsMean();
  void poolThenReluComputesWhatReluThenPoolDoes();
  void panelStretchesComputeWhatLayerByLayerRowsDo_data();
  void panelStretchesComputeWhatLayerByLayerRowsDo();
  void anExceptionInASplitStretchReachesTheCaller();
  void lossOverEachThreadsOutputRowsIsTheWholeBatchLoss();
};

void TestLayers::gradientMatchesFiniteDifferences_data() {
  QTest::addColumn<QString>("kind");
  QTest::addColumn<int>("batch");
  QTest::newRow("linear 7->5, batch 3") << "linear" << 3;
  QTest::newRow("linear 7->5, batch 1") << "linear" << 1;
  QTest::newRow("conv 2->3 3x3 pad 1 on 5x6") << "conv" << 2;
  QTest::newRow("conv 3->2 5x5 stride 2 pad 0 on 9x9") << "conv-strided" << 2;
  QTest::newRow("relu") << "relu" << 4;
  QTest::newRow("maxpool 2x2 on 2x4x6") << "maxpool" << 3;
  QTest::newRow("maxpool 2x2 on 2x5x7 (last row and column in no window)") << "maxpool-ragged" << 2;
  QTest::newRow("maxpool 3x3 on 1x6x6") << "maxpool-3x3" << 2;
  QTest::newRow("flatten") << "flatten" << 2;
  QTest::newRow("conv 3->4 1x1 stride 2 on 5x5") << "conv-1x1" << 2;
  QTest::newRow("global average pool on 3x4x5") << "globalavgpool" << 3;
}

void TestLayers::gradientMatchesFiniteDifferences() {
  QFETCH(QString, kind);
  QFETCH(int, batch);
  Rng rng(42);
  std::unique_ptr<Layer> layer;
  float eps = 1e-2f;  // exact for layers linear in x and in their weights, up to rounding
  float awayFromZero = 0.0f;
  if (kind == "linear") {
    auto l = std::make_unique<Linear>(7, 5);
    l->initKaiming(rng);
    l->bias().setRandom();
    layer = std::move(l);
  } else if (kind == "conv") {
    auto c = std::make_unique<Conv2d>(ConvGeometry{2, 5, 6, 3, 3, 1, 1});
    c->initKaiming(rng);
    c->bias().setRandom();
    layer = std::move(c);
  } else if (kind == "conv-strided") {
    auto c = std::make_unique<Conv2d>(ConvGeometry{3, 9, 9, 2, 5, 2, 0});
    c->initKaiming(rng);
    layer = std::move(c);
  } else if (kind == "relu") {
    layer = std::make_unique<ReLU>(ExampleShape{1, 1, 10});
    awayFromZero = 0.05f;  // the kink at 0 is not differentiable; stay clear of it by more than eps
    eps = 1e-3f;
  } else if (kind.startsWith("maxpool")) {
    if (kind == "maxpool")
      layer = std::make_unique<MaxPool2d>(ExampleShape{2, 4, 6}, 2);
    else if (kind == "maxpool-ragged")
      layer = std::make_unique<MaxPool2d>(ExampleShape{2, 5, 7}, 2);
    else
      layer = std::make_unique<MaxPool2d>(ExampleShape{1, 6, 6}, 3);
    eps = 1e-4f;  // smaller than the typical gap between window entries, so no argmax flips
  } else if (kind == "conv-1x1") {
    auto c = std::make_unique<Conv2d>(ConvGeometry{3, 5, 5, 4, 1, 2, 0});
    c->initKaiming(rng);
    c->bias().setRandom();
    layer = std::move(c);
  } else if (kind == "globalavgpool") {
    layer = std::make_unique<GlobalAvgPool>(ExampleShape{3, 4, 5});
  } else {
    layer = std::make_unique<Flatten>(ExampleShape{2, 3, 3});
  }
  const Matrix x = randomMatrix(batch, layer->inputShape().size(), rng, awayFromZero);
  const GradientErrors e = checkLayer(*layer, x, rng, eps);
  QVERIFY2(e.input < 1e-3, qPrintable(QString("input gradient relative error %1").arg(e.input)));
  QVERIFY2(e.parameters < 1e-3, qPrintable(QString("parameter gradient relative error %1").arg(e.parameters)));
}

void TestLayers::crossEntropyGradientMatchesFiniteDifferences() {
  Rng rng(7);
  Matrix logits = randomMatrix(4, 6, rng) * 3.0f;
  const std::vector<int32_t> labels{0, 5, 2, 2};
  Matrix d;
  softmaxCrossEntropy(logits, labels, &d, nullptr);
  std::vector<double> analytic, numeric;
  for (Eigen::Index i = 0; i < logits.size(); ++i) {
    analytic.push_back(d.data()[i]);
    numeric.push_back(centralDifference(
        logits.data()[i], 1e-2f, [&] { return softmaxCrossEntropy(logits, labels, nullptr, nullptr).meanLoss; }));
  }
  const double error = relativeError(analytic, numeric);
  QVERIFY2(error < 1e-3, qPrintable(QString("relative error %1").arg(error)));
}

void TestLayers::crossEntropyCountsCorrectPredictions() {
  Matrix logits(3, 3);
  logits << 5, 0, 0,  //
      0, 0, 9,        //
      1, 2, 0;
  std::vector<uint8_t> correct;
  const LossResult r = softmaxCrossEntropy(logits, {0, 1, 1}, nullptr, &correct);
  QCOMPARE(r.correct, int64_t(2));
  QCOMPARE(correct, (std::vector<uint8_t>{1, 0, 1}));
  // Uniform logits over K classes cost log K.
  const LossResult uniform = softmaxCrossEntropy(Matrix::Zero(2, 4), {1, 3}, nullptr, nullptr);
  QVERIFY(std::abs(uniform.meanLoss - std::log(4.0)) < 1e-6);
}

void TestLayers::wholeConvnetGradientMatchesFiniteDifferences() {
  Rng rng(3);
  Model model;
  auto conv = std::make_unique<Conv2d>(ConvGeometry{1, 6, 6, 3, 3, 1, 1});
  conv->initKaiming(rng);
  Conv2d* convPtr = conv.get();
  model.add(std::move(conv));
  model.add(std::make_unique<ReLU>(ExampleShape{3, 6, 6}));
  model.add(std::make_unique<MaxPool2d>(ExampleShape{3, 6, 6}, 2));
  model.add(std::make_unique<Flatten>(ExampleShape{3, 3, 3}));
  auto fc = std::make_unique<Linear>(27, 4);
  fc->initKaiming(rng);
  model.add(std::move(fc));
  const Matrix x = randomMatrix(3, 36, rng);
  const std::vector<int32_t> labels{1, 3, 0};
  Matrix d;
  softmaxCrossEntropy(model.forward(x, true), labels, &d, nullptr);
  model.backward(d);
  const std::vector<float> grads(convPtr->parameters()[0].grads.begin(), convPtr->parameters()[0].grads.end());
  std::vector<double> analytic, numeric;
  float* w = convPtr->weight().data();
  for (size_t i = 0; i < grads.size(); ++i) {
    analytic.push_back(grads[i]);
    numeric.push_back(centralDifference(
        w[i], 1e-3f, [&] { return softmaxCrossEntropy(model.forward(x, true), labels, nullptr, nullptr).meanLoss; }));
  }
  const double error = relativeError(analytic, numeric);
  QVERIFY2(error < 1e-3, qPrintable(QString("first conv weight gradient relative error %1").arg(error)));
}

// Against the definition, summed in double, for strides and paddings that leave zeros at either edge, and back
// through col2im: dX of L = sum(R .* y) is the transposed convolution of R, checked the same way.
void TestLayers::convMatchesDirectConvolution() {
  const ConvGeometry geometries[] = {{2, 5, 4, 3, 3, 1, 1},
                                     {2, 7, 6, 2, 3, 2, 1},
                                     {1, 6, 7, 2, 3, 2, 2},
                                     {2, 8, 9, 2, 3, 3, 0},
                                     {1, 5, 5, 2, 5, 1, 2}};
  for (const ConvGeometry& g : geometries) {
    Rng rng(5);
    Conv2d conv(g);
    conv.initKaiming(rng);
    conv.bias().setRandom();
    const Matrix x = randomMatrix(2, g.inChannels * g.height * g.width, rng);
    Matrix y;
    conv.forward(x, y, true);
    const Matrix r = randomMatrix(y.rows(), y.cols(), rng);
    Matrix dx;
    conv.backward(x, y, r, dx, true);
    const int k = g.kernel;
    Eigen::MatrixXd expectedDx = Eigen::MatrixXd::Zero(x.rows(), x.cols());
    for (int s = 0; s < 2; ++s)
      for (int f = 0; f < g.outChannels; ++f)
        for (int row = 0; row < g.outHeight(); ++row)
          for (int col = 0; col < g.outWidth(); ++col) {
            const Eigen::Index out = (f * g.outHeight() + row) * g.outWidth() + col;
            double sum = conv.bias()(f);
            for (int ch = 0; ch < g.inChannels; ++ch)
              for (int i = 0; i < k; ++i)
                for (int j = 0; j < k; ++j) {
                  const int ir = row * g.stride + i - g.padding, ic = col * g.stride + j - g.padding;
                  if (ir < 0 || ir >= g.height || ic < 0 || ic >= g.width) continue;
                  const double w = conv.weight()(f, (ch * k + i) * k + j);
                  const Eigen::Index in = (ch * g.height + ir) * g.width + ic;
                  sum += w * x(s, in);
                  expectedDx(s, in) += w * r(s, out);
                }
            QVERIFY2(std::abs(sum - y(s, out)) < 1e-5,
                     qPrintable(QString("stride %1 padding %2: output %3").arg(g.stride).arg(g.padding).arg(out)));
          }
    QVERIFY2((dx.cast<double>() - expectedDx).cwiseAbs().maxCoeff() < 1e-5,
             qPrintable(QString("stride %1 padding %2: dX").arg(g.stride).arg(g.padding)));
  }
}

void TestLayers::dropoutScalesKeptActivationsAndRoutesGradientThroughThem() {
  Rng rng(11);
  Dropout dropout(ExampleShape{1, 1, 50}, 0.25f, Rng(3));
  const Matrix x = randomMatrix(40, 50, rng, 0.1f);
  Matrix y, dx;
  dropout.forward(x, y, false);
  QCOMPARE(y, x);  // evaluation: identity
  dropout.forward(x, y, true);
  int kept = 0;
  for (Eigen::Index i = 0; i < y.size(); ++i) {
    if (y.data()[i] == 0.0f) continue;
    ++kept;
    QVERIFY(std::abs(y.data()[i] - x.data()[i] / 0.75f) < 1e-6f);
  }
  QVERIFY2(std::abs(kept / 2000.0 - 0.75) < 0.04, qPrintable(QString::number(kept)));
  const Matrix dy = randomMatrix(40, 50, rng);
  dropout.backward(x, y, dy, dx, true);
  for (Eigen::Index i = 0; i < dx.size(); ++i)
    QVERIFY(std::abs(dx.data()[i] - (y.data()[i] == 0.0f ? 0.0f : dy.data()[i] / 0.75f)) < 1e-6f);
}

// The threads compute the keep decisions of the values they scale; which values are dropped depends only on the
// layer's stream, as a run's reproducibility key says (its thread count is part of it for the sums, not for this).
void TestLayers::dropoutDrawsTheSameOnAnyThreadCount() {
  Rng rng(4);
  const Matrix x = randomMatrix(128, 2101, rng, 0.1f);  // past the size where the threads split it, odd
  const int before = omp_get_max_threads();
  Matrix y1, y3;
  Dropout one(ExampleShape{1, 1, 2101}, 0.3f, Rng(9)), three(ExampleShape{1, 1, 2101}, 0.3f, Rng(9));
  omp_set_num_threads(1);
  one.forward(x, y1, true);
  omp_set_num_threads(3);
  three.forward(x, y3, true);
  omp_set_num_threads(before);
  QCOMPARE(y3, y1);
  const double dropped = double((y1.array() == 0.0f).count()) / double(y1.size());
  QVERIFY2(std::abs(dropped - 0.3) < 0.005, qPrintable(QString::number(dropped)));
}

void TestLayers::globalAveragePoolTakesEachChannelsMean() {
  GlobalAvgPool pool(ExampleShape{2, 2, 3});
  QCOMPARE(pool.outputShape().size(), 2);
  Matrix x(2, 12);
  x << 1, 2, 3, 4, 5, 6, -6, -6, -6, -6, -6, 0,  //
      0, 0, 0, 0, 0, 12, 7, 7, 7, 7, 7, 7;
  Matrix y;
  pool.forward(x, y, true);
  Matrix expected(2, 2);
  expected << 3.5f, -5.0f, 2.0f, 7.0f;
  QCOMPARE(y, expected);
  Matrix dy(2, 2);
  dy << 6, 12, -3, 0;
  Matrix dx;
  pool.backward(x, y, dy, dx, true);
  QCOMPARE(dx(0, 0), 1.0f);   // 6 shared by the 6 inputs of channel 0
  QCOMPARE(dx(0, 11), 2.0f);  // 12 by those of channel 1
  QCOMPARE(dx(1, 5), -0.5f);
  QCOMPARE(dx(1, 6), 0.0f);
}

// Equal maxima (a ReLU's zeros, most often) share no gradient: the first in the window, row by row, takes it all.
void TestLayers::maxPoolSendsATiedWindowsGradientToItsFirstMaximumOnly() {
  MaxPool2d pool(ExampleShape{1, 2, 4}, 2);
  Matrix x(1, 8);
  x << 0, 0, 1, 3,  //
      0, -1, 3, 2;
  Matrix y, dx, dy(1, 2);
  pool.forward(x, y, true);
  QCOMPARE(y(0, 0), 0.0f);
  QCOMPARE(y(0, 1), 3.0f);
  dy << 5, 7;
  pool.backward(x, y, dy, dx, true);
  Matrix expected(1, 8);
  expected << 5, 0, 0, 7,  //
      0, 0, 0, 0;
  QCOMPARE(dx, expected);
}

// The convnet pools before its ReLU (model_factory.cpp): outputs and input gradients must be those of ReLU then
// pool exactly, on windows with ties at zero, ties above it, and all-negative windows.
void TestLayers::poolThenReluComputesWhatReluThenPoolDoes() {
  const ExampleShape in{3, 6, 8}, pooled{3, 3, 4};
  Rng rng(17);
  Matrix x = randomMatrix(5, in.size(), rng);
  for (Eigen::Index i = 0; i < x.size(); i += 3) x.data()[i] = 0.0f;             // ties at zero
  for (Eigen::Index i = 1; i < x.size(); i += 7) x.data()[i] = x.data()[i + 1];  // ties above and below it
  for (Eigen::Index i = 0; i < 8; ++i) x(0, i) = -1.0f - float(i);               // an all-negative window row
  const Matrix dy = randomMatrix(5, pooled.size(), rng);
  ReLU reluFirst(in), reluAfter(pooled);
  MaxPool2d poolAfter(in, 2), poolFirst(in, 2);
  Matrix a, y1, d1, da, b, y2, d2, db;
  reluFirst.forward(x, a, true);
  poolAfter.forward(a, y1, true);
  poolAfter.backward(a, y1, dy, da, true);
  reluFirst.backward(x, a, da, d1, true);
  poolFirst.forward(x, b, true);
  reluAfter.forward(b, y2, true);
  reluAfter.backward(b, y2, dy, db, true);
  poolFirst.backward(x, b, db, d2, true);
  QCOMPARE(y2, y1);
  QCOMPARE(d2, d1);
}

// The model runs [sparse linear, relu, sparse linear, dense linear] on panels and [dense linear, relu, flatten]
// on rows (no layer there prefers panels; flatten takes none): logits and every gradient must be those of the
// same layers run one by one on rows, through every change of layout, to float rounding.
void TestLayers::panelStretchesComputeWhatLayerByLayerRowsDo_data() {
  QTest::addColumn<bool>("fromFirstLayer");
  QTest::addColumn<int>("batch");
  QTest::addColumn<int>("threads");
  QTest::addColumn<bool>("denseGradient");
  QTest::newRow("batch 6, one thread") << false << 6 << 1 << false;
  QTest::newRow("batch 40, two threads: too small to split") << false << 40 << 2 << false;
  QTest::newRow("batch 100 split between two threads (48 + 52)") << false << 100 << 2 << false;
  QTest::newRow("batch 100 split between three threads (32 + 32 + 36)") << false << 100 << 3 << false;
  QTest::newRow("batch 100, two threads, a dense gradient asked: kept whole") << false << 100 << 2 << true;
  // Two stretches, the first from layer 0; a gradient over the optimizer's split size, dX by scatter (no
  // transposed index), the channel layout.
  QTest::newRow("two stretches, batch 6, one thread") << true << 6 << 1 << false;
  QTest::newRow("two stretches, batch 100 split between two threads") << true << 100 << 2 << false;
  QTest::newRow("two stretches, batch 100 split between three threads") << true << 100 << 3 << false;
}

void TestLayers::panelStretchesComputeWhatLayerByLayerRowsDo() {
  QFETCH(bool, fromFirstLayer);
  QFETCH(int, batch);
  QFETCH(int, threads);
  QFETCH(bool, denseGradient);
  const int threadsBefore = omp_get_max_threads();
  const auto restore = qScopeGuard([&] { omp_set_num_threads(threadsBefore); });
  omp_set_num_threads(threads);
  Rng rng(17);
  Model model;
  enum Execution { Dense, Sparse, MaskedDense, SparseWithoutTransposedIndex, Channels };
  auto linear = [&](int from, int to, Execution execution, float density = 0.4f) {
    auto l = std::make_unique<Linear>(from, to);
    l->initKaiming(rng);
    l->bias().setRandom();
    if (execution != Dense) {
      Mask mask(to, from, 0);
      for (int r = 0; r < to; ++r) {
        const bool keptRow = rng.uniform(0.0f, 1.0f) < density;
        for (int c = 0; c < from; ++c)
          mask.set(r, c, execution == Channels ? keptRow : rng.uniform(0.0f, 1.0f) < density);
      }
      mask.bits[0] = 1;  // not empty (a whole first row for channels)
      if (execution == Channels) std::fill(mask.bits.begin(), mask.bits.begin() + from, uint8_t(1));
      SparseFormat format;
      format.transposedIndex = execution != SparseWithoutTransposedIndex;
      if (execution == Channels) format.layout = SparseLayout::Channels;
      l->weightMatrix()->applyMask(mask, execution != MaskedDense, format);
    }
    return l;
  };
  const int inputs = 13;
  if (!fromFirstLayer) {
    // A dense stretch, a flatten, then a stretch on panels: two sparse layers, a masked-dense one and a sparse one,
    // each but the first after a ReLU, which they pass their dX through (a gather, a dense product, a gather), and
    // each but the last before one, whose output they write (a gather, a gather, a dense product).
    model.add(linear(13, 11, Dense));
    model.add(std::make_unique<ReLU>(ExampleShape{1, 1, 11}));
    model.add(std::make_unique<Flatten>(ExampleShape{1, 1, 11}));
    model.add(linear(11, 9, Sparse));
    model.add(std::make_unique<ReLU>(ExampleShape{1, 1, 9}));
    model.add(linear(9, 7, Sparse));
    model.add(std::make_unique<ReLU>(ExampleShape{1, 1, 7}));
    model.add(linear(7, 6, MaskedDense));
    model.add(std::make_unique<ReLU>(ExampleShape{1, 1, 6}));
    model.add(linear(6, 5, Sparse));
  } else {
    // A stretch from layer 0, a flatten, then a stretch whose first layer has 9000 of 10000 weights (its
    // gradient's sum is split between the threads as the optimizer's update is) and computes dX by scatter,
    // then a layer in the channel layout and, after a ReLU, a sparse one scattering its dX (both passing it
    // through the ReLU before them), and a masked-dense one.
    model.add(linear(13, 40, Sparse));
    model.add(std::make_unique<ReLU>(ExampleShape{1, 1, 40}));
    model.add(std::make_unique<Flatten>(ExampleShape{1, 1, 40}));
    model.add(linear(40, 250, SparseWithoutTransposedIndex, 0.9f));
    model.add(std::make_unique<ReLU>(ExampleShape{1, 1, 250}));
    model.add(linear(250, 9, Channels, 0.5f));
    model.add(std::make_unique<ReLU>(ExampleShape{1, 1, 9}));
    model.add(linear(9, 7, SparseWithoutTransposedIndex));
    model.add(linear(7, 5, MaskedDense));
  }
  for (size_t i = 0; i < model.layers().size(); ++i) model.layers()[i]->setName("layer" + std::to_string(i));
  Matrix deliveredDenseGradient;
  if (denseGradient) {
    const WeightMatrix& w = *model.layers()[3]->weightMatrix();
    model.layers()[3]->requestDenseWeightGradient(gatherDenseGradient(deliveredDenseGradient, w.rows(), w.cols()));
  }
  const Matrix x = randomMatrix(batch, inputs, rng);
  std::vector<int32_t> labels(static_cast<size_t>(batch));
  for (int i = 0; i < batch; ++i) labels[size_t(i)] = int32_t(rng.uniform(0.0f, 4.99f));
  Matrix d;
  const Matrix logits = model.forward(x, true);
  softmaxCrossEntropy(logits, labels, &d, nullptr);
  model.backward(d);
  std::vector<std::vector<float>> panelGrads;
  for (auto& p : model.parameters()) panelGrads.emplace_back(p.grads.begin(), p.grads.end());

  // Layer by layer on batch rows, on one thread: the reference.
  omp_set_num_threads(1);
  std::vector<Matrix> acts(model.layers().size() + 1);
  acts[0] = x;
  for (size_t i = 0; i < model.layers().size(); ++i) model.layers()[i]->forward(acts[i], acts[i + 1], true);
  QVERIFY((acts.back() - logits).cwiseAbs().maxCoeff() < 1e-5f);
  for (size_t i = 1; i < acts.size(); ++i)  // and what the model hands out as activations, one example per row
    QVERIFY((model.activation(i) - acts[i]).cwiseAbs().maxCoeff() < 1e-5f);
  Matrix grad = d, gradIn;
  std::vector<Matrix> gradOfOutput(model.layers().size());
  for (size_t i = model.layers().size(); i-- > 0;) {
    gradOfOutput[i] = grad;
    model.layers()[i]->backward(acts[i], acts[i + 1], grad, gradIn, i > 0);
    std::swap(grad, gradIn);
  }
  const auto params = model.parameters();
  QCOMPARE(params.size(), panelGrads.size());
  for (size_t p = 0; p < params.size(); ++p) {
    QCOMPARE(params[p].grads.size(), panelGrads[p].size());
    for (size_t i = 0; i < panelGrads[p].size(); ++i)
      QVERIFY2(std::abs(params[p].grads[i] - panelGrads[p][i]) < 1e-5f,
               qPrintable(QString("%1[%2]: %3 on rows, %4 on panels")
                              .arg(QString::fromStdString(params[p].name))
                              .arg(i)
                              .arg(params[p].grads[i])
                              .arg(panelGrads[p][i])));
  }
  if (denseGradient) {  // every position's dL/dW of the whole batch, delivered once
    const Matrix expected = gradOfOutput[3].transpose() * acts[3];
    QCOMPARE(deliveredDenseGradient.rows(), expected.rows());
    QCOMPARE(deliveredDenseGradient.cols(), expected.cols());
    QVERIFY((deliveredDenseGradient - expected).cwiseAbs().maxCoeff() < 1e-5f);
  }
}

namespace {
// A panel layer that passes its input through, but throws on the second thread in the forward or the backward.
class ThrowsOnSecondThread : public Layer {
 public:
  explicit ThrowsOnSecondThread(bool inBackward) : inBackward_(inBackward) {}
  std::string kind() const override { return "throws"; }
  std::string describe() const override { return "throws"; }
  ExampleShape inputShape() const override { return {1, 1, 4}; }
  ExampleShape outputShape() const override { return {1, 1, 4}; }
  void forward(const Matrix& x, Matrix& y, bool) override { y = x; }
  void backward(const Matrix&, const Matrix&, const Matrix& dy, Matrix& dx, bool) override { dx = dy; }
  bool takesPanels() const override { return true; }
  bool prefersPanels() const override { return true; }
  void forwardPanel(const Matrix& xT, Matrix& yT, bool) override {
    if (!inBackward_ && omp_get_thread_num() == 1) throw std::runtime_error("forward failed on thread 1");
    yT = xT;
  }
  void backwardPanel(const Matrix&, const Matrix&, const Matrix& dyT, Matrix& dxT, bool) override {
    if (inBackward_ && omp_get_thread_num() == 1) throw std::runtime_error("backward failed on thread 1");
    dxT = dyT;
  }

 private:
  bool inBackward_;
};
}  // namespace

void TestLayers::anExceptionInASplitStretchReachesTheCaller() {
  // An exception may not leave an OpenMP region: it must come out of forward or backward as itself, with the
  // other thread not left waiting at the barrier before the gradient sums.
  const int threadsBefore = omp_get_max_threads();
  const auto restore = qScopeGuard([&] { omp_set_num_threads(threadsBefore); });
  omp_set_num_threads(2);
  Rng rng(3);
  const Matrix x = randomMatrix(64, 4, rng);
  for (bool inBackward : {false, true}) {
    Model model;
    model.add(std::make_unique<ThrowsOnSecondThread>(inBackward));
    QString message;
    try {
      const Matrix logits = model.forward(x, true);
      model.backward(logits);
    } catch (const std::runtime_error& e) {
      message = e.what();
    }
    QCOMPARE(message, inBackward ? QString("backward failed on thread 1") : QString("forward failed on thread 1"));
  }
}

// The trainer computes the loss through forward's OutputRows: inside a split stretch that ends the model each
// thread for its own rows, otherwise once for the whole batch. Either way every row is handed on once, and the
// loss, the count of correct examples and dLogits are exactly those of the whole batch at once.
void TestLayers::lossOverEachThreadsOutputRowsIsTheWholeBatchLoss() {
  const int threadsBefore = omp_get_max_threads();
  const auto restore = qScopeGuard([&] { omp_set_num_threads(threadsBefore); });
  Rng rng(11);
  auto sparseLinear = [&](int from, int to) {
    auto l = std::make_unique<Linear>(from, to);
    l->initKaiming(rng);
    Mask mask(to, from, 0);
    for (int r = 0; r < to; ++r)
      for (int c = 0; c < from; ++c) mask.set(r, c, c == r % from || rng.uniform(0.0f, 1.0f) < 0.3f);
    l->weightMatrix()->applyMask(mask, true, SparseFormat{});
    return l;
  };
  const int batch = 100, classes = 6;
  const Matrix x = randomMatrix(batch, 13, rng);
  std::vector<int32_t> labels(static_cast<size_t>(batch));
  for (int i = 0; i < batch; ++i) labels[size_t(i)] = int32_t(rng.uniform(0.0f, 5.99f));
  for (bool endsOnPanels : {true, false}) {
    for (int threads : {1, 2, 3}) {
      omp_set_num_threads(threads);
      Model model;
      model.add(sparseLinear(13, 40));
      model.add(std::make_unique<ReLU>(ExampleShape{1, 1, 40}));
      model.add(sparseLinear(40, classes));
      if (!endsOnPanels) model.add(std::make_unique<Flatten>(ExampleShape{1, 1, classes}));
      SoftmaxCrossEntropy loss;
      Matrix dLogits;
      loss.begin(labels, classes, &dLogits);
      std::vector<int> handedOn(size_t(batch), 0);
      int calls = 0;
      const Matrix& logits = model.forward(x, true, [&](const Matrix& out, Eigen::Index first, Eigen::Index count) {
        loss.rows(out, first, count);
#pragma omp critical(test_rows)
        {
          ++calls;
          for (Eigen::Index i = first; i < first + count; ++i) ++handedOn[size_t(i)];
        }
      });
      std::vector<uint8_t> correct;
      const LossResult r = loss.finish(&correct);
      const QString where =
          QString("%1 thread(s), %2").arg(threads).arg(endsOnPanels ? "ends on panels" : "ends in rows");
      QVERIFY2(std::all_of(handedOn.begin(), handedOn.end(), [](int n) { return n == 1; }), qPrintable(where));
      QVERIFY2(calls == (endsOnPanels && threads > 1 ? threads : 1), qPrintable(where));
      Matrix expectedD;
      std::vector<uint8_t> expectedCorrect;
      const LossResult expected = softmaxCrossEntropy(logits, labels, &expectedD, &expectedCorrect);
      QCOMPARE(r.meanLoss, expected.meanLoss);
      QCOMPARE(r.correct, expected.correct);
      QCOMPARE(correct, expectedCorrect);
      QVERIFY2(dLogits == expectedD, qPrintable(where));
    }
  }
}

QTEST_GUILESS_MAIN(TestLayers)
#include "tst_layers.moc"
