# cmake --install, then find_package(petal) from a separate project.
add_test(NAME install.find_package_consumer
  COMMAND ${CMAKE_COMMAND} -DBUILD_DIR=${PROJECT_BINARY_DIR} -DSOURCE_DIR=${PROJECT_SOURCE_DIR}
          -DWORK_DIR=${PROJECT_BINARY_DIR}/install-test -P ${PROJECT_SOURCE_DIR}/tests/install/run_install_test.cmake)
set_tests_properties(install.find_package_consumer PROPERTIES TIMEOUT 600)
