// log_data_notes and log_interrupted.
#include "app/run_messages.h"

#include <csignal>
#include <filesystem>
#include <map>

namespace petal::detail {

void log_data_notes(RunLog& log, const Dataset& d, const std::string& on_bad_image) {
  if (!d.ignored_files.empty()) {
    std::map<std::string, int64_t> by_extension;
    for (const auto& f : d.ignored_files) {
      const std::string ext = std::filesystem::path(f).extension().string();
      ++by_extension[ext.empty() ? "no extension" : ext];
    }
    std::string counts;
    for (const auto& [ext, n] : by_extension) counts += (counts.empty() ? "" : ", ") + ext + ": " + std::to_string(n);
    log.line("[WARN] skipped " + std::to_string(d.ignored_files.size()) + " file(s) in the class folders that are "
             "not images petal reads (.png, .jpg, .jpeg, .bmp, .ppm, .tif, .tiff, .webp by extension): " + counts +
             "; e.g. " + d.ignored_files.front());
  }
  if (!d.bad_images.empty()) {
    log.line("[WARN] " + std::to_string(d.bad_images.size()) + " image file(s) left out or kept truncated "
             "(--on-bad-image " + on_bad_image + "):" + bad_image_lines(d.bad_images));
  }
}

void log_bad_images_again(RunLog& log, const Dataset& d, const std::string& on_bad_image) {
  if (d.bad_images.empty()) return;
  log.line("[WARN] " + std::to_string(d.bad_images.size()) + " image file(s) were left out or kept truncated "
           "(--on-bad-image " + on_bad_image + "):" + bad_image_lines(d.bad_images, 1000));
}

void log_interrupted(RunLog& log, const RunPaths& paths, int signal, int64_t epochs) {
  const std::string name = signal == SIGINT ? "SIGINT" : signal == SIGTERM ? "SIGTERM" : std::to_string(signal);
  if (epochs == 0) {
    log.line("[INFO] interrupted (" + name + ") before the first epoch ended; nothing to resume.\nHint: start it "
             "again with --overwrite, e.g. petal train --config " + paths.config().string() + " --overwrite");
    return;
  }
  log.line("[INFO] interrupted (" + name + "): stopped after the current step; model_last.petal holds epoch " +
           std::to_string(epochs) + ", the last completed one (the epoch in progress is dropped and runs again).\n"
           "resume with: petal train --resume " + paths.dir.string());
}

}  // namespace petal::detail
