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
"$here/start_cluster.sh" --hosts "$hosts" --dir "$dir" >/dev/null

set +e
(
  . "$dir/cluster.env"
  export LP_SLURM_DIR LP_SLURM_HOSTS LP_SLURM_NODES
  exec "$here/in_head.sh" --dir "$dir" "$@"
)
status=$?
set -e
if [ "$status" -ne 0 ]; then
  for log in "$dir"/log/*.log; do
    echo "---- last lines of $log"
    tail -n 15 "$log"
  done >&2
fi
exit "$status"
