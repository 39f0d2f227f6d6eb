# Batches/s of ImageDataGenerator flows with the tutorial's augmentation at 64x64:
# flow_from_directory on Flowers-17 (cold: decoding, warm: cached) and flow() on arrays.
# Included from benchmarks/CMakeLists.txt (after find_package(benchmark)).
add_executable(flow_bench ${CMAKE_CURRENT_LIST_DIR}/flow_bench.cpp)
target_link_libraries(flow_bench PRIVATE petal benchmark::benchmark)
target_compile_definitions(flow_bench PRIVATE PETAL_SOURCE_DIR="${PROJECT_SOURCE_DIR}")
