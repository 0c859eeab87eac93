#!/usr/bin/env bash
# Stops the cluster of scripts/slurm/start_cluster.sh and removes everything it made: its
# daemons (munged, slurmctld, slurmd), every process still running in its namespaces or its
# cgroups (job steps, tasks, launchers started with in_head.sh), its network namespaces and
# bridge, its freezer cgroups and its directory. Safe to run again, or with nothing running.
#
#   scripts/slurm/stop_cluster.sh [--dir DIR] [--keep-logs]
#
#   --dir DIR     the cluster's directory (default $LP_SLURM_DIR, else /tmp/lp_slurm)
#   --keep-logs   keep DIR/log and DIR/munge/munged.log (the rest of DIR is removed)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"

dir=${LP_SLURM_DIR:-$LP_SLURM_DEFAULT_DIR}
keep_logs=0
while [ $# -gt 0 ]; do
  case $1 in
    --dir) dir=${2:?--dir needs a path}; shift 2 ;;
    --dir=*) dir=${1#*=}; shift ;;
    --keep-logs) keep_logs=1; shift ;;
    -h|--help) sed -n '2,11p' "$0"; exit 0 ;;
    *) lp_die "unknown argument: $1 (usage: $0 [--dir DIR] [--keep-logs])" ;;
  esac
done
case $dir in /*) ;; *) dir=$(pwd)/$dir ;; esac
dir=${dir%/}
[ -n "$dir" ] && [ "$dir" != / ] || lp_die "refusing --dir /"
lp_require_root

our_namespaces() { ip netns list 2>/dev/null | awk '{print $1}' | grep "^${LP_SLURM_NS_PREFIX}-" || true; }
our_cgroups() {
  # Deepest first, so that rmdir works in this order.
  if [ -d "$LP_SLURM_FREEZER" ]; then
    find "$LP_SLURM_FREEZER" -mindepth 1 -maxdepth 1 -type d -name "${LP_SLURM_CGROUP_PREFIX}*" \
      -exec find {} -depth -type d \; 2>/dev/null || true
  fi
}

# Every process that belongs to the cluster, by what it is tied to: its network namespaces,
# its cgroups, its pid files, the single-host slurmd's mount namespace, and (name AND
# environment) the Slurm clients pointed at its slurm.conf. Never by name alone.
our_pids() {
  local ns cg pid mntns
  for ns in $(our_namespaces); do ip netns pids "$ns" 2>/dev/null || true; done
  for cg in $(our_cgroups); do cat "$cg/cgroup.procs" 2>/dev/null || true; done
  for pidfile in "$dir"/run/*.pid "$dir"/munge/munged.pid; do
    [ -f "$pidfile" ] || continue
    pid=$(cat "$pidfile" 2>/dev/null || true)
    [[ $pid =~ ^[0-9]+$ ]] && [ -d "/proc/$pid" ] && echo "$pid"
  done
  # Slurm clients of this cluster (srun, salloc, sbatch --wait) in the root namespace: they
  # would wait forever for a controller that is gone. Recognised by name AND by their
  # SLURM_CONF pointing into DIR; other processes that merely have it set (shells) are kept.
  for comm in $(grep -lxE 'srun|salloc|sbatch' /proc/[0-9]*/comm 2>/dev/null); do
    pid=${comm%/comm}
    tr '\0' '\n' 2>/dev/null <"$pid/environ" | grep -qxF "SLURM_CONF=$dir/etc/slurm.conf" &&
      echo "${pid#/proc/}"
  done
  # The single-host cluster's slurmd runs in a private mount namespace (recorded at start):
  # its job steps and tasks share it.
  for mntfile in "$dir"/run/*.mntns; do
    [ -f "$mntfile" ] || continue
    mntns=$(sed 's/[][*?\\]/\\&/g' "$mntfile")   # "mnt:[NNN]", as a -lname pattern
    [ -n "$mntns" ] || continue
    find /proc -mindepth 3 -maxdepth 3 -path '/proc/[0-9]*/ns/mnt' -lname "$mntns" 2>/dev/null |
      cut -d/ -f3
  done
  true
}

# Thaw first: a process in a frozen cgroup cannot die.
thaw() {
  local cg
  for cg in $(our_cgroups); do
    [ -w "$cg/freezer.state" ] && echo THAWED >"$cg/freezer.state" 2>/dev/null || true
  done
}

thaw
pids=$(our_pids | sort -un | grep -vx "$$" || true)
killed=$pids
if [ -n "$pids" ]; then
  # shellcheck disable=SC2086
  kill -TERM $pids 2>/dev/null || true
  # slurmstepd and srun ignore a single SIGTERM: wait 2 s at most, then SIGKILL.
  for _ in $(seq 10); do
    thaw
    pids=$(our_pids | sort -un | grep -vx "$$" || true)
    [ -z "$pids" ] && break
    sleep 0.2
  done
  if [ -n "$pids" ]; then
    # shellcheck disable=SC2086
    kill -KILL $pids 2>/dev/null || true
    for _ in $(seq 25); do
      thaw
      pids=$(our_pids | sort -un | grep -vx "$$" || true)
      [ -z "$pids" ] && break
      sleep 0.1
    done
  fi
  [ -z "$pids" ] || echo "warning: processes still alive: $pids" >&2
fi
# Until init has reaped them, the killed daemons linger as zombies: wait for that (2 s at most).
for _ in $(seq 20); do
  zombie=0
  for pid in $killed; do [ -e "/proc/$pid" ] && zombie=1; done
  [ $zombie -eq 0 ] && break
  sleep 0.1
done

for ns in $(our_namespaces); do
  ip netns delete "$ns" || echo "warning: could not delete network namespace $ns" >&2
done
# `ip netns add` made /run/netns a mount point (a shared bind mount of itself) if it was
# not one: undo that when no namespace is left in it (anyone's: others may be using it).
if mountpoint -q /run/netns 2>/dev/null && [ -z "$(ls -A /run/netns 2>/dev/null)" ]; then
  umount /run/netns 2>/dev/null || true
fi
for cg in $(our_cgroups); do
  rmdir "$cg" 2>/dev/null || echo "warning: could not remove cgroup $cg" >&2
done

if [ -d "$dir" ] && ! lp_is_cluster_dir "$dir"; then
  echo "warning: $dir was not made by start_cluster.sh: left in place" >&2
elif [ -d "$dir" ]; then
  if [ "$keep_logs" -eq 1 ]; then
    find "$dir" -mindepth 1 -maxdepth 1 ! -name log ! -name munge ! -name .lp_slurm_cluster_dir -exec rm -rf {} +
    find "$dir/munge" -mindepth 1 ! -name munged.log -exec rm -rf {} + 2>/dev/null || true
  else
    rm -rf "$dir"
  fi
fi
