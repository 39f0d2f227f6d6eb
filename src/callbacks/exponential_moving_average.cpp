// ExponentialMovingAverage: shadow copies of the weights (kept in each weight's
// storage layout, so an update is one elementwise pass), swapping by copy (the
// execution plans hold pointers to the weights' storage), and the resume state.
#include "petal/callbacks/exponential_moving_average.h"

#include <algorithm>
#include <cmath>
#include <iostream>

#include "petal/core/error.h"
#include "petal/io/npz.h"
#include "petal/model/sequential.h"

namespace petal {

struct ExponentialMovingAverage::Slot {
  Param* param = nullptr;
  std::string name;  // Keras weight name
  Tensor shadow;     // the average, stored like param->value
  Tensor backup;     // the training weights while the averages are in the model
  std::shared_ptr<const detail::ParamLayout> layout;  // the layout shadow and backup are in
};

namespace {

constexpr const char* kWho = "ExponentialMovingAverage";

void copy_into(Tensor& dst, const Tensor& src) { std::copy(src.values().begin(), src.values().end(), dst.data()); }

// `stored` (in layout `from`) converted to p's current storage layout.
Tensor relayout(const Param& p, const std::shared_ptr<const detail::ParamLayout>& from, const Tensor& stored) {
  Param old;
  old.name = p.name;
  old.keras_shape = p.keras_shape;
  old.layout = from;
  return from_keras_layout(p, to_keras_layout(old, stored));
}

}  // namespace

ExponentialMovingAverage::ExponentialMovingAverage(ExponentialMovingAverageOptions options)
    : options_(std::move(options)) {
  if (!(options_.decay >= 0.0 && options_.decay <= 1.0)) {
    throw ConfigError(std::string(kWho) + ": expected decay in [0, 1]; received " + std::to_string(options_.decay) +
                      ".");
  }
}

ExponentialMovingAverage::~ExponentialMovingAverage() = default;

void ExponentialMovingAverage::init_from_model() {
  slots_.clear();
  const auto names = model_->weight_names();
  const auto params = model_->params();
  for (size_t i = 0; i < params.size(); ++i) {
    Param* p = params[i];
    if (!p->trainable && !options_.include_non_trainable) continue;
    slots_.push_back({p, names[i], p->value, Tensor(p->value.shape()), p->layout});
  }
}

void ExponentialMovingAverage::on_train_begin(Logs&) {
  if (!model_) throw StateError(std::string(kWho) + ": the callback is not attached to a model.");
  averages_in_model_ = swapped_for_test_ = false;
  init_from_model();
  if (!options_.state_path.empty() && model_->epochs_completed() > 0 && !restore_state()) {
    std::cerr << kWho << ": no state in '" << options_.state_path.string() << "' for a model at epoch "
              << model_->epochs_completed() << "; the averages restart from the current weights.\n";
  }
}

// Keeps shadow and backup in the weights' storage layout (planning may move a
// weight into a blocked layout after the averages were taken).
void ExponentialMovingAverage::sync_layouts() {
  for (Slot& s : slots_) {
    if (s.param->layout == s.layout) continue;
    s.shadow = relayout(*s.param, s.layout, s.shadow);
    s.backup = relayout(*s.param, s.layout, s.backup);
    s.layout = s.param->layout;
  }
}

double ExponentialMovingAverage::current_decay() const {
  if (!options_.use_num_updates || !model_) return options_.decay;
  const double n = static_cast<double>(model_->optimizer().iterations());
  return std::min(options_.decay, (1.0 + n) / (10.0 + n));
}

void ExponentialMovingAverage::on_train_batch_end(int64_t, Logs&) {
  if (averages_in_model_) return;  // not during a step: training weights are always in
  sync_layouts();
  const auto keep = static_cast<float>(1.0 - current_decay());
  for (Slot& s : slots_) {
    float* a = s.shadow.data();
    const float* w = s.param->value.data();
    const int64_t n = s.shadow.size();
#pragma omp parallel for simd schedule(static)
    for (int64_t i = 0; i < n; ++i) a[i] -= keep * (a[i] - w[i]);  // TF: shadow -= (1 - decay) * (shadow - w)
  }
}

void ExponentialMovingAverage::swap_in() {
  if (averages_in_model_ || slots_.empty()) return;
  sync_layouts();
  for (Slot& s : slots_) {
    copy_into(s.backup, s.param->value);
    copy_into(s.param->value, s.shadow);
  }
  averages_in_model_ = true;
}

void ExponentialMovingAverage::swap_out() {
  if (!averages_in_model_) return;
  sync_layouts();
  for (Slot& s : slots_) copy_into(s.param->value, s.backup);
  averages_in_model_ = false;
}

void ExponentialMovingAverage::on_test_begin(Logs&) {
  if (averages_in_model_) return;
  swap_in();
  swapped_for_test_ = averages_in_model_;
}

void ExponentialMovingAverage::on_test_end(Logs&) {
  if (!swapped_for_test_) return;
  swapped_for_test_ = false;
  swap_out();
}

void ExponentialMovingAverage::on_epoch_begin(int64_t, Logs&) { swap_out(); }

void ExponentialMovingAverage::on_epoch_end(int64_t, Logs&) {
  if (options_.swap_on_epoch) swap_in();
  if (!options_.state_path.empty() && options_.write_state) write_state();
}

void ExponentialMovingAverage::on_train_end(Logs&) {
  if (averages_in_model_) return;
  sync_layouts();
  for (Slot& s : slots_) copy_into(s.param->value, s.shadow);  // TF's finalize: the averages stay
  averages_in_model_ = true;
}

std::vector<Tensor> ExponentialMovingAverage::average_weights() const {
  if (!model_) throw StateError(std::string(kWho) + ".average_weights: the callback is not attached to a model.");
  std::vector<Tensor> out = model_->get_weights();
  const auto params = model_->params();
  for (const Slot& s : slots_) {
    const auto at = std::find(params.begin(), params.end(), s.param) - params.begin();
    Param view;
    view.keras_shape = s.param->keras_shape;
    view.layout = s.layout;
    out[static_cast<size_t>(at)] = to_keras_layout(view, s.shadow);
  }
  return out;
}

void ExponentialMovingAverage::write_state() const {
  NamedArrays arrays;
  const int64_t epochs = model_->epochs_completed();
  arrays.emplace_back("epochs_completed", NpyArray::from_int64({1}, std::span<const int64_t>(&epochs, 1)));
  for (const Slot& s : slots_) {
    Param view;
    view.keras_shape = s.param->keras_shape;
    view.layout = s.layout;
    arrays.emplace_back("average/" + s.name, NpyArray::from_tensor(to_keras_layout(view, s.shadow)));
    const Tensor& training = averages_in_model_ ? s.backup : s.param->value;
    arrays.emplace_back("training/" + s.name, NpyArray::from_tensor(to_keras_layout(view, training)));
  }
  save_npz(options_.state_path, arrays);
}

// Reads the state written at the end of the model's last completed epoch; false
// when there is none. StateError when it belongs to another epoch or model.
bool ExponentialMovingAverage::restore_state() {
  std::error_code ec;
  if (!std::filesystem::exists(options_.state_path, ec)) return false;
  const std::string what = std::string(kWho) + " state '" + options_.state_path.string() + "'";
  const NamedArrays arrays = load_npz(options_.state_path);
  const int64_t epochs = find_array(arrays, "epochs_completed", what).to_int64().at(0);
  if (epochs != model_->epochs_completed()) {
    throw StateError(what + ": written after epoch " + std::to_string(epochs) + ", but the model has completed " +
                     std::to_string(model_->epochs_completed()) + " epochs.\nHint: the run was interrupted between "
                     "the two writes; delete the state file to restart the averages from the model's weights.");
  }
  for (Slot& s : slots_) {
    const Tensor avg = find_array(arrays, "average/" + s.name, what).to_tensor();
    const Tensor training = find_array(arrays, "training/" + s.name, what).to_tensor();
    s.shadow = from_keras_layout(*s.param, avg);  // ShapeError naming the weight on a mismatch
    copy_into(s.param->value, from_keras_layout(*s.param, training));
    s.layout = s.param->layout;
  }
  return true;
}

}  // namespace petal
