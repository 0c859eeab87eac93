#!/usr/bin/env bash
# Builds and runs tests/consumer (a program outside the repository) against the library
# the way a user gets it; registered with CTest by tests/packaging/CMakeLists.txt.
#
#   consumer_test.sh MODE SOURCE_DIR BUILD_DIR WORK_DIR CXX [COMPILER_LAUNCHER]
#
#   install          cmake --install of BUILD_DIR (already built) into WORK_DIR/prefix,
#                    and scripts/check_public_headers.sh on the installed headers
#   find_package     tests/consumer against WORK_DIR/prefix (find_package, lp::lp)
#   pkg_config       main.cc compiled and linked with `pkg-config launchpad_cpp` only
#   add_subdirectory tests/consumer/subproject: the source tree as a subproject, with
#                    GoogleTest and Google Benchmark unfindable; builds the library and
#                    the program only
#   python           tests/consumer/python_consumer.py with Debian's python3 and
#                    PYTHONPATH=WORK_DIR/prefix/lib/python3/dist-packages only: the
#                    installed package launchpad_cpp calls BUILD_DIR's courier_test_server
#   deb              cpack -G DEB of BUILD_DIR, `apt-get install ./*.deb`, tests/consumer
#                    against /usr, and python_consumer.py with no PYTHONPATH; then the
#                    package is removed again. Needs root, and that launchpad-cpp-dev is
#                    not installed already; skipped (77) otherwise.
#
# Every C++ mode but install runs the program under local_mp and checks its answer.
#
# The consumer builds compile through COMPILER_LAUNCHER (the main build's), or through
# ccache when there is none and ccache is installed: each mode starts from an empty
# directory, so without a cache every run compiles the library (add_subdirectory) or
# main.cc again. CCACHE_BASEDIR (the source tree unless already set) makes the paths in
# the compile commands relative, so another checkout at another path hits the same
# entries. A cache hit needs the same compiler, flags and preprocessed sources, so a
# change to the library still shows; CCACHE_DISABLE=1 turns it off.
set -euo pipefail

mode="$1" source_dir="$2" build_dir="$3" work_dir="$4" cxx="$5" launcher="${6:-}"
consumer_dir="$source_dir/tests/consumer"
if [ -z "$launcher" ] && command -v ccache >/dev/null; then launcher=ccache; fi
if [ "$(basename "${launcher:-none}")" = ccache ]; then
  export CCACHE_BASEDIR="${CCACHE_BASEDIR:-$source_dir}"
fi
cmake_args=(-G Ninja -DCMAKE_CXX_COMPILER="$cxx")
if [ -n "$launcher" ]; then cmake_args+=(-DCMAKE_CXX_COMPILER_LAUNCHER="$launcher"); fi

# Runs the built program as processes; it prints the answer and stops itself.
run_consumer() {
  local output status=0
  output="$(timeout 300 "$1" --lp_launch_type=local_mp 2>&1)" || status=$?
  echo "$output"
  if [ "$status" -ne 0 ]; then
    echo "consumer_test: $1 --lp_launch_type=local_mp exited with $status" >&2
    return 1
  fi
  grep -q "consumer: 21 doubled is 42" <<<"$output"
}

# Runs tests/consumer/python_consumer.py, which must import launchpad_cpp from $1 (the
# remaining arguments go before the interpreter, e.g. an environment).
run_python_consumer() {
  local package_dir="$1" output status=0
  shift
  local server="$build_dir/tests/courier/courier_test_server"
  if [ ! -x "$server" ]; then
    echo "consumer_test: $server is not built" >&2
    return 1
  fi
  output="$(timeout 300 env "$@" /usr/bin/python3 "$consumer_dir/python_consumer.py" \
    "$server" "$package_dir" 2>&1)" || status=$?
  echo "$output"
  if [ "$status" -ne 0 ]; then
    echo "consumer_test: python_consumer.py exited with $status" >&2
    return 1
  fi
  grep -q "python consumer: 21 + 21 is 42" <<<"$output"
}

# Configures, builds and runs tests/consumer with the given extra cmake arguments.
build_and_run_find_package_consumer() {
  local dir="$1"
  shift
  rm -rf "$dir"
  cmake -S "$consumer_dir" -B "$dir" "${cmake_args[@]}" "$@"
  cmake --build "$dir"
  run_consumer "$dir/consumer"
}

case "$mode" in
  install)
    rm -rf "$work_dir/prefix"
    cmake --install "$build_dir" --prefix "$work_dir/prefix"
    # The installed headers are the public boundary too: no src/, no gRPC, and <lp/lp.h>
    # compiles with only the installed include directory.
    "$source_dir/scripts/check_public_headers.sh" "$work_dir/prefix/include/launchpad_cpp" \
      "$work_dir/prefix/include/launchpad_cpp"
    ;;
  find_package)
    build_and_run_find_package_consumer "$work_dir/find_package" \
      -DCMAKE_PREFIX_PATH="$work_dir/prefix"
    ;;
  pkg_config)
    rm -rf "$work_dir/pkg_config"
    mkdir -p "$work_dir/pkg_config"
    export PKG_CONFIG_PATH="$work_dir/prefix/lib/pkgconfig"
    # Compiled with the Cflags and linked with the Libs in two steps, as a Makefile
    # would: ccache caches compilations, not a compile-and-link in one command.
    # shellcheck disable=SC2046  # pkg-config's output is a list of flags
    $launcher "$cxx" $(pkg-config --cflags launchpad_cpp) -c "$consumer_dir/main.cc" \
      -o "$work_dir/pkg_config/main.o"
    # shellcheck disable=SC2046
    "$cxx" "$work_dir/pkg_config/main.o" -o "$work_dir/pkg_config/consumer" \
      $(pkg-config --libs launchpad_cpp)
    run_consumer "$work_dir/pkg_config/consumer"
    ;;
  python)
    # The default LP_INSTALL_PYTHONDIR; nothing else on the path (not the source tree).
    run_python_consumer "$work_dir/prefix/lib/python3/dist-packages" \
      -u PYTHONPATH PYTHONPATH="$work_dir/prefix/lib/python3/dist-packages"
    ;;
  add_subdirectory)
    rm -rf "$work_dir/add_subdirectory"
    cmake -S "$consumer_dir/subproject" -B "$work_dir/add_subdirectory" "${cmake_args[@]}" \
      -DLP_SOURCE_DIR="$source_dir" \
      -DCMAKE_DISABLE_FIND_PACKAGE_GTest=ON -DCMAKE_DISABLE_FIND_PACKAGE_benchmark=ON
    cmake --build "$work_dir/add_subdirectory" --target consumer --parallel 2
    run_consumer "$work_dir/add_subdirectory/consumer"
    ;;
  deb)
    if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null; then
      echo "consumer_test: skipped: installing a .deb needs root and apt-get"
      exit 77
    fi
    if dpkg-query -W -f='${Status}' launchpad-cpp-dev 2>/dev/null | grep -q "ok installed"; then
      echo "consumer_test: skipped: launchpad-cpp-dev is installed already; not replacing it"
      exit 77
    fi
    rm -rf "$work_dir/deb"
    (cd "$build_dir" && cpack -G DEB -B "$work_dir/deb")
    deb=("$work_dir"/deb/launchpad-cpp-dev_*.deb)
    dpkg-deb --info "${deb[0]}"
    trap 'DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300 remove -y -qq launchpad-cpp-dev' EXIT
    DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300 install -y -qq "${deb[0]}"
    build_and_run_find_package_consumer "$work_dir/deb_consumer"
    # Debian's python3 finds the package in /usr/lib/python3/dist-packages by itself.
    run_python_consumer /usr/lib/python3/dist-packages -u PYTHONPATH
    ;;
  *)
    echo "consumer_test: unknown mode '$mode'" >&2
    exit 2
    ;;
esac
