# ONNX export (src/interop/onnx) on Debian's libonnx-dev, whose generated classes
# (onnx::ModelProto, ...) need libprotobuf-dev's headers; Debian's libonnx-dev does
# not depend on it, so both are looked for. Without them petal builds without
# ONNX export (save_onnx throws ConfigError saying so; its tests skip).
find_package(ONNX CONFIG QUIET)
find_package(Protobuf QUIET)
cmake_dependent_option(PETAL_WITH_ONNX "ONNX export (libonnx-dev and libprotobuf-dev)" ON
  "ONNX_FOUND;Protobuf_FOUND" OFF)
message(STATUS "petal: ONNX export ${PETAL_WITH_ONNX} (ONNX ${ONNX_VERSION}, protobuf ${Protobuf_VERSION})")
