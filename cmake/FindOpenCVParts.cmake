# Debian's split OpenCV packages (libopencv-{core,imgproc,imgcodecs}-dev) ship
# neither OpenCVConfig.cmake nor opencv4.pc (those come with the full
# libopencv-dev and its dozens of modules), so find the three parts directly.
find_path(OPENCV_PARTS_INCLUDE_DIR opencv2/core.hpp PATH_SUFFIXES opencv4 REQUIRED)
foreach(part core imgproc imgcodecs)
  find_library(OPENCV_PARTS_${part}_LIBRARY NAMES opencv_${part} REQUIRED)
endforeach()
if(NOT TARGET petal_opencv)
  add_library(petal_opencv INTERFACE)
  target_include_directories(petal_opencv SYSTEM INTERFACE ${OPENCV_PARTS_INCLUDE_DIR})
  target_link_libraries(petal_opencv INTERFACE
    ${OPENCV_PARTS_imgcodecs_LIBRARY} ${OPENCV_PARTS_imgproc_LIBRARY} ${OPENCV_PARTS_core_LIBRARY})
endif()
message(STATUS "OpenCV parts: ${OPENCV_PARTS_INCLUDE_DIR}")

# OpenCV's dnn module (libopencv-dnn-dev), optional: the tests and the
# onnx_opencv example load petal's ONNX files with it, as an independent runtime.
# The petal library never links it.
find_library(OPENCV_PARTS_dnn_LIBRARY NAMES opencv_dnn)
if(OPENCV_PARTS_dnn_LIBRARY AND EXISTS ${OPENCV_PARTS_INCLUDE_DIR}/opencv2/dnn.hpp AND NOT TARGET petal_opencv_dnn)
  add_library(petal_opencv_dnn INTERFACE)
  target_link_libraries(petal_opencv_dnn INTERFACE ${OPENCV_PARTS_dnn_LIBRARY} petal_opencv)
endif()
message(STATUS "OpenCV dnn: ${OPENCV_PARTS_dnn_LIBRARY}")
