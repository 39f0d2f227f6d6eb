# Allocation counter for models made of the convolution-family layers (its own
# executable: it interposes malloc; not under the sanitizers).
if(NOT PETAL_SANITIZE)
  add_executable(petal_alloc_layers_test ${CMAKE_CURRENT_SOURCE_DIR}/alloc_layers/layer_allocation_count.cpp)
  target_link_libraries(petal_alloc_layers_test PRIVATE petal)
  add_test(NAME alloc.conv_family_layers_allocate_no_buffers COMMAND petal_alloc_layers_test)
  set_tests_properties(alloc.conv_family_layers_allocate_no_buffers PROPERTIES TIMEOUT 300 LABELS unit)
endif()
