// ExponentialMovingAverage: TF's tf.train.ExponentialMovingAverage of the
// weights as a callback (the averaging of tf.keras's optimizer `use_ema`, the
// swapping of Keras 3's SwapEMAWeights). Updated after every training batch;
// validation runs on the averages; when training ends the model keeps them.
#pragma once

#include <filesystem>
#include <memory>
#include <vector>

#include "petal/callbacks/callback.h"
#include "petal/core/tensor.h"

namespace petal {

struct Param;
namespace detail {
class ParamLayout;
}

struct ExponentialMovingAverageOptions {
  double decay = 0.999;
  // TF's num_updates rule: decay_t = min(decay, (1 + n) / (10 + n)) with n the
  // optimizer's iterations after the step, so early averages follow the weights.
  bool use_num_updates = false;
  // Average the non-trainable weights too (BatchNormalization moving mean and
  // variance), as TF's reference models average them with the trainable ones.
  bool include_non_trainable = true;
  // As Keras 3's SwapEMAWeights(swap_on_epoch=True): from each epoch's end to the
  // next epoch's start the model holds the averages, so the callbacks after this
  // one (checkpoints) save them; training resumes on the training weights.
  bool swap_on_epoch = false;
  // Optional .npz written at each epoch's end with the averages and the training
  // weights (and the epoch count), and read at train begin when the model has
  // completed that many epochs: a resumed run continues the same averages.
  std::filesystem::path state_path = {};
  bool write_state = true;  // false: read state_path only (ranks other than 0)
};

class ExponentialMovingAverage : public Callback {
 public:
  explicit ExponentialMovingAverage(ExponentialMovingAverageOptions options = {});
  ~ExponentialMovingAverage() override;

  void on_train_begin(Logs& logs) override;
  void on_train_batch_end(int64_t batch, Logs& logs) override;
  void on_test_begin(Logs& logs) override;   // averages in (validation, evaluate)
  void on_test_end(Logs& logs) override;     // training weights back
  void on_epoch_begin(int64_t epoch, Logs& logs) override;
  void on_epoch_end(int64_t epoch, Logs& logs) override;
  void on_train_end(Logs& logs) override;    // the model keeps the averages

  // The averages in Keras layout, parallel to the model's get_weights() (only the
  // averaged weights are averages; the others are the model's values).
  std::vector<Tensor> average_weights() const;
  // The decay the next update uses.
  double current_decay() const;

 private:
  struct Slot;
  void init_from_model();
  bool restore_state();
  void write_state() const;
  void sync_layouts();
  void swap_in();
  void swap_out();

  ExponentialMovingAverageOptions options_;
  std::vector<Slot> slots_;
  bool averages_in_model_ = false;
  bool swapped_for_test_ = false;
};

}  // namespace petal
