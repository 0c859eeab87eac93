#!/usr/bin/env bash
# Installs what is missing, builds, and runs an example program.
# Usage: scripts/example.sh [example [flags...]]
# Without arguments: the main example, consumer_producers, every node its own process.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/build.sh build
if [ $# -eq 0 ]; then
  exec build/examples/consumer_producers --lp_launch_type=local_mp
fi
example="$1"
shift
exec "build/examples/$example" "$@"
