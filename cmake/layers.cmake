# The library's layers, enforced by the compiler. Each layer is an object library built from one folder of
# src/ that can see only:
#   - its own folder and the folders of the layers it depends on (directly or not), as "sys/file_io.hpp";
#   - the public headers of those layers and its own (reins_layer's PUBLIC_HEADERS), as "reins/job.hpp";
#   - the vocabulary headers (value types every layer may use).
# It sees them through an include directory made for it alone (build/layers/NAME) that holds symbolic links
# to exactly those folders and headers, so an include of anything else — a layer above, or a public header
# implemented above — fails to compile with "No such file or directory". tests/layers proves that it does.

# Each layer and the layers it depends on directly, one line each ("job: cgroup"), bottom up: what
# docs/design.md must draw (tests/layers checks it).
file(WRITE ${PROJECT_BINARY_DIR}/layers/graph.txt "")

# Value types only: includable from every layer.
set(REINS_VOCABULARY_HEADERS error.hpp fd.hpp units.hpp rusage.hpp exit_status.hpp signals.hpp job_types.hpp)

# reins_layer(NAME FOLDER DEPENDS layer... PUBLIC_HEADERS header... [LIBRARIES target...])
# Defines the object library reins_layer_NAME and records what the layers above it may see.
function(reins_layer name)
  cmake_parse_arguments(PARSE_ARGV 1 arg "" "" "DEPENDS;PUBLIC_HEADERS;LIBRARIES")
  set(folders ${name})
  set(headers ${REINS_VOCABULARY_HEADERS} ${arg_PUBLIC_HEADERS})
  foreach(dep IN LISTS arg_DEPENDS)
    get_property(dep_folders GLOBAL PROPERTY reins_layer_${dep}_folders)
    get_property(dep_headers GLOBAL PROPERTY reins_layer_${dep}_headers)
    if(NOT dep_folders)
      message(FATAL_ERROR "layer '${name}' depends on '${dep}', which is not defined (yet): define layers bottom up")
    endif()
    list(APPEND folders ${dep_folders})
    list(APPEND headers ${dep_headers})
  endforeach()
  list(REMOVE_DUPLICATES folders)
  list(REMOVE_DUPLICATES headers)
  set_property(GLOBAL PROPERTY reins_layer_${name}_folders ${folders})
  set_property(GLOBAL PROPERTY reins_layer_${name}_headers ${headers})

  set(view ${PROJECT_BINARY_DIR}/layers/${name})
  file(REMOVE_RECURSE ${view})
  file(MAKE_DIRECTORY ${view}/reins)
  foreach(folder IN LISTS folders)
    file(CREATE_LINK ${PROJECT_SOURCE_DIR}/src/${folder} ${view}/${folder} SYMBOLIC)
  endforeach()
  foreach(header IN LISTS headers)
    if(NOT EXISTS ${PROJECT_SOURCE_DIR}/include/reins/${header})
      message(FATAL_ERROR "layer '${name}': no public header include/reins/${header}")
    endif()
    file(CREATE_LINK ${PROJECT_SOURCE_DIR}/include/reins/${header} ${view}/reins/${header} SYMBOLIC)
  endforeach()

  file(GLOB_RECURSE sources CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/src/${name}/*.cpp)
  add_library(reins_layer_${name} OBJECT ${sources})
  target_include_directories(reins_layer_${name} PRIVATE ${view})
  target_link_libraries(reins_layer_${name} PRIVATE reins_warnings fmt::fmt-header-only ${arg_LIBRARIES})
  target_compile_definitions(reins_layer_${name} PRIVATE FMT_STATIC_THOUSANDS_SEPARATOR=',')
  set_target_properties(reins_layer_${name} PROPERTIES POSITION_INDEPENDENT_CODE ON)
  set_property(GLOBAL APPEND PROPERTY reins_layers ${name})
  list(JOIN arg_DEPENDS " " deps)
  file(APPEND ${PROJECT_BINARY_DIR}/layers/graph.txt "${name}: ${deps}\n")
endfunction()

# A translation unit compiled with layer NAME's view only, for tests/layers: whether it builds tells whether
# the layer may include what it includes. Not built by default.
function(reins_layer_probe target layer source)
  add_library(${target} OBJECT EXCLUDE_FROM_ALL ${source})
  target_include_directories(${target} PRIVATE ${PROJECT_BINARY_DIR}/layers/${layer})
  target_link_libraries(${target} PRIVATE fmt::fmt-header-only)
endfunction()
