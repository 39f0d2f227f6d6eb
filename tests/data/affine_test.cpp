// Affine warps against scipy.ndimage.affine_transform with Keras's matrix (via the
// committed tests/data/affine_reference.py), plus small cases worked out by hand.
#include "petal/data/affine.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include <unistd.h>

#include "petal/core/error.h"
#include "petal/core/rng.h"
#include "petal/data/image_data_generator.h"

namespace petal {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

// --- Minimal float32 .npy I/O, local to this test --------------------------------

void write_npy(const fs::path& path, const Tensor& t) {
  std::string dict = "{'descr': '<f4', 'fortran_order': False, 'shape': (";
  for (int64_t d : t.shape()) dict += std::to_string(d) + ", ";
  dict += "), }";
  const size_t total = 10 + dict.size() + 1;
  dict.append((64 - total % 64) % 64, ' ');
  dict += '\n';
  std::ofstream f(path, std::ios::binary);
  const uint16_t len = static_cast<uint16_t>(dict.size());
  f.write("\x93NUMPY\x01\x00", 8);
  f.write(reinterpret_cast<const char*>(&len), 2);
  f << dict;
  f.write(reinterpret_cast<const char*>(t.data()), t.size() * 4);
}

Tensor read_npy(const fs::path& path, const Shape& shape) {
  std::ifstream f(path, std::ios::binary);
  char magic[10];
  f.read(magic, 10);
  if (!f || std::memcmp(magic, "\x93NUMPY\x01\x00", 8) != 0)
    throw std::runtime_error("read_npy: bad file " + path.string());
  uint16_t len;
  std::memcpy(&len, magic + 8, 2);
  std::string dict(len, ' ');
  f.read(dict.data(), len);
  if (dict.find("'<f4'") == std::string::npos || dict.find("False") == std::string::npos)
    throw std::runtime_error("read_npy: expected C-order float32: " + dict);
  Tensor t(shape);
  f.read(reinterpret_cast<char*>(t.data()), t.size() * 4);
  if (!f) throw std::runtime_error("read_npy: short file " + path.string());
  return t;
}

bool have_scipy() {
  const std::string cmd = std::string(PETAL_PYTHON) + " -c 'import numpy, scipy' >/dev/null 2>&1";
  return std::system(cmd.c_str()) == 0;
}

fs::path fresh_temp_dir(const std::string& tag) {
  const fs::path dir =
      fs::temp_directory_path() /
      ("petal_" + tag + "_" + std::to_string(::getpid()) + "_" +
       std::to_string(std::chrono::steady_clock::now().time_since_epoch().count()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}

struct Case {
  std::string name;
  TransformParams p;
};

std::vector<Case> cases() {
  auto tp = [](double theta, double tx, double ty, double shear, double zx, double zy) {
    TransformParams p;
    p.theta = theta, p.tx = tx, p.ty = ty, p.shear = shear, p.zx = zx, p.zy = zy;
    return p;
  };
  return {{"rotation", tp(23, 0, 0, 0, 1, 1)},          {"shift", tp(0, 2.7, -3.4, 0, 1, 1)},
          {"int_shift", tp(0, -2, 3, 0, 1, 1)},         {"shear", tp(0, 0, 0, 17, 1, 1)},
          {"zoom", tp(0, 0, 0, 0, 0.8, 1.3)},           {"combined", tp(-35, 1.5, 2.25, 10, 1.1, 0.9)},
          {"far_out", tp(150, -9.5, 12.25, -40, 1.7, 2.2)}};
}

// An image with distinct, smooth-ish values in 0..255.
Tensor test_image(int64_t h, int64_t w, int64_t c) {
  Tensor img({h, w, c});
  Rng rng(5);
  for (int64_t i = 0; i < img.size(); ++i) img[i] = static_cast<float>(rng.uniform(0, 255));
  return img;
}

struct Errors {
  double interior = 0, border = 0;
};

// Interior = output pixels whose source point is at least one pixel inside the
// image on both axes, so no border rule is involved.
Errors compare(const Tensor& ours, const Tensor& ref, const std::optional<AffineMap>& map) {
  const int64_t h = ours.dim(0), w = ours.dim(1), c = ours.dim(2);
  Errors e;
  for (int64_t r = 0; r < h; ++r)
    for (int64_t col = 0; col < w; ++col) {
      bool inside = true;
      if (map) {
        const double ir = r * map->m[0][0] + col * map->m[0][1] + map->m[0][2];
        const double ic = r * map->m[1][0] + col * map->m[1][1] + map->m[1][2];
        inside = ir >= 1 && ir <= h - 2 && ic >= 1 && ic <= w - 2;
      }
      for (int64_t k = 0; k < c; ++k) {
        const int64_t i = (r * w + col) * c + k;
        const double d = std::fabs(double(ours[i]) - double(ref[i]));
        (inside ? e.interior : e.border) = std::max(inside ? e.interior : e.border, d);
      }
    }
  return e;
}

TEST(AffineWarp, MatchesScipyWithKerasMatrixInEveryFillMode) {
  if (!have_scipy()) GTEST_SKIP() << PETAL_PYTHON << " lacks numpy or scipy";
  const fs::path dir = fresh_temp_dir("affine_ref");
  const Tensor img = test_image(16, 21, 3);
  write_npy(dir / "in.npy", img);

  struct Run {
    std::string file;
    ImageDataGeneratorOptions opt;
    TransformParams p;
    std::string label;
  };
  std::vector<Run> runs;
  const char* modes[] = {"constant", "nearest", "reflect", "wrap"};
  for (const auto& cs : cases())
    for (const char* mode : modes)
      for (int order : {0, 1})
        for (auto center : {AffineCenter::KerasReleased, AffineCenter::PixelCenter}) {
          if (center == AffineCenter::PixelCenter && order == 0) continue;
          ImageDataGeneratorOptions o;
          o.fill_mode = parse_fill_mode(mode);
          o.cval = -7.5;
          o.interpolation_order = order;
          o.affine_center = center;
          const std::string label = cs.name + "/" + mode + "/order" + std::to_string(order) +
                                    (center == AffineCenter::PixelCenter ? "/pixel_center" : "");
          runs.push_back({"out" + std::to_string(runs.size()) + ".npy", o, cs.p, label});
        }

  std::ostringstream js;
  js << std::setprecision(17) << "{\"input\": \"" << (dir / "in.npy").string() << "\", \"cases\": [";
  for (size_t i = 0; i < runs.size(); ++i) {
    const auto& r = runs[i];
    js << (i ? ", " : "") << "{\"theta\": " << r.p.theta << ", \"tx\": " << r.p.tx
       << ", \"ty\": " << r.p.ty << ", \"shear\": " << r.p.shear << ", \"zx\": " << r.p.zx
       << ", \"zy\": " << r.p.zy << ", \"fill_mode\": \"" << to_string(r.opt.fill_mode)
       << "\", \"cval\": " << r.opt.cval << ", \"order\": " << r.opt.interpolation_order
       << ", \"center\": \""
       << (r.opt.affine_center == AffineCenter::KerasReleased ? "keras_released" : "pixel_center")
       << "\", \"output\": \"" << (dir / r.file).string() << "\"}";
  }
  js << "]}";
  std::ofstream(dir / "cases.json") << js.str();
  const std::string script = std::string(PETAL_SOURCE_DIR) + "/tests/data/affine_reference.py";
  const std::string cmd = std::string(PETAL_PYTHON) + " " + script + " " +
                          (dir / "cases.json").string() + " > " + (dir / "log.txt").string() +
                          " 2>&1";
  ASSERT_EQ(std::system(cmd.c_str()), 0) << "reference script failed; see " << dir / "log.txt";

  double worst_interior = 0, worst_border = 0;
  for (const auto& r : runs) {
    const ImageDataGenerator gen(r.opt);
    const Tensor ours = gen.apply_transform(img, r.p);
    const Tensor ref = read_npy(dir / r.file, img.shape());
    const auto map = keras_affine_map(r.p.theta, r.p.tx, r.p.ty, r.p.shear, r.p.zx, r.p.zy, 16,
                                      21, r.opt.affine_center);
    const Errors e = compare(ours, ref, map);
    EXPECT_LE(e.interior, 1e-3) << r.label;
    // The border rules are reproduced too; only a source point that lands within
    // rounding of a border could legitimately differ, and these cases avoid that.
    EXPECT_LE(e.border, 1e-3) << r.label;
    worst_interior = std::max(worst_interior, e.interior);
    worst_border = std::max(worst_border, e.border);
  }
  std::cout << "[ scipy ] " << runs.size() << " warps: max |petal - scipy| interior "
            << worst_interior << ", border " << worst_border << "\n";
  RecordProperty("max_interior_error", std::to_string(worst_interior));
  RecordProperty("max_border_error", std::to_string(worst_border));
  fs::remove_all(dir);
}

// --- Small cases worked out by hand from the documented rules ---------------------

Tensor row_of(std::vector<float> v) {
  return Tensor({1, static_cast<int64_t>(v.size()), 1}, std::span<const float>(v));
}

std::vector<float> shifted(const Tensor& img, FillMode mode, double ty, double cval = -1) {
  ImageDataGeneratorOptions o;
  o.fill_mode = mode;
  o.cval = cval;
  TransformParams p;
  p.ty = ty;
  const Tensor out = ImageDataGenerator(o).apply_transform(img, p);
  return {out.values().begin(), out.values().end()};
}

TEST(AffineWarp, IntegerShiftPullsFromTheShiftedSourceInEachFillMode) {
  // Output column c reads input column c + ty (pull-back).
  const Tensor row = row_of({1, 2, 3, 4});
  using V = std::vector<float>;
  EXPECT_EQ(shifted(row, FillMode::Constant, 2), (V{3, 4, -1, -1}));
  EXPECT_EQ(shifted(row, FillMode::Nearest, 2), (V{3, 4, 4, 4}));
  EXPECT_EQ(shifted(row, FillMode::Reflect, 2), (V{3, 4, 4, 3}));
  // scipy's legacy wrap has period n - 1 = 3: columns 4, 5 read 1, 2.
  EXPECT_EQ(shifted(row, FillMode::Wrap, 2), (V{3, 4, 2, 3}));
  EXPECT_EQ(shifted(row, FillMode::Wrap, -1), (V{3, 1, 2, 3}));
}

TEST(AffineWarp, HalfPixelShiftAtTheBorder) {
  const Tensor row = row_of({1, 2, 3, 4});
  using V = std::vector<float>;
  // 'constant' gives exactly cval for a source point outside [0, n-1]; no blend.
  EXPECT_EQ(shifted(row, FillMode::Constant, -0.5, -8), (V{-8, 1.5, 2.5, 3.5}));
  // 'reflect' repeats the edge pixel (x[-1] = x[0]).
  EXPECT_EQ(shifted(row, FillMode::Reflect, -0.5), (V{1, 1.5, 2.5, 3.5}));
  EXPECT_EQ(shifted(row, FillMode::Nearest, -0.5), (V{1, 1.5, 2.5, 3.5}));
}

TEST(AffineWarp, OnePixelRowShiftWithConstantFill) {
  Tensor img({3, 4, 1});
  for (int i = 0; i < 12; ++i) img[i] = static_cast<float>(i + 1);
  ImageDataGeneratorOptions o;
  o.fill_mode = FillMode::Constant;
  o.cval = -1;
  TransformParams p;
  p.tx = 1;  // rows: output row r reads input row r + 1
  const Tensor out = ImageDataGenerator(o).apply_transform(img, p);
  const std::vector<float> want{5, 6, 7, 8, 9, 10, 11, 12, -1, -1, -1, -1};
  EXPECT_EQ(std::vector<float>(out.values().begin(), out.values().end()), want);
}

TEST(AffineWarp, KerasReleasedCentreIsOnePixelOffForRotation) {
  // 3x3, theta = 90: in = R (out - o) + o gives in_row = 2o - col... with
  // o = 1 (true centre): out[r][c] = in[2 - c][r], an exact rotation;
  // o = 2 (released Keras, 3/2 + 0.5): out[r][c] = in[4 - c][r], clamped by 'nearest'.
  Tensor img({3, 3, 1});
  for (int i = 0; i < 9; ++i) img[i] = static_cast<float>(10 * (i / 3) + i % 3);
  TransformParams p;
  p.theta = 90;
  for (auto center : {AffineCenter::PixelCenter, AffineCenter::KerasReleased}) {
    ImageDataGeneratorOptions o;
    o.affine_center = center;
    const Tensor out = ImageDataGenerator(o).apply_transform(img, p);
    const int64_t base = center == AffineCenter::PixelCenter ? 2 : 4;
    for (int64_t r = 0; r < 3; ++r)
      for (int64_t c = 0; c < 3; ++c)
        EXPECT_NEAR(out.at({r, c, 0}), img.at({std::min<int64_t>(base - c, 2), r, 0}), 1e-4)
            << "r=" << r << " c=" << c;
  }
}

TEST(AffineWarp, IdentityIsSkippedAndBadInputsThrow) {
  EXPECT_FALSE(keras_affine_map(0, 0, 0, 0, 1, 1, 8, 8).has_value());
  EXPECT_TRUE(keras_affine_map(0, 0, 0, 0, 1, 1.01, 8, 8).has_value());
  EXPECT_THAT([] { parse_fill_mode("mirror"); },
              ::testing::ThrowsMessage<ConfigError>(HasSubstr("received 'mirror'")));
  EXPECT_THAT([] { keras_affine_map(NAN, 0, 0, 0, 1, 1, 8, 8); },
              ::testing::ThrowsMessage<ConfigError>(HasSubstr("must be finite")));
  std::vector<float> a(12), b(12);
  EXPECT_THAT([&] { affine_warp(a, b, 2, 2, 3, AffineMap{}, {.order = 3}); },
              ::testing::ThrowsMessage<ConfigError>(HasSubstr("order must be 0 or 1; received 3")));
  EXPECT_THAT([&] { affine_warp(a, b, 2, 3, 3, AffineMap{}); },
              ::testing::ThrowsMessage<ShapeError>(HasSubstr("expected input and output of 18")));
}

}  // namespace
}  // namespace petal
