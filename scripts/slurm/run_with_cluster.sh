#!/usr/bin/env bash
# Starts a Slurm cluster (start_cluster.sh), runs one command against it, and stops the
# cluster whatever happens (stop_cluster.sh). Exits with the command's status. This is how
# the test suite runs its Slurm tests, and a quick way to try a program on a cluster.
#
#   scripts/slurm/run_with_cluster.sh [--hosts N] [--dir DIR] -- CMD [ARGS...]
#
#   --hosts N   as start_cluster.sh: 0 (default) one host; N >= 1 N namespace hosts, and
#               CMD then runs in the head namespace (in_head.sh), where the hosts resolve
#   --dir DIR   the cluster's directory (default $LP_SLURM_DIR, else /tmp/lp_slurm)
#
# CMD sees SLURM_CONF (and LP_SLURM_DIR, LP_SLURM_HOSTS, LP_SLURM_NODES). When it fails,
# the end of the daemons' logs is printed, since a test's failure may be the cluster's.
# When a slurmd dies while CMD runs (a crash of Slurm's own), CMD is stopped and run once
# more on a fresh cluster, and the crash is reported; its status is the second run's.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"

hosts=0
dir=${LP_SLURM_DIR:-$LP_SLURM_DEFAULT_DIR}
while [ $# -gt 0 ]; do
  case $1 in
    --hosts) hosts=${2:?--hosts needs a number}; shift 2 ;;
    --hosts=*) hosts=${1#*=}; shift ;;
    --dir) dir=${2:?--dir needs a path}; shift 2 ;;
    --dir=*) dir=${1#*=}; shift ;;
    --) shift; break ;;
    -h|--help) sed -n '2,14p' "$0"; exit 0 ;;
    *) lp_die "unknown argument: $1 (usage: $0 [--hosts N] [--dir DIR] -- CMD [ARGS...])" ;;
  esac
done
[ $# -gt 0 ] || lp_die "no command (usage: $0 [--hosts N] [--dir DIR] -- CMD [ARGS...])"
case $dir in /*) ;; *) dir=$(pwd)/$dir ;; esac

# One cluster per machine (daemons, ports, namespaces): runs from other build trees wait.
exec 9>/run/lock/lp-slurm-cluster.lock
flock 9

trap '"$here/stop_cluster.sh" --dir "$dir" >/dev/null 2>&1 || echo "warning: stop_cluster.sh --dir $dir failed" >&2' EXIT

# The command runs in a session of its own (so that it can be stopped as a whole): a
# signal to this script must reach it too.
command=""
trap 'if [ -n "$command" ]; then kill -KILL -- "-$command" 2>/dev/null; fi; exit 143' TERM INT

# Whether a slurmd of the cluster has died: its pid file names a process that is gone.
slurmd_died() {
  local pidfile pid
  for pidfile in "$dir"/run/slurmd-*.pid; do
    [ -f "$pidfile" ] || continue
    pid=$(cat "$pidfile" 2>/dev/null || true)
    if [[ $pid =~ ^[0-9]+$ ]] && [ ! -d "/proc/$pid" ]; then
      echo "${pidfile##*/}"
      return 0
    fi
  done
  return 1
}

# Runs the command against a fresh cluster; sets `status`, and `crashed` to the pid file
# of a slurmd that died meanwhile. Slurm 22.05's slurmd has died of heap corruption
# (SIGSEGV in malloc under slurm_hostlist_create_dims, launching two steps of one node at
# once) on a loaded 2-core VM. Its host then stays DOWN and every later test waits for it
# until its own deadline, so the command is stopped as soon as that is seen.
run_once() {
  # Without the lock's descriptor: the daemons outlive this script when it is killed
  # (a CTest timeout), and must not keep the next run waiting for the lock; that run's
  # start_cluster.sh restarts the cluster.
  "$here/start_cluster.sh" --hosts "$hosts" --dir "$dir" >/dev/null 9>&-
  crashed=""
  set +e
  setsid bash -c '. "$1/cluster.env"; export LP_SLURM_DIR LP_SLURM_HOSTS LP_SLURM_NODES
                  shift; exec "$@"' _ "$dir" "$here/in_head.sh" --dir "$dir" "$@" &
  command=$!
  while kill -0 "$command" 2>/dev/null; do
    if crashed=$(slurmd_died); then
      echo "run_with_cluster: a slurmd of the cluster died (${crashed}); stopping the command" >&2
      kill -TERM -- "-$command" 2>/dev/null
      sleep 5
      kill -KILL -- "-$command" 2>/dev/null
      break
    fi
    sleep 1
  done
  wait "$command"
  status=$?
  command=""
  set -e
}

print_logs() {
  for log in "$dir"/log/*.log; do
    echo "---- last lines of $log"
    tail -n 15 "$log"
  done >&2
}

run_once "$@"
if [ -n "$crashed" ]; then
  # Slurm's crash, not the command's: say so, with the daemon's backtrace when there is a
  # core file and gdb, and run the command once more on a fresh cluster.
  print_logs
  core=$(ls -t "$dir"/log/core* 2>/dev/null | head -n 1 || true)
  if [ -n "$core" ] && command -v gdb >/dev/null; then
    gdb -batch -ex bt "$(command -v slurmd)" "$core" 2>/dev/null | grep '^#' >&2 || true
  fi
  echo "run_with_cluster: slurmd crashed (not the command's failure); running the command again on a fresh cluster" >&2
  rm -f "$dir"/log/core*
  run_once "$@"  # start_cluster.sh stops the crashed cluster first
  [ -z "$crashed" ] || echo "run_with_cluster: a slurmd died again (${crashed})" >&2
fi
if [ "$status" -ne 0 ]; then
  print_logs
fi
exit "$status"
