// The signal handlers write a fixed line with write(2) and touch only a lock-free
// atomic (both async-signal-safe); the training thread polls it at batch ends.
#include "app/interrupt.h"

#include <unistd.h>

#include <atomic>
#include <csignal>

#include "petal/model/sequential.h"

namespace petal::detail {

namespace {

std::atomic<int> g_signal{0};
static_assert(std::atomic<int>::is_always_lock_free);

struct sigaction g_old_int {}, g_old_term {};

void say(const char* text, size_t size) {
  const ssize_t ignored = ::write(STDERR_FILENO, text, size);
  (void)ignored;
}

extern "C" void on_signal(int sig) {
  int none = 0;
  if (g_signal.compare_exchange_strong(none, sig)) {
    static const char msg[] = "\npetal: interrupted; finishing the current step (interrupt again to stop at once)\n";
    say(msg, sizeof msg - 1);
    return;
  }
  static const char msg[] = "\npetal: interrupted again; stopping at once\n";
  say(msg, sizeof msg - 1);
  ::_exit(128 + sig);
}

}  // namespace

InterruptGuard::InterruptGuard() {
  g_signal.store(0);
  struct sigaction sa {};
  sa.sa_handler = on_signal;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = SA_RESTART;
  ::sigaction(SIGINT, &sa, &g_old_int);
  ::sigaction(SIGTERM, &sa, &g_old_term);
}

InterruptGuard::~InterruptGuard() {
  ::sigaction(SIGINT, &g_old_int, nullptr);
  ::sigaction(SIGTERM, &g_old_term, nullptr);
}

int InterruptGuard::signal() { return g_signal.load(); }

void StopOnInterrupt::on_train_batch_end(int64_t, Logs&) {
  if (InterruptGuard::signal() == 0) return;
  model()->stop_training = true;
  cut_ = true;
}

void StopOnInterrupt::on_epoch_end(int64_t, Logs&) {
  if (InterruptGuard::signal() != 0) model()->stop_training = true;
}

}  // namespace petal::detail
