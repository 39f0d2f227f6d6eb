// TerminateOnNaN and LambdaCallback.
#include "petal/callbacks/lambda_callback.h"

#include <cmath>
#include <cstdio>
#include <limits>

#include "petal/model/sequential.h"

namespace petal {

void TerminateOnNaN::on_train_batch_end(int64_t batch, Logs& logs) {
  const auto loss = logs.get("loss");
  // Keras's loss is float32: a sum petal keeps in double that no float holds is inf there.
  if (loss && !(std::fabs(*loss) <= std::numeric_limits<float>::max())) {
    std::printf("Batch %lld: Invalid loss, terminating training\n", static_cast<long long>(batch));
    std::fflush(stdout);
    model_->stop_training = true;
  }
}

void LambdaCallback::on_epoch_begin(int64_t e, Logs& l) {
  if (hooks_.on_epoch_begin) hooks_.on_epoch_begin(e, l);
}
void LambdaCallback::on_epoch_end(int64_t e, Logs& l) {
  if (hooks_.on_epoch_end) hooks_.on_epoch_end(e, l);
}
void LambdaCallback::on_train_batch_begin(int64_t b, Logs& l) {
  if (hooks_.on_batch_begin) hooks_.on_batch_begin(b, l);
}
void LambdaCallback::on_train_batch_end(int64_t b, Logs& l) {
  if (hooks_.on_batch_end) hooks_.on_batch_end(b, l);
}
void LambdaCallback::on_train_begin(Logs& l) {
  if (hooks_.on_train_begin) hooks_.on_train_begin(l);
}
void LambdaCallback::on_train_end(Logs& l) {
  if (hooks_.on_train_end) hooks_.on_train_end(l);
}

}  // namespace petal
