// plot_training_history: matplotlib-ggplot-style training curves (grey panel,
// white grid, legend placed where it covers the fewest points, as loc="best").
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <numbers>

#include "petal/core/error.h"
#include "petal/report/plot.h"
#include "report/plot_canvas.h"

namespace petal {

namespace {

using detail::Canvas;
using detail::HAlign;
using detail::Rect;
using detail::Rgb;
using detail::VAlign;
using HistoryColumns = std::map<std::string, std::vector<double>>;

// matplotlib's ggplot colour cycle.
constexpr uint32_t kCycle[] = {0xE24A33, 0x348ABD, 0x988ED5, 0x777777, 0xFBC15E, 0x8EBA42, 0xFFB5B8};

struct Series {
  std::string name;  // the history key
  std::string label;  // in the legend
  const std::vector<double>* values;
  Rgb color;
};

std::string alias_of(const std::string& key) {
  if (key == "accuracy") return "acc";
  if (key == "acc") return "accuracy";
  if (key == "val_accuracy") return "val_acc";
  if (key == "val_acc") return "val_accuracy";
  return "";
}

std::vector<Series> pick_series(const HistoryColumns& history, const PlotOptions& o, const std::string& where) {
  if (history.empty()) throw ConfigError(where + ": expected a history with at least one series; received an empty one.");
  std::vector<Series> out;
  auto taken = [&](const std::string& k) {
    return std::any_of(out.begin(), out.end(), [&](const Series& s) { return s.name == k; });
  };
  for (size_t w = 0; w < o.series.size(); ++w) {
    const std::string& want = o.series[w];
    for (const auto& key : {want, alias_of(want)}) {
      const auto it = history.find(key);
      if (it == history.end() || it->second.empty() || taken(key)) continue;
      const bool drawable = std::any_of(it->second.begin(), it->second.end(), [](double x) { return std::isfinite(x); });
      out.push_back({key, drawable ? key : key + " (no finite values)", &it->second,
                     detail::hex_rgb(kCycle[w % std::size(kCycle)])});  // stable per series
      break;
    }
  }
  if (out.empty()) {
    std::string want, have;
    for (const auto& k : o.series) want += (want.empty() ? "" : ", ") + k;
    for (const auto& [k, v] : history) have += (have.empty() ? "" : ", ") + k;
    throw ConfigError(where + ": expected one of the series [" + want + "]; received [" + have +
                      "]. Hint: set PlotOptions::series.");
  }
  return out;
}

// numpy.percentile's default (linear interpolation) on sorted values.
double percentile(const std::vector<double>& sorted, double q) {
  const double pos = q * (sorted.size() - 1);
  const size_t i = static_cast<size_t>(pos);
  if (i + 1 >= sorted.size()) return sorted.back();
  return sorted[i] + (pos - i) * (sorted[i + 1] - sorted[i]);
}

struct YRange {
  double lo = 0, hi = 1;
  int clipped = 0;      // finite values outside [lo, hi] before padding
  double farthest = 0;  // the clipped value farthest from the range
};

YRange y_range(const std::vector<Series>& series, bool clip) {
  std::vector<double> v;
  bool accuracy = false;
  for (const auto& s : series) {
    accuracy |= s.name.find("acc") != std::string::npos;
    for (double x : *s.values)
      if (std::isfinite(x)) v.push_back(x);
  }
  YRange r;
  if (v.empty()) return r;
  std::sort(v.begin(), v.end());
  double fence_lo = v.front(), fence_hi = v.back();
  if (clip) {
    const double p5 = percentile(v, 0.05), p95 = percentile(v, 0.95), spread = p95 - p5;
    fence_lo = p5 - 1.5 * spread, fence_hi = p95 + 1.5 * spread;
  }
  r.lo = *std::lower_bound(v.begin(), v.end(), fence_lo);
  r.hi = *(std::upper_bound(v.begin(), v.end(), fence_hi) - 1);
  double worst = 0;
  for (double x : v) {
    const double d = x > r.hi ? x - r.hi : r.lo - x;  // > 0 when off-scale
    if (d <= 0) continue;
    ++r.clipped;
    if (d > worst) worst = d, r.farthest = x;
  }
  if (clip && accuracy) r.lo = std::min(r.lo, 0.0), r.hi = std::max(r.hi, 1.0);
  const double pad = r.hi > r.lo ? 0.05 * (r.hi - r.lo) : std::max(0.5, 0.1 * std::abs(r.hi));
  r.lo -= pad, r.hi += pad;
  return r;
}

// Data -> pixel mapping of the panel.
struct Frame {
  Rect panel;
  double x0, x1, y0, y1;
  double px(double x) const { return panel.x + (x - x0) / (x1 - x0) * panel.w; }
  double py(double y) const { return panel.y + panel.h - (y - y0) / (y1 - y0) * panel.h; }
};

struct Fonts {
  double title, label, tick, legend, pad;
};

const Rgb kInk = detail::hex_rgb(0x555555);

void draw_panel(Canvas& c, const Frame& f, const Fonts& fs, const std::vector<double>& xt,
                const std::vector<double>& yt) {
  cairo_t* cr = c.cr();
  c.fill_rect(f.panel, detail::hex_rgb(0xE5E5E5));
  const double tick_len = fs.pad / 2;
  cairo_set_line_width(cr, std::max(1.0, fs.tick / 10));
  for (double x : xt) {
    c.set_color(detail::hex_rgb(0xFFFFFF));
    cairo_move_to(cr, f.px(x), f.panel.y), cairo_line_to(cr, f.px(x), f.panel.y + f.panel.h);
    cairo_stroke(cr);
    c.set_color(kInk);
    cairo_move_to(cr, f.px(x), f.panel.y + f.panel.h), cairo_rel_line_to(cr, 0, tick_len);
    cairo_stroke(cr);
    const double step = xt.size() > 1 ? xt[1] - xt[0] : 1;
    c.text(detail::tick_label(x, step), f.px(x), f.panel.y + f.panel.h + tick_len + 2, fs.tick,
           kInk, HAlign::Center, VAlign::Top);
  }
  for (double y : yt) {
    c.set_color(detail::hex_rgb(0xFFFFFF));
    cairo_move_to(cr, f.panel.x, f.py(y)), cairo_line_to(cr, f.panel.x + f.panel.w, f.py(y));
    cairo_stroke(cr);
    c.set_color(kInk);
    cairo_move_to(cr, f.panel.x, f.py(y)), cairo_rel_line_to(cr, -tick_len, 0);
    cairo_stroke(cr);
    const double step = yt.size() > 1 ? yt[1] - yt[0] : 1;
    c.text(detail::tick_label(y, step), f.panel.x - tick_len - 3, f.py(y), fs.tick, kInk,
           HAlign::Right, VAlign::Middle);
  }
}

void draw_curves(Canvas& c, const Frame& f, const std::vector<Series>& series, double scale) {
  cairo_t* cr = c.cr();
  cairo_save(cr);
  cairo_rectangle(cr, f.panel.x, f.panel.y, f.panel.w, f.panel.h);
  cairo_clip(cr);
  cairo_set_line_width(cr, 2 * scale);
  cairo_set_line_join(cr, CAIRO_LINE_JOIN_ROUND);
  // Off-scale values are drawn towards where they are and cut by the clip; the
  // clamp only keeps coordinates inside cairo's fixed-point range.
  const double far = 10 * (f.y1 - f.y0);
  for (const auto& s : series) {
    const auto& v = *s.values;
    auto ok = [&](size_t i) { return i < v.size() && std::isfinite(v[i]); };
    auto at = [&](size_t i, double& x, double& y) {
      x = f.px(double(i)), y = f.py(std::clamp(v[i], f.y0 - far, f.y1 + far));
    };
    c.set_color(s.color);
    double x = 0, y = 0;
    for (size_t i = 0; i < v.size(); ++i) {
      if (!ok(i)) continue;
      at(i, x, y);
      if (i > 0 && ok(i - 1)) cairo_line_to(cr, x, y);
      else cairo_move_to(cr, x, y);
    }
    cairo_stroke(cr);
    for (size_t i = 0; i < v.size(); ++i) {  // lone points (no finite neighbour) as dots
      if (!ok(i) || (i > 0 && ok(i - 1)) || ok(i + 1)) continue;
      at(i, x, y);
      cairo_arc(cr, x, y, 3 * scale, 0, 2 * std::numbers::pi);
      cairo_fill(cr);
    }
  }
  cairo_restore(cr);
}

// Counts curve sample points (vertices and midpoints) inside `box`.
int points_under(const Frame& f, const std::vector<Series>& series, const Rect& box) {
  int n = 0;
  for (const auto& s : series) {
    const auto& v = *s.values;
    for (size_t i = 0; i < v.size(); ++i) {
      if (!std::isfinite(v[i])) continue;
      const double y = std::clamp(v[i], f.y0, f.y1);
      n += box.contains(f.px(double(i)), f.py(y));
      if (i + 1 < v.size() && std::isfinite(v[i + 1])) {
        for (double t : {0.25, 0.5, 0.75}) {
          const double ym = std::clamp(v[i] + t * (v[i + 1] - v[i]), f.y0, f.y1);
          n += box.contains(f.px(i + t), f.py(ym));
        }
      }
    }
  }
  return n;
}

void draw_legend(Canvas& c, const Frame& f, const std::vector<Series>& series, const Fonts& fs) {
  const double row = c.line_height(fs.legend) * 1.25, pad = fs.legend * 0.6, sample = fs.legend * 2;
  double text_w = 0;
  for (const auto& s : series) text_w = std::max(text_w, c.text_width(s.label, fs.legend));
  const double w = pad * 3 + sample + text_w, h = pad * 2 + row * series.size();
  const Rect& p = f.panel;
  const double m = fs.pad, l = p.x + m, r = p.x + p.w - w - m, cx = p.x + (p.w - w) / 2;
  const double t = p.y + m, b = p.y + p.h - h - m, cy = p.y + (p.h - h) / 2;
  // matplotlib's loc="best" order: upper right, upper left, lower left, lower right,
  // right, center left, lower center, upper center, center.
  const Rect spots[] = {{r, t, w, h}, {l, t, w, h}, {l, b, w, h},  {r, b, w, h}, {r, cy, w, h},
                        {l, cy, w, h}, {cx, b, w, h}, {cx, t, w, h}, {cx, cy, w, h}};
  Rect best = spots[0];
  int fewest = points_under(f, series, best);
  for (const Rect& s : spots) {
    const int n = points_under(f, series, s);
    if (n < fewest) fewest = n, best = s;
  }
  cairo_t* cr = c.cr();
  c.fill_rect(best, detail::hex_rgb(0xFFFFFF), 0.85);
  c.set_color(detail::hex_rgb(0xCCCCCC));
  cairo_set_line_width(cr, 1);
  cairo_rectangle(cr, best.x, best.y, best.w, best.h);
  cairo_stroke(cr);
  cairo_set_line_width(cr, 2 * c.font_scale());
  for (size_t i = 0; i < series.size(); ++i) {
    const double y = best.y + pad + row * (i + 0.5);
    c.set_color(series[i].color);
    cairo_move_to(cr, best.x + pad, y), cairo_rel_line_to(cr, sample, 0);
    cairo_stroke(cr);
    c.text(series[i].label, best.x + 2 * pad + sample, y, fs.legend, detail::hex_rgb(0x222222),
           HAlign::Left, VAlign::Middle);
  }
}

std::string clip_note(const YRange& y) {
  char buf[128];
  std::snprintf(buf, sizeof buf, "y axis clipped: %d off-scale point%s (up to %.6g) not shown",
                y.clipped, y.clipped == 1 ? "" : "s", y.farthest);
  return buf;
}

}  // namespace

void plot_training_history(const HistoryColumns& history, const PlotOptions& o) {
  const std::string where = "plot_training_history('" + o.path.string() + "')";
  if (o.path.empty()) throw ConfigError("plot_training_history: expected PlotOptions::path; received an empty path.");
  const auto series = pick_series(history, o, where);
  Canvas c(o.width, o.height, where);
  const double s = c.font_scale();
  const Fonts fs{15 * s, 13 * s, 11 * s, 11 * s, 8 * s};

  size_t epochs = 0;
  for (const auto& ser : series) epochs = std::max(epochs, ser.values->size());
  const double last = double(epochs - 1), xpad = epochs > 1 ? 0.03 * last : 0.5;
  const YRange y = y_range(series, o.clip_y);
  const auto xt = detail::nice_ticks(0, last, std::clamp(int(o.width / (80 * s)), 2, 12), true);
  const auto yt = detail::nice_ticks(y.lo, y.hi, std::clamp(int(o.height / (60 * s)), 3, 10), false);

  double ytick_w = 0;
  for (double v : yt) ytick_w = std::max(ytick_w, c.text_width(detail::tick_label(v, yt.size() > 1 ? yt[1] - yt[0] : 1), fs.tick));
  const double note_h = y.clipped > 0 ? c.line_height(fs.tick) + fs.pad / 2 : 0;
  const double left = fs.pad * 2.5 + c.line_height(fs.label) + ytick_w;
  const double top = fs.pad * 2 + c.line_height(fs.title, true) + note_h;
  const double bottom = fs.pad * 3 + c.line_height(fs.tick) + c.line_height(fs.label);
  const double right = fs.pad + c.text_width(std::to_string(epochs), fs.tick) / 2 + fs.pad;
  const Frame f{{left, top, o.width - left - right, o.height - top - bottom},
                -xpad, last + xpad, y.lo, y.hi};

  draw_panel(c, f, fs, xt, yt);
  draw_curves(c, f, series, s);
  draw_legend(c, f, series, fs);
  const Rgb ink = detail::hex_rgb(0x222222);
  c.text(o.title, f.panel.x + f.panel.w / 2, fs.pad, fs.title, ink, HAlign::Center, VAlign::Top, true);
  if (y.clipped > 0)
    c.text(clip_note(y), f.panel.x + f.panel.w, top - fs.pad / 2, fs.tick, kInk, HAlign::Right, VAlign::Bottom);
  c.text(o.xlabel, f.panel.x + f.panel.w / 2, o.height - fs.pad, fs.label, ink, HAlign::Center, VAlign::Bottom);
  c.text(o.ylabel, fs.pad, f.panel.y + f.panel.h / 2, fs.label, ink, HAlign::Center, VAlign::Top, false, 90);
  c.save_png(o.path);
}

}  // namespace petal
