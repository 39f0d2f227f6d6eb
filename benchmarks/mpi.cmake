# Data-parallel MiniVGGNet throughput on 1 and R ranks (scripts/bench_mpi runs it
# under mpirun). Built without MPI too: it then measures one process.
add_executable(mpi_throughput ${CMAKE_CURRENT_LIST_DIR}/mpi_throughput.cpp)
target_link_libraries(mpi_throughput PRIVATE petal)
