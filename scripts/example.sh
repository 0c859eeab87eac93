#!/usr/bin/env bash
# Installs what is missing, builds, and runs an example program.
# Usage: scripts/example.sh [example] [flags...]   (default: the main example)
set -euo pipefail
cd "$(dirname "$0")/.."
example="${1:-hello_world}"
shift || true
scripts/build.sh build
exec "build/examples/$example" "$@"
