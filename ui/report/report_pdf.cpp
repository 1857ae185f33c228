#include <QAbstractTextDocumentLayout>
#include <QFileInfo>
#include <QPainter>
#include <QPdfWriter>
#include <QTextBlock>
#include <QTextCursor>
#include <QTextDocument>
#include <QTextFrame>
#include <QTextTable>
#include <QUrl>
#include <optional>

#include "core/error.h"
#include "report_html_body.h"
#include "report_writers.h"

namespace ss::ui::report {

namespace {

// Qt's rich-text layout moves a line that would cross a page's bottom edge to the next page; an image sits
// on a line of its own here, so a figure itself is never cut in two (its caption is kept with it below).
constexpr const char* kRichTextStyle = R"css(
h1 { font-size: 17pt; } h2 { font-size: 14pt; margin-top: 14px; } h3 { font-size: 11.5pt; }
p { font-size: 9pt; } td, th { font-size: 8pt; } pre { font-family: "DejaVu Sans Mono", monospace; font-size: 7.5pt; }
.caption { font-size: 8pt; color: #444444; } .subtitle { color: #555555; }
)css";

// Where an item of the top-level flow begins on paper: the bottom of its first line, since a line pushed
// overleaf leaves its block's own rectangle behind. A table counts by its first cell.
qreal firstLineBottom(QAbstractTextDocumentLayout* layout, QTextBlock block) {
  qreal y = layout->blockBoundingRect(block).top();
  if (block.layout() && block.layout()->lineCount() > 0) y += block.layout()->lineAt(0).rect().bottom();
  return y;
}

bool holdsImage(const QTextBlock& block) {
  for (auto f = block.begin(); !f.atEnd(); ++f)
    if (f.fragment().charFormat().isImageFormat()) return true;
  return false;
}

// The first heading left alone at a page's foot while what follows it starts overleaf, or the first figure
// whose caption runs onto the next page, counted as reportHtmlBody counts page-break units; those already
// given a break are passed over (a section too tall for any page stays split whatever we do). -1: none.
int firstSplitUnit(QTextDocument& text, qreal pageHeight, const std::set<int>& alreadyBroken) {
  QAbstractTextDocumentLayout* layout = text.documentLayout();
  auto page = [&](qreal y) { return int(y / pageHeight); };
  int unit = -1;
  std::optional<int> headingPage;
  for (auto it = text.rootFrame()->begin(); !it.atEnd(); ++it) {
    const QTextBlock block = it.currentBlock();
    QTextBlock start = block;
    if (auto* table = qobject_cast<QTextTable*>(it.currentFrame()))
      start = table->cellAt(0, 0).firstCursorPosition().block();
    if (!start.isValid()) continue;
    const int here = page(firstLineBottom(layout, start));
    if (headingPage && *headingPage != here && !alreadyBroken.count(unit)) return unit;
    headingPage.reset();
    if (!block.isValid()) continue;
    if (block.blockFormat().headingLevel() >= 2) {  // h1 is the report's title
      headingPage = here;
      ++unit;
    } else if (holdsImage(block)) {
      ++unit;
      const QTextLayout* lines = block.layout();
      const qreal end = layout->blockBoundingRect(block).top() + lines->lineAt(lines->lineCount() - 1).rect().bottom();
      if (page(end) != here && !alreadyBroken.count(unit)) return unit;
    }
  }
  return -1;
}

}  // namespace

void writeReportPdf(const ReportDocument& doc, const QString& path, const QString& filesDirName) {
  QPdfWriter writer(path);
  writer.setTitle(doc.title);
  writer.setCreator("SparseScope");
  writer.setResolution(300);
  writer.setPageSize(QPageSize(QPageSize::A4));
  writer.setPageMargins(QMarginsF(16, 14, 16, 14), QPageLayout::Millimeter);
  QPainter painter;
  if (!painter.begin(&writer)) throw RunError(path.toStdString() + ": cannot write the PDF");

  // Qt's layout has no keep-with-next: a heading found alone at a page's foot, or a figure whose caption
  // would run overleaf, gets a page break before it and the document is laid out again, one at a time,
  // since each break moves all that follows.
  const QRectF page(QPointF(0, 0), QSizeF(writer.width(), writer.height()));
  const QFont headerFont("DejaVu Sans", 7);
  const qreal headerHeight = QFontMetricsF(headerFont, &writer).height() * 2.2;
  const QSizeF body(page.width(), page.height() - headerHeight);
  HtmlTargets inPdf{[](const Figure& f) { return "figure:" + f.fileStem; },
                    [&](const Attachment& a) { return filesDirName + "/" + a.fileName; },
                    {}};
  QTextDocument text;
  for (int pass = 0; pass < 200; ++pass) {
    text.clear();                                    // also drops the resources: add them again
    text.documentLayout()->setPaintDevice(&writer);  // lay out in the printer's units, fonts in points
    text.setDocumentMargin(0);
    text.setDefaultFont(QFont("DejaVu Sans", 9));
    text.setDefaultStyleSheet(kRichTextStyle);
    for (const Block& block : doc.blocks)
      if (const auto* f = std::get_if<Figure>(&block))
        text.addResource(QTextDocument::ImageResource, QUrl("figure:" + f->fileStem), f->image);
    text.setHtml(reportHtmlBody(doc, inPdf));
    text.setPageSize(body);
    const int split = firstSplitUnit(text, body.height(), inPdf.pageBreakBefore);
    if (split < 0) break;
    inPdf.pageBreakBefore.insert(split);
  }

  // Every page: the report's title and page number above a rule, then the page's share of the document.
  const int pages = text.pageCount();
  for (int p = 0; p < pages; ++p) {
    if (p > 0 && !writer.newPage()) throw RunError(path.toStdString() + ": cannot add a page to the PDF");
    painter.setFont(headerFont);
    painter.setPen(QColor(90, 90, 90));
    const QRectF header(0, 0, page.width(), headerHeight * 0.6);
    painter.drawText(header, Qt::AlignLeft | Qt::AlignVCenter, doc.title);
    painter.drawText(header, Qt::AlignRight | Qt::AlignVCenter, QString("page %1 of %2").arg(p + 1).arg(pages));
    painter.drawLine(QPointF(0, headerHeight * 0.7), QPointF(page.width(), headerHeight * 0.7));
    painter.save();
    painter.translate(0, headerHeight - p * body.height());
    text.drawContents(&painter, QRectF(QPointF(0, p * body.height()), body));
    painter.restore();
  }
  if (!painter.end()) throw RunError(path.toStdString() + ": writing the PDF failed");
  if (QFileInfo(path).size() == 0) throw RunError(path.toStdString() + ": the PDF came out empty (disk full?)");
}

}  // namespace ss::ui::report
