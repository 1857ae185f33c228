#include <QBuffer>

#include "report_html_body.h"
#include "report_writers.h"

namespace ss::ui::report {

namespace {

// Short single words ("unstructured", "Epochs") are never broken inside; long names may wrap at hyphens.
QString noWrap(const QString& text) {
  return !text.contains(' ') && text.size() <= 14 ? " style=\"white-space: nowrap\"" : "";
}

QString markedCell(const QString& text, bool best) {
  // The colour and the weight both say "best": one survives grey-scale printing, the other a skim.
  return best ? QString("<td bgcolor=\"#dff0d8\"%1><b>%2</b></td>").arg(noWrap(text), text.toHtmlEscaped())
              : QString("<td%1>%2</td>").arg(noWrap(text), text.toHtmlEscaped());
}

QString tableHtml(const Table& t) {
  // Wide tables take the page's width so their columns do not wrap word by word; two-column ones stay narrow.
  const QString width = t.header.size() > 2 ? " width=\"100%\"" : "";
  QString html = "<table border=\"1\" cellspacing=\"0\" cellpadding=\"4\"" + width + "><thead><tr>";
  for (const QString& h : t.header) html += "<th bgcolor=\"#eeeeee\"" + noWrap(h) + ">" + h.toHtmlEscaped() + "</th>";
  html += "</tr></thead><tbody>";
  for (size_t r = 0; r < t.rows.size(); ++r) {
    html += "<tr>";
    for (qsizetype c = 0; c < t.rows[r].size(); ++c) html += markedCell(t.rows[r][c], t.isMarked(r, size_t(c)));
    html += "</tr>";
  }
  return html + "</tbody></table>";
}

QString dataUri(const QString& mimeType, const QByteArray& bytes) {
  return "data:" + mimeType + ";base64," + QString::fromLatin1(bytes.toBase64());
}

QByteArray pngBytes(const QImage& image) {
  QByteArray bytes;
  QBuffer buffer(&bytes);
  buffer.open(QIODevice::WriteOnly);
  image.save(&buffer, "PNG");
  return bytes;
}

}  // namespace

QString reportHtmlBody(const ReportDocument& doc, const HtmlTargets& targets) {
  QString html = "<h1>" + doc.title.toHtmlEscaped() + "</h1>\n";
  if (!doc.subtitle.isEmpty()) html += "<p class=\"subtitle\"><i>" + doc.subtitle.toHtmlEscaped() + "</i></p>\n";
  int units = 0;  // headings and figures, where a page may be made to break
  auto pageBreak = [&](bool always) {
    const bool asked = targets.pageBreakBefore.count(units++) > 0;
    return always || asked ? QString(" style=\"page-break-before: always\"") : QString();
  };
  for (const Block& block : doc.blocks) {
    if (const auto* h = std::get_if<Heading>(&block)) {
      const int level = std::clamp(h->level + 1, 2, 4);  // the report's own title is the only h1
      html += QString("<h%1%2>%3</h%1>\n").arg(level).arg(pageBreak(h->startsPage), h->text.toHtmlEscaped());
    } else if (const auto* p = std::get_if<Paragraph>(&block)) {
      html += "<p>" + p->text.toHtmlEscaped() + "</p>\n";
    } else if (const auto* c = std::get_if<Code>(&block)) {
      html += "<pre>" + c->text.toHtmlEscaped() + "</pre>\n";
    } else if (const auto* t = std::get_if<Table>(&block)) {
      html += tableHtml(*t) + "\n";
    } else if (const auto* f = std::get_if<Figure>(&block)) {
      // One multi-argument arg(): a caption's own "%" must not be taken for a placeholder.
      html += QString(
                  "<p class=\"figure\" align=\"center\"%1><img src=\"%2\" width=\"%3\" height=\"%4\" alt=\"%5\"><br>"
                  "<span class=\"caption\"><i>%5</i></span></p>\n")
                  .arg(pageBreak(false), targets.imageSource(*f), QString::number(figureWidth(*f)),
                       QString::number(figureHeight(*f)), f->caption.toHtmlEscaped());
    } else if (const auto* l = std::get_if<Links>(&block)) {
      QStringList anchors;
      for (const Attachment& a : l->files)
        anchors << QString("<a href=\"%1\" download=\"%2\">%2</a>").arg(targets.href(a), a.fileName.section('/', -1));
      html += "<p>" + l->label.toHtmlEscaped() + " " + anchors.join(" &middot; ") + "</p>\n";
    }
  }
  return html;
}

QByteArray reportHtml(const ReportDocument& doc) {
  const HtmlTargets embedded{[](const Figure& f) { return dataUri("image/png", pngBytes(f.image)); },
                             [](const Attachment& a) { return dataUri(a.mimeType, a.bytes); },
                             {}};
  const QString style = R"css(
body { font-family: "DejaVu Sans", "Helvetica Neue", Arial, sans-serif; max-width: 1000px; margin: 2em auto;
       padding: 0 1.5em; color: #222; line-height: 1.45; }
h1 { font-size: 1.7em; margin-bottom: 0.2em; } h2 { border-bottom: 1px solid #ccc; margin-top: 2em; }
.subtitle { color: #555; margin-top: 0; }
table { border-collapse: collapse; margin: 0.8em 0; font-size: 0.9em; }
th, td { border: 1px solid #bbb; padding: 3px 8px; text-align: left; }
pre { background: #f5f5f5; padding: 0.7em; overflow-x: auto; font-size: 0.85em; }
.figure img { max-width: 100%; height: auto; } .caption { color: #444; font-size: 0.9em; }
@media print { h2 { page-break-before: auto; } .figure { page-break-inside: avoid; } }
)css";
  const QString html = "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>" +
                       doc.title.toHtmlEscaped() + "</title><style>" + style + "</style></head><body>\n" +
                       reportHtmlBody(doc, embedded) + "</body></html>\n";
  return html.toUtf8();
}

}  // namespace ss::ui::report
