# Fails when a file of one layer includes a header the layer may not use.
# Run by cxone_layer() at build time (cmake -P), so a wrong include fails
# the build of that layer's library, not a review.
#
#   -DLAYER_DIR=<folder>   the layer's folder (its own .h/.cc files, not below)
#   -DALLOWED=<a;b;…>      project folders it may include from, e.g.
#                          common;server/jobs (its own folder is implied)
#   -DGRPC=ON|OFF          whether it may include gRPC (grpcpp/, grpc/,
#                          *.grpc.pb.h): only the edge layers may
#   -DSTAMP=<file>         written when every include is allowed
#
# "Project folders" are the quoted includes under common/, server/,
# client/ and simulator/; other libraries' headers are not checked here.
file(GLOB files "${LAYER_DIR}/*.h" "${LAYER_DIR}/*.cc")
file(RELATIVE_PATH own "${SOURCE_ROOT}" "${LAYER_DIR}")
list(APPEND ALLOWED "${own}")
set(problems "")
foreach(file IN LISTS files)
  file(STRINGS "${file}" lines REGEX "^[ \t]*#[ \t]*include[ \t]*[\"<]")
  file(RELATIVE_PATH shown "${SOURCE_ROOT}" "${file}")
  foreach(line IN LISTS lines)
    string(REGEX REPLACE "^[ \t]*#[ \t]*include[ \t]*[\"<]([^\">]+)[\">].*$"
           "\\1" header "${line}")
    if(header MATCHES "^(grpcpp|grpc)/" OR header MATCHES "\\.grpc\\.pb\\.h$")
      if(NOT GRPC)
        string(APPEND problems "  ${shown}: ${header} (this layer does not use gRPC)\n")
      endif()
      continue()
    endif()
    if(NOT header MATCHES "^(common|server|client|simulator)/")
      continue()
    endif()
    get_filename_component(folder "${header}" DIRECTORY)
    list(FIND ALLOWED "${folder}" index)
    if(index EQUAL -1)
      string(REPLACE ";" ", " allowed_text "${ALLOWED}")
      string(APPEND problems
             "  ${shown}: ${header} (${own} may include from ${allowed_text})\n")
    endif()
  endforeach()
endforeach()
if(problems)
  message(FATAL_ERROR "layer ${own} includes what it may not:\n${problems}"
          "See the architecture section of README.md for who may use whom.")
endif()
file(TOUCH "${STAMP}")
