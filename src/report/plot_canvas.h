// Internal drawing helpers shared by the plots: a cairo image surface with
// aligned (and rotated) text, "nice" tick values, and atomic PNG saving.
#pragma once

#include <cairo.h>

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace petal::detail {

struct Rgb {
  double r, g, b;
};
Rgb hex_rgb(uint32_t rgb);  // 0xRRGGBB

enum class HAlign { Left, Center, Right };
enum class VAlign { Top, Middle, Baseline, Bottom };

struct Rect {
  double x, y, w, h;
  bool contains(double px, double py) const { return px >= x && px <= x + w && py >= y && py <= y + h; }
};

class Canvas {
 public:
  // `where` prefixes error messages, e.g. "plot_training_history('a.png')".
  Canvas(int width, int height, const std::string& where);
  ~Canvas();
  Canvas(const Canvas&) = delete;
  Canvas& operator=(const Canvas&) = delete;

  cairo_t* cr() const { return cr_; }
  int width() const { return width_; }
  int height() const { return height_; }
  // Text size of the tutorial's 640x480 figure scaled to this one.
  double font_scale() const;

  void set_color(Rgb c, double alpha = 1.0);
  void fill_rect(const Rect& r, Rgb c, double alpha = 1.0);
  double text_width(const std::string& s, double size, bool bold = false);
  // Ascent + descent of the font at `size` (one line of text).
  double line_height(double size, bool bold = false);
  // Draws `s` anchored at (x, y), rotated `degrees` counter-clockwise about the anchor.
  void text(const std::string& s, double x, double y, double size, Rgb c, HAlign h, VAlign v,
            bool bold = false, double degrees = 0);

  // Encodes PNG and writes it to `path` via a temporary file + rename.
  void save_png(const std::filesystem::path& path) const;

 private:
  void select_font(double size, bool bold);

  int width_, height_;
  std::string where_;
  cairo_surface_t* surface_ = nullptr;
  cairo_t* cr_ = nullptr;
};

// Round tick values (steps of 1, 2, 2.5 or 5 times a power of ten; integers
// only when `integer`) inside [lo, hi], about `target` of them.
std::vector<double> nice_ticks(double lo, double hi, int target, bool integer);
// A tick value with just enough decimals for `step` ("0.5", "1", "2.25").
std::string tick_label(double value, double step);

void check_figure_size(int width, int height, const std::string& where);

}  // namespace petal::detail
