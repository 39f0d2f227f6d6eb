// The "is this epoch better?" rule shared by ModelCheckpoint, EarlyStopping and
// ReduceLROnPlateau: a monitored log value, a mode, and a minimum change.
#pragma once

#include <string>

namespace petal {

enum class MonitorMode { Auto, Min, Max };

MonitorMode monitor_mode_from_string(const std::string& mode);

class Monitor {
 public:
  // Auto maximises when the name contains "acc" (accuracy) and minimises otherwise, as Keras.
  Monitor(std::string name, MonitorMode mode, double min_delta = 0.0);
  const std::string& name() const { return name_; }
  bool maximize() const { return maximize_; }
  // Whether `current` beats `best` by more than min_delta in the right direction.
  bool improved(double current, double best) const;
  // +inf when minimising, -inf when maximising.
  double worst() const;

 private:
  std::string name_;
  bool maximize_;
  double min_delta_;
};

}  // namespace petal
