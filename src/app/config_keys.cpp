// Every option of `petal train`: name, help, parser and JSON value.
#include "app/config_keys.h"

#include <algorithm>
#include <cctype>
#include <limits>
#include <tuple>

#include "app/config_parse.h"
#include "app/recipe_auto.h"
#include "core/ascii.h"
#include "petal/core/error.h"
#include "petal/core/text_escape.h"
#include "petal/models/zoo.h"

namespace petal::detail {

bool is_model_file_name(const std::string& value) {
  const auto ends = [&](const std::string& ext) {
    return value.size() > ext.size() && std::equal(ext.rbegin(), ext.rend(), value.rbegin(), [](char a, char b) {
             return a == std::tolower(static_cast<unsigned char>(b));
           });
  };
  return value.find('/') != std::string::npos || ends(".petal") || ends(".h5") || ends(".hdf5");
}

namespace {

using json = nlohmann::json;
constexpr double kInf = std::numeric_limits<double>::infinity();

KeyEntry int_key(const char* key, const char* help, int64_t TrainConfig::*m, int64_t min, int64_t max = INT64_MAX) {
  return {{key, "N", help},
          [=](TrainConfig& c, const std::string& l, const std::string& v) { c.*m = parse_int(l, v, min, max); },
          [=](const TrainConfig& c) { return json(c.*m); }};
}

// An integer option that also takes "auto" (held as `automatic` until train() chooses).
KeyEntry auto_int_key(const char* key, std::string help, int64_t TrainConfig::*m, int64_t automatic, int64_t min,
                      int64_t max) {
  return {{key, "N|auto", std::move(help)},
          [=](TrainConfig& c, const std::string& l, const std::string& v) {
            c.*m = ascii_lower(v) == "auto" ? automatic : parse_int(l, v, min, max);
          },
          [=](const TrainConfig& c) { return c.*m == automatic ? json("auto") : json(c.*m); }};
}

KeyEntry small_int_key(const char* key, const char* help, int TrainConfig::*m, int min, int max) {
  return {{key, "N", help},
          [=](TrainConfig& c, const std::string& l, const std::string& v) {
            c.*m = static_cast<int>(parse_int(l, v, min, max));
          },
          [=](const TrainConfig& c) { return json(c.*m); }};
}

KeyEntry num_key(const char* key, const char* help, double TrainConfig::*m, double min, double max = kInf,
                 bool max_open = false) {
  return {{key, "X", help},
          [=](TrainConfig& c, const std::string& l, const std::string& v) {
            c.*m = parse_number(l, v, min, max, max_open);
          },
          [=](const TrainConfig& c) { return json(c.*m); }};
}

KeyEntry bool_key(const char* key, const char* help, bool TrainConfig::*m) {
  return {{key, "true|false", help, true},
          [=](TrainConfig& c, const std::string& l, const std::string& v) { c.*m = parse_bool(l, v); },
          [=](const TrainConfig& c) { return json(c.*m); }};
}

KeyEntry choice_key(const char* key, const char* help, std::string TrainConfig::*m, std::vector<std::string> choices) {
  std::string value;
  for (const auto& s : choices) value += (value.empty() ? "" : "|") + s;
  return {{key, value, help},
          [=](TrainConfig& c, const std::string& l, const std::string& v) { c.*m = parse_choice(l, v, choices); },
          [=](const TrainConfig& c) { return json(c.*m); }};
}

KeyEntry path_key(const char* key, const char* help, std::string TrainConfig::*m) {
  return {{key, "PATH", help},
          [=](TrainConfig& c, const std::string& l, const std::string& v) {
            if (v.empty()) bad_value(l, "a path", v);
            c.*m = v;
          },
          // Paths may be any bytes on Linux; JSON holds UTF-8: escape_text's
          // reversible form (json_to_option_text undoes it).
          [=](const TrainConfig& c) { return json(escape_text(c.*m)); }};
}

std::vector<KeyEntry> dataset_keys() {
  return {
      path_key("data", "dataset: Flowers-17 archive folder, class folders, or the tutorial's CSV files", &TrainConfig::data),
      {{"image_size", "N|HxW|auto",
        "images are resized to this size (height x width); auto: the images' median shorter side, 32 to 96"},
       [](TrainConfig& c, const std::string& l, const std::string& v) {
         std::tie(c.image_height, c.image_width) =
             ascii_lower(v) == "auto" ? std::pair<int64_t, int64_t>{0, 0} : parse_image_size(l, v);
       },
       [](const TrainConfig& c) {
         if (c.image_height == 0) return json("auto");
         return c.image_height == c.image_width
                    ? json(c.image_height)
                    : json(std::to_string(c.image_height) + "x" + std::to_string(c.image_width));
       }},
      bool_key("fast_decode", "decode JPEGs at 1/2..1/8 scale before resizing (false: full decode, as the tutorial)",
               &TrainConfig::fast_decode),
      choice_key("csv_channels", "channel order of pixel values in CSV files (the tutorial's are bgr)",
                 &TrainConfig::csv_channels, {"rgb", "bgr"}),
      num_key("test_split", "fraction of the images held out as the test split", &TrainConfig::test_split, 0.0, 1.0,
              true),
      choice_key("split", "shuffled (the tutorial's seeded shuffle) or stratified (per class)", &TrainConfig::split,
                 {"shuffled", "stratified"}),
      {{"seed", "N", "seed of the split, weights, shuffling and augmentation (default: random, recorded)"},
       [](TrainConfig& c, const std::string& l, const std::string& v) {
         c.seed = static_cast<uint64_t>(parse_int(l, v, 0, INT64_MAX));
       },
       [](const TrainConfig& c) { return c.seed ? json(*c.seed) : json(nullptr); }},
      choice_key("on_bad_image",
                 "an image file that is truncated, corrupt or too large: error (stop, listing every such file), "
                 "skip (leave it out) or warn (skip, but keep truncated images as far as they decode)",
                 &TrainConfig::on_bad_image, {"error", "skip", "warn"}),
      int_key("max_image_pixels",
              "refuse image files whose header declares more pixels (decompression bombs; Pillow's limit; 0: none)",
              &TrainConfig::max_image_pixels, 0),
      {{"rescale", "X", "multiply pixels by X after augmentation, e.g. 1/255 (0 or none: raw 0..255 pixels)"},
       [](TrainConfig& c, const std::string& l, const std::string& v) { c.rescale = parse_rescale(l, v); },
       [](const TrainConfig& c) { return json(c.rescale); }},
  };
}

std::vector<KeyEntry> augment_keys() {
  return {
      {{"augment", "tutorial|default|none", "augmentation preset; the options below adjust it"},
       [](TrainConfig& c, const std::string& l, const std::string& v) {
         apply_augment_preset(c, parse_choice(l, v, {"tutorial", "default", "none"}));
       },
       [](const TrainConfig& c) { return json(c.augment); }},
      num_key("rotation_range", "random rotation in degrees", &TrainConfig::rotation_range, 0.0, 360.0),
      num_key("width_shift_range", "random horizontal shift, fraction of the width", &TrainConfig::width_shift_range, 0.0),
      num_key("height_shift_range", "random vertical shift, fraction of the height", &TrainConfig::height_shift_range,
              0.0),
      num_key("shear_range", "random shear in degrees", &TrainConfig::shear_range, 0.0),
      {{"zoom_range", "Z|LO,HI", "random zoom in [1-Z, 1+Z] or [LO, HI]"},
       [](TrainConfig& c, const std::string& l, const std::string& v) {
         if (v.find(',') == std::string::npos) {
           const double z = parse_number(l, v, 0.0, 1.0, true);
           c.zoom_lower = 1.0 - z;
           c.zoom_upper = 1.0 + z;
         } else {
           const auto r = parse_range(l, v, false);
           if (r[0] <= 0) bad_value(l, "a zoom range with LO > 0", v);
           c.zoom_lower = r[0];
           c.zoom_upper = r[1];
         }
       },
       [](const TrainConfig& c) { return json::array({c.zoom_lower, c.zoom_upper}); }},
      bool_key("horizontal_flip", "randomly mirror images left-right", &TrainConfig::horizontal_flip),
      bool_key("vertical_flip", "randomly flip images upside down", &TrainConfig::vertical_flip),
      choice_key("fill_mode", "how points outside the image are filled", &TrainConfig::fill_mode,
                 {"nearest", "constant", "reflect", "wrap"}),
      num_key("cval", "fill value for fill_mode constant", &TrainConfig::cval, -kInf),
      {{"brightness_range", "LO,HI|none", "random brightness factor in [LO, HI]"},
       [](TrainConfig& c, const std::string& l, const std::string& v) { c.brightness_range = parse_range(l, v, true); },
       [](const TrainConfig& c) { return json(c.brightness_range); }},
      num_key("channel_shift_range", "random channel shift in pixel units", &TrainConfig::channel_shift_range, 0.0),
      {{"random_resized_crop", "LO,HI|none",
        "random resized crop: a crop of area fraction in [LO, HI] (e.g. 0.08,1) resized back to the image size"},
       [](TrainConfig& c, const std::string& l, const std::string& v) {
         const auto r = parse_range(l, v, true);
         if (!r.empty() && !(r[0] > 0 && r[1] <= 1)) bad_value(l, "area fractions LO,HI with 0 < LO <= HI <= 1", v);
         c.random_resized_crop = r;
       },
       [](const TrainConfig& c) { return json(c.random_resized_crop); }},
      {{"random_resized_crop_ratio", "LO,HI", "aspect ratio range (width / height) of random resized crops"},
       [](TrainConfig& c, const std::string& l, const std::string& v) {
         const auto r = parse_range(l, v, false);
         if (!(r[0] > 0)) bad_value(l, "ratios LO,HI with 0 < LO <= HI", v);
         c.random_resized_crop_ratio = r;
       },
       [](const TrainConfig& c) { return json(c.random_resized_crop_ratio); }},
      num_key("brightness_jitter", "colour jitter: pixels times a factor in [1-X, 1+X] (0: off)",
              &TrainConfig::brightness_jitter, 0.0),
      num_key("contrast_jitter", "colour jitter: contrast factor in [1-X, 1+X] (0: off)", &TrainConfig::contrast_jitter,
              0.0),
      num_key("saturation_jitter", "colour jitter: saturation factor in [1-X, 1+X] (0: off)",
              &TrainConfig::saturation_jitter, 0.0),
      num_key("random_erasing", "probability of erasing a random box of each image with noise (0: off)",
              &TrainConfig::random_erasing, 0.0, 1.0),
      num_key("mixup", "mixup: blend each training batch with itself shuffled, lambda ~ Beta(X, X) (0: off)",
              &TrainConfig::mixup, 0.0),
      num_key("cutmix", "CutMix: paste a box from each batch shuffled, lambda ~ Beta(X, X) (0: off)",
              &TrainConfig::cutmix, 0.0),
  };
}

std::vector<KeyEntry> training_keys() {
  return {
      {{"model", "NAME|FILE",
        "built-in model (minivggnet | shallownet | lenet | vgg_bn | resnet18 | resnet34 | resnet50 | resnet20 | "
        "resnet56 | mobilenet_v2) or a model file to train further: "
        "petal's .petal or a Keras .h5/.hdf5"},
       [](TrainConfig& c, const std::string& l, const std::string& v) {
         c.model = is_model_file_name(v) ? v : parse_choice(l, v, zoo_models());
       },
       [](const TrainConfig& c) { return json(c.model); }},
      num_key("l2", "L2 penalty on kernels, for models that take one (vgg_bn, the ResNets, mobilenet_v2)",
              &TrainConfig::l2, 0.0),
      num_key("alpha", "width multiplier of mobilenet_v2 (Keras's alpha; e.g. 0.35, 0.5, 0.75, 1.0, 1.4)",
              &TrainConfig::alpha, 0.0),
      num_key("bn_momentum",
              "BatchNormalization momentum: moving = m * moving + (1 - m) * batch, every model (Keras 0.99; "
              "PyTorch's 0.1 is 0.9)",
              &TrainConfig::bn_momentum, 0.0, 1.0, true),
      num_key("label_smoothing", "loss label smoothing: targets y * (1 - X) + X / classes (Keras's)",
              &TrainConfig::label_smoothing, 0.0, 1.0, true),
      choice_key("mode", "fit (arrays) | generator (fit_generator) | batch (train_on_batch loop)", &TrainConfig::mode,
                 {"fit", "generator", "batch"}),
      auto_int_key("epochs",
                   "epochs to train (with --resume: the final epoch count); auto: about " +
                       std::to_string(detail::kRecipeSteps) + " steps, " + std::to_string(detail::kRecipeMinEpochs) +
                       " to " + std::to_string(detail::kRecipeMaxEpochs) + " epochs",
                   &TrainConfig::epochs, 0, 1, 100000),
      int_key("batch_size", "images per training batch", &TrainConfig::batch_size, 1, 65536),
      num_key("validation_split", "validate on this last fraction of the training split instead of the test split",
              &TrainConfig::validation_split, 0.0, 1.0, true),
      small_int_key("workers", "threads preparing batches (generator and batch modes; 0: on the training thread)",
                    &TrainConfig::workers, 0, 256),
      int_key("max_queue_size", "batches prepared ahead", &TrainConfig::max_queue_size, 1, 1024),
      choice_key("optimizer", "sgd | adam | rmsprop | adamw | sgdw (the last two with --weight-decay)",
                 &TrainConfig::optimizer, {"sgd", "adam", "rmsprop", "adamw", "sgdw"}),
      num_key("lr", "learning rate", &TrainConfig::lr, 0.0),
      num_key("momentum", "SGD momentum", &TrainConfig::momentum, 0.0, 1.0, true),
      bool_key("nesterov", "SGD with Nesterov momentum", &TrainConfig::nesterov),
      num_key("decay", "Keras learning-rate decay per batch: lr / (1 + decay * iterations)", &TrainConfig::decay, 0.0),
      num_key("weight_decay", "decoupled weight decay of adamw and sgdw: w -= lr * X * w each step (kernels only)",
              &TrainConfig::weight_decay, 0.0),
      bool_key("weight_decay_all", "let --weight-decay also shrink biases and BatchNormalization gamma/beta",
               &TrainConfig::weight_decay_all),
      choice_key("lr_schedule", "none, cosine (from lr down to --lr-floor * lr) or onecycle (PyTorch's OneCycleLR)",
                 &TrainConfig::lr_schedule, {"none", "cosine", "onecycle"}),
      choice_key("lr_schedule_unit",
                 "epoch (rate set at each epoch's start) or step (before every batch); no effect without a schedule",
                 &TrainConfig::lr_schedule_unit, {"epoch", "step"}),
      auto_int_key("warmup_epochs",
                   "cosine: rise linearly to lr over N epochs first; onecycle: its rising phase (0: 30%, as "
                   "PyTorch); auto: " + std::to_string(detail::kRecipeWarmupEpochs) +
                       " epochs, at most a tenth of the run (none without a schedule)",
                   &TrainConfig::warmup_epochs, -1, 0, INT64_MAX),
      num_key("lr_floor", "cosine: final rate as a fraction of lr (Keras's alpha)", &TrainConfig::lr_floor, 0.0, 1.0),
  };
}

std::vector<KeyEntry> callback_keys() {
  return {
      int_key("early_stopping", "stop after this many epochs without improvement of --monitor (0: off)",
              &TrainConfig::early_stopping, 0),
      bool_key("reduce_lr_on_plateau", "multiply lr by --plateau-factor after --plateau-patience flat epochs",
               &TrainConfig::reduce_lr_on_plateau),
      int_key("plateau_patience", "epochs without improvement before reducing lr", &TrainConfig::plateau_patience, 1),
      num_key("plateau_factor", "factor applied to lr on a plateau", &TrainConfig::plateau_factor, 0.0, 1.0, true),
      choice_key("monitor", "quantity that picks model.petal (best) and drives the callbacks", &TrainConfig::monitor,
                 {"val_loss", "val_accuracy", "loss", "accuracy"}),
      int_key("checkpoint_every", "also keep checkpoints/epoch_NNN.petal every N epochs (0: off)",
              &TrainConfig::checkpoint_every, 0),
      num_key("ema", "exponential moving average of the weights with this decay, e.g. 0.999; validation, saved "
              "models and the report use the averages (0: off)", &TrainConfig::ema, 0.0, 1.0, true),
      bool_key("ema_num_updates", "EMA decay min(ema, (1 + step) / (10 + step)) (TF's num_updates)",
               &TrainConfig::ema_num_updates),
      bool_key("tta", "test report on the mean of each image's and its mirror image's predictions",
               &TrainConfig::tta),
      path_key("out", "run directory for the model, history, plots, report and logs", &TrainConfig::out),
      small_int_key("threads", "compute threads (0: all cores)", &TrainConfig::threads, 0, 1024),
      small_int_key("verbose", "0 silent, 1 progress bar, 2 one line per epoch", &TrainConfig::verbose, 0, 2),
  };
}

}  // namespace

const std::vector<KeyEntry>& key_table() {
  static const std::vector<KeyEntry> table = [] {
    std::vector<KeyEntry> t;
    for (auto part : {dataset_keys(), augment_keys(), training_keys(), callback_keys()}) {
      for (auto& e : part) t.push_back(std::move(e));
    }
    return t;
  }();
  return table;
}

const KeyEntry* find_key(const std::string& key) {
  std::string k = key;
  std::replace(k.begin(), k.end(), '-', '_');
  for (const auto& e : key_table()) {
    if (e.doc.key == k) return &e;
  }
  return nullptr;
}

std::string json_to_option_text(const json& value, const std::string& label) {
  if (value.is_null()) return "";
  if (value.is_string()) return unescape_text(value.get<std::string>());
  if (value.is_boolean()) return value.get<bool>() ? "true" : "false";
  if (value.is_number_integer() || value.is_number_unsigned()) return value.dump();
  if (value.is_number_float()) return format_number(value.get<double>());
  if (value.is_array()) {
    std::string out;
    for (const auto& v : value) {
      if (!v.is_number()) bad_value(label, "a list of numbers", value.dump());
      out += (out.empty() ? "" : ",") + format_number(v.get<double>());
    }
    return out.empty() ? "none" : out;
  }
  bad_value(label, "a number, string, boolean or list of numbers", value.dump());
}

}  // namespace petal::detail
