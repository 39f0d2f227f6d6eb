# petal's Winograd F(4x4, 3x3) convolution against oneDNN's direct one, per pass,
# on ResNet-18's and MiniVGGNet's 3x3 layers. Included from benchmarks/CMakeLists.txt.
add_executable(winograd_bench ${CMAKE_CURRENT_LIST_DIR}/winograd_bench.cpp)
target_link_libraries(winograd_bench PRIVATE petal DNNL::dnnl benchmark::benchmark)
target_include_directories(winograd_bench PRIVATE ${PROJECT_SOURCE_DIR}/src)
