# cmake --install: library, public headers, CMake package config and pkg-config file.
include(CMakePackageConfigHelpers)
install(TARGETS petal EXPORT petalTargets
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
  RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR}
  INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(DIRECTORY ${PROJECT_SOURCE_DIR}/include/petal DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(EXPORT petalTargets NAMESPACE petal:: DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/petal)
configure_package_config_file(${PROJECT_SOURCE_DIR}/cmake/petalConfig.cmake.in
  ${PROJECT_BINARY_DIR}/petalConfig.cmake INSTALL_DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/petal)
write_basic_package_version_file(${PROJECT_BINARY_DIR}/petalConfigVersion.cmake
  VERSION ${PROJECT_VERSION} COMPATIBILITY SameMajorVersion)
install(FILES ${PROJECT_BINARY_DIR}/petalConfig.cmake ${PROJECT_BINARY_DIR}/petalConfigVersion.cmake
  DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/petal)
# Relocatable: the prefix is found relative to the .pc file's own directory.
file(RELATIVE_PATH PETAL_PC_REL_PREFIX ${CMAKE_INSTALL_FULL_LIBDIR}/pkgconfig ${CMAKE_INSTALL_PREFIX})
configure_file(${PROJECT_SOURCE_DIR}/cmake/petal.pc.in ${PROJECT_BINARY_DIR}/petal.pc @ONLY)
install(FILES ${PROJECT_BINARY_DIR}/petal.pc DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)
