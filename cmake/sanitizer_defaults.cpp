// Linked into every executable of the sanitizer build (PETAL_SANITIZE=ON).
//
// LeakSanitizer reads these suppressions at start-up. fontconfig, which cairo
// loads to draw the plots' text, keeps its configuration and font caches for
// the life of the process and never frees them; that is by design, not a leak
// in petal, and would otherwise fail every test that draws a plot.
extern "C" const char* __lsan_default_suppressions() {
  return "leak:libfontconfig.so\n";
}
