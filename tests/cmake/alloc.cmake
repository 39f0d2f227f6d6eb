# The allocation counter interposes malloc for its whole process: its own
# executable, and not under the sanitizers (which intercept malloc themselves).
if(NOT PETAL_SANITIZE)
  add_executable(petal_alloc_test ${CMAKE_CURRENT_SOURCE_DIR}/alloc/allocation_count.cpp)
  target_link_libraries(petal_alloc_test PRIVATE petal)
  add_test(NAME alloc.training_step_allocates_no_buffers COMMAND petal_alloc_test)
  # ~2-3 minutes on a loaded 2-core machine (ten zoo models, see allocation_count.cpp).
  set_tests_properties(alloc.training_step_allocates_no_buffers PROPERTIES TIMEOUT 600 LABELS unit)
endif()
