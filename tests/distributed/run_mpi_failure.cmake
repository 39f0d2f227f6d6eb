# Runs `mpirun -np 2 mpi_failure MODE` and checks that the job ends quickly with a
# non-zero code and rank 1's message (cmake -P, from tests/cmake/mpi.cmake).
# Variables: MPIEXEC (the launcher and its flags, ;-separated), PROGRAM, MODE, EXPECT.
string(TIMESTAMP t0 "%s")
execute_process(COMMAND ${MPIEXEC} ${PROGRAM} ${MODE}
  TIMEOUT 60 RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
string(TIMESTAMP t1 "%s")
math(EXPR seconds "${t1} - ${t0}")
message("exit: ${rc} after ${seconds} s\n--- stdout\n${out}\n--- stderr\n${err}")
if(rc MATCHES "timeout" OR seconds GREATER 30)
  message(FATAL_ERROR "mpi_failure ${MODE}: the job did not end within 30 s (it hangs)")
endif()
if(rc EQUAL 0)
  message(FATAL_ERROR "mpi_failure ${MODE}: expected a non-zero exit code; received 0")
endif()
string(FIND "${out}${err}" "${EXPECT}" at)
if(at EQUAL -1)
  message(FATAL_ERROR "mpi_failure ${MODE}: expected the output to contain '${EXPECT}'")
endif()
string(FIND "${out}${err}" "petal: rank 1 of 2:" at)
if(at EQUAL -1)
  message(FATAL_ERROR "mpi_failure ${MODE}: expected the output to name the failing rank ('petal: rank 1 of 2:')")
endif()
