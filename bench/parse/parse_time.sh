#!/usr/bin/env bash
# How long a translation unit that includes <lp/lp.h> takes to parse (g++ -fsyntax-only),
# now and at an earlier commit, in one run, alternating: issue 12's measure of what the
# public headers cost a user's build. A third figure is the floor no header change can go
# below while the API keeps Abseil and protobuf types: the same TU with only the standard,
# Abseil and courier.pb.h headers that lp.h needs. A fourth is the floor even if protobuf's
# types left the API too (custom codecs see courier::SerializedObject): std and Abseil only.
#
#   bench/parse/parse_time.sh [BASELINE_REV] [RUNS]
#
# BASELINE_REV defaults to 8f18a77 (before the public headers stopped including gRPC and
# src/). RUNS (default 7) runs of each; medians are printed. Needs a configured build
# tree for the generated protos: BUILD_DIR (default build).
set -euo pipefail
cd "$(dirname "$0")/../.."
baseline_rev=${1:-8f18a77}
runs=${2:-7}
build=${BUILD_DIR:-build}
gen=$build/proto/gen
[[ -f $gen/courier/courier.pb.h ]] || { echo "parse_time.sh: no $gen/courier/courier.pb.h; build first" >&2; exit 66; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
git archive "$baseline_rev" include src | tar -x -C "$work"

printf '#include "lp/lp.h"\nint main() { return 0; }\n' > "$work/lp.cc"
cat > "$work/floor.cc" <<'TU'
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <tuple>
#include <variant>
#include <vector>
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "courier/courier.pb.h"
int main() { return 0; }
TU
grep -v courier.pb.h "$work/floor.cc" > "$work/floor_no_protobuf.cc"

# Seconds one parse takes.
parse() { local start end; start=$(date +%s.%N); g++ -std=c++20 -fsyntax-only -w "$@"; end=$(date +%s.%N); echo "$end - $start" | bc; }
median() { sort -n | awk '{a[NR]=$1} END{print a[int((NR+1)/2)]}'; }

: > "$work/now"; : > "$work/before"; : > "$work/floor"; : > "$work/floor_no_protobuf"
for ((i = 0; i < runs; i++)); do
  parse -Iinclude -I"$gen" "$work/lp.cc" >> "$work/now"
  parse -I"$work/include" -I"$work" -I"$gen" "$work/lp.cc" >> "$work/before"
  parse -I"$gen" "$work/floor.cc" >> "$work/floor"
  parse "$work/floor_no_protobuf.cc" >> "$work/floor_no_protobuf"
done
now=$(median < "$work/now")
before=$(median < "$work/before")
floor=$(median < "$work/floor")
floor_no_protobuf=$(median < "$work/floor_no_protobuf")
lines_now=$(g++ -std=c++20 -E -Iinclude -I"$gen" "$work/lp.cc" | wc -l)
lines_before=$(g++ -std=c++20 -E -I"$work/include" -I"$work" -I"$gen" "$work/lp.cc" | wc -l)
echo "parse of #include <lp/lp.h>, median of $runs, g++ -fsyntax-only, $(nproc) cores, load $(cut -d' ' -f1 /proc/loadavg)"
printf '  at %-10s %6.2f s  (%d preprocessed lines)\n' "$baseline_rev" "$before" "$lines_before"
printf '  now          %6.2f s  (%d preprocessed lines)\n' "$now" "$lines_now"
printf '  floor        %6.2f s  (std + Abseil + courier.pb.h only)\n' "$floor"
printf '  floor        %6.2f s  (std + Abseil only: protobuf out of the API too)\n' "$floor_no_protobuf"
printf '  now / before = %.2f (target 0.40); floor / before = %.2f; std + Abseil / before = %.2f\n' \
  "$(echo "$now / $before" | bc -l)" "$(echo "$floor / $before" | bc -l)" \
  "$(echo "$floor_no_protobuf / $before" | bc -l)"
