#pragma once

#include <QString>
#include <functional>
#include <set>

#include "report_document.h"

namespace ss::ui::report {

// Where a rendering of the report finds its images and linked files: data URIs in a browser's file,
// resource names in Qt's own rich text (for the PDF), relative paths elsewhere.
struct HtmlTargets {
  std::function<QString(const Figure&)> imageSource;
  std::function<QString(const Attachment&)> href;
  // Where the PDF starts a page to keep a heading with its section or a figure with its caption, counted
  // over the Heading and Figure blocks together, in order.
  std::set<int> pageBreakBefore;
};

// The report's blocks as HTML that both browsers and Qt's rich-text engine render: tables with bgcolor
// and <b> rather than CSS they would not share.
QString reportHtmlBody(const ReportDocument& doc, const HtmlTargets& targets);

// Layout size of a figure in CSS pixels.
inline int figureWidth(const Figure& f) {
  return f.image.width() / kFigureScale;
}
inline int figureHeight(const Figure& f) {
  return f.image.height() / kFigureScale;
}

}  // namespace ss::ui::report
