#!/usr/bin/env bash
# Runs a command in the cluster's head network namespace (multi-host cluster of
# start_cluster.sh --hosts N), where slurmctld runs and the compute hosts n1..nN are reachable:
# hostname "head" (10.213.0.1), the cluster's hosts file over /etc/hosts and its configuration
# directory over /etc/slurm (private mounts of this command only), SLURM_CONF set.
# With the single-host cluster (--hosts 0) it just runs the command with SLURM_CONF set.
#
#   scripts/slurm/in_head.sh [--dir DIR] CMD [ARGS...]
#
# Run the launcher (and its tests) this way: servers it listens on are reachable from the
# tasks as head:PORT or 10.213.0.1:PORT. The exit status is CMD's.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"

dir=${LP_SLURM_DIR:-$LP_SLURM_DEFAULT_DIR}
case ${1:-} in
  --dir) dir=${2:?--dir needs a path}; shift 2 ;;
  --dir=*) dir=${1#*=}; shift ;;
esac
[ $# -gt 0 ] || lp_die "usage: $0 [--dir DIR] CMD [ARGS...]"
case $dir in /*) ;; *) dir=$(pwd)/$dir ;; esac
dir=${dir%/}
lp_load_cluster_env "$dir"
if [ "$LP_SLURM_HOSTS" -eq 0 ]; then
  exec "$@"
fi
lp_require_root
export LP_SLURM_IN_HEAD=1
lp_ns_exec "$dir" "${LP_SLURM_NS_PREFIX}-head" head "" "$@"
