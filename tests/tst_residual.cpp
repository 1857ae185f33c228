// Residual networks: the join's option-A shortcut by hand, whole blocks against finite differences, the resnet and
// vgg presets against their published parameter counts and stable names, and the project's layer lists.
#include <omp.h>

#include <QScopeGuard>
#include <QTemporaryDir>
#include <QtTest>
#include <map>
#include <set>

#include "bench/step_benchmark.h"
#include "core/error.h"
#include "core/rng.h"
#include "core/threads.h"
#include "gradient_check.h"
#include "nn/activation.h"
#include "nn/batch_norm.h"
#include "nn/conv2d.h"
#include "nn/cross_entropy.h"
#include "nn/global_avg_pool.h"
#include "nn/linear.h"
#include "nn/model_factory.h"
#include "nn/residual_add.h"
#include "project/project.h"
#include "sparse/mask.h"
#include "sparse/scheme.h"
#include "sparse/weight_matrix.h"
#include "store/run_store.h"
#include "test_helpers.h"
#include "train/experiment.h"

using namespace ss;

class TestResidual : public QObject {
  Q_OBJECT

 private slots:
  void optionAShortcutSubsamplesAndZeroPads();
  void blockGradientsMatchFiniteDifferences_data();
  void blockGradientsMatchFiniteDifferences();
  void blocksReadTheirInputs();
  void joinPassingThroughTheReluIsTheTwoLayersBitForBit_data();
  void joinPassingThroughTheReluIsTheTwoLayersBitForBit();
  void modelRunsEveryJoinWithItsReluAndKeepsNoSumBetween();
  void presetsHaveTheirPublishedParameterCounts_data();
  void presetsHaveTheirPublishedParameterCounts();
  void layerNamesAreStable();
  void evaluationUsesRunningStatistics();
  void presetsRefuseInputsTheyDoNotFit();
  void everySchemeKeepsItsBudgetOnStridedAnd1x1Convs_data();
  void everySchemeKeepsItsBudgetOnStridedAnd1x1Convs();
  void layerListsParseAndWriteBack();
  void layerListErrorsNameTheEntry();
  void benchTimesEveryWeightLayerOfAResnet();
  void benchTimesACifarModelWithoutItsDataAtItsPlannedDensities();
};

namespace {

ModelSpec preset(const std::string& name, int depth, const std::string& shortcut = "projection") {
  ModelSpec spec;
  spec.preset = name;
  spec.depth = depth;
  spec.shortcut = shortcut;
  spec.fc = {};
  return spec;
}

Model build(const ModelSpec& spec, const ExampleShape& input, int classes, uint64_t seed = 1) {
  Rng rng(seed);
  return buildModel(spec, input, classes, rng, 0);
}

std::vector<std::string> names(const Model& model) {
  std::vector<std::string> out;
  for (const auto& layer : model.layers()) out.push_back(layer->name());
  return out;
}

}  // namespace

void TestResidual::optionAShortcutSubsamplesAndZeroPads() {
  // Two 4x4 channels into four 2x2 ones with stride 2: s[c][2i][2j] lands in channel c + 1, channels 0 and 3 get x.
  ResidualAdd join({4, 2, 2}, {2, 4, 4});
  QVERIFY(!join.identity());
  Matrix skip(1, 32), x = Matrix::Constant(1, 16, 0.5f), y;
  for (int i = 0; i < 32; ++i) skip(0, i) = float(i);
  join.forward(x, skip, y);
  const std::vector<float> expected = {0.5f, 0.5f,  0.5f, 0.5f,  0.5f, 2.5f, 8.5f, 10.5f,
                                       16.5, 18.5f, 24.5, 26.5f, 0.5f, 0.5f, 0.5f, 0.5f};
  for (int i = 0; i < 16; ++i) QCOMPARE(y(0, i), expected[size_t(i)]);

  Matrix dy(1, 16), dx, dSkip;
  for (int i = 0; i < 16; ++i) dy(0, i) = float(i + 1);
  join.backward(dy, dx, dSkip);
  QVERIFY(dx == dy);
  QCOMPARE(dSkip.cols(), Eigen::Index(32));
  float total = 0;
  for (int i = 0; i < 32; ++i) total += dSkip(0, i);
  QCOMPARE(total, 5.0f + 6 + 7 + 8 + 9 + 10 + 11 + 12);  // the padded channels pass nothing back
  QCOMPARE(dSkip(0, 0), 5.0f);                           // s[0][0][0] fed y[1][0][0]
  QCOMPARE(dSkip(0, 2), 6.0f);                           // s[0][0][2] fed y[1][0][1]
  QCOMPARE(dSkip(0, 1), 0.0f);                           // s[0][0][1] was skipped by the stride
  QCOMPARE(dSkip(0, 16 + 10), 12.0f);                    // s[1][2][2] fed y[2][1][1]

  ResidualAdd same({3, 2, 2}, {3, 2, 2});
  QVERIFY(same.identity());
  QVERIFY_THROWS_EXCEPTION(InputError, ResidualAdd({2, 2, 2}, {4, 4, 4}));  // fewer channels than the input
}

void TestResidual::blockGradientsMatchFiniteDifferences_data() {
  QTest::addColumn<int>("stride");
  QTest::addColumn<int>("channels");
  QTest::addColumn<bool>("projection");
  QTest::newRow("identity") << 1 << 3 << false;
  QTest::newRow("projection, 1x1 stride 2") << 2 << 5 << true;
  QTest::newRow("zero-padded, stride 2") << 2 << 5 << false;
}

// A block as the model runs it, built by hand without ReLUs so that the loss is smooth and finite differences are
// exact up to rounding: stem conv and batch norm, whose output both the block's first conv and its shortcut (the
// projection, or the join itself) read, so it must get the sum of both gradients; conv, bn, a strided conv, bn;
// the join; pooling and the classifier. Training mode: the batch statistics' own gradients are in the check.
void TestResidual::blockGradientsMatchFiniteDifferences() {
  QFETCH(int, stride);
  QFETCH(int, channels);
  QFETCH(bool, projection);
  Rng rng(7);
  Model model;
  const auto conv = [&](ConvGeometry g, const char* name, int from) {
    g.bias = false;
    auto layer = std::make_unique<Conv2d>(g);
    layer->initKaiming(rng);
    layer->setName(name);
    model.add(std::move(layer), from);
  };
  const auto norm = [&](const ExampleShape& shape, const char* name) {
    auto layer = std::make_unique<BatchNorm>(shape);
    for (float& v : layer->gamma()) v = rng.uniform(0.5f, 1.5f);
    for (float& v : layer->beta()) v = rng.uniform(-0.3f, 0.3f);
    layer->setName(name);
    model.add(std::move(layer));
  };
  conv({2, 6, 6, 3, 3, 1, 1}, "stem", Model::kModelInput);
  norm({3, 6, 6}, "stem_bn");
  const int blockInput = model.lastIndex();
  const ConvGeometry first{3, 6, 6, channels, 3, stride, 1};
  const ExampleShape out = first.outputShape();
  conv(first, "conv1", blockInput);
  norm(out, "bn1");
  conv({channels, out.height, out.width, channels, 3, 1, 1}, "conv2", model.lastIndex());
  norm(out, "bn2");
  const int mainPath = model.lastIndex();
  int skip = blockInput;
  ExampleShape skipShape{3, 6, 6};
  if (projection) {
    conv({3, 6, 6, channels, 1, stride, 0}, "shortcut", blockInput);
    norm(out, "shortcut_bn");
    skip = model.lastIndex();
    skipShape = out;
  }
  auto join = std::make_unique<ResidualAdd>(out, skipShape);
  join->setName("add");
  model.addJoin(std::move(join), mainPath, skip);
  model.add(std::make_unique<GlobalAvgPool>(out));
  model.add(std::make_unique<Flatten>(GlobalAvgPool::outputShapeOf(out)));
  auto fc = std::make_unique<Linear>(channels, 3);
  fc->initKaiming(rng);
  fc->setName("fc");
  model.add(std::move(fc));

  const Matrix x = randomMatrix(5, 72, rng);
  const std::vector<int32_t> labels{0, 2, 1, 1, 0};
  const auto loss = [&] { return softmaxCrossEntropy(model.forward(x, true), labels, nullptr, nullptr).meanLoss; };
  Matrix d;
  softmaxCrossEntropy(model.forward(x, true), labels, &d, nullptr);
  model.backward(d);
  for (auto& p : model.parameters()) {
    const std::vector<float> grads(p.grads.begin(), p.grads.end());
    std::vector<double> analytic, numeric;
    for (size_t i : probes(p.values.size())) {
      analytic.push_back(grads[i]);
      numeric.push_back(centralDifference(p.values[i], 1e-2f, loss));
    }
    const double error = relativeError(analytic, numeric);
    QVERIFY2(error < 2e-3, qPrintable(QString("%1: relative error %2").arg(QString::fromStdString(p.name)).arg(error)));
  }
}

// The presets' blocks read what He et al.'s do: the block's first conv and its shortcut the block input, the join
// the block's second batch norm and the shortcut (or the block input itself).
void TestResidual::blocksReadTheirInputs() {
  for (const char* shortcut : {"projection", "zero_pad"}) {
    Model model = build(preset("resnet", 8, shortcut), {1, 12, 12}, 4);
    const auto index = [&](const std::string& name) {
      for (size_t i = 0; i < model.layers().size(); ++i)
        if (model.layers()[i]->name() == name) return int(i);
      return -2;
    };
    const int stemOut = index("relu1");
    QCOMPARE(model.sourceOf(size_t(index("stage1.block1.conv1"))), stemOut);
    QCOMPARE(model.sourceOf(size_t(index("stage1.block1.add"))), index("stage1.block1.bn2"));
    QCOMPARE(model.skipSourceOf(size_t(index("stage1.block1.add"))), stemOut);
    const int stage2In = index("stage1.block1.relu2");
    QCOMPARE(model.sourceOf(size_t(index("stage2.block1.conv1"))), stage2In);
    if (std::string(shortcut) == "projection") {
      QCOMPARE(model.sourceOf(size_t(index("stage2.block1.shortcut"))), stage2In);
      QCOMPARE(model.skipSourceOf(size_t(index("stage2.block1.add"))), index("stage2.block1.shortcut_bn"));
    } else {
      QCOMPARE(index("stage2.block1.shortcut"), -2);
      QCOMPARE(model.skipSourceOf(size_t(index("stage2.block1.add"))), stage2In);
    }
    QCOMPARE(model.sourceOf(size_t(index("avgpool"))), index("stage3.block1.relu2"));
  }
}

void TestResidual::joinPassingThroughTheReluIsTheTwoLayersBitForBit_data() {
  QTest::addColumn<int>("skipChannels");
  QTest::addColumn<int>("skipSide");
  QTest::addColumn<int>("threads");
  QTest::newRow("identity") << 16 << 16 << 2;
  QTest::newRow("identity, one thread") << 16 << 16 << 1;
  QTest::newRow("zero-padded, stride 2") << 8 << 32 << 2;
}

// The join and the ReLU after it in one pass compute what the two layers compute one after the other: the ReLU's
// output, dX and the shortcut's gradient are the same bits, on any thread count. Half the sums are negative.
void TestResidual::joinPassingThroughTheReluIsTheTwoLayersBitForBit() {
  QFETCH(int, skipChannels);
  QFETCH(int, skipSide);
  QFETCH(int, threads);
  const int before = omp_get_max_threads();
  const auto restore = qScopeGuard([&] { omp_set_num_threads(before); });
  omp_set_num_threads(threads);
  const ExampleShape main{16, 16, 16}, skipShape{skipChannels, skipSide, skipSide};
  Rng rng(5);
  const Matrix x = randomMatrix(64, main.size(), rng), skip = randomMatrix(64, skipShape.size(), rng);
  const Matrix dRelu = randomMatrix(64, main.size(), rng);
  QVERIFY(x.size() >= kParallelElements);
  ResidualAdd join(main, skipShape);
  ReLU relu(main);
  Matrix sum, reluApart, dSum, dxApart, dSkipApart, reluFused, dxFused, dSkipFused;
  join.forward(x, skip, sum);
  relu.forward(sum, reluApart, true);
  relu.backward(sum, reluApart, dRelu, dSum, true);
  join.backward(dSum, dxApart, dSkipApart);
  join.forwardThroughRelu(x, skip, reluFused);
  join.backwardThroughRelu(reluFused, dRelu, dxFused, dSkipFused);

  const Eigen::Index negative = (reluApart.array() == 0.0f).count();
  QVERIFY2(negative > x.size() / 4 && negative < x.size() * 3 / 4, "the ReLU masks a good share of the sums");
  QVERIFY(reluFused == reluApart);
  QVERIFY(dxFused == dxApart);
  QVERIFY(dSkipFused == dSkipApart);
}

// In a model every join whose ReLU alone reads it runs fused with it; its sum is not kept. A chain with a join
// (linear, ReLU, linear, join with the first ReLU's output, ReLU, classifier) gets the gradients of the layers run
// one by one by hand, to the bit; and every block of a ResNet preset joins through its ReLU.
void TestResidual::modelRunsEveryJoinWithItsReluAndKeepsNoSumBetween() {
  const auto chain = [] {
    Rng init(4);
    Model model;
    for (auto [in, out] : {std::pair{6, 8}, std::pair{8, 8}}) {
      auto fc = std::make_unique<Linear>(in, out);
      fc->initKaiming(init);
      model.add(std::move(fc));
      if (in == 6) model.add(std::make_unique<ReLU>(ExampleShape{1, 1, 8}));
    }
    model.addJoin(std::make_unique<ResidualAdd>(ExampleShape{1, 1, 8}, ExampleShape{1, 1, 8}), 2, 1);
    model.add(std::make_unique<ReLU>(ExampleShape{1, 1, 8}));
    auto classifier = std::make_unique<Linear>(8, 3);
    classifier->initKaiming(init);
    model.add(std::move(classifier));
    return model;
  };
  Model model = chain(), byHand = chain();
  QCOMPARE(model.reluFusionPlan(), (std::vector<char>{0, 0, 0, 1, 0, 0}));
  Rng rng(9);
  const Matrix x = randomMatrix(16, 6, rng), dLogits = randomMatrix(16, 3, rng);
  model.forward(x, true);
  model.backward(dLogits);
  QCOMPARE(model.activation(4).size(), Eigen::Index(0));  // the join's sum

  const auto& l = byHand.layers();
  auto& join = static_cast<ResidualAdd&>(*l[3]);
  Matrix h1, r1, h2, sum, r2, logits, dR2, dSum, dH2, dSkip, dR1, dR1Main, dH1, dX;
  l[0]->forward(x, h1, true);
  l[1]->forward(h1, r1, true);
  l[2]->forward(r1, h2, true);
  join.forward(h2, r1, sum);
  l[4]->forward(sum, r2, true);
  l[5]->forward(r2, logits, true);
  QVERIFY(model.activation(6) == logits);
  l[5]->backward(r2, logits, dLogits, dR2, true);
  l[4]->backward(sum, r2, dR2, dSum, true);
  join.backward(dSum, dH2, dSkip);
  l[2]->backward(r1, h2, dH2, dR1Main, true);
  dR1 = dSkip + dR1Main;
  l[1]->backward(h1, r1, dR1, dH1, true);
  l[0]->backward(x, h1, dH1, dX, false);
  const auto gradsOf = [](Model& m) {
    std::vector<std::vector<float>> g;
    for (const ParameterRef& p : m.parameters()) g.emplace_back(p.grads.begin(), p.grads.end());
    return g;
  };
  QVERIFY(gradsOf(model) == gradsOf(byHand));

  Model resnet = build(preset("resnet", 8, "projection"), {1, 12, 12}, 4);
  const std::vector<char> fused = resnet.reluFusionPlan();
  int joins = 0;
  for (size_t i = 0; i < fused.size(); ++i)
    if (resnet.layers()[i]->kind() == "residualadd") {
      ++joins;
      QVERIFY2(fused[i], resnet.layers()[i]->name().c_str());
    }
  QCOMPARE(joins, 3);
}

void TestResidual::presetsHaveTheirPublishedParameterCounts_data() {
  QTest::addColumn<QString>("preset");
  QTest::addColumn<int>("depth");
  QTest::addColumn<QString>("shortcut");
  QTest::addColumn<int>("classes");
  QTest::addColumn<qint64>("parameters");
  // He et al.'s CIFAR ResNets with option A, as PyTorch reimplementations count them (0.27M, 0.46M, 0.85M, 1.7M).
  QTest::newRow("resnet-20 A") << "resnet" << 20 << "zero_pad" << 10 << qint64(269722);
  QTest::newRow("resnet-32 A") << "resnet" << 32 << "zero_pad" << 10 << qint64(464154);
  QTest::newRow("resnet-56 A") << "resnet" << 56 << "zero_pad" << 10 << qint64(853018);
  QTest::newRow("resnet-110 A") << "resnet" << 110 << "zero_pad" << 10 << qint64(1727962);
  // Option B adds the 1x1 projections 16->32 and 32->64 and their batch norms: 512 + 2048 + 2 * (32 + 64).
  QTest::newRow("resnet-20 B") << "resnet" << 20 << "projection" << 10 << qint64(269722 + 2560 + 192);
  // CIFAR-100 widens the classifier by 90 x (64 + 1).
  QTest::newRow("resnet-32 A, 100 classes") << "resnet" << 32 << "zero_pad" << 100 << qint64(464154 + 90 * 65);
  // The CIFAR VGG-16 with batch norm and one linear layer counts 14,728,266 with conv biases; ours has none before
  // batch norm (64 * 2 + 128 * 2 + 256 * 3 + 512 * 6 = 4224 fewer).
  QTest::newRow("vgg-16") << "vgg" << 16 << "projection" << 10 << qint64(14728266 - 4224);
}

void TestResidual::presetsHaveTheirPublishedParameterCounts() {
  QFETCH(QString, preset);
  QFETCH(int, depth);
  QFETCH(QString, shortcut);
  QFETCH(int, classes);
  QFETCH(qint64, parameters);
  Model model = build(::preset(preset.toStdString(), depth, shortcut.toStdString()), {3, 32, 32}, classes);
  QCOMPARE(qint64(model.parameterCount()), parameters);
}

void TestResidual::layerNamesAreStable() {
  Model resnet = build(preset("resnet", 20), {1, 28, 28}, 10);
  const std::vector<std::string> all = names(resnet);
  const std::set<std::string> unique(all.begin(), all.end());
  QCOMPARE(unique.size(), all.size());
  for (const char* name : {"conv1", "bn1", "relu1", "stage1.block1.conv1", "stage1.block3.relu2", "stage2.block1.conv2",
                           "stage2.block1.shortcut", "stage2.block1.shortcut_bn", "stage3.block3.add", "avgpool", "fc"})
    QVERIFY2(unique.count(name), name);
  QVERIFY(!unique.count("stage1.block1.shortcut"));  // the shape stays: identity
  QCOMPARE(all.back(), std::string("fc"));
  int weightLayers = 0;
  for (const auto& layer : resnet.layers()) weightLayers += layer->weightMatrix() != nullptr;
  QCOMPARE(weightLayers, 1 + 18 + 2 + 1);  // stem, 9 blocks of two convs, two projections, the classifier

  Model vgg = build(preset("vgg", 11), {3, 32, 32}, 10);
  const std::vector<std::string> vggNames = names(vgg);
  for (const char* name : {"conv1", "conv8", "bn8", "pool5", "fc"})
    QVERIFY2(std::count(vggNames.begin(), vggNames.end(), name) == 1, name);
}

void TestResidual::evaluationUsesRunningStatistics() {
  // An evaluation forward of one example must not depend on the others in its batch (running statistics), and
  // the network's two shortcut kinds must both run.
  for (const char* shortcut : {"projection", "zero_pad"}) {
    Model model = build(preset("resnet", 8, shortcut), {1, 12, 12}, 4);
    Rng rng(3);
    const Matrix batch = randomMatrix(6, 144, rng);
    const Matrix together = model.forward(batch, false);
    const Matrix alone = model.forward(batch.topRows(1), false);
    QVERIFY((together.topRows(1) - alone).cwiseAbs().maxCoeff() < 1e-5f);
    const Matrix trained = model.forward(batch, true);
    QVERIFY((trained.topRows(1) - alone).cwiseAbs().maxCoeff() > 1e-4f);  // batch statistics differ
  }
}

void TestResidual::presetsRefuseInputsTheyDoNotFit() {
  try {
    build(preset("vgg", 16), {1, 28, 28}, 10);
    QFAIL("vgg-16 on 28x28 images was built");
  } catch (const InputError& e) {
    QVERIFY2(QString(e.what()).contains("vgg-16") && QString(e.what()).contains("max pool"), e.what());
  }
}

void TestResidual::everySchemeKeepsItsBudgetOnStridedAnd1x1Convs_data() {
  QTest::addColumn<QString>("scheme");
  QTest::addColumn<QString>("options");
  QTest::newRow("unstructured") << "unstructured"
                                << "{}";
  QTest::newRow("pattern") << "pattern"
                           << "{}";
  QTest::newRow("block 4x1") << "block"
                             << R"({"height": 4, "width": 1})";
  QTest::newRow("N:M 2:8") << "nm"
                           << R"({"n": 2, "m": 8})";
  QTest::newRow("channel") << "channel"
                           << "{}";
}

// MEST on a ResNet-8 (stride-2 3x3 convs and 1x1 stride-2 projections, uniform densities so that the small 1x1
// convs are sparse too, where ERK keeps them dense), mutating every epoch: after every mutation
// each layer it changed holds exactly its planned weights, in its scheme's shape (the pattern scheme shapes the 3x3
// kernels and treats the 1x1 convs and the classifier as unstructured).
void TestResidual::everySchemeKeepsItsBudgetOnStridedAnd1x1Convs() {
  QFETCH(QString, scheme);
  QFETCH(QString, options);
  QTemporaryDir dir;
  writeIdxPair(dir, "train", 128, 1);
  writeIdxPair(dir, "test", 32, 2);
  const std::string d = dir.path().toStdString() + "/";
  const double target = scheme == "nm" ? 0.75 : 0.8;
  const Project project = parseProject(R"({"format": 1, "name": "schemes",
      "data": {"dataset": "idx", "train_images": ")" +
                                           d + R"(train-images", "train_labels": ")" + d +
                                           R"(train-labels", "test_images": ")" + d + R"(test-images",
               "test_labels": ")" + d + R"(test-labels"},
      "model": {"preset": "resnet", "depth": 8, "width": 2},
      "train": {"epochs": 3, "batch_size": 32, "optimizer": {"lr": 0.05}},
      "sparsity": {"target": )" + std::to_string(target) +
                                           R"(, "scheme": ")" + scheme.toStdString() + R"(", "scheme_options": )" +
                                           options.toStdString() +
                                           R"(, "distribution": "uniform", "dense_layers": ["first"]},
      "algorithm": {"name": "mest", "variant": "vanilla", "every_epochs": 1, "stop_fraction": 1.0}})",
                                       "schemes.json");
  Experiment experiment(project);
  std::map<std::string, int64_t> planned;
  for (const LayerDensity& l : experiment.densities()) planned[l.name] = l.active;
  const auto checker = makeScheme(scheme.toStdString(), options.toStdString());
  struct Checker : TrainingObserver {
    Experiment* experiment;
    const Scheme* scheme;
    std::map<std::string, int64_t>* planned;
    std::set<std::string> changed;
    std::vector<std::string> problems;
    void onMaskChange(const MaskChangeEvent& e) override {
      changed.insert(e.layer);
      for (const auto& layer : experiment->model().layers()) {
        if (layer->name() != e.layer) continue;
        const Mask mask = layer->weightMatrix()->mask();
        if (mask.activeCount() != planned->at(e.layer))
          problems.push_back(e.layer + ": " + std::to_string(mask.activeCount()) + " active, planned " +
                             std::to_string(planned->at(e.layer)));
        const std::string shape = scheme->validate(mask, {mask.rows, mask.cols, layer->kernelArea(), e.layer});
        if (!shape.empty()) problems.push_back(e.layer + ": " + shape);
      }
    }
  } check;
  check.experiment = &experiment;
  check.scheme = checker.get();
  check.planned = &planned;
  RunStore store((dir.path() + "/schemes.db").toStdString());
  RunControl control;
  const RunOutcome outcome = experiment.run(store, control, {&check});
  QVERIFY2(outcome.status == RunStatus::Finished, outcome.message.c_str());
  QVERIFY2(check.problems.empty(), check.problems.empty() ? "" : check.problems.front().c_str());
  for (const char* layer : {"stage2.block1.conv1", "stage2.block1.shortcut", "stage3.block1.shortcut", "fc"})
    QVERIFY2(check.changed.count(layer), layer);  // strided 3x3, 1x1 stride 2 and the classifier all mutated
  QVERIFY(!check.changed.count("conv1"));         // kept dense
}

void TestResidual::layerListsParseAndWriteBack() {
  const std::string text = R"({"format": 1, "model": {"preset": "layers", "layers": [
      {"type": "conv", "channels": 8, "kernel": 5, "stride": 2, "bias": false},
      {"type": "batch_norm"}, {"type": "relu", "name": "stem_relu"},
      {"type": "stage", "channels": 16, "blocks": 2, "stride": 2, "shortcut": "zero_pad"},
      {"type": "global_avg_pool"}, {"type": "dropout", "rate": 0.2}, {"type": "linear", "units": 32}]}})";
  const Project p = parseProject(text, "list.json");
  QCOMPARE(p.model.layers.size(), size_t(7));
  QCOMPARE(p.model.layers[0].kernel, 5);
  QCOMPARE(p.model.layers[0].padding, -1);
  QCOMPARE(p.model.layers[2].name, std::string("stem_relu"));
  QCOMPARE(p.model.layers[3].shortcut, std::string("zero_pad"));
  const Project again = parseProject(projectToJson(p), "written.json");
  QCOMPARE(projectToJson(again), projectToJson(p));

  Model model = build(p.model, {1, 28, 28}, 10);
  const std::vector<std::string> all = names(model);
  for (const char* name : {"conv1", "bn1", "stem_relu", "stage1.block2.conv2", "avgpool", "dropout1", "fc1", "fc"})
    QVERIFY2(std::count(all.begin(), all.end(), name) == 1, name);

  const Project resnet =
      parseProject(R"({"format": 1, "model": {"preset": "resnet", "depth": 32, "width": 2}})", "r.json");
  QCOMPARE(resnet.model.depth, 32);
  QCOMPARE(resnet.model.width, 2);
  QCOMPARE(resnet.model.shortcut, std::string("projection"));
  const Project vgg = parseProject(R"({"format": 1, "model": {"preset": "vgg"}})", "v.json");
  QCOMPARE(vgg.model.depth, 16);
  QVERIFY(vgg.model.fc.empty());
}

void TestResidual::layerListErrorsNameTheEntry() {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {R"({"preset": "resnet", "depth": 21})", "model.depth: must be 6n+2"},
      {R"({"preset": "vgg", "depth": 12})", "model.depth: must be 11, 13, 16 or 19"},
      {R"({"preset": "resnet", "hidden": [10]})", "model.hidden: only used with preset 'mlp'"},
      {R"({"preset": "mlp", "depth": 20})", "model.depth: only used with preset 'resnet' or 'vgg'"},
      {R"({"preset": "layers"})", "model.layers: preset 'layers' needs the list"},
      {R"({"preset": "layers", "layers": [{"type": "conv", "channels": 4, "window": 2}]})",
       "model.layers[0].window: not used by a 'conv' layer"},
      {R"({"preset": "layers", "layers": [{"channels": 4}]})", "model.layers[0].type"},
      {R"({"preset": "layers", "layers": [{"type": "pool"}]})", "model.layers[0].type"},
      {R"({"preset": "layers", "layers": [{"type": "stage", "channels": 0}]})", "model.layers[0].channels"},
  };
  for (const auto& [model, expected] : cases) {
    try {
      parseProject(R"({"format": 1, "model": )" + model + "}", "p.json");
      QFAIL(qPrintable(QString::fromStdString("accepted " + model)));
    } catch (const InputError& e) {
      QVERIFY2(QString(e.what()).contains(QString::fromStdString(expected)), e.what());
    }
  }
  // Two layers of one name are refused, naming the entry: masks and checkpoints find layers by name.
  const ModelSpec twice = parseProject(R"({"format": 1, "model": {"preset": "layers", "layers": [
      {"type": "conv", "channels": 4}, {"type": "relu", "name": "conv1"}]}})",
                                       "p.json")
                              .model;
  try {
    build(twice, {1, 28, 28}, 10);
    QFAIL("two layers named conv1 were built");
  } catch (const InputError& e) {
    QVERIFY2(QString(e.what()).contains("model.layers[1]: the name 'conv1' is taken"), e.what());
  }
  // A list whose layers do not fit the images is refused when built, naming the entry.
  ModelSpec spec =
      parseProject(R"({"format": 1, "model": {"preset": "layers", "layers": [{"type": "max_pool", "window": 4},
      {"type": "max_pool", "window": 4}, {"type": "max_pool", "window": 4}]}})",
                   "p.json")
          .model;
  try {
    build(spec, {1, 28, 28}, 10);
    QFAIL("three 4x4 pools on 28x28 were built");
  } catch (const InputError& e) {
    QVERIFY2(QString(e.what()).contains("model.layers[2]"), e.what());
  }
}

// `sparsescope bench` times each weight layer alone on the input it reads in the model: a shortcut reads its
// block's input, not the layer before it (timing it on its predecessor's output overran its buffers).
void TestResidual::benchTimesEveryWeightLayerOfAResnet() {
  QTemporaryDir dir;
  writeIdxPair(dir, "train", 64, 1);
  writeIdxPair(dir, "test", 16, 2);
  const std::string d = dir.path().toStdString() + "/";
  const Project project = parseProject(R"({"format": 1, "name": "bench",
      "data": {"dataset": "idx", "train_images": ")" +
                                           d + R"(train-images", "train_labels": ")" + d +
                                           R"(train-labels", "test_images": ")" + d + R"(test-images",
               "test_labels": ")" + d + R"(test-labels"},
      "model": {"preset": "resnet", "depth": 8}, "train": {"batch_size": 16}})",
                                       "bench.json");
  BenchSettings settings;
  settings.densities = {0.1};
  settings.repeats = 1;
  const std::vector<BenchRow> rows = runStepBenchmark(project, settings, [](const std::string&) {});
  std::set<std::string> timed;
  for (const BenchRow& row : rows) {
    timed.insert(row.layer);
    QVERIFY2(row.denseStepMs > 0 && row.sparseStepMs > 0, row.layer.c_str());
  }
  for (const char* layer : {"conv1", "stage1.block1.conv2", "stage2.block1.conv1", "stage2.block1.shortcut",
                            "stage3.block1.shortcut", "fc", "model"})
    QVERIFY2(timed.count(layer), layer);
}

// A CIFAR ResNet is timed on random input of CIFAR's shape, so the folder need not exist; with `planned` the
// density is the model's, spread as a run spreads it (ERK, the first conv dense), not given to every layer.
void TestResidual::benchTimesACifarModelWithoutItsDataAtItsPlannedDensities() {
  const Project project = parseProject(R"({"format": 1, "name": "bench",
      "data": {"dataset": "cifar100", "dir": "/nonexistent/cifar-100-binary"},
      "model": {"preset": "resnet", "depth": 8}, "train": {"batch_size": 4},
      "sparsity": {"target": 0.9, "distribution": "erk", "dense_layers": ["first"]}})",
                                       "bench.json");
  BenchSettings settings;
  settings.densities = {0.1};
  settings.repeats = 1;
  for (bool planned : {false, true}) {
    settings.planned = planned;
    std::map<std::string, BenchRow> byLayer;
    for (const BenchRow& row : runStepBenchmark(project, settings, [](const std::string&) {})) byLayer[row.layer] = row;
    QVERIFY(byLayer.count("conv1") && byLayer.count("stage3.block1.conv2") && byLayer.count("model"));
    QVERIFY(std::abs(byLayer["model"].achievedDensity - 0.1) < 0.01);
    QCOMPARE(byLayer["conv1"].layout, std::string(planned ? "dense" : "csr"));
    QCOMPARE(byLayer["conv1"].achievedDensity > 0.5, planned);
    // ERK gives the widest stage the lowest density.
    if (planned)
      QVERIFY(byLayer["stage3.block1.conv2"].achievedDensity < byLayer["stage1.block1.conv2"].achievedDensity);
    QVERIFY(byLayer["fc"].denseWeightGradMs > 0 && byLayer["fc"].sparseWeightGradMs > 0);
  }
}

QTEST_GUILESS_MAIN(TestResidual)
#include "tst_residual.moc"
