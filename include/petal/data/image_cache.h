// A thread-safe in-memory cache of decoded (and resized) 8-bit images, so epochs
// after the first do not decode again. Bounded by a memory budget; no eviction.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

#include "petal/data/image_io.h"

namespace petal {

struct ImageCacheStats {
  int64_t entries = 0;
  int64_t bytes = 0;     // pixel bytes held
  int64_t hits = 0;
  int64_t misses = 0;    // decodes done through the cache
  int64_t rejected = 0;  // decoded images not kept because the budget was reached
  bool full = false;
};

// Keyed by (path, target size, color mode, interpolation, keep_aspect_ratio,
// reduced_decode): every option that changes the pixels. When storing an image
// would exceed the budget, the cache stops storing (full() turns true, for good)
// and keeps serving what it holds; images are still decoded and returned.
// All methods may be called from several threads at once. Two threads missing
// the same key at once may both decode it; the first stored copy wins.
class ImageCache {
 public:
  static constexpr int64_t kDefaultBudgetBytes = int64_t{1} << 30;  // 1 GiB

  explicit ImageCache(int64_t budget_bytes = kDefaultBudgetBytes);

  // The cached image, or decode_image(path, options) (stored if the budget allows).
  // Throws what decode_image throws; failures are not cached.
  std::shared_ptr<const Image> get_or_decode(const std::string& path, const DecodeOptions& options);
  // The cached image or nullptr; does not decode.
  std::shared_ptr<const Image> find(const std::string& path, const DecodeOptions& options) const;

  // True once an image was turned away because the budget would be exceeded.
  bool full() const;
  int64_t budget_bytes() const { return budget_; }
  int64_t bytes() const;
  ImageCacheStats stats() const;
  // Drops every entry and resets the statistics and the full flag.
  void clear();

 private:
  static std::string key_of(const std::string& path, const DecodeOptions& options);

  const int64_t budget_;
  mutable std::mutex mutex_;
  std::unordered_map<std::string, std::shared_ptr<const Image>> entries_;
  ImageCacheStats stats_;
};

}  // namespace petal
