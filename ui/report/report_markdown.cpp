#include "report_writers.h"

namespace ss::ui::report {

namespace {

// A table cell cannot hold a pipe or a line break.
QString cell(const QString& text) {
  QString out = text;
  return out.replace('|', "\\|").replace('\n', ' ');
}

QString tableMarkdown(const Table& t) {
  QString md = "|";
  for (const QString& h : t.header) md += " " + cell(h) + " |";
  md += "\n|";
  for (qsizetype c = 0; c < t.header.size(); ++c) md += " --- |";
  md += "\n";
  for (size_t r = 0; r < t.rows.size(); ++r) {
    md += "|";
    for (qsizetype c = 0; c < t.rows[r].size(); ++c) {
      const QString text = cell(t.rows[r][c]);
      md += " " + (t.isMarked(r, size_t(c)) ? "**" + text + "**" : text) + " |";
    }
    md += "\n";
  }
  return md;
}

}  // namespace

QByteArray reportMarkdown(const ReportDocument& doc, const QString& filesDirName) {
  QString md = "# " + doc.title + "\n\n";
  if (!doc.subtitle.isEmpty()) md += "*" + doc.subtitle + "*\n\n";
  for (const Block& block : doc.blocks) {
    if (const auto* h = std::get_if<Heading>(&block)) {
      md += QString(std::clamp(h->level + 1, 2, 4), '#') + " " + h->text + "\n\n";
    } else if (const auto* p = std::get_if<Paragraph>(&block)) {
      md += p->text + "\n\n";
    } else if (const auto* c = std::get_if<Code>(&block)) {
      md += "```\n" + c->text + (c->text.endsWith('\n') ? "" : "\n") + "```\n\n";
    } else if (const auto* t = std::get_if<Table>(&block)) {
      md += tableMarkdown(*t) + "\n";
      if (!t->best.empty()) md += "Bold: the best value of its column.\n\n";
    } else if (const auto* f = std::get_if<Figure>(&block)) {
      md += QString("![%1](%2/%3.png)\n\n*%1*\n\n").arg(f->caption, filesDirName, f->fileStem);
    } else if (const auto* l = std::get_if<Links>(&block)) {
      QStringList links;
      for (const Attachment& a : l->files) links << QString("[%1](%2/%3)").arg(a.fileName, filesDirName, a.fileName);
      md += l->label + " " + links.join(", ") + "\n\n";
    }
  }
  return md.toUtf8();
}

}  // namespace ss::ui::report
