# Augmentation throughput of ImageDataGenerator with the tutorial's settings.
# Included from benchmarks/CMakeLists.txt (after find_package(benchmark)).
add_executable(augment_bench ${CMAKE_CURRENT_LIST_DIR}/augment_bench.cpp)
target_link_libraries(augment_bench PRIVATE petal benchmark::benchmark)
