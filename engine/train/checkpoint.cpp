#include "train/checkpoint.h"

#include "core/byte_buffer.h"
#include "sparse/position_coding.h"

namespace ss {

namespace {
constexpr uint32_t kMagic = 0x4B435353;  // "SSCK"
// Format 2 records masks as coded positions (sparse/position_coding.h; format 1: a byte per weight, still read).
constexpr uint32_t kFormat = 2;
constexpr uint32_t kFormatWithMaskBytes = 1;

void putFloats(ByteWriter& w, const std::vector<FloatsView>& list) {
  w.put<uint64_t>(list.size());
  for (const auto& p : list) {
    w.putString(p.name);
    w.putArray(p.values.data(), p.values.size());
  }
}

std::vector<FloatsView> viewsOf(const std::vector<NamedFloats>& list) {
  std::vector<FloatsView> views;
  for (const auto& p : list) views.push_back({p.name, p.values});
  return views;
}

template <typename Item, typename ReadOne>
std::vector<Item> getList(ByteReader& r, ReadOne readOne) {
  const uint64_t count = r.get<uint64_t>();
  std::vector<Item> list;
  for (uint64_t i = 0; i < count; ++i) list.push_back(readOne());
  return list;
}

// Example statistics field by field, in the layout of format 1 (four int32, the flag byte, three zero bytes),
// so that checkpoints written before stay readable. Not as a raw struct: its padding would be written
// uninitialised, and a damaged flag byte read into a bool is undefined behaviour, not an error.
constexpr size_t kExampleBytes = 4 * sizeof(int32_t) + 4;

void putExamples(ByteWriter& w, std::span<const ExampleStats> examples) {
  w.put<uint64_t>(examples.size());
  for (const ExampleStats& e : examples) {
    w.put<int32_t>(e.presentations);
    w.put<int32_t>(e.forgettingEvents);
    w.put<int32_t>(e.firstLearnedEpoch);
    w.put<int32_t>(e.removedAtEpoch);
    w.put<uint8_t>(e.lastCorrect ? 1 : 0);
    for (int pad = 0; pad < 3; ++pad) w.put<uint8_t>(0);
  }
}

std::vector<ExampleStats> getExamples(ByteReader& r, const std::string& what) {
  const uint64_t count = r.get<uint64_t>();
  if (count > r.remaining() / kExampleBytes)
    throw RunError(what + ": truncated or damaged (example statistics run past the end)");
  std::vector<ExampleStats> examples(static_cast<size_t>(count));
  for (ExampleStats& e : examples) {
    e.presentations = r.get<int32_t>();
    e.forgettingEvents = r.get<int32_t>();
    e.firstLearnedEpoch = r.get<int32_t>();
    e.removedAtEpoch = r.get<int32_t>();
    const uint8_t flag = r.get<uint8_t>();
    for (int pad = 0; pad < 3; ++pad) r.get<uint8_t>();  // padding, whatever an older build left there
    if (flag > 1 || e.presentations < 0 || e.forgettingEvents < 0 || e.forgettingEvents > e.presentations ||
        e.firstLearnedEpoch < -1 || e.removedAtEpoch < -1)
      throw RunError(what + ": damaged (impossible example statistics)");
    e.lastCorrect = flag == 1;
  }
  return examples;
}

void fnv(uint64_t& h, const void* data, size_t n) {
  const auto* b = static_cast<const uint8_t*>(data);
  for (size_t i = 0; i < n; ++i) {
    h ^= b[i];
    h *= 0x100000001b3ull;
  }
}
}  // namespace

ChunkedBytes encodeCheckpoint(const CheckpointParts& c) {
  ByteWriter w;
  w.put(kMagic);
  w.put(kFormat);
  const TrainingPosition& p = c.position;
  w.put<int32_t>(p.epoch);
  w.put<int64_t>(p.batchesDone);
  w.put<int64_t>(p.globalStep);
  w.put<uint8_t>(p.epochStarted);
  w.put(p.lossSum);
  w.put<int64_t>(p.correct);
  w.put<int64_t>(p.seen);
  w.put(p.epochSecondsSoFar);
  putFloats(w, c.parameters);
  putFloats(w, c.gradients);
  putFloats(w, c.momentum);
  w.put<uint64_t>(c.masks.size());
  for (const auto& m : c.masks) {
    w.putString(m.layer);
    w.put<uint8_t>(m.form);
    w.put<int32_t>(m.rows);
    w.put<int32_t>(m.cols);
    w.putVector(m.positions);
  }
  w.put<uint64_t>(c.layerRandomStates.size());
  for (const auto& s : c.layerRandomStates) {
    w.putString(s.name);
    w.putString(s.state);
  }
  w.putString(c.algorithmState);
  w.putString(c.orderRandomState);
  w.putArray(c.order.data(), c.order.size());
  putExamples(w, c.examples);
  return std::move(w.bytes());
}

std::vector<uint8_t> encodeCheckpoint(const Checkpoint& c) {
  CheckpointParts parts{c.position,        viewsOf(c.parameters), viewsOf(c.gradients), viewsOf(c.momentum), {},
                        c.layerRandomStates, c.algorithmState,      c.orderRandomState,   c.order,              c.examples};
  for (const auto& m : c.masks)
    parts.masks.push_back({m.layer, m.form, m.rows, m.cols, encodePositions(m.positions, int64_t(m.rows) * m.cols)});
  return encodeCheckpoint(parts).contiguous();
}

Checkpoint decodeCheckpoint(const std::vector<uint8_t>& bytes, const std::string& what) {
  ByteReader r(bytes, what);
  if (r.get<uint32_t>() != kMagic) throw RunError(what + ": not a SparseScope checkpoint");
  const uint32_t format = r.get<uint32_t>();
  if (format != kFormat && format != kFormatWithMaskBytes)
    throw RunError(what + ": checkpoint format " + std::to_string(format) + " is not one this build reads (" +
                   std::to_string(kFormatWithMaskBytes) + " or " + std::to_string(kFormat) + ")");
  Checkpoint c;
  TrainingPosition& p = c.position;
  p.epoch = r.get<int32_t>();
  p.batchesDone = r.get<int64_t>();
  p.globalStep = r.get<int64_t>();
  p.epochStarted = r.get<uint8_t>() != 0;
  p.lossSum = r.get<double>();
  p.correct = r.get<int64_t>();
  p.seen = r.get<int64_t>();
  p.epochSecondsSoFar = r.get<double>();
  auto readFloats = [&] { return NamedFloats{r.getString(), r.getVector<float>()}; };
  c.parameters = getList<NamedFloats>(r, readFloats);
  c.gradients = getList<NamedFloats>(r, readFloats);
  c.momentum = getList<NamedFloats>(r, readFloats);
  c.masks = getList<LayerMaskState>(r, [&] {
    LayerMaskState m;
    m.layer = r.getString();
    const uint8_t form = r.get<uint8_t>();
    if (form > LayerMaskState::Sparse) throw RunError(what + ": damaged (unknown layer form)");
    m.form = LayerMaskState::Form(form);
    m.rows = r.get<int32_t>();
    m.cols = r.get<int32_t>();
    if (format == kFormatWithMaskBytes) {
      const std::vector<uint8_t> bits = r.getVector<uint8_t>();
      for (size_t i = 0; i < bits.size(); ++i)
        if (bits[i]) m.positions.push_back(int64_t(i));
      const int64_t size = int64_t(m.rows) * m.cols;
      if (!m.positions.empty() && (m.rows < 0 || m.cols < 0 || m.positions.back() >= size))
        throw RunError(what + ": damaged (the mask of layer " + m.layer + " is larger than the layer)");
    } else {
      if (m.rows < 0 || m.cols < 0) throw RunError(what + ": damaged (layer " + m.layer + " has a negative shape)");
      m.positions =
          decodePositions(r.getVector<uint8_t>(), int64_t(m.rows) * m.cols, what + ": the mask of layer " + m.layer);
    }
    return m;
  });
  c.layerRandomStates = getList<NamedState>(r, [&] { return NamedState{r.getString(), r.getString()}; });
  c.algorithmState = r.getString();
  c.orderRandomState = r.getString();
  c.order = r.getVector<int64_t>();
  c.examples = getExamples(r, what);
  if (!r.atEnd()) throw RunError(what + ": damaged (bytes left over after the checkpoint)");
  return c;
}

uint64_t weightsDigest(const Checkpoint& c) {
  uint64_t h = 0xcbf29ce484222325ull;
  for (const auto& p : c.parameters) {
    fnv(h, p.name.data(), p.name.size());
    fnv(h, p.values.data(), p.values.size() * sizeof(float));
  }
  for (const auto& m : c.masks) fnv(h, m.positions.data(), m.positions.size() * sizeof(int64_t));
  return h;
}

}  // namespace ss
