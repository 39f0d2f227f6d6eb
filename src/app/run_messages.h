// What petal train says about its data and about an interrupted run, in
// train.log and on the console.
#pragma once

#include <cstdint>
#include <string>

#include "petal/app/dataset.h"
#include "petal/app/run_dir.h"

namespace petal::detail {

// Files of the class folders that are not images (by extension, with counts), and
// image files left out or kept truncated under --on-bad-image.
void log_data_notes(RunLog& log, const Dataset& data, const std::string& on_bad_image);

// The files of log_data_notes' second warning again, at the end of the run.
void log_bad_images_again(RunLog& log, const Dataset& data, const std::string& on_bad_image);

// The signal, what the folder holds, and the command that resumes it.
void log_interrupted(RunLog& log, const RunPaths& paths, int signal, int64_t epochs_completed);

}  // namespace petal::detail
