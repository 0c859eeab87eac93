#!/usr/bin/env bash
# Runs one libFuzzer target for a bounded time on its checked-in inputs.
# Usage: run_fuzzer.sh <fuzzer binary> <tests/fuzz dir> <target: decoder|request|reply>
#                      <work dir> <seconds>
#
# The checked-in seeds (tests/fuzz/corpus/<target>) and findings
# (tests/fuzz/regressions/<target>) are read, never written: new inputs go to
# <work dir>/<target>/corpus, and an input that fails a check or crashes is saved as
# <work dir>/<target>/artifacts/crash-<sha1> (libFuzzer's name), which this script prints.
# To keep a finding: fix it, then copy that file to tests/fuzz/regressions/<target>/ under
# a name that says what it found (fuzz_regression_test replays it in the normal build).
set -euo pipefail
fuzzer=$1 data=$2 target=$3 work=$4/$3 seconds=$5
mkdir -p "$work/corpus" "$work/artifacts"
inputs=("$work/corpus" "$data/corpus/$target")
if [ -d "$data/regressions/$target" ]; then inputs+=("$data/regressions/$target"); fi
# -timeout: one input running longer than this is a finding (a hang), and so is an input
# that needs more than -rss_limit_mb of memory.
status=0
"$fuzzer" -max_total_time="$seconds" -timeout=30 -rss_limit_mb=2560 -print_final_stats=1 \
    -artifact_prefix="$work/artifacts/" \
    "${inputs[@]}" || status=$?
if [ "$status" -ne 0 ]; then
  echo "run_fuzzer.sh: $target found an input that fails; it is in $work/artifacts:" >&2
  ls -l "$work/artifacts" >&2
fi
exit "$status"
