// plot_confusion_matrix: a heat map in matplotlib's "Blues" colours with counts in
// the cells, true classes down the side and predicted classes (rotated) below.
#include <algorithm>
#include <cmath>

#include "petal/core/error.h"
#include "petal/core/text_escape.h"
#include "petal/report/plot.h"
#include "report/plot_canvas.h"

namespace petal {

namespace {

using detail::Canvas;
using detail::HAlign;
using detail::Rgb;
using detail::VAlign;

// matplotlib's "Blues" colormap stops (ColorBrewer), light to dark.
constexpr uint32_t kBlues[] = {0xF7FBFF, 0xDEEBF7, 0xC6DBEF, 0x9ECAE1, 0x6BAED6,
                               0x4292C6, 0x2171B5, 0x08519C, 0x08306B};

Rgb blues(double t) {
  const double pos = std::clamp(t, 0.0, 1.0) * (std::size(kBlues) - 1);
  const size_t i = std::min(static_cast<size_t>(pos), std::size(kBlues) - 2);
  const Rgb a = detail::hex_rgb(kBlues[i]), b = detail::hex_rgb(kBlues[i + 1]);
  const double f = pos - i;
  return {a.r + f * (b.r - a.r), a.g + f * (b.g - a.g), a.b + f * (b.b - a.b)};
}

void check_matrix(const std::vector<std::vector<int64_t>>& m, const std::vector<std::string>& names,
                  const std::string& where) {
  if (names.empty()) throw ConfigError(where + ": expected at least one class name; received none.");
  if (m.size() != names.size())
    throw ShapeError(where + ": expected " + std::to_string(names.size()) +
                     " rows (one per class name); received " + std::to_string(m.size()) + ".");
  for (size_t t = 0; t < m.size(); ++t) {
    if (m[t].size() != names.size())
      throw ShapeError(where + ": expected " + std::to_string(names.size()) + " columns in row " +
                       std::to_string(t) + "; received " + std::to_string(m[t].size()) + ".");
    for (int64_t v : m[t])
      if (v < 0)
        throw DataError(where + ": expected non-negative counts; received " + std::to_string(v) +
                        " in row " + std::to_string(t) + ".");
  }
}

}  // namespace

void plot_confusion_matrix(const std::vector<std::vector<int64_t>>& matrix,
                           const std::vector<std::string>& class_names,
                           const std::filesystem::path& path, const ConfusionPlotOptions& o) {
  const std::string where = "plot_confusion_matrix('" + path.string() + "')";
  if (path.empty()) throw ConfigError("plot_confusion_matrix: expected a path; received an empty one.");
  check_matrix(matrix, class_names, where);
  Canvas c(o.width, o.height, where);
  const double s = c.font_scale(), pad = 8 * s, k = double(class_names.size());
  const double title_size = 15 * s, label_size = 13 * s;
  // Class-name text shrinks so that names take at most 30% of the figure.
  double name_w = 0;
  for (const auto& n : class_names) name_w = std::max(name_w, c.text_width(n, 10) / 10);  // per unit size
  const double name_size = std::min(12 * s, 0.3 * std::min(o.width, o.height) / std::max(1e-9, name_w));
  const double names_w = name_w * name_size, name_h = c.line_height(name_size);
  const double rotated_h = (names_w + name_h) * std::sqrt(0.5);  // 45-degree labels

  const double left = pad * 3 + c.line_height(label_size) + names_w;
  const double top = pad * 2 + c.line_height(title_size, true);
  const double bottom = pad * 3 + rotated_h + c.line_height(label_size);
  const double cell = std::max(1.0, std::min((o.width - left - pad * 2) / k, (o.height - top - bottom) / k));
  const double x0 = left + (o.width - left - pad * 2 - cell * k) / 2, y0 = top;

  int64_t peak = 1;
  for (const auto& row : matrix) peak = std::max(peak, *std::max_element(row.begin(), row.end()));
  const double count_size = std::min(18 * s, cell * 0.4);
  const Rgb ink = detail::hex_rgb(0x222222), white = detail::hex_rgb(0xFFFFFF);
  for (size_t t = 0; t < matrix.size(); ++t)
    for (size_t p = 0; p < matrix.size(); ++p) {
      const double v = double(matrix[t][p]) / double(peak);
      c.fill_rect({x0 + p * cell, y0 + t * cell, cell, cell}, blues(v));
      c.text(std::to_string(matrix[t][p]), x0 + (p + 0.5) * cell, y0 + (t + 0.5) * cell,
             count_size, v > 0.5 ? white : ink, HAlign::Center, VAlign::Middle);
    }
  cairo_set_line_width(c.cr(), 1);
  c.set_color(detail::hex_rgb(0x555555));
  cairo_rectangle(c.cr(), x0, y0, cell * k, cell * k);
  cairo_stroke(c.cr());

  const double grid_bottom = y0 + cell * k;
  for (size_t i = 0; i < class_names.size(); ++i) {
    c.text(escape_text(class_names[i]), x0 - pad / 2, y0 + (i + 0.5) * cell, name_size, ink, HAlign::Right,
           VAlign::Middle);
    c.text(escape_text(class_names[i]), x0 + (i + 0.5) * cell, grid_bottom + pad / 2, name_size, ink,
           HAlign::Right, VAlign::Top, false, 45);
  }
  c.text(o.title, x0 + cell * k / 2, pad, title_size, ink, HAlign::Center, VAlign::Top, true);
  c.text(o.xlabel, x0 + cell * k / 2, grid_bottom + pad + rotated_h + pad, label_size, ink,
         HAlign::Center, VAlign::Top);
  const double ylabel_x = std::max(pad, x0 - pad * 2 - names_w - c.line_height(label_size));
  c.text(o.ylabel, ylabel_x, y0 + cell * k / 2, label_size, ink, HAlign::Center, VAlign::Top, false, 90);
  c.save_png(path);
}

}  // namespace petal
