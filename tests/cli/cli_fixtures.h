// Fixtures for the command-line tests: running the built `petal` binary, and
// tiny datasets (class folders, the Flowers-17 layout, a CSV pair) of noisy
// solid-colour images that a small network separates in a few steps.
#pragma once

#include <unistd.h>

#include <sys/wait.h>

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "petal/core/rng.h"
#include "petal/data/image.h"
#include "petal/data/image_io.h"

namespace petal::cli_testing {

namespace fs = std::filesystem;

struct CliResult {
  int rc = -1;
  std::string out, err;
};

inline std::string read_text(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

inline std::string shell_quote(const std::string& s) {
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

// Runs `petal ARGS...` in `cwd` (default: the current directory), capturing
// stdout, stderr and the exit code; `launcher` goes before petal (mpiexec -np 2).
inline CliResult run_petal(const std::vector<std::string>& args, const fs::path& cwd = {},
                           const std::string& launcher = {}) {
  static std::atomic<int> counter{0};
  const fs::path base = fs::temp_directory_path() /
                        ("petal_cli_" + std::to_string(::getpid()) + "_" + std::to_string(counter++));
  std::string cmd = cwd.empty() ? "" : "cd " + shell_quote(cwd.string()) + " && ";
  if (!launcher.empty()) cmd += launcher + " ";
  cmd += shell_quote(PETAL_CLI_PATH);
  for (const auto& a : args) cmd += " " + shell_quote(a);
  cmd += " >" + shell_quote(base.string() + ".out") + " 2>" + shell_quote(base.string() + ".err");
  const int status = std::system(cmd.c_str());
  CliResult r;
  r.rc = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + (WIFSIGNALED(status) ? WTERMSIG(status) : 0);
  r.out = read_text(base.string() + ".out");
  r.err = read_text(base.string() + ".err");
  fs::remove(base.string() + ".out");
  fs::remove(base.string() + ".err");
  return r;
}

// Class c is a colour far from the others, plus noise of +-30 per pixel.
inline Image noisy_image(int64_t c, int64_t size, Rng& rng) {
  static const uint8_t palette[][3] = {{220, 30, 30}, {30, 200, 40}, {30, 40, 220}, {230, 220, 30},
                                       {200, 40, 200}, {40, 210, 210}, {120, 120, 120}, {250, 250, 250}};
  Image img{size, size, 3, std::vector<uint8_t>(static_cast<size_t>(size * size * 3))};
  const uint8_t* base = palette[c % 8];
  for (int64_t i = 0; i < size * size * 3; ++i) {
    const int64_t v = base[i % 3] + static_cast<int64_t>(rng.below(61)) - 30 + (c / 8) * 40 * (i % 3 == 0 ? -1 : 1);
    img.pixels[static_cast<size_t>(i)] = static_cast<uint8_t>(std::clamp<int64_t>(v, 0, 255));
  }
  return img;
}

// dir/<class>/img_NN.png, `per_class` images of size x size each.
inline void write_class_folders(const fs::path& dir, const std::vector<std::string>& classes, int per_class,
                                int64_t size, uint64_t seed = 1) {
  Rng rng(seed);
  for (size_t c = 0; c < classes.size(); ++c) {
    fs::create_directories(dir / classes[c]);
    for (int i = 0; i < per_class; ++i) {
      const std::string name = "img_" + std::to_string(10 + i) + ".png";
      write_image((dir / classes[c] / name).string(), noisy_image(static_cast<int64_t>(c), size, rng));
    }
  }
}

// dir/jpg/image_NNNN.jpg: the first `per_class` images of each of the 17
// archive classes (numbers 80 * c + 1 ...), PNG-quality JPEGs.
inline std::vector<std::string> write_flowers17(const fs::path& dir, int per_class, int64_t size) {
  Rng rng(7);
  std::vector<std::string> files;
  fs::create_directories(dir / "jpg");
  for (int c = 0; c < 17; ++c) {
    for (int i = 0; i < per_class; ++i) {
      char name[32];
      std::snprintf(name, sizeof name, "image_%04d.jpg", c * 80 + i + 1);
      write_image((dir / "jpg" / name).string(), noisy_image(c, size, rng), 100);
      files.push_back((dir / "jpg" / name).string());
    }
  }
  return files;
}

// The tutorial's CSV rows "label,p0,...": `per_class` rows per class.
inline void write_csv(const fs::path& file, const std::vector<std::string>& classes, int per_class, int64_t size,
                      uint64_t seed) {
  Rng rng(seed);
  std::ofstream out(file);
  for (int i = 0; i < per_class; ++i) {
    for (size_t c = 0; c < classes.size(); ++c) {
      const Image img = noisy_image(static_cast<int64_t>(c), size, rng);
      out << classes[c];
      for (uint8_t p : img.pixels) out << "," << static_cast<int>(p);
      out << "\n";
    }
  }
}

// (width, height) from a PNG's IHDR; (-1, -1) when the signature is not PNG's.
inline std::pair<int64_t, int64_t> png_size(const fs::path& path) {
  const std::string b = read_text(path);
  if (b.size() < 24 || b.compare(0, 8, "\x89PNG\r\n\x1a\n") != 0 || b.compare(12, 4, "IHDR") != 0) return {-1, -1};
  const auto be32 = [&](size_t at) {
    int64_t v = 0;
    for (size_t i = 0; i < 4; ++i) v = (v << 8) | static_cast<uint8_t>(b[at + i]);
    return v;
  };
  return {be32(16), be32(20)};
}

}  // namespace petal::cli_testing
