// History: the per-epoch logs of a training run (installed by every fit call and
// returned by it), as Keras's History.history.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "petal/callbacks/callback.h"

namespace petal {

class History : public Callback {
 public:
  void on_train_begin(Logs& logs) override;
  void on_epoch_end(int64_t epoch, Logs& logs) override;

  std::vector<int64_t> epoch;                            // epoch indices seen
  std::map<std::string, std::vector<double>> history;    // name -> value per epoch
  // The values of `name`; throws ConfigError listing the recorded names.
  const std::vector<double>& at(const std::string& name) const;
};

}  // namespace petal
