// Canvas: cairo surface, text placement, tick values and atomic PNG output.
#include "report/plot_canvas.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <numbers>

#include "petal/core/error.h"
#include "petal/io/atomic_file.h"

namespace petal::detail {

Rgb hex_rgb(uint32_t rgb) {
  return {((rgb >> 16) & 0xFF) / 255.0, ((rgb >> 8) & 0xFF) / 255.0, (rgb & 0xFF) / 255.0};
}

void check_figure_size(int width, int height, const std::string& where) {
  auto bad = [](int v) { return v < 160 || v > 8000; };
  if (bad(width) || bad(height))
    throw ConfigError(where + ": expected width and height in [160, 8000] pixels; received " +
                      std::to_string(width) + "x" + std::to_string(height) + ".");
}

Canvas::Canvas(int width, int height, const std::string& where)
    : width_(width), height_(height), where_(where) {
  check_figure_size(width, height, where);
  surface_ = cairo_image_surface_create(CAIRO_FORMAT_RGB24, width, height);
  cr_ = cairo_create(surface_);
  if (cairo_status(cr_) != CAIRO_STATUS_SUCCESS) {
    const std::string why = cairo_status_to_string(cairo_status(cr_));
    cairo_destroy(cr_);
    cairo_surface_destroy(surface_);
    throw IoError(where + ": cannot create a " + std::to_string(width) + "x" +
                  std::to_string(height) + " image: " + why + ".");
  }
  fill_rect({0, 0, double(width), double(height)}, hex_rgb(0xFFFFFF));
}

Canvas::~Canvas() {
  cairo_destroy(cr_);
  cairo_surface_destroy(surface_);
}

double Canvas::font_scale() const {
  return std::max(0.75, std::min(width_ / 640.0, height_ / 480.0));
}

void Canvas::set_color(Rgb c, double alpha) { cairo_set_source_rgba(cr_, c.r, c.g, c.b, alpha); }

void Canvas::fill_rect(const Rect& r, Rgb c, double alpha) {
  set_color(c, alpha);
  cairo_rectangle(cr_, r.x, r.y, r.w, r.h);
  cairo_fill(cr_);
}

void Canvas::select_font(double size, bool bold) {
  cairo_select_font_face(cr_, "sans-serif", CAIRO_FONT_SLANT_NORMAL,
                         bold ? CAIRO_FONT_WEIGHT_BOLD : CAIRO_FONT_WEIGHT_NORMAL);
  cairo_set_font_size(cr_, size);
}

double Canvas::text_width(const std::string& s, double size, bool bold) {
  select_font(size, bold);
  cairo_text_extents_t te;
  cairo_text_extents(cr_, s.c_str(), &te);
  return te.x_advance;
}

double Canvas::line_height(double size, bool bold) {
  select_font(size, bold);
  cairo_font_extents_t fe;
  cairo_font_extents(cr_, &fe);
  return fe.ascent + fe.descent;
}

void Canvas::text(const std::string& s, double x, double y, double size, Rgb c, HAlign h,
                  VAlign v, bool bold, double degrees) {
  cairo_save(cr_);
  cairo_translate(cr_, x, y);
  cairo_rotate(cr_, -degrees * std::numbers::pi / 180.0);
  select_font(size, bold);
  cairo_text_extents_t te;
  cairo_font_extents_t fe;
  cairo_text_extents(cr_, s.c_str(), &te);
  cairo_font_extents(cr_, &fe);
  const double dx = h == HAlign::Left ? 0 : h == HAlign::Center ? -te.x_advance / 2 : -te.x_advance;
  const double dy = v == VAlign::Top      ? fe.ascent
                    : v == VAlign::Middle ? (fe.ascent - fe.descent) / 2
                    : v == VAlign::Bottom ? -fe.descent
                                          : 0;
  set_color(c);
  cairo_move_to(cr_, dx, dy);
  cairo_show_text(cr_, s.c_str());
  cairo_restore(cr_);
}

namespace {

cairo_status_t append_bytes(void* closure, const unsigned char* data, unsigned int length) {
  auto* out = static_cast<std::vector<std::byte>*>(closure);
  const auto* bytes = reinterpret_cast<const std::byte*>(data);
  out->insert(out->end(), bytes, bytes + length);
  return CAIRO_STATUS_SUCCESS;
}

}  // namespace

void Canvas::save_png(const std::filesystem::path& path) const {
  cairo_surface_flush(surface_);
  std::vector<std::byte> png;
  const cairo_status_t status = cairo_surface_write_to_png_stream(surface_, append_bytes, &png);
  if (status != CAIRO_STATUS_SUCCESS)
    throw IoError(where_ + ": PNG encoding failed: " + cairo_status_to_string(status) + ".");
  try {
    write_file_atomically(path, std::span<const std::byte>(png));
  } catch (const IoError& e) {
    throw IoError(where_ + ": " + e.what());
  }
}

std::vector<double> nice_ticks(double lo, double hi, int target, bool integer) {
  if (!(hi > lo)) hi = lo + 1;
  const double raw = (hi - lo) / std::max(1, target);
  const double mag = std::pow(10.0, std::floor(std::log10(raw)));
  double step = 10 * mag;
  for (double m : {1.0, 2.0, 2.5, 5.0}) {
    if (integer && m == 2.5) continue;
    if (m * mag >= raw * (1 - 1e-9)) {
      step = m * mag;
      break;
    }
  }
  if (integer) step = std::max(1.0, std::round(step));
  std::vector<double> ticks;
  for (double k = std::ceil(lo / step - 1e-9); k * step <= hi + step * 1e-9; ++k)
    ticks.push_back(k * step == 0 ? 0.0 : k * step);  // no "-0"
  return ticks;
}

std::string tick_label(double value, double step) {
  const double mag = std::floor(std::log10(step) + 1e-9);
  int decimals = std::max(0, static_cast<int>(-mag));
  const double lead = step / std::pow(10.0, mag);
  if (std::abs(lead - 2.5) < 1e-6 && mag <= 0) ++decimals;
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, std::abs(value) < step * 1e-9 ? 0.0 : value);
  return buf;
}

}  // namespace petal::detail
