# Tests cmake/check_layer.cmake, the include check every layer's build runs:
# an allowed include passes; an include from a folder the layer may not use,
# and gRPC in a layer without it, each fail naming the file and the header.
# Run as: cmake -DSOURCE_ROOT=<repo> -DWORK_DIR=<scratch> -P check_layer_test.cmake
set(root "${WORK_DIR}/layering")
file(REMOVE_RECURSE "${root}")
file(MAKE_DIRECTORY "${root}/server/jobs")

# Runs the check on ${root}/server/jobs; sets `code` and `output`.
function(run_check allowed grpc)
  execute_process(
    COMMAND ${CMAKE_COMMAND} -DSOURCE_ROOT=${root}
            -DLAYER_DIR=${root}/server/jobs "-DALLOWED=${allowed}"
            -DGRPC=${grpc} -DSTAMP=${root}/stamp
            -P ${SOURCE_ROOT}/cmake/check_layer.cmake
    RESULT_VARIABLE result OUTPUT_VARIABLE out ERROR_VARIABLE err)
  set(code "${result}" PARENT_SCOPE)
  set(output "${out}${err}" PARENT_SCOPE)
endfunction()

# Fails the test unless the last check passed (`pass` TRUE) or failed
# (FALSE) and, when `text` is not empty, said `text`.
function(expect pass text what)
  set(ok TRUE)
  if(pass AND NOT code EQUAL 0)
    set(ok FALSE)
  elseif(NOT pass AND code EQUAL 0)
    set(ok FALSE)
  endif()
  if(NOT text STREQUAL "")
    string(FIND "${output}" "${text}" at)
    if(at EQUAL -1)
      set(ok FALSE)
    endif()
  endif()
  if(NOT ok)
    message(FATAL_ERROR "expected ${what}; the check said:\n${output}")
  endif()
endfunction()

file(WRITE "${root}/server/jobs/job.h"
     "#include \"common/clock.h\"\n#include \"server/jobs/other.h\"\n"
     "#include \"absl/time/time.h\"\n#include <string>\n")
run_check("common" OFF)
expect(TRUE "" "allowed includes to pass")

file(WRITE "${root}/server/jobs/bad.cc" "#include \"server/api/compile_service.h\"\n")
run_check("common" OFF)
expect(FALSE "server/jobs/bad.cc: server/api/compile_service.h"
       "an include from server/api to fail, naming the file and the header")
file(REMOVE "${root}/server/jobs/bad.cc")

file(WRITE "${root}/server/jobs/rpc.cc" "  #  include <grpcpp/grpcpp.h>\n")
run_check("common" OFF)
expect(FALSE "server/jobs/rpc.cc: grpcpp/grpcpp.h (this layer does not use gRPC)"
       "gRPC in a layer without GRPC to fail, saying so")
run_check("common" ON)
expect(TRUE "" "gRPC to pass in a layer with GRPC")

file(REMOVE_RECURSE "${root}")
