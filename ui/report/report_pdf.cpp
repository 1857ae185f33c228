#include <QAbstractTextDocumentLayout>
#include <QFileInfo>
#include <QPainter>
#include <QPdfWriter>
#include <QTextBlock>
#include <QTextCursor>
#include <QTextDocument>
#include <QUrl>

#include "core/error.h"
#include "report_html_body.h"
#include "report_writers.h"

namespace ss::ui::report {

namespace {

// Qt's rich-text layout moves a line that would cross a page's bottom edge to the next page; an image sits
// on a line of its own here, so a figure is never cut in two, and a table row is never split either.
constexpr const char* kRichTextStyle = R"css(
h1 { font-size: 17pt; } h2 { font-size: 14pt; margin-top: 14px; } h3 { font-size: 11.5pt; }
p { font-size: 9pt; } td, th { font-size: 8pt; } pre { font-family: "DejaVu Sans Mono", monospace; font-size: 7.5pt; }
.caption { font-size: 8pt; color: #444444; } .subtitle { color: #555555; }
)css";

// A heading left alone at a page's foot, its section starting overleaf, moves overleaf too. Qt's layout has
// no keep-with-next, so headings that end up on another page than the block after them get a page break
// before them, one at a time, since each break moves everything after it.
void keepHeadingsWithTheirSections(QTextDocument& text, qreal pageHeight) {
  QAbstractTextDocumentLayout* layout = text.documentLayout();
  // Where a block's first line ends: a line pushed overleaf leaves its block's own rectangle behind.
  auto pageOf = [&](const QTextBlock& b) {
    qreal y = layout->blockBoundingRect(b).top();
    if (b.layout() && b.layout()->lineCount() > 0) y += b.layout()->lineAt(0).rect().bottom();
    return int(y / pageHeight);
  };
  for (QTextBlock block = text.begin(); block.isValid(); block = block.next()) {
    const QTextBlock next = block.next();
    if (block.blockFormat().headingLevel() == 0 || !next.isValid() || pageOf(block) == pageOf(next)) continue;
    QTextBlockFormat breakBefore;
    breakBefore.setPageBreakPolicy(QTextFormat::PageBreak_AlwaysBefore);
    QTextCursor(block).mergeBlockFormat(breakBefore);
  }
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

  QTextDocument text;
  text.documentLayout()->setPaintDevice(&writer);  // lay out in the printer's units, fonts in points
  text.setDocumentMargin(0);
  text.setDefaultFont(QFont("DejaVu Sans", 9));
  text.setDefaultStyleSheet(kRichTextStyle);
  for (const Block& block : doc.blocks)
    if (const auto* f = std::get_if<Figure>(&block))
      text.addResource(QTextDocument::ImageResource, QUrl("figure:" + f->fileStem), f->image);
  const HtmlTargets inPdf{[](const Figure& f) { return "figure:" + f.fileStem; },
                          [&](const Attachment& a) { return filesDirName + "/" + a.fileName; }};
  text.setHtml(reportHtmlBody(doc, inPdf));

  // Every page: the report's title and page number above a rule, then the page's share of the document.
  const QRectF page(QPointF(0, 0), QSizeF(writer.width(), writer.height()));
  const QFont headerFont("DejaVu Sans", 7);
  const qreal headerHeight = QFontMetricsF(headerFont, &writer).height() * 2.2;
  const QSizeF body(page.width(), page.height() - headerHeight);
  text.setPageSize(body);
  keepHeadingsWithTheirSections(text, body.height());
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
