# Writes the commands that check our own sources with Clang's thread-safety
# analysis, which GCC (the compiler of the build) does not have: it is what
# checks ABSL_GUARDED_BY, ABSL_EXCLUSIVE_LOCKS_REQUIRED and
# ABSL_ACQUIRED_BEFORE/AFTER. Run by scripts/lib/check_thread_safety
# (cmake -P), which runs the commands.
#
#   -DCOMPILE_COMMANDS=<file>  the GCC build's compile_commands.json
#   -DSOURCE_ROOT=<dir>        the repository
#   -DCLANG=<program>          the Clang to run, e.g. clang++-14
#   -DOUTPUT=<file>            written: one shell command per line, each
#                              `cd DIR && CLANG -fsyntax-only … FILE`
#   -DDEPFILES=<file>          written: line by line, for the caller's cache,
#                              `DIR<tab>DEPFILE`: the same source's GCC
#                              depfile (it may not exist), whose paths are
#                              relative to DIR
#
# Checked: the .cc files under common/, server/, client/ and simulator/, each
# once, with the flags of its GCC compile minus what Clang cannot take (a
# compiler launcher, the output, GCC-only flags) and minus GCC's warning
# flags (Clang's -Wall differs; this checks thread safety only), so that it
# sees the same headers and macros. Tests, benchmarks and generated code are
# not checked.
cmake_minimum_required(VERSION 3.25)
set(checked_folders common server client simulator)
# GCC-only options Clang rejects or warns about (-Werror would fail on them).
set(dropped_patterns
    "^-fconcepts" "^-fcoroutines$" "^-fanalyzer" "^-flto" "^-fno-fat-lto"
    "^-fmax-errors=" "^-fno-var-tracking" "^-fipa-" "^-fno-ipa-"
    "^-fno-gnu-unique$" "^-fprofile-update="
    # Every warning option: ours come instead.
    "^-W" "^-w$" "^-pedantic")
set(launchers ccache sccache distcc)

# Quotes `value` for sh.
function(shell_quote value out)
  string(REPLACE "'" "'\\''" value "${value}")
  set(${out} "'${value}'" PARENT_SCOPE)
endfunction()

file(READ "${COMPILE_COMMANDS}" database)
string(JSON count LENGTH "${database}")
set(lines "")
set(depfile_lines "")
set(seen "")
math(EXPR last "${count} - 1")
foreach(index RANGE ${last})
  string(JSON file GET "${database}" ${index} file)
  file(RELATIVE_PATH relative "${SOURCE_ROOT}" "${file}")
  string(REGEX MATCH "^[^/]+" folder "${relative}")
  list(FIND checked_folders "${folder}" wanted)
  if(wanted EQUAL -1 OR NOT file MATCHES "\\.cc$")
    continue()
  endif()
  list(FIND seen "${file}" already)
  if(NOT already EQUAL -1)
    continue()
  endif()
  list(APPEND seen "${file}")
  string(JSON directory GET "${database}" ${index} directory)
  string(JSON command ERROR_VARIABLE no_command GET "${database}" ${index} command)
  if(no_command)
    # The "arguments" form: already one argument per element.
    string(JSON argc LENGTH "${database}" ${index} arguments)
    math(EXPR last_arg "${argc} - 1")
    set(arguments "")
    foreach(arg_index RANGE ${last_arg})
      string(JSON argument GET "${database}" ${index} arguments ${arg_index})
      list(APPEND arguments "${argument}")
    endforeach()
  else()
    separate_arguments(arguments UNIX_COMMAND "${command}")
  endif()
  # The launcher (if any) and the compiler go; Clang comes instead.
  list(POP_FRONT arguments program)
  get_filename_component(program_name "${program}" NAME)
  if(program_name IN_LIST launchers)
    list(POP_FRONT arguments program)
  endif()
  shell_quote("${CLANG}" quoted)
  # -beta: it is what checks ABSL_ACQUIRED_BEFORE/AFTER.
  set(line "${quoted} -fsyntax-only -Wthread-safety -Wthread-safety-beta -Werror")
  set(depfile "")
  set(after_o FALSE)
  foreach(argument IN LISTS arguments)
    if(after_o)
      # CMake's GCC rules write the depfile next to the object.
      set(depfile "${directory}\t${directory}/${argument}.d")
      set(after_o FALSE)
      continue()
    endif()
    if(argument STREQUAL "-o")
      set(after_o TRUE)
      continue()
    endif()
    if(argument STREQUAL "-c" OR argument STREQUAL "-g"
       OR argument STREQUAL "${file}")
      continue()
    endif()
    set(dropped FALSE)
    foreach(pattern IN LISTS dropped_patterns)
      if(argument MATCHES "${pattern}")
        set(dropped TRUE)
      endif()
    endforeach()
    if(dropped)
      continue()
    endif()
    shell_quote("${argument}" quoted)
    string(APPEND line " ${quoted}")
  endforeach()
  shell_quote("${directory}" quoted_directory)
  shell_quote("${file}" quoted_file)
  string(APPEND lines "cd ${quoted_directory} && ${line} ${quoted_file}\n")
  string(APPEND depfile_lines "${depfile}\n")
endforeach()
if(lines STREQUAL "")
  message(FATAL_ERROR "no source of ${checked_folders} in ${COMPILE_COMMANDS}")
endif()
file(WRITE "${OUTPUT}" "${lines}")
file(WRITE "${DEPFILES}" "${depfile_lines}")
