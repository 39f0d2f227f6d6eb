# Included by src/CMakeLists.txt in the fuzz build (PETAL_FUZZ=ON).
# Clang 14, the fuzz build's compiler, cannot capture structured bindings in
# lambdas (a C++20 rule Clang implements from version 16). The sources listed
# here do; they are the training loop, which no fuzz target reaches, so the fuzz
# build compiles them with GCC, without instrumentation, and links the objects
# into the Clang-built library. Once they are Clang-14-clean, empty the list.
set(PETAL_FUZZ_GCC_SOURCES model/train_loop.cpp distributed/fit_support.cpp)

find_program(PETAL_FUZZ_GCC NAMES g++ REQUIRED)
set(PETAL_FUZZ_GCC_OBJECTS)
foreach(rel ${PETAL_FUZZ_GCC_SOURCES})
  set(src ${PROJECT_SOURCE_DIR}/src/${rel})
  list(REMOVE_ITEM PETAL_SOURCES ${src})
  string(REPLACE "/" "_" name ${rel})
  set(obj ${CMAKE_CURRENT_BINARY_DIR}/gcc_objects/${name}.o)
  add_custom_command(OUTPUT ${obj}
    COMMAND ${CMAKE_COMMAND} -E make_directory ${CMAKE_CURRENT_BINARY_DIR}/gcc_objects
    COMMAND ${PETAL_FUZZ_GCC} -std=c++20 -O2 -fPIC -w -I${PROJECT_SOURCE_DIR}/include -I${PROJECT_SOURCE_DIR}/src
            -MD -MF ${obj}.d -c ${src} -o ${obj}
    DEPENDS ${src} DEPFILE ${obj}.d
    COMMENT "Building ${rel} with GCC (Clang 14 cannot compile it; see fuzz/gcc_sources.cmake)"
    VERBATIM)
  list(APPEND PETAL_FUZZ_GCC_OBJECTS ${obj})
endforeach()
