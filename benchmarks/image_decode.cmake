# Single-thread decode + resize throughput on Flowers-17 JPEGs: full vs reduced decode.
# Included from benchmarks/CMakeLists.txt (after find_package(benchmark)).
add_executable(image_decode_bench ${CMAKE_CURRENT_LIST_DIR}/image_decode_bench.cpp)
target_link_libraries(image_decode_bench PRIVATE petal benchmark::benchmark)
target_compile_definitions(image_decode_bench PRIVATE PETAL_SOURCE_DIR="${PROJECT_SOURCE_DIR}")
