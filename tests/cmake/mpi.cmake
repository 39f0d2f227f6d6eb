# Multi-process tests under mpirun (only when petal is built with MPI): R ranks
# equal one process with R times the batch; a failing rank ends the whole job.
if(NOT PETAL_WITH_MPI)
  return()
endif()

set(PETAL_MPI_FLAGS ${MPIEXEC_PREFLAGS})
execute_process(COMMAND ${MPIEXEC_EXECUTABLE} --version OUTPUT_VARIABLE PETAL_MPIEXEC_VERSION ERROR_QUIET)
if(PETAL_MPIEXEC_VERSION MATCHES "Open MPI|OpenRTE")
  # Containers and CI often run as root; more ranks than cores is fine for tests.
  list(PREPEND PETAL_MPI_FLAGS --allow-run-as-root --oversubscribe)
endif()
set(PETAL_MPIEXEC ${MPIEXEC_EXECUTABLE} ${MPIEXEC_NUMPROC_FLAG} 2 ${PETAL_MPI_FLAGS})

add_executable(mpi_equivalence ${CMAKE_CURRENT_SOURCE_DIR}/distributed/mpi_equivalence.cpp)
target_link_libraries(mpi_equivalence PRIVATE petal)
add_test(NAME distributed.mpi_equivalence COMMAND ${PETAL_MPIEXEC} $<TARGET_FILE:mpi_equivalence>)
# Three ranks: a non-power-of-two allreduce and a short batch split 3 + 2 + 2.
add_test(NAME distributed.mpi_equivalence_3
  COMMAND ${MPIEXEC_EXECUTABLE} ${MPIEXEC_NUMPROC_FLAG} 3 ${PETAL_MPI_FLAGS} $<TARGET_FILE:mpi_equivalence>)
set_tests_properties(distributed.mpi_equivalence distributed.mpi_equivalence_3
  PROPERTIES TIMEOUT 120 LABELS mpi PROCESSORS 2)

add_executable(mpi_failure ${CMAKE_CURRENT_SOURCE_DIR}/distributed/mpi_failure.cpp)
target_link_libraries(mpi_failure PRIVATE petal)
foreach(mode fit loop main)
  if(mode STREQUAL "main")
    set(expect "injected failure on rank 1 before training")
  else()
    set(expect "injected failure on rank 1 at batch 2")
  endif()
  add_test(NAME distributed.mpi_failure_${mode}
    COMMAND ${CMAKE_COMMAND} "-DMPIEXEC=${PETAL_MPIEXEC}" -DPROGRAM=$<TARGET_FILE:mpi_failure> -DMODE=${mode}
            "-DEXPECT=${expect}" -P ${CMAKE_CURRENT_SOURCE_DIR}/distributed/run_mpi_failure.cmake)
  set_tests_properties(distributed.mpi_failure_${mode} PROPERTIES TIMEOUT 90 LABELS mpi PROCESSORS 2)
endforeach()

# `mpirun -np 2 petal train` from the CLI tests (tests/cli/cli_mpi_test.cpp);
# not under the sanitizers, whose runtime OpenMPI's processes would not share.
if(NOT PETAL_SANITIZE)
  list(JOIN PETAL_MPIEXEC " " PETAL_MPIEXEC_LINE)
  target_compile_definitions(petal_tests PRIVATE PETAL_MPIEXEC="${PETAL_MPIEXEC_LINE}")
endif()
