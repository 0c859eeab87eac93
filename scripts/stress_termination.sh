#!/usr/bin/env bash
# Runs the termination tests (tests/termination) many more times than CI does, optionally
# with both cores kept busy, to shake out races between stopping, failing and calling.
#   scripts/stress_termination.sh [runs] [--busy] [build-dir]
# e.g. scripts/stress_termination.sh 1000 --busy   (CI runs 20 throws, 200 stops, 5 kills)
set -euo pipefail
cd "$(dirname "$0")/.."
runs="${1:-1000}"
busy=false
build_dir=build
for arg in "${@:2}"; do
  case "$arg" in
    --busy) busy=true ;;
    *) build_dir="$arg" ;;
  esac
done
cmake --build "$build_dir" --target termination_test rl_child >/dev/null
loaders=()
if $busy; then
  for _ in 1 2; do (while :; do :; done) & loaders+=($!); done
  trap 'kill "${loaders[@]}" 2>/dev/null || true' EXIT
fi
LP_TERMINATION_RUNS="$runs" "$build_dir/tests/termination/termination_test"
