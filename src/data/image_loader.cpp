// ImageLoader and load_images: the on_error policy and a deterministic parallel
// decode into one batch tensor.
#include "petal/data/image_loader.h"

#include <algorithm>
#include <exception>
#include <iostream>
#include <thread>
#include <unordered_map>

#include "petal/core/error.h"

namespace petal {

OnError parse_on_error(const std::string& name) {
  if (name == "raise") return OnError::Raise;
  if (name == "skip") return OnError::Skip;
  throw ConfigError("on_error: expected 'raise' or 'skip'; received '" + name + "'.");
}

ImageLoader::ImageLoader(LoaderOptions options) : options_(std::move(options)) {}

std::shared_ptr<const Image> ImageLoader::load(const std::string& path) {
  try {
    if (options_.cache != nullptr) return options_.cache->get_or_decode(path, options_.decode);
    DecodeInfo info;
    auto image = std::make_shared<const Image>(decode_image(path, options_.decode, &info));
    if (info.truncated && options_.on_truncated) {
      std::lock_guard<std::mutex> lock(skipped_mutex_);
      options_.on_truncated({path, "image file is truncated; kept as far as it decodes (the rest grey)"});
    }
    return image;
  } catch (const DataError& e) {
    if (options_.on_error == OnError::Raise) throw;
    SkippedFile skipped{path, e.what()};
    std::lock_guard<std::mutex> lock(skipped_mutex_);
    if (options_.on_skip) {
      options_.on_skip(skipped);
    } else {
      std::cerr << "petal: skipped '" << path << "': " << e.what() << '\n';
    }
    skipped_.push_back(std::move(skipped));
    skipped_count_.fetch_add(1);
    return nullptr;
  }
}

std::vector<SkippedFile> ImageLoader::skipped() const {
  std::lock_guard<std::mutex> lock(skipped_mutex_);
  return skipped_;
}

namespace {

// Decodes every path into slots[i] (nullptr when skipped). Workers claim indices in
// increasing order, so every index below a failing one is processed and the lowest
// failing index is the one reported.
std::vector<std::shared_ptr<const Image>> decode_all(std::span<const std::string> paths, ImageLoader& loader,
                                                     int threads) {
  const auto n = static_cast<int64_t>(paths.size());
  std::vector<std::shared_ptr<const Image>> slots(paths.size());
  std::vector<uint8_t> failed(paths.size(), 0);
  std::atomic<int64_t> next{0};
  std::atomic<bool> stop{false};
  std::mutex error_mutex;
  int64_t error_index = n;
  std::exception_ptr error;
  auto work = [&] {
    while (!stop.load()) {
      const int64_t i = next.fetch_add(1);
      if (i >= n) return;
      try {
        slots[i] = loader.load(paths[i]);
      } catch (...) {
        std::lock_guard<std::mutex> lock(error_mutex);
        if (i < error_index) {
          error_index = i;
          error = std::current_exception();
        }
        stop.store(true);
      }
    }
  };
  const int workers = static_cast<int>(std::clamp<int64_t>(threads, 1, std::max<int64_t>(n, 1)));
  std::vector<std::thread> pool;
  for (int t = 1; t < workers; ++t) pool.emplace_back(work);
  work();
  for (auto& t : pool) t.join();
  if (error) std::rethrow_exception(error);
  return slots;
}

}  // namespace

LoadedImages load_images(std::span<const std::string> paths, ImageLoader& loader, int threads) {
  if (threads < 1) {
    throw ConfigError("load_images: expected threads >= 1; received " + std::to_string(threads) + ".");
  }
  const std::vector<std::shared_ptr<const Image>> slots = decode_all(paths, loader, threads);
  LoadedImages out;
  const Image* first = nullptr;
  for (size_t i = 0; i < slots.size(); ++i) {
    if (slots[i] == nullptr) {
      out.skipped.push_back({paths[i], "skipped"});
      continue;
    }
    if (first == nullptr) first = slots[i].get();
    if (slots[i]->shape() != first->shape()) {
      throw ConfigError("load_images('" + paths[i] + "'): expected shape " + to_string(first->shape()) +
                        " like '" + paths[out.kept.front()] + "'; received " + to_string(slots[i]->shape()) +
                        ". Hint: set DecodeOptions.target_size so every image is resized to one size.");
    }
    out.kept.push_back(static_cast<int64_t>(i));
  }
  if (!out.skipped.empty()) {
    // The loader recorded why (its list may also hold earlier calls' files).
    std::unordered_map<std::string, std::string> reasons;
    for (SkippedFile& s : loader.skipped()) reasons[s.path] = std::move(s.reason);
    for (SkippedFile& mine : out.skipped) mine.reason = reasons[mine.path];
  }
  const DecodeOptions& decode = loader.options().decode;
  const int64_t channels = channels_of(decode.color_mode);
  Shape image_shape = {0, 0, channels};
  if (first != nullptr) {
    image_shape = first->shape();
  } else if (decode.target_size) {
    image_shape = {decode.target_size->height, decode.target_size->width, channels};
  }
  out.x = Tensor(with_batch(static_cast<int64_t>(out.kept.size()), image_shape));
  const int64_t row = num_elements(image_shape);
  for (size_t r = 0; r < out.kept.size(); ++r) {
    copy_to_floats(*slots[out.kept[r]], out.x.data() + static_cast<int64_t>(r) * row);
  }
  return out;
}

LoadedImages load_images(std::span<const std::string> paths, const LoaderOptions& options, int threads) {
  ImageLoader loader(options);
  return load_images(paths, loader, threads);
}

}  // namespace petal
