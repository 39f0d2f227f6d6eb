// Monitored-quantity comparisons.
#include "petal/callbacks/monitor.h"

#include <cmath>
#include <limits>

#include "petal/core/error.h"

namespace petal {

MonitorMode monitor_mode_from_string(const std::string& mode) {
  if (mode == "auto") return MonitorMode::Auto;
  if (mode == "min") return MonitorMode::Min;
  if (mode == "max") return MonitorMode::Max;
  throw ConfigError("unknown monitor mode '" + mode + "'; expected auto, min or max.");
}

Monitor::Monitor(std::string name, MonitorMode mode, double min_delta)
    : name_(std::move(name)), min_delta_(std::fabs(min_delta)) {
  maximize_ = mode == MonitorMode::Max || (mode == MonitorMode::Auto && name_.find("acc") != std::string::npos);
}

bool Monitor::improved(double current, double best) const {
  return maximize_ ? current - min_delta_ > best : current + min_delta_ < best;
}

double Monitor::worst() const {
  return maximize_ ? -std::numeric_limits<double>::infinity() : std::numeric_limits<double>::infinity();
}

}  // namespace petal
