# lp_link_dependencies_statically(): makes every imported library target of this directory
# (Abseil, protobuf, gRPC and what they pull in: re2, c-ares, upb, OpenSSL, zlib) link its
# Debian static archive (.a) instead of its shared object, where the archive exists.
#
# Why: process launches (local_mp, slurm) exec the program once per node, and a program
# linked against ~68 shared objects spends most of its start in the dynamic loader's
# symbol relocation (measured: 8.8 ms per exec of hello_world dynamic vs 2.2 ms static).
# glibc, libstdc++ and GoogleTest stay shared.

function(_lp_static_archive_of path out)
  set(result "${path}")
  if(path MATCHES "^(.*)/lib([^/]+)\\.so(\\.[0-9.]+)?$")
    set(archive "${CMAKE_MATCH_1}/lib${CMAKE_MATCH_2}.a")
    if(EXISTS "${archive}")
      set(result "${archive}")
    endif()
  elseif(path MATCHES "^-l(re2|cares|z|ssl|crypto|upb|gpr|address_sorting)$")
    set(archive "/usr/lib/${CMAKE_LIBRARY_ARCHITECTURE}/lib${CMAKE_MATCH_1}.a")
    if(EXISTS "${archive}")
      set(result "${archive}")
    endif()
  endif()
  set(${out} "${result}" PARENT_SCOPE)
endfunction()

function(lp_link_dependencies_statically)
  get_directory_property(imported IMPORTED_TARGETS)
  foreach(target IN LISTS imported)
    if(NOT target MATCHES "^(absl::|protobuf::|gRPC::|re2::|c-ares::|OpenSSL::|ZLIB::)")
      continue()
    endif()
    get_target_property(type ${target} TYPE)
    if(NOT type STREQUAL "SHARED_LIBRARY" AND NOT type STREQUAL "UNKNOWN_LIBRARY"
       AND NOT type STREQUAL "INTERFACE_LIBRARY")
      continue()
    endif()
    if(NOT type STREQUAL "INTERFACE_LIBRARY")
      foreach(property IMPORTED_LOCATION IMPORTED_LOCATION_NONE IMPORTED_LOCATION_RELEASE
                       IMPORTED_LOCATION_RELWITHDEBINFO IMPORTED_LOCATION_DEBUG)
        get_target_property(location ${target} ${property})
        if(location)
          _lp_static_archive_of("${location}" archive)
          set_target_properties(${target} PROPERTIES ${property} "${archive}")
        endif()
      endforeach()
    endif()
    get_target_property(links ${target} INTERFACE_LINK_LIBRARIES)
    if(links)
      set(new_links "")
      foreach(link IN LISTS links)
        _lp_static_archive_of("${link}" archive)
        list(APPEND new_links "${archive}")
      endforeach()
      set_target_properties(${target} PROPERTIES INTERFACE_LINK_LIBRARIES "${new_links}")
    endif()
  endforeach()
endfunction()
