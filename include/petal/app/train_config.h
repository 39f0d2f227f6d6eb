// The trainer's configuration: one aggregate with every option of `petal train`
// and its default, the two presets (petal's recipe and the tutorial), setting by
// key from text, and the JSON form written to a run's config.json.
//
// Which option belongs to which stage of the pipeline:
//   dataset       data, image_size, fast_decode, csv_channels, test_split, split, seed,
//                 on_bad_image, max_image_pixels
//   preprocessing rescale (after augmentation, as ImageDataGenerator's rescale)
//   augmentation  augment (a preset), then the Keras ImageDataGenerator names, then
//                 random_resized_crop*, *_jitter, random_erasing (per image)
//   batch mixing  mixup, cutmix (per batch, after augmentation)
//   model         model, l2, alpha, bn_momentum, label_smoothing (the loss)
//   fit loop      mode, epochs, batch_size, validation_split, workers, max_queue_size
//   optimizer     optimizer, lr, momentum, nesterov, decay, weight_decay*, lr_schedule*,
//                 warmup_epochs, lr_floor
//   callbacks     early_stopping, reduce_lr_on_plateau, plateau_*, monitor, checkpoint_every,
//                 ema, ema_num_updates
//   evaluation    tta (the final test report)
//   runtime       out, threads, verbose
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>


namespace petal {

// The defaults are petal's recipe for Flowers-17 (preset "recipe"); see
// tutorial_config() for the tutorial's settings.
struct TrainConfig {
  std::string preset = "recipe";  // recorded for the reader; not an option by itself
  // dataset
  std::string data = {};
  int64_t image_height = 0, image_width = 0;  // 0: auto, from the images (train() chooses; recorded)
  bool fast_decode = true;        // let libjpeg decode at 1/2..1/8 scale before resizing
  std::string csv_channels = "rgb";  // channel order of pixel values in CSV files: rgb | bgr
  double test_split = 0.25;
  std::string split = "shuffled";  // shuffled (the tutorial's) | stratified
  std::optional<uint64_t> seed = std::nullopt;  // unset: drawn at random and recorded
  std::string on_bad_image = "error";  // error | skip | warn (see DatasetOptions)
  int64_t max_image_pixels = 89478485;  // Pillow's MAX_IMAGE_PIXELS; 0: OpenCV's limit only
  // preprocessing
  double rescale = 1.0 / 255.0;   // 0 = none (raw 0..255 pixels)
  // augmentation (Keras ImageDataGenerator names)
  std::string augment = "default";  // preset the fields below start from: tutorial | default | none
  double rotation_range = 20.0;
  double width_shift_range = 0.1;
  double height_shift_range = 0.1;
  double shear_range = 0.0;
  double zoom_lower = 0.8, zoom_upper = 1.2;  // zoom_range
  bool horizontal_flip = true;
  bool vertical_flip = false;
  std::string fill_mode = "nearest";  // constant | nearest | reflect | wrap
  double cval = 0.0;
  std::vector<double> brightness_range = {};  // {} or {low, high}
  double channel_shift_range = 0.0;
  // augmentation beyond Keras (off by default; ImageDataGeneratorOptions' names)
  std::vector<double> random_resized_crop = {};  // {} or the area fraction {low, high}
  std::vector<double> random_resized_crop_ratio = {3.0 / 4.0, 4.0 / 3.0};
  double brightness_jitter = 0.0, contrast_jitter = 0.0, saturation_jitter = 0.0;
  double random_erasing = 0.0;  // probability per image
  // batch mixing (0 = off): Beta(alpha, alpha); both on: half the batches each
  double mixup = 0.0;
  double cutmix = 0.0;
  // model
  std::string model = "vgg_bn";
  double l2 = 2.5e-4;  // kernel L2 penalty, for models that take one (vgg_bn, ResNets, mobilenet_v2)
  double alpha = 1.0;  // mobilenet_v2's width multiplier
  double bn_momentum = 0.99;  // BatchNormalization moving-statistics momentum (Keras's default)
  double label_smoothing = 0.0;  // categorical cross-entropy's (Keras)
  // fit loop
  std::string mode = "generator";  // fit | generator | batch
  int64_t epochs = 0;  // 0: auto, from the number of training images (train() chooses; recorded)
  int64_t batch_size = 32;
  double validation_split = 0.0;   // > 0: validate on this last fraction of the training split
  int workers = 1;
  int64_t max_queue_size = 10;
  // optimizer
  std::string optimizer = "sgd";  // sgd | adam | rmsprop | adamw | sgdw
  double lr = 0.05;
  double momentum = 0.9;
  bool nesterov = true;
  double decay = 0.0;
  double weight_decay = 0.0;       // decoupled (adamw, sgdw): w -= lr * weight_decay * w
  bool weight_decay_all = false;   // also biases and BatchNormalization gamma/beta
  std::string lr_schedule = "cosine";  // none | cosine (from lr down to lr_floor * lr) | onecycle
  std::string lr_schedule_unit = "epoch";  // epoch | step: when the schedule sets the rate
  int64_t warmup_epochs = 0;  // cosine: linear rise to lr first; onecycle: its rising phase (0: 30%); -1: auto
  double lr_floor = 0.0;      // cosine's final rate as a fraction of lr (Keras's alpha)
  // callbacks
  int64_t early_stopping = 0;  // patience in epochs; 0 = off
  bool reduce_lr_on_plateau = false;
  int64_t plateau_patience = 10;
  double plateau_factor = 0.1;
  std::string monitor = "val_loss";  // picks model.petal; early stopping and plateau watch it
  int64_t checkpoint_every = 0;      // also keep checkpoints/epoch_NNN.petal every N epochs; 0 = off
  double ema = 0.0;  // decay of an exponential moving average of the weights; 0 = off
  bool ema_num_updates = false;  // TF's num_updates warm-up of the EMA decay
  // evaluation
  bool tta = false;  // the test report averages each image's and its mirror image's outputs
  // runtime
  std::string out = {};
  int threads = 0;  // 0 = all cores
  int verbose = 1;  // 0 silent, 1 progress bar, 2 one line per epoch
};

// petal's own recipe for small image sets: the defaults above (vgg_bn, image size
// and epochs from the data, cosine SGD) plus label smoothing 0.1, a warm-up of a
// per-step schedule and the mirror-image TTA in the test report (README:
// "Accuracy on Flowers-17").
TrainConfig recipe_config();
// The tutorial: MiniVGGNet at 64x64, raw pixels, its augmentation, fit_generator,
// SGD(lr=0.01, momentum=0.9, decay=0.01/75), 75 epochs of batch 32, 25% test split.
TrainConfig tutorial_config();
// "recipe" or "tutorial"; ConfigError otherwise.
TrainConfig preset_config(const std::string& name);
// "auto" picks the tutorial for minivggnet (the tutorial's network) and the recipe otherwise.
std::string resolve_preset(const std::string& preset, const std::string& model);

// Resets the augmentation fields to a preset: "tutorial", "default" or "none".
void apply_augment_preset(TrainConfig& config, const std::string& name);

// One option as `petal train` and config files know it.
struct ConfigKey {
  std::string key;    // snake_case: "batch_size"; the flag is --batch-size
  std::string value;  // what it takes, for help: "N", "X", "true|false", ...
  std::string help;
  bool is_bool = false;  // a switch on the command line (--nesterov, --nesterov=false)
};
// Every key, in config.json order.
const std::vector<ConfigKey>& train_config_keys();
// The key's current value as text (as set_option reads it back).
std::string get_option(const TrainConfig& config, const std::string& key);

// Sets one option from text ('-' in the key reads as '_'). Bad values throw
// ConfigError "<origin><key>: expected ...; received '...'", origin being e.g.
// "--" for a flag or "config 'x.json': " for a file; unknown keys list the known.
void set_option(TrainConfig& config, const std::string& key, const std::string& value,
                const std::string& origin = "--");
// Applies pairs in order, except that "augment" goes first (a preset that the
// individual augmentation options then adjust).
void set_options(TrainConfig& config, std::vector<std::pair<std::string, std::string>> options,
                 const std::string& origin = "--");

// Cross-option checks (e.g. --mode fit cannot augment); ConfigError with a Hint.
void validate(const TrainConfig& config);

// Whether any random transform is enabled (see petal/app/augmentation.h for the
// ImageDataGenerator options).
bool augmentation_active(const TrainConfig& config);

// JSON object with every key (typed: numbers, booleans, strings, arrays), plus
// `extra` (a JSON object text, or empty) merged in under the key "run".
std::string train_config_to_json(const TrainConfig& config, const std::string& run_json = {});
// The options a config file sets, as key/value text pairs in file order ("run" and
// "preset" are left out); the file's "preset" is returned separately when present.
struct ConfigFile {
  std::vector<std::pair<std::string, std::string>> options;
  std::optional<std::string> preset;
  std::string run_json;  // the "run" object as JSON text, or empty
};
// IoError for an unreadable file or invalid JSON, ConfigError for a value that is
// not a scalar or (for brightness_range, zoom_range) a list of numbers.
ConfigFile read_config_file(const std::string& path);

// Where the settings of a `petal train` come from, lowest priority first:
// the preset, the config file, the command-line options.
struct ConfigSources {
  std::optional<std::string> preset = std::nullopt;  // --preset; default "auto"
  std::optional<std::string> config_file = std::nullopt;
  std::vector<std::pair<std::string, std::string>> options = {};  // command line, in order
};
TrainConfig resolve_train_config(const ConfigSources& sources);

}  // namespace petal
