#!/usr/bin/env bash
# Installs the Debian 12 packages this project builds, tests and runs with, if missing.
# Needs root (or sudo). Safe to run again: it installs only what is absent.
set -euo pipefail

PACKAGES=(
  # toolchain
  g++ cmake ninja-build pkg-config
  # libraries
  libgrpc++-dev protobuf-compiler-grpc libprotobuf-dev protobuf-compiler libabsl-dev
  # TLS: OpenSSL checks the certificate files; openssl makes test certificates
  libssl-dev openssl
  # tests; ccache keeps tests/packaging's consumer builds from compiling again what an
  # earlier run (of any checkout) compiled already
  libgtest-dev libgmock-dev ccache
  # the stacks a test prints of a child that hangs (tests/support/child_process.h)
  gdb
  # the fuzz build (-DLP_FUZZ=ON, scripts/fuzz.sh): clang 14 and its libFuzzer runtime
  clang libclang-rt-14-dev
  # the Python package launchpad_cpp (python/) and its tests
  python3 python3-grpcio python3-protobuf python3-numpy
  # terminals of process launches (--lp_terminal=tmux_session) and their tests
  tmux
  # observability (docs/observability.md): the status server and its JSON, Prometheus
  # metrics, the program graph rendered by Graphviz, and the status page's browser test
  libcpp-httplib-dev nlohmann-json3-dev prometheus-cpp-dev graphviz chromium fonts-liberation
  # what chromium only recommends (installs here are --no-install-recommends): its
  # software rendering, so that headless screenshots work without a GPU
  libgl1-mesa-dri
)

"$(dirname "$0")/install_packages.sh" "${PACKAGES[@]}"
# The Slurm tests start a real cluster (tests/slurm/CMakeLists.txt).
"$(dirname "$0")/slurm/install.sh"
