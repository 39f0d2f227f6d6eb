// ImageCache: a mutex-guarded map from decode key to shared immutable images.
#include "petal/data/image_cache.h"

#include "petal/core/error.h"

namespace petal {

ImageCache::ImageCache(int64_t budget_bytes) : budget_(budget_bytes) {
  if (budget_bytes < 0) {
    throw ConfigError("ImageCache: expected a budget >= 0 bytes; received " + std::to_string(budget_bytes) + ".");
  }
}

std::string ImageCache::key_of(const std::string& path, const DecodeOptions& options) {
  std::string key = path;
  key += '\0';
  if (options.target_size) {
    key += std::to_string(options.target_size->height) + "x" + std::to_string(options.target_size->width);
  } else {
    key += "full";
  }
  key += '/' + to_string(options.color_mode) + '/' + to_string(options.interpolation);
  key += options.keep_aspect_ratio ? "/crop" : "/nocrop";
  key += options.reduced_decode ? "/reduced" : "/fulldecode";
  // A file refused under one limit or truncation rule may decode under another.
  key += "/max" + std::to_string(options.max_pixels) + (options.load_truncated ? "/truncated-ok" : "");
  return key;
}

std::shared_ptr<const Image> ImageCache::find(const std::string& path, const DecodeOptions& options) const {
  const std::string key = key_of(path, options);
  std::lock_guard<std::mutex> lock(mutex_);
  const auto it = entries_.find(key);
  return it == entries_.end() ? nullptr : it->second;
}

std::shared_ptr<const Image> ImageCache::get_or_decode(const std::string& path, const DecodeOptions& options) {
  const std::string key = key_of(path, options);
  {
    std::lock_guard<std::mutex> lock(mutex_);
    const auto it = entries_.find(key);
    if (it != entries_.end()) {
      ++stats_.hits;
      return it->second;
    }
    ++stats_.misses;
  }
  // Decode outside the lock so other threads keep working.
  auto image = std::make_shared<const Image>(decode_image(path, options));
  const auto bytes = static_cast<int64_t>(image->pixels.size());
  std::lock_guard<std::mutex> lock(mutex_);
  const auto it = entries_.find(key);
  if (it != entries_.end()) return it->second;
  if (stats_.full || stats_.bytes + bytes > budget_) {
    stats_.full = true;
    ++stats_.rejected;
    return image;
  }
  entries_.emplace(key, image);
  stats_.bytes += bytes;
  stats_.entries = static_cast<int64_t>(entries_.size());
  return image;
}

bool ImageCache::full() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return stats_.full;
}

int64_t ImageCache::bytes() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return stats_.bytes;
}

ImageCacheStats ImageCache::stats() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return stats_;
}

void ImageCache::clear() {
  std::lock_guard<std::mutex> lock(mutex_);
  entries_.clear();
  stats_ = {};
}

}  // namespace petal
