# Installing the library: cmake --install puts the headers, the static libraries, the
# CMake package launchpad_cpp (find_package(launchpad_cpp CONFIG), target lp::lp), the
# pkg-config module launchpad_cpp and the wire protos under the prefix; cpack -G DEB
# makes the same tree the Debian package launchpad-cpp-dev. Included from the top-level
# CMakeLists.txt when LP_INSTALL is on.
#
#   <prefix>/include/launchpad_cpp/   lp/ (the public API) and the generated
#                                     courier.pb.h and tensor.pb.h it includes
#   <prefix>/lib/                     liblp_*.a
#   <prefix>/lib/cmake/launchpad_cpp/ the CMake package
#   <prefix>/lib/pkgconfig/           launchpad_cpp.pc
#   <prefix>/share/launchpad_cpp/     the .proto files (a client in another language)
#   <prefix>/lib/python3/dist-packages/launchpad_cpp/   the Python package (LP_INSTALL_PYTHONDIR)

include(CMakePackageConfigHelpers)

set(LP_INSTALL_CMAKEDIR ${CMAKE_INSTALL_LIBDIR}/cmake/launchpad_cpp)

# lp_link_closure(<target> <ours-var> <imported-var>): the targets <target> links,
# directly or through others, split into ours (built here, installed and exported) and
# imported ones (Abseil, protobuf, gRPC, prometheus-cpp, Threads: found again by the
# package config).
function(lp_link_closure root ours_var imported_var)
  set(ours "")
  set(imported "")
  set(todo ${root})
  while(todo)
    list(POP_FRONT todo target)
    if(target IN_LIST ours OR target IN_LIST imported)
      continue()
    endif()
    get_target_property(is_imported ${target} IMPORTED)
    if(is_imported)
      list(APPEND imported ${target})
      continue()
    endif()
    list(APPEND ours ${target})
    get_target_property(links ${target} INTERFACE_LINK_LIBRARIES)
    foreach(link IN LISTS links)
      # A PRIVATE dependency of a static library is still linked: $<LINK_ONLY:...>.
      string(REGEX REPLACE "^\\$<LINK_ONLY:(.+)>$" "\\1" link "${link}")
      if(TARGET ${link})
        list(APPEND todo ${link})
      endif()
    endforeach()
  endwhile()
  set(${ours_var} ${ours} PARENT_SCOPE)
  set(${imported_var} ${imported} PARENT_SCOPE)
endfunction()

lp_link_closure(lp lp_installed_targets lp_imported_dependencies)

# --- libraries and the CMake package -----------------------------------------------

install(TARGETS ${lp_installed_targets} EXPORT launchpad_cppTargets
        ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR})
install(EXPORT launchpad_cppTargets NAMESPACE lp:: DESTINATION ${LP_INSTALL_CMAKEDIR})
install(TARGETS lp_status_tool RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
# lp::lp_gtest_main (test_mt/test_mp tests) is a component of its own, so that only a
# project asking for it (COMPONENTS gtest_main) needs GoogleTest.
if(TARGET lp_gtest_main)
  install(TARGETS lp_gtest_main EXPORT launchpad_cppGtestMainTargets
          ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR})
  install(EXPORT launchpad_cppGtestMainTargets NAMESPACE lp::
          DESTINATION ${LP_INSTALL_CMAKEDIR})
endif()

# The package links Abseil, protobuf and gRPC the way this build did (see
# cmake/static_dependencies.cmake); a consumer may set LP_STATIC_DEPENDENCIES first.
if(LP_STATIC_DEPENDENCIES AND LP_SANITIZE STREQUAL "")
  set(LP_PACKAGE_STATIC_DEPENDENCIES ON)
else()
  set(LP_PACKAGE_STATIC_DEPENDENCIES OFF)
endif()
configure_package_config_file(
  ${PROJECT_SOURCE_DIR}/cmake/launchpad_cppConfig.cmake.in
  ${PROJECT_BINARY_DIR}/launchpad_cppConfig.cmake
  INSTALL_DESTINATION ${LP_INSTALL_CMAKEDIR})
# 0.x: a new minor version may change the API.
write_basic_package_version_file(
  ${PROJECT_BINARY_DIR}/launchpad_cppConfigVersion.cmake
  COMPATIBILITY SameMinorVersion)
install(FILES ${PROJECT_BINARY_DIR}/launchpad_cppConfig.cmake
              ${PROJECT_BINARY_DIR}/launchpad_cppConfigVersion.cmake
              ${PROJECT_SOURCE_DIR}/cmake/static_dependencies.cmake
        DESTINATION ${LP_INSTALL_CMAKEDIR})

# --- headers -------------------------------------------------------------------------

# include/ is the whole public API (scripts/check_public_headers.sh); the generated
# headers it includes, courier/courier.pb.h (the wire types a custom codec sees) and the
# tensorflow/tensor.pb.h that one includes, go beside it.
install(DIRECTORY ${PROJECT_SOURCE_DIR}/include/ DESTINATION ${LP_INSTALL_INCLUDEDIR}
        FILES_MATCHING PATTERN "*.h")
foreach(generated IN ITEMS courier/courier.pb.h tensorflow/tensor.pb.h)
  get_filename_component(generated_dir ${generated} DIRECTORY)
  install(FILES $<TARGET_PROPERTY:lp_proto,BINARY_DIR>/gen/${generated}
          DESTINATION ${LP_INSTALL_INCLUDEDIR}/${generated_dir})
endforeach()

# --- pkg-config ----------------------------------------------------------------------

# Requires: the pkg-config module of each imported dependency; Libs: our archives in one
# link group (they call each other in both directions until issue 12's item 5).
set(lp_pc_requires "")
set(lp_pc_libs "")
foreach(dependency IN LISTS lp_imported_dependencies)
  if(dependency MATCHES "^absl::(.+)$")
    list(APPEND lp_pc_requires "absl_${CMAKE_MATCH_1}")
  elseif(dependency STREQUAL "gRPC::grpc++")
    list(APPEND lp_pc_requires "grpc++")
  elseif(dependency STREQUAL "protobuf::libprotobuf")
    list(APPEND lp_pc_requires "protobuf")
  elseif(dependency STREQUAL "OpenSSL::Crypto")
    list(APPEND lp_pc_requires "libcrypto")
  elseif(dependency STREQUAL "OpenSSL::SSL")
    list(APPEND lp_pc_requires "libssl")
  elseif(dependency STREQUAL "PkgConfig::LP_HTTPLIB")
    list(APPEND lp_pc_requires "cpp-httplib")
  elseif(dependency STREQUAL "prometheus-cpp::core")
    list(APPEND lp_pc_requires "prometheus-cpp-core")
  elseif(dependency STREQUAL "Threads::Threads")
    list(APPEND lp_pc_libs "-pthread")
  else()
    message(FATAL_ERROR "cmake/install.cmake: no pkg-config module known for ${dependency}; "
                        "add it to the mapping above")
  endif()
endforeach()
set(lp_pc_archives "")
foreach(target IN LISTS lp_installed_targets)
  get_target_property(type ${target} TYPE)
  if(type STREQUAL "STATIC_LIBRARY")
    list(APPEND lp_pc_archives "-l${target}")
  endif()
endforeach()
list(JOIN lp_pc_requires ", " LP_PC_REQUIRES)
list(JOIN lp_pc_archives " " lp_pc_archives)
list(JOIN lp_pc_libs " " lp_pc_libs)
set(LP_PC_LIBS "-L\${libdir} -Wl,--start-group ${lp_pc_archives} -Wl,--end-group ${lp_pc_libs}")
# The prefix is found from the .pc file's own place, so the installed tree can move.
file(RELATIVE_PATH LP_PC_PREFIX_FROM_PCFILEDIR
     /prefix/${CMAKE_INSTALL_LIBDIR}/pkgconfig /prefix)
string(REGEX REPLACE "/$" "" LP_PC_PREFIX_FROM_PCFILEDIR "${LP_PC_PREFIX_FROM_PCFILEDIR}")
configure_file(${PROJECT_SOURCE_DIR}/cmake/launchpad_cpp.pc.in
               ${PROJECT_BINARY_DIR}/launchpad_cpp.pc @ONLY)
install(FILES ${PROJECT_BINARY_DIR}/launchpad_cpp.pc
        DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)

# --- the wire protos -----------------------------------------------------------------

install(FILES ${PROJECT_SOURCE_DIR}/proto/courier/courier.proto
        DESTINATION ${CMAKE_INSTALL_DATADIR}/launchpad_cpp/proto/courier)
install(FILES ${PROJECT_SOURCE_DIR}/proto/tensorflow/tensor.proto
        DESTINATION ${CMAKE_INSTALL_DATADIR}/launchpad_cpp/proto/tensorflow)

# --- the Python package ----------------------------------------------------------------

# launchpad_cpp (python/), pure Python. lib/python3/dist-packages under /usr is where
# Debian's python3 looks (so the .deb needs no PYTHONPATH); under another prefix, add
# <prefix>/lib/python3/dist-packages to PYTHONPATH (docs/python.md). LP_INSTALL_PYTHONDIR is
# set in CMakeLists.txt: Python nodes (src/launch/python_node.cc) look there too.
install(DIRECTORY ${PROJECT_SOURCE_DIR}/python/launchpad_cpp DESTINATION ${LP_INSTALL_PYTHONDIR}
        FILES_MATCHING PATTERN "*.py" PATTERN "__pycache__" EXCLUDE)

# --- the Debian package (cpack -G DEB) -----------------------------------------------

if(PROJECT_IS_TOP_LEVEL)
  set(CPACK_GENERATOR DEB)
  set(CPACK_PACKAGE_NAME launchpad-cpp-dev)
  set(CPACK_PACKAGE_VENDOR "Launchpad for C++")
  set(CPACK_PACKAGE_CONTACT "Launchpad for C++ developers <launchpad-cpp@localhost>")
  set(CPACK_PACKAGE_DESCRIPTION_SUMMARY
      "Launchpad for C++: distributed programs as graphs of nodes (development files)")
  set(CPACK_PACKAGE_DESCRIPTION
      "Headers, static libraries, CMake package (find_package(launchpad_cpp), lp::lp) and \
pkg-config module of Launchpad for C++: a program is a graph of nodes calling each other \
over Courier RPC (gRPC), launched as threads, processes or Slurm tasks.")
  set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
  set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
  set(CPACK_DEBIAN_PACKAGE_SECTION libdevel)
  # What a consumer compiles and links with: the headers and archives of Abseil,
  # protobuf, gRPC (whose own -dev packages bring re2, c-ares, zlib) and OpenSSL (which
  # lp_rpc links itself since TLS), the gRPC plugins, without which gRPC's CMake
  # package refuses to load, prometheus-cpp (Courier's metrics), cpp-httplib (the status
  # server) with pkg-config, through which the package finds it.
  set(CPACK_DEBIAN_PACKAGE_DEPENDS
      "libabsl-dev, libprotobuf-dev, libgrpc++-dev, libssl-dev, protobuf-compiler-grpc, \
prometheus-cpp-dev, libcpp-httplib-dev, pkgconf")
  set(CPACK_DEBIAN_PACKAGE_SUGGESTS "cmake, libgtest-dev")
  # The Python package launchpad_cpp (calling nodes from Python) runs on these.
  set(CPACK_DEBIAN_PACKAGE_RECOMMENDS "python3, python3-grpcio, python3-protobuf, python3-numpy")
  include(CPack)
endif()
