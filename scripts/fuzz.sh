#!/usr/bin/env bash
# Builds the libFuzzer targets (build-fuzz/, clang, -DLP_FUZZ=ON) and runs each for longer
# than CI does. Usage: scripts/fuzz.sh [seconds per target, default 600] [target...]
#   scripts/fuzz.sh                  decoder, request and reply, 10 minutes each
#   scripts/fuzz.sh 3600 request     the request path for an hour
# New inputs accumulate in build-fuzz/tests/fuzz/work/<target>/corpus (kept between runs);
# a failing input is saved in build-fuzz/tests/fuzz/work/<target>/artifacts and named at
# the end. See docs/courier.md, "Fuzzing", for what to do with one.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-600}"
shift || true
targets=("$@")
if [ "${#targets[@]}" -eq 0 ]; then targets=(decoder request reply); fi
scripts/build.sh build-fuzz -DLP_FUZZ=ON -DCMAKE_CXX_COMPILER=clang++
status=0
for target in "${targets[@]}"; do
  echo "== fuzzing $target for ${seconds}s"
  tests/fuzz/run_fuzzer.sh "build-fuzz/tests/fuzz/${target}_fuzzer" tests/fuzz "$target" \
      build-fuzz/tests/fuzz/work "$seconds" || status=1
done
exit "$status"
