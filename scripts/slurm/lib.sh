# shellcheck shell=bash disable=SC2034
# Shared helpers of the development/CI Slurm cluster scripts (sourced, not run).
# See docs/slurm_cluster.md.

LP_SLURM_DEFAULT_DIR=/tmp/lp_slurm
# Names of the kernel objects the multi-host cluster makes. They are fixed (one cluster per
# machine): network namespaces lpslurm-head, lpslurm-n1..nN, the bridge lpsbr0 inside
# lpslurm-head, and freezer cgroups /sys/fs/cgroup/freezer/lp_slurm_<node>.
LP_SLURM_NS_PREFIX=lpslurm
LP_SLURM_BRIDGE=lpsbr0
LP_SLURM_SUBNET=10.213.0          # /24, exists only inside our namespaces
LP_SLURM_HEAD_ADDR=${LP_SLURM_SUBNET}.1
LP_SLURM_CGROUP_PREFIX=lp_slurm_
LP_SLURM_FREEZER=/sys/fs/cgroup/freezer

lp_die() {
  echo "error: $*" >&2
  exit 1
}

lp_require_root() {
  [ "$(id -u)" -eq 0 ] || lp_die "$(basename "$0") must run as root (it starts daemons and namespaces)"
}

# Address of compute host I (1-based) of the multi-host cluster.
lp_node_addr() {
  echo "${LP_SLURM_SUBNET}.$((10 + $1))"
}

# True when a writable cgroup-v1 freezer hierarchy is mounted at /sys/fs/cgroup/freezer.
lp_have_v1_freezer() {
  [ "$(stat -fc %T "$LP_SLURM_FREEZER" 2>/dev/null)" = cgroupfs ] || return 1
  local probe="$LP_SLURM_FREEZER/${LP_SLURM_CGROUP_PREFIX}probe_$$"
  mkdir "$probe" 2>/dev/null || return 1
  rmdir "$probe"
}

# lp_ns_exec DIR NS HOSTNAME CGROUP CMD...: runs CMD in network namespace NS (empty: the
# current one) inside a new private mount and UTS namespace in which
#   - the hostname is HOSTNAME (empty: unchanged),
#   - DIR/etc/hosts is bind-mounted over /etc/hosts and DIR/etc over /etc/slurm (only when
#     NS is set: the root namespace's /etc is never touched),
#   - the freezer cgroup CGROUP (empty: none) is bind-mounted over /sys/fs/cgroup/freezer, so
#     that a slurmd's proctrack/cgroup tree is its own and not shared with the other slurmds
#     of this machine.
# The mounts vanish with the last process of that mount namespace.
lp_ns_exec() {
  local dir=$1 ns=$2 host=$3 cgroup=$4
  shift 4
  local enter=()
  if [ -n "$ns" ]; then
    enter=(nsenter "--net=/run/netns/$ns")
  fi
  local uts=()
  if [ -n "$host" ]; then uts=(--uts); fi
  SLURM_CONF="$dir/etc/slurm.conf" "${enter[@]}" unshare --mount --propagation private "${uts[@]}" \
    /bin/sh -c '
      set -e
      dir=$1 ns=$2 host=$3 cgroup=$4
      shift 4
      if [ -n "$host" ]; then hostname "$host"; fi
      if [ -n "$ns" ]; then
        mount --bind "$dir/etc/hosts" /etc/hosts
        mkdir -p /etc/slurm 2>/dev/null || true
        mount --bind "$dir/etc" /etc/slurm
      fi
      if [ -n "$cgroup" ]; then
        mount --bind "'"$LP_SLURM_FREEZER"'/$cgroup" "'"$LP_SLURM_FREEZER"'"
      fi
      exec "$@"
    ' lp_ns_exec "$dir" "$ns" "$host" "$cgroup" "$@"
}

# True when DIR is absent, empty, or a directory start_cluster.sh made (safe to delete).
lp_is_cluster_dir() {
  local dir=$1
  [ ! -e "$dir" ] && return 0
  [ -d "$dir" ] || return 1
  [ -z "$(ls -A "$dir")" ] && return 0
  [ -f "$dir/.lp_slurm_cluster_dir" ]
}

# Reads DIR/cluster.env (written by start_cluster.sh) into the current shell.
lp_load_cluster_env() {
  local dir=$1
  [ -f "$dir/cluster.env" ] || lp_die "no cluster in $dir (no $dir/cluster.env): run scripts/slurm/start_cluster.sh first"
  # shellcheck disable=SC1091
  . "$dir/cluster.env"
}
