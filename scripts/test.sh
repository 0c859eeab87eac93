#!/usr/bin/env bash
# Installs what is missing, builds, and runs the whole test suite.
# Usage: scripts/test.sh [build-dir] [cmake args...]
#   scripts/test.sh build-asan -DLP_SANITIZE=address   ASan + UBSan
#   scripts/test.sh build-tsan -DLP_SANITIZE=thread    TSan
set -euo pipefail
cd "$(dirname "$0")/.."
build_dir="${1:-build}"
shift || true
scripts/build.sh "$build_dir" "$@"
cd "$build_dir"
ctest --output-on-failure --timeout 600 -j2
