#!/usr/bin/env bash
# bench_slurm_launch: how long consumer_producers takes under --lp_launch_type=slurm, from
# the launcher's start to its clean exit, against its baseline in the same run: the same
# sruns (same job layout: 4 producer tasks spread as asked, 1 consumer task, started at
# once) running /bin/true. The difference is what Launchpad adds on top of Slurm's own
# job start: the coordinator, the re-executed binary, registration, address resolution,
# the RPCs and the stop.
#
# Run it against a cluster (run_with_cluster.sh sets SLURM_CONF, and on a multi-host
# cluster runs it in the head namespace):
#
#   sudo scripts/slurm/run_with_cluster.sh -- bench/slurm/bench_slurm_launch.sh
#   sudo scripts/slurm/run_with_cluster.sh --hosts 3 -- bench/slurm/bench_slurm_launch.sh
#
# Options (environment): BUILD_DIR (default build), REPS (default 10), HOSTS (spread the
# producers over this many machines; default: LP_SLURM_HOSTS, or 1).
set -euo pipefail
cd "$(dirname "$0")/../.."
build=${BUILD_DIR:-build}
reps=${REPS:-10}
hosts=${HOSTS:-${LP_SLURM_HOSTS:-1}}
[ "$hosts" -ge 1 ] || hosts=1
program=$build/examples/consumer_producers
[ -x "$program" ] || { echo "no $program: build first (scripts/build.sh)" >&2; exit 1; }
command -v srun >/dev/null || { echo "srun not found: run under scripts/slurm/run_with_cluster.sh" >&2; exit 1; }

now_ms() { echo $(( $(date +%s%N) / 1000000 )); }

lp_once() {
  "$program" --lp_launch_type=slurm --producer_hosts="$hosts" >/dev/null 2>&1
}
baseline_once() {
  srun --ntasks=4 --nodes="$hosts" --kill-on-bad-exit=0 --label /bin/true >/dev/null 2>&1 &
  local producers=$!
  srun --ntasks=1 --kill-on-bad-exit=0 --label /bin/true >/dev/null 2>&1
  wait "$producers"
}

# The median of the times (ms) of `reps` runs of $1, interleaved runs warm both alike.
declare -a lp_times base_times
lp_once; baseline_once  # warm-up: page cache, slurmd's first step
for _ in $(seq "$reps"); do
  start=$(now_ms); lp_once; lp_times+=($(( $(now_ms) - start )))
  start=$(now_ms); baseline_once; base_times+=($(( $(now_ms) - start )))
done
median() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }
lp_median=$(median "${lp_times[@]}")
base_median=$(median "${base_times[@]}")
nodes=$(sinfo --noheader --format=%D | awk '{s+=$1} END {print s}')
echo "cluster: $nodes Slurm node(s); producers spread over $hosts; $reps runs each, interleaved; median wall time"
printf '%-58s %8s ms\n' "consumer_producers --lp_launch_type=slurm (launch to exit)" "$lp_median"
printf '%-58s %8s ms\n' "baseline: the same sruns running /bin/true" "$base_median"
awk -v a="$lp_median" -v b="$base_median" 'BEGIN {printf "ratio lp / baseline: %.2fx (lp adds %.0f ms)\n", a / b, a - b}'
