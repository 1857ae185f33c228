#include "run_comparison.h"

#include <QObject>
#include <functional>
#include <optional>

namespace ss::ui {

namespace {

QString percent(std::optional<double> v) {
  return v ? QString("%1%").arg(100.0 * *v, 0, 'f', 2) : QString("-");
}

enum class Better { None, Higher, Lower };

struct Column {
  QString header;
  Better better;
  std::function<std::optional<double>(const RunDetails&)> value;  // what "best" ranks by
  std::function<QString(const RunDetails&)> text;
};

std::optional<double> memoryBytes(const RunDetails& d) {
  return d.lastEpoch ? std::optional<double>(double(d.lastEpoch->memoryBytes)) : std::nullopt;
}

std::optional<double> bestAccuracy(const RunDetails& d) {
  return d.bestEpoch ? std::optional<double>(d.bestEpoch->testAccuracy) : std::nullopt;
}

const std::vector<Column>& columns() {
  using Q = QObject;
  static const std::vector<Column> table = {
      {Q::tr("Run"), Better::None, {}, [](const RunDetails& d) { return QString::number(d.summary.id); }},
      {Q::tr("Name"), Better::None, {}, [](const RunDetails& d) { return QString::fromStdString(d.summary.name); }},
      {Q::tr("Algorithm"),
       Better::None,
       {},
       [](const RunDetails& d) { return QString::fromStdString(d.summary.algorithm); }},
      {Q::tr("Scheme"), Better::None, {}, [](const RunDetails& d) { return QString::fromStdString(d.summary.scheme); }},
      {Q::tr("Sparsity"),
       Better::None,
       {},
       [](const RunDetails& d) { return QString("%1%").arg(100.0 * d.summary.target, 0, 'f', 0); }},
      {Q::tr("Final accuracy"), Better::Higher, [](const RunDetails& d) { return d.summary.finalTestAccuracy; },
       [](const RunDetails& d) { return percent(d.summary.finalTestAccuracy); }},
      {Q::tr("Best accuracy"), Better::Higher, bestAccuracy,
       [](const RunDetails& d) { return percent(bestAccuracy(d)); }},
      {Q::tr("Epochs"),
       Better::None,
       {},
       [](const RunDetails& d) { return QString("%1/%2").arg(d.summary.epochsLogged).arg(d.summary.epochs); }},
      {Q::tr("Training time"), Better::Lower,
       [](const RunDetails& d) {
         return d.summary.epochsLogged > 0 ? std::optional<double>(d.summary.elapsedSeconds) : std::nullopt;
       },
       [](const RunDetails& d) { return QString("%1 s").arg(d.summary.elapsedSeconds, 0, 'f', 1); }},
      {Q::tr("Memory model"), Better::Lower, memoryBytes,
       [](const RunDetails& d) {
         const auto bytes = memoryBytes(d);
         return bytes ? QString("%1 MB").arg(*bytes / 1e6, 0, 'f', 2) : QString("-");
       }},
  };
  return table;
}

}  // namespace

report::Table compareRuns(const std::vector<RunDetails>& runs) {
  report::Table table;
  for (const Column& c : columns()) table.header << c.header;
  table.rows.resize(runs.size());
  table.best.assign(runs.size(), std::vector<bool>(columns().size(), false));
  for (size_t r = 0; r < runs.size(); ++r)
    for (const Column& c : columns()) table.rows[r] << c.text(runs[r]);
  for (size_t c = 0; c < columns().size(); ++c) {
    const Column& column = columns()[c];
    if (column.better == Better::None) continue;
    std::optional<double> best;
    int candidates = 0;
    for (const RunDetails& d : runs)
      if (const auto v = column.value(d)) {
        ++candidates;
        if (!best || (column.better == Better::Higher ? *v > *best : *v < *best)) best = v;
      }
    if (candidates < 2) continue;  // a lone value is not "best" of anything
    for (size_t r = 0; r < runs.size(); ++r) table.best[r][c] = column.value(runs[r]) == best;  // ties are all marked
  }
  return table;
}

}  // namespace ss::ui
