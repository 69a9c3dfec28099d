# onnxc_add_model(): compiles an ONNX model with onnxc at build time into a static library target.
#
#   onnxc_add_model(<target> MODEL <model.onnx> [NAME <symbol prefix>]
#                   [TARGET <x86_64|aarch64|cortex-m4|cortex-m7|cortex-m55|cuda>]
#                   [OPTIONS <onnxc flags>...])
#
# <target> is a static library holding the compiled object; its include
# directory holds <NAME>.h, and it links the runtime shim that matches TARGET
# (onnxc::runtime on the host). NAME defaults to <target>. The model is
# checked when CMake configures (a missing file, an unknown flag or a model
# onnxc cannot import fails there, with onnxc's message), and compiled again
# only when the model, the flags or onnxc change.

function(onnxc_add_model target)
  cmake_parse_arguments(PARSE_ARGV 1 ARG "" "MODEL;NAME;TARGET" "OPTIONS")
  if(ARG_UNPARSED_ARGUMENTS)
    message(FATAL_ERROR "onnxc_add_model(${target}): unknown arguments: ${ARG_UNPARSED_ARGUMENTS}")
  endif()
  if(NOT ARG_MODEL)
    message(FATAL_ERROR "onnxc_add_model(${target}): MODEL <file.onnx> is required")
  endif()
  if(NOT ARG_NAME)
    set(ARG_NAME "${target}")
  endif()
  get_filename_component(model "${ARG_MODEL}" ABSOLUTE BASE_DIR "${CMAKE_CURRENT_SOURCE_DIR}")

  set(shim onnxc::runtime)
  set(flags "--name=${ARG_NAME}")
  if(ARG_TARGET)
    list(APPEND flags "--target=${ARG_TARGET}")
    if(ARG_TARGET STREQUAL "cuda")
      set(shim onnxc::cuda_runtime)
    elseif(NOT ARG_TARGET STREQUAL "x86_64")
      string(MAKE_C_IDENTIFIER "${ARG_TARGET}" id)
      set(shim onnxc::runtime_${id})
    endif()
  endif()
  list(APPEND flags ${ARG_OPTIONS})

  if(NOT TARGET onnxc::compiler)
    message(FATAL_ERROR "onnxc_add_model(${target}): this onnxc install has no compiler (bin/onnxc)")
  endif()
  # The check: import the model with the same flags (fast; writes nothing).
  get_target_property(onnxc_exe onnxc::compiler IMPORTED_LOCATION)
  execute_process(COMMAND "${onnxc_exe}" "${model}" ${flags} --emit=onnx -o /dev/null
                  RESULT_VARIABLE rc OUTPUT_QUIET ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    string(STRIP "${err}" err)
    message(FATAL_ERROR "onnxc_add_model(${target}): ${err}")
  endif()
  if(NOT TARGET ${shim})
    message(FATAL_ERROR "onnxc_add_model(${target}): this onnxc install has no runtime shim for "
                        "TARGET ${ARG_TARGET} (${shim})")
  endif()

  set(dir "${CMAKE_CURRENT_BINARY_DIR}/${target}_onnxc")
  set(obj "${dir}/${ARG_NAME}.o")
  set(header "${dir}/${ARG_NAME}.h")
  # A file that changes only when the flags do: the compile depends on it.
  string(REPLACE ";" "\n" flag_lines "${flags}")
  file(CONFIGURE OUTPUT "${dir}/flags.txt" CONTENT "${flag_lines}\n")
  add_custom_command(OUTPUT "${obj}" "${header}"
    COMMAND onnxc::compiler "${model}" ${flags} -q -o "${obj}"
    DEPENDS "${model}" "${dir}/flags.txt" onnxc::compiler
    COMMENT "onnxc: compiling ${ARG_MODEL} (${ARG_NAME})"
    VERBATIM)
  add_custom_target(${target}_compile DEPENDS "${obj}" "${header}")
  set_source_files_properties("${obj}" PROPERTIES EXTERNAL_OBJECT TRUE GENERATED TRUE)
  add_library(${target} STATIC "${obj}")
  add_dependencies(${target} ${target}_compile)
  set_target_properties(${target} PROPERTIES LINKER_LANGUAGE C)
  target_include_directories(${target} PUBLIC "${dir}")
  target_link_libraries(${target} PUBLIC ${shim})
endfunction()
