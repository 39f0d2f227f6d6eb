# Warm training steps of a model built from the activation, normalisation,
# noise and reshaping layers allocate no buffers (own executable: it interposes malloc).
if(NOT PETAL_SANITIZE)
  add_executable(petal_acts_alloc_test ${CMAKE_CURRENT_SOURCE_DIR}/alloc/acts_allocation_count.cpp)
  target_link_libraries(petal_acts_alloc_test PRIVATE petal)
  add_test(NAME alloc.acts_layers_training_step_allocates_no_buffers COMMAND petal_acts_alloc_test)
  set_tests_properties(alloc.acts_layers_training_step_allocates_no_buffers PROPERTIES TIMEOUT 300 LABELS unit)
endif()
