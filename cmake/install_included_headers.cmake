# Installs the headers that the public headers include from outside include/: run at
# install time from the install(CODE) in cmake/install.cmake, which sets
#   LP_COMPILER, LP_STANDARD_FLAG     the C++ compiler and its -std= flag
#   LP_INCLUDE_DIRS                   the include path of lp (build tree)
#   LP_IMPLICIT_INCLUDE_DIRS          the compiler's own include path (not passed as -I)
#   LP_PUBLIC_HEADERS                 every header under include/
#   LP_HEADER_ROOTS                   where included headers may come from, most specific
#                                     first; a header keeps its path below its root
#   LP_INSTALLED_ALREADY              headers below this are installed as a directory
#   LP_DESTINATION                    the installed include directory
#   LP_SCAN_DIR                       a directory of the build tree for the scan's files
#
# The compiler's dependency output (-M) of a file including every public header is the
# list: no hand-kept list to fall out of date.

# An install script runs without the project's policies.
cmake_policy(PUSH)
cmake_policy(VERSION 3.25)

file(REAL_PATH "${LP_INSTALLED_ALREADY}" LP_INSTALLED_ALREADY)
set(scan_dir "${LP_SCAN_DIR}")
file(MAKE_DIRECTORY "${scan_dir}")
set(scan_source "${scan_dir}/all_public_headers.cc")
set(content "")
foreach(header IN LISTS LP_PUBLIC_HEADERS)
  string(APPEND content "#include \"${header}\"\n")
endforeach()
file(WRITE "${scan_source}" "${content}")

list(REMOVE_DUPLICATES LP_INCLUDE_DIRS)
set(include_flags "")
foreach(dir IN LISTS LP_INCLUDE_DIRS)
  if(NOT dir IN_LIST LP_IMPLICIT_INCLUDE_DIRS)
    list(APPEND include_flags "-I${dir}")
  endif()
endforeach()
execute_process(
  COMMAND "${LP_COMPILER}" ${LP_STANDARD_FLAG} ${include_flags} -M -MF "${scan_dir}/deps.d"
          "${scan_source}"
  RESULT_VARIABLE result
  ERROR_VARIABLE errors)
if(NOT result EQUAL 0)
  message(FATAL_ERROR "Listing the headers the public headers include failed:\n${errors}")
endif()

# deps.d is make syntax: "target: source dep dep \<newline> dep ...".
file(READ "${scan_dir}/deps.d" deps)
string(REGEX REPLACE "\\\\\n" " " deps "${deps}")
string(REGEX REPLACE "^[^:]*:" "" deps "${deps}")
string(REGEX REPLACE "[ \t\n]+" ";" deps "${deps}")
list(REMOVE_ITEM deps "${scan_source}")

set(count 0)
foreach(file IN LISTS deps)
  if(file STREQUAL "")
    continue()
  endif()
  file(REAL_PATH "${file}" file)
  string(FIND "${file}" "${LP_INSTALLED_ALREADY}/" at)
  if(at EQUAL 0)
    continue()
  endif()
  foreach(root IN LISTS LP_HEADER_ROOTS)
    file(REAL_PATH "${root}" root)
    string(FIND "${file}" "${root}/" at)
    if(at EQUAL 0)
      file(RELATIVE_PATH relative "${root}" "${file}")
      get_filename_component(subdir "${relative}" DIRECTORY)
      file(INSTALL DESTINATION "${LP_DESTINATION}/${subdir}" TYPE FILE FILES "${file}")
      math(EXPR count "${count} + 1")
      break()
    endif()
  endforeach()
endforeach()
message(STATUS "Installed ${count} headers that the public headers include from src/ and "
               "the generated protos")

cmake_policy(POP)
