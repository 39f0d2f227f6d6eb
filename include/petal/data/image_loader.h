// Loading many image files: the on_error policy (raise or skip, never silent),
// an optional shared cache, and a parallel loader into one tensor [N, H, W, C].
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <vector>

#include "petal/core/tensor.h"
#include "petal/data/image_cache.h"
#include "petal/data/image_io.h"

namespace petal {

// Raise: the first unreadable file throws DataError naming it (default).
// Skip: unreadable files are reported (callback or stderr) and counted, then left out.
enum class OnError { Raise, Skip };
OnError parse_on_error(const std::string& name);  // "raise" | "skip"

struct SkippedFile {
  std::string path{};
  std::string reason{};  // the DataError message
};

struct LoaderOptions {
  DecodeOptions decode{};
  OnError on_error = OnError::Raise;
  // Shared, not owned; must outlive the loader. nullptr: decode every time.
  ImageCache* cache = nullptr;
  // Called (under a lock, from the loading thread) for each skipped file. When
  // empty, a line "petal: skipped '<path>': <reason>" goes to stderr.
  std::function<void(const SkippedFile&)> on_skip{};
  // Called (under the same lock) for each truncated file kept because
  // decode.load_truncated is set; not called for files served from the cache.
  std::function<void(const SkippedFile&)> on_truncated{};
};

// Decodes files under one set of options; safe to use from several threads.
// Only DataError (the file's fault) is subject to the on_error policy; ConfigError
// (bad options) always propagates.
class ImageLoader {
 public:
  explicit ImageLoader(LoaderOptions options = {});

  // The decoded image; nullptr when the file was skipped (OnError::Skip).
  std::shared_ptr<const Image> load(const std::string& path);

  int64_t skipped_count() const { return skipped_count_.load(); }
  // Every skipped file so far, in the order they were skipped.
  std::vector<SkippedFile> skipped() const;
  const LoaderOptions& options() const { return options_; }

 private:
  LoaderOptions options_;
  std::atomic<int64_t> skipped_count_{0};
  mutable std::mutex skipped_mutex_;
  std::vector<SkippedFile> skipped_;
};

struct LoadedImages {
  Tensor x{};                          // [N, H, W, C], values 0..255; N = kept.size()
  std::vector<int64_t> kept{};         // indices into the input paths, ascending
  std::vector<SkippedFile> skipped{};  // files left out by OnError::Skip, by input order
};

// Decodes `paths` with `threads` worker threads (std::thread; 1 = this thread).
// Row i of x is the i-th kept path whatever the thread count. Every image must have
// the same shape: set decode.target_size, or ConfigError names the first mismatch.
// Under Raise, the error of the lowest-index bad file is thrown.
LoadedImages load_images(std::span<const std::string> paths, ImageLoader& loader, int threads = 1);
LoadedImages load_images(std::span<const std::string> paths, const LoaderOptions& options, int threads = 1);

}  // namespace petal
