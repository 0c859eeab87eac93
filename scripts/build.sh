#!/usr/bin/env bash
# Configures and builds the project. Usage: scripts/build.sh [build-dir] [cmake args...]
# The sanitizer builds: scripts/build.sh build-asan -DLP_SANITIZE=address
set -euo pipefail
cd "$(dirname "$0")/.."
build_dir="${1:-build}"
shift || true
"$(dirname "$0")/install_deps.sh"
cmake -S . -B "$build_dir" -G Ninja "$@" >/dev/null
cmake --build "$build_dir"
