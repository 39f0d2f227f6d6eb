# Installs petal into a scratch prefix, then configures, builds and runs the
# consumer project against it (cmake -P with BUILD_DIR, SOURCE_DIR, WORK_DIR).
file(REMOVE_RECURSE ${WORK_DIR})
execute_process(COMMAND ${CMAKE_COMMAND} --install ${BUILD_DIR} --prefix ${WORK_DIR}/prefix
                RESULT_VARIABLE rc OUTPUT_QUIET)
if(rc)
  message(FATAL_ERROR "cmake --install failed: ${rc}")
endif()
foreach(f include/petal/model/sequential.h lib/cmake/petal/petalConfig.cmake lib/pkgconfig/petal.pc)
  file(GLOB found ${WORK_DIR}/prefix/${f} ${WORK_DIR}/prefix/*/${f} ${WORK_DIR}/prefix/lib/*/cmake/petal/petalConfig.cmake)
  if(NOT found)
    message(FATAL_ERROR "installed tree lacks ${f}")
  endif()
endforeach()
execute_process(COMMAND ${CMAKE_COMMAND} -S ${SOURCE_DIR}/tests/install/consumer -B ${WORK_DIR}/consumer
                        -G Ninja -DCMAKE_PREFIX_PATH=${WORK_DIR}/prefix -DCMAKE_BUILD_TYPE=Release
                RESULT_VARIABLE rc)
if(rc)
  message(FATAL_ERROR "configuring the consumer against the installed petal failed")
endif()
execute_process(COMMAND ${CMAKE_COMMAND} --build ${WORK_DIR}/consumer RESULT_VARIABLE rc)
if(rc)
  message(FATAL_ERROR "building the consumer failed")
endif()
execute_process(COMMAND ${WORK_DIR}/consumer/consumer RESULT_VARIABLE rc OUTPUT_VARIABLE out)
message(STATUS "${out}")
if(rc)
  message(FATAL_ERROR "the consumer failed: ${rc}")
endif()

# The pkg-config file gives working compile and link flags too.
file(GLOB_RECURSE pcfile ${WORK_DIR}/prefix/*/petal.pc)
get_filename_component(pcdir ${pcfile} DIRECTORY)
set(ENV{PKG_CONFIG_PATH} ${pcdir})
execute_process(COMMAND pkg-config --cflags --libs petal OUTPUT_VARIABLE flags RESULT_VARIABLE rc
                OUTPUT_STRIP_TRAILING_WHITESPACE)
if(rc)
  message(FATAL_ERROR "pkg-config petal failed")
endif()
separate_arguments(flags UNIX_COMMAND "${flags}")
execute_process(COMMAND c++ -std=c++20 -I${SOURCE_DIR}/tests/layers ${SOURCE_DIR}/tests/install/consumer/main.cpp ${flags}
                        -Wl,-rpath,${WORK_DIR}/prefix/lib -o ${WORK_DIR}/pkgconfig_consumer RESULT_VARIABLE rc)
if(rc)
  message(FATAL_ERROR "building with pkg-config flags failed")
endif()
execute_process(COMMAND ${WORK_DIR}/pkgconfig_consumer RESULT_VARIABLE rc OUTPUT_QUIET)
if(rc)
  message(FATAL_ERROR "the pkg-config consumer failed: ${rc}")
endif()
