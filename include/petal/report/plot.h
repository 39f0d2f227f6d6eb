// The figures a run leaves behind: training curves (the tutorial's plot.png) and
// a confusion-matrix heat map, drawn with cairo and written as PNG atomically.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

namespace petal {

// The tutorial drew with matplotlib's "ggplot" style at 640x480 (6.4x4.8 in at
// 100 dpi); we keep that look (grey panel, white grid) and default to 800x600
// so text stays readable. Fonts scale with min(width/640, height/480).
struct PlotOptions {
  std::string title = "Training Loss and Accuracy";
  int width = 800, height = 600;  // pixels, each in [160, 8000]
  std::string xlabel = "Epoch #";
  std::string ylabel = "Loss/Accuracy";
  // Series to draw, in legend order; missing ones are skipped. "accuracy" and
  // "acc" (and "val_accuracy"/"val_acc") stand in for each other, since Keras 2.3
  // renamed them.
  std::vector<std::string> series = {"loss", "val_loss", "accuracy", "val_accuracy"};
  // Clip the y axis to a robust range so one huge value (the tutorial's val_loss
  // of 1828 at epoch 1) does not flatten every curve: values outside
  // [p5 - 1.5 (p95 - p5), p95 + 1.5 (p95 - p5)] (percentiles of all plotted
  // values) are off-scale, the range always covers [0, 1] when an accuracy
  // series (a name containing "acc") is drawn, and a note under the title says
  // how many points were cut.
  // Off: autoscale to every finite value, as matplotlib did.
  bool clip_y = true;
  std::filesystem::path path;  // the PNG to write (required)
};

// Draws history[key][e] against epoch e = 0..N-1 (the tutorial's np.arange(0, N)).
// NaN and infinite values are skipped (the line breaks there); a lone point is
// drawn as a dot, so a single epoch shows. Throws ConfigError for an empty
// history, no requested series present, an empty path or a bad size; IoError
// naming the path if it cannot be written.
void plot_training_history(const std::map<std::string, std::vector<double>>& history,
                           const PlotOptions& options);

struct ConfusionPlotOptions {
  std::string title = "Confusion Matrix";
  int width = 800, height = 800;  // pixels, each in [160, 8000]
  std::string xlabel = "Predicted label";
  std::string ylabel = "True label";
};

// Heat map of matrix[true][predicted] (rows = true class, as sklearn) with the
// count in each cell and class names on both axes (x names rotated 45 degrees).
// Throws ShapeError unless the matrix is square with one row per class name,
// DataError for negative counts, ConfigError for a bad size, IoError naming the path.
void plot_confusion_matrix(const std::vector<std::vector<int64_t>>& matrix,
                           const std::vector<std::string>& class_names,
                           const std::filesystem::path& path,
                           const ConfusionPlotOptions& options = {});

}  // namespace petal
