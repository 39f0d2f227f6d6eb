// Sequential: a linear stack of layers with Keras's model API (compile, summary,
// train/test/predict on a batch, weights in and out). The training loops (fit,
// fit_generator, evaluate, predict) build on train_on_batch; see trainer headers.
#pragma once

#include <concepts>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "petal/callbacks/history.h"
#include "petal/core/tensor.h"
#include "petal/data/sequence.h"
#include "petal/layers/layer.h"
#include "petal/losses/loss.h"
#include "petal/metrics/metric.h"
#include "petal/model/fit_options.h"
#include "petal/model/logs.h"
#include "petal/optimizers/optimizer.h"

namespace petal {

// How convolutions are computed. Auto (the default) lets oneDNN pick per shape:
// for 3x3 stride-1 convolutions with 16+ channels that is Winograd F(4x4, 3x3)
// in FP32, about 1.6x faster than direct, with ~1e-5 relative error per output
// (sums that cancel, like bias gradients right behind batch norm, show ~1e-3).
// Direct computes the plain sums, as PyTorch's CPU convolutions do, to float32
// rounding. PETAL_CONV_ALGORITHM=direct|auto in the environment overrides it.
enum class ConvAlgorithm { Auto, Direct };

struct SequentialOptions {
  uint64_t seed = 0;  // weight initialisation and dropout masks derive from it
  std::string name = "sequential_1";
  Shape input_shape = {};  // per-sample input shape; or give it to the first layer
  ConvAlgorithm conv_algorithm = ConvAlgorithm::Auto;
};

class Sequential {
 public:
  explicit Sequential(SequentialOptions options = {});
  ~Sequential();
  Sequential(Sequential&&) noexcept;
  Sequential& operator=(Sequential&&) noexcept;

  // Appends a layer, naming it Keras-style (conv2d_1, ...) if it has no name, and
  // builds it at once when the input shape is known.
  Layer& add(std::unique_ptr<Layer> layer);
  template <typename L>
  L& add(L layer) {
    return static_cast<L&>(add(std::unique_ptr<Layer>(std::make_unique<L>(std::move(layer)))));
  }

  // Loss by Keras name (categorical_crossentropy, ...); metrics by Keras name.
  void compile(const Optimizer& optimizer, const std::string& loss, const std::vector<std::string>& metrics = {});
  // Loss with its options (label_smoothing), as Keras's loss objects.
  void compile(const Optimizer& optimizer, const LossSpec& loss, const std::vector<std::string>& metrics = {});
  bool compiled() const;

  // Keras's summary() table (line length 65) ending with the parameter totals.
  std::string summary() const;

  // One gradient update on the batch; returns loss and metrics by name, computed
  // before the update (as Keras). sample_weight: [N] or empty. As in Keras 2.2.4,
  // a given sample_weight is used and class_weight ignored (with a warning), and
  // a class_weight must hold every class in y (ConfigError otherwise).
  Logs train_on_batch(const Tensor& x, const Tensor& y, const Tensor& sample_weight = {},
                      const ClassWeights& class_weight = {});
  // Loss and metrics in inference mode (dropout off, moving BN statistics).
  Logs test_on_batch(const Tensor& x, const Tensor& y, const Tensor& sample_weight = {});
  // Model outputs in inference mode.
  Tensor predict_on_batch(const Tensor& x);

  // Keras's fit: batches from arrays in RAM (x [N, ...], y [N, ...]).
  History fit(const Tensor& x, const Tensor& y, const FitOptions& options = {});
  // Keras's fit_generator: batches streamed from an endless generator
  // (steps_per_epoch required) or a Sequence, through a bounded prefetch queue.
  History fit_generator(Generator& generator, const FitGeneratorOptions& options);
  History fit_generator(Sequence& sequence, const FitGeneratorOptions& options = {});
  // A source that is both (ImageDataGenerator's iterators) is used as a Sequence.
  template <typename S>
    requires std::derived_from<S, Sequence> && std::derived_from<S, Generator>
  History fit_generator(S& source, const FitGeneratorOptions& options = {}) {
    return fit_generator(static_cast<Sequence&>(source), options);
  }
  // Loss and metrics over the data in inference mode (sample-weighted means of batches).
  Logs evaluate(const Tensor& x, const Tensor& y, const EvaluateOptions& options = {});
  Logs evaluate_generator(Generator& generator, const GeneratorRunOptions& options);
  Logs evaluate_generator(Sequence& sequence, const GeneratorRunOptions& options = {});
  template <typename S>
    requires std::derived_from<S, Sequence> && std::derived_from<S, Generator>
  Logs evaluate_generator(S& source, const GeneratorRunOptions& options = {}) {
    return evaluate_generator(static_cast<Sequence&>(source), options);
  }
  // Outputs for every input row, in inference mode; the last batch may be partial.
  Tensor predict(const Tensor& x, int64_t batch_size = 32, int verbose = 0);
  Tensor predict(const Tensor& x, const PredictOptions& options);  // with tta (test_time_augmentation.cpp)
  Tensor predict_generator(Generator& generator, const GeneratorRunOptions& options);
  Tensor predict_generator(Sequence& sequence, const GeneratorRunOptions& options = {});
  template <typename S>
    requires std::derived_from<S, Sequence> && std::derived_from<S, Generator>
  Tensor predict_generator(S& source, const GeneratorRunOptions& options = {}) {
    return predict_generator(static_cast<Sequence&>(source), options);
  }

  // One file with the architecture, weights, optimizer state and training
  // position, written atomically; read back with load_model().
  void save(const std::filesystem::path& path) const;

  // ["loss", then the compiled metric names]
  std::vector<std::string> metrics_names() const;

  // Every parameter (trainable and not) in layer order, Keras shapes.
  std::vector<Tensor> get_weights() const;
  void set_weights(const std::vector<Tensor>& weights);
  // Keras variable names, parallel to get_weights(): "conv2d_1/kernel:0", ...
  std::vector<std::string> weight_names() const;
  // .npz archive of get_weights() under weight_names() (atomic write).
  void save_weights(const std::filesystem::path& path) const;
  void load_weights(const std::filesystem::path& path);

  const std::string& name() const;
  std::vector<Layer*> layers();
  std::vector<const Layer*> layers() const;
  Layer& layer(const std::string& name);
  std::vector<Param*> params();
  bool built() const;
  // Builds every layer for per-sample inputs of `input_shape` (done implicitly
  // when the shape is known or on the first batch).
  void build(const Shape& input_shape);
  const Shape& input_shape() const;
  const Shape& output_shape() const;
  int64_t count_params() const;

  Optimizer& optimizer();
  const Optimizer& optimizer() const;
  Loss loss() const;
  LossSpec loss_spec() const;  // the compiled loss's name and options
  const std::vector<Metric>& metrics() const;
  uint64_t seed() const;

  // Set by callbacks (EarlyStopping, TerminateOnNaN); training loops stop after
  // the current batch/epoch when true.
  bool stop_training = false;

  // Where a training step's time goes: per layer (forward, backward), the loss
  // and the optimizer update, averaged over the train_on_batch calls made while
  // profiling was on. Layers fused into the previous one report 0.
  struct LayerTiming {
    std::string layer;
    double forward_ms = 0, backward_ms = 0;
  };
  struct StepProfile {
    int64_t steps = 0;
    std::vector<LayerTiming> layers;
    double loss_ms = 0, optimizer_ms = 0, total_ms = 0;
  };
  void set_profiling(bool on);
  StepProfile profile() const;

  void set_conv_algorithm(ConvAlgorithm algorithm);
  ConvAlgorithm conv_algorithm() const;

  // Training position saved with the model (epochs completed), for resuming.
  int64_t epochs_completed() const;
  void set_epochs_completed(int64_t epochs);

  struct Impl;
  Impl& impl() { return *impl_; }

 private:
  std::unique_ptr<Impl> impl_;
};

// Restores a model written by Sequential::save (compiled when it was saved).
// Throws IoError for a missing, truncated, corrupt or wrong-version file.
Sequential load_model(const std::filesystem::path& path);

// Sets the number of threads oneDNN and petal's own loops use (0 = all cores).
void set_num_threads(int threads);
int num_threads();

}  // namespace petal
