// petal command-line entry point.
#include <iostream>

int main() {
  std::cout << "petal: coming soon\n";
  return 0;
}
