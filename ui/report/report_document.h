#pragma once

#include <QByteArray>
#include <QImage>
#include <QString>
#include <QStringList>
#include <variant>
#include <vector>

namespace ss::ui::report {

// A report as a list of blocks that each writer (HTML, Markdown, PDF) renders its own way, so the three
// formats always carry the same content.
struct Heading {
  int level = 1;  // 1 report, 2 section, 3 subsection
  QString text;
  bool startsPage = false;  // on paper: a run's part of a multi-run report begins on a fresh page
};
struct Paragraph {
  QString text;  // plain text; writers escape it
};
struct Code {
  QString text;  // monospaced, kept verbatim (commands, the project file)
};
struct Table {
  QStringList header;
  std::vector<QStringList> rows;
  std::vector<std::vector<bool>> best;  // rows x columns: cells marked as the best of their column
  bool isMarked(size_t row, size_t column) const {
    return row < best.size() && column < best[row].size() && best[row][column];
  }
};
struct Figure {
  QString fileStem;  // unique within the report: the image's file name where a writer needs files
  QImage image;      // rendered at kFigureScale times its layout size, for print
  QString caption;
};
// Files the report links to: CSV exports and the project file. HTML embeds them; the other formats write
// them into a folder beside the report.
struct Attachment {
  QString fileName;  // unique within the report, may hold one folder level ("run-3/epochs.csv")
  QByteArray bytes;
  QString mimeType;
};
struct Links {
  QString label;
  std::vector<Attachment> files;
};

using Block = std::variant<Heading, Paragraph, Code, Table, Figure, Links>;

// Figures are laid out at their image size divided by this, so they stay sharp on paper and HiDPI screens.
inline constexpr int kFigureScale = 2;

struct ReportDocument {
  QString title;
  QString subtitle;  // who made it, when, with what
  std::vector<Block> blocks;
};

}  // namespace ss::ui::report
