#!/usr/bin/env bash
# Starts a single-machine Slurm cluster for development and CI. See docs/slurm_cluster.md.
#
#   scripts/slurm/start_cluster.sh [--hosts N] [--dir DIR]
#
#   --hosts 0 (default)  one node "localhost" (CPUs=32) in the root network namespace;
#                        slurmctld on 127.0.0.1:6817, slurmd on 127.0.0.1:6818.
#   --hosts N (N >= 1)   a head network namespace (lpslurm-head, address 10.213.0.1, hostname
#                        "head") running slurmctld, and N compute namespaces lpslurm-n1..nN
#                        (addresses 10.213.0.11.., hostnames n1..nN) each running
#                        `slurmd -N nI`, joined by a bridge inside the head namespace. Run
#                        the Slurm clients (and the launcher) there with scripts/slurm/in_head.sh.
#   --dir DIR            where the configuration, state, logs and pid files live
#                        (default $LP_SLURM_DIR, else /tmp/lp_slurm).
#
# Needs root and the packages of scripts/slurm/install.sh. Returns once every node is IDLE.
# Starting again restarts the cluster (stop_cluster.sh first, then a fresh start).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"

hosts=0
dir=${LP_SLURM_DIR:-$LP_SLURM_DEFAULT_DIR}
timeout_s=${LP_SLURM_START_TIMEOUT:-60}
while [ $# -gt 0 ]; do
  case $1 in
    --hosts) hosts=${2:?--hosts needs a number}; shift 2 ;;
    --hosts=*) hosts=${1#*=}; shift ;;
    --dir) dir=${2:?--dir needs a path}; shift 2 ;;
    --dir=*) dir=${1#*=}; shift ;;
    -h|--help) sed -n '2,20p' "$0"; exit 0 ;;
    *) lp_die "unknown argument: $1 (usage: $0 [--hosts N] [--dir DIR])" ;;
  esac
done
[[ $hosts =~ ^[0-9]+$ ]] && [ "$hosts" -le 200 ] || lp_die "--hosts must be a number from 0 to 200"
case $dir in /*) ;; *) dir=$(pwd)/$dir ;; esac
dir=${dir%/}
[ -n "$dir" ] && [ "$dir" != / ] || lp_die "refusing --dir /"

lp_require_root
for tool in slurmctld slurmd srun scontrol munged munge unmunge nsenter unshare ip ss; do
  command -v "$tool" >/dev/null || lp_die "$tool not found: run scripts/slurm/install.sh first"
done

start_ns=$(date +%s%N)

# A cluster already running from DIR (or leftovers of one): stop it first.
if [ -e "$dir/cluster.env" ] || ip netns list 2>/dev/null | grep -q "^${LP_SLURM_NS_PREFIX}-"; then
  echo "A cluster (or its leftovers) exists: stopping it first."
  "$here/stop_cluster.sh" --dir "$dir"
fi
if [ "$hosts" -eq 0 ]; then
  for port in 6817 6818; do
    if ss -Hltn "sport = :$port" | grep -q .; then
      lp_die "TCP port $port is already in use in the root network namespace (another slurmctld/slurmd?); stop it, or use --hosts N (ports inside namespaces)"
    fi
  done
fi

lp_is_cluster_dir "$dir" || lp_die "$dir exists and was not made by start_cluster.sh: choose another --dir"
rm -rf "$dir"
mkdir -p "$dir"/{etc,state,spool,log,run,munge}
chmod 755 "$dir"
touch "$dir/.lp_slurm_cluster_dir"

# Diagnostics on failure: what went wrong and the end of every log.
fail() {
  echo "error: $*" >&2
  for log in "$dir"/log/*.log "$dir"/munge/munged.log; do
    [ -f "$log" ] || continue
    echo "---- tail of $log ----" >&2
    tail -n 25 "$log" >&2
  done
  echo "(the cluster is left as it is for inspection; scripts/slurm/stop_cluster.sh --dir $dir cleans up)" >&2
  exit 1
}

# poll DEADLINE_SECONDS WHAT CMD...: runs CMD every 0.1 s until it succeeds.
poll() {
  local limit=$1 what=$2
  shift 2
  local deadline=$(($(date +%s) + limit))
  until "$@" >/dev/null 2>&1; do
    [ "$(date +%s)" -lt "$deadline" ] || fail "timed out after ${limit}s waiting for $what"
    sleep 0.1
  done
}

# ---- munge: a private munged (own socket in DIR) so a system munged is neither needed nor
# touched. The key is the package's /etc/munge/munge.key (created here if missing).
if [ ! -s /etc/munge/munge.key ]; then
  echo "Creating /etc/munge/munge.key"
  if command -v mungekey >/dev/null; then
    su -s /bin/sh munge -c 'mungekey --create --keyfile=/etc/munge/munge.key'
  else
    dd if=/dev/urandom of=/etc/munge/munge.key bs=1 count=1024 status=none
  fi
  chown munge:munge /etc/munge/munge.key
  chmod 0400 /etc/munge/munge.key
fi
munge_socket=$dir/munge/munge.socket
chown munge:munge "$dir/munge"
su -s /bin/sh munge -c "/usr/sbin/munged --force --socket='$munge_socket' \
  --pid-file='$dir/munge/munged.pid' --log-file='$dir/munge/munged.log' \
  --seed-file='$dir/munge/munged.seed'" || fail "munged did not start"
munge_ok() { munge -S "$munge_socket" -n | unmunge -S "$munge_socket"; }
poll 10 "munged" munge_ok

# ---- proctrack: cgroup (freezer) where a writable cgroup-v1 freezer hierarchy exists.
# LP_SLURM_PROCTRACK=linuxproc forces the fallback (to reproduce its limitation).
if [ "${LP_SLURM_PROCTRACK:-}" = linuxproc ]; then
  proctrack=proctrack/linuxproc
elif lp_have_v1_freezer; then
  proctrack=proctrack/cgroup
else
  proctrack=proctrack/linuxproc
  echo "warning: no writable cgroup-v1 freezer hierarchy at $LP_SLURM_FREEZER: using proctrack/linuxproc" >&2
  echo "         (a task that double-forks and keeps the step's output open can make scancel hang and drain the node)" >&2
fi

# ---- nodes and addresses
nodes=()
if [ "$hosts" -eq 0 ]; then
  ctld_host=$(hostname -s)
  ctld_addr=127.0.0.1
  nodes=(localhost)
  node_lines="NodeName=localhost NodeHostname=localhost NodeAddr=127.0.0.1 CPUs=32 RealMemory=16384 State=UNKNOWN"
else
  ctld_host="head"
  ctld_addr=$LP_SLURM_HEAD_ADDR
  node_lines=""
  {
    echo "127.0.0.1 localhost"
    echo "$LP_SLURM_HEAD_ADDR head"
  } >"$dir/etc/hosts"
  for i in $(seq 1 "$hosts"); do
    nodes+=("n$i")
    node_lines+="NodeName=n$i NodeHostname=n$i NodeAddr=$(lp_node_addr "$i") CPUs=32 RealMemory=16384 State=UNKNOWN"$'\n'
    echo "$(lp_node_addr "$i") n$i" >>"$dir/etc/hosts"
  done
fi

cat >"$dir/etc/slurm.conf" <<EOF
# Development/CI cluster written by scripts/slurm/start_cluster.sh --hosts $hosts --dir $dir
ClusterName=lpdev
SlurmctldHost=$ctld_host($ctld_addr)
SlurmctldPort=6817
SlurmdPort=6818
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$munge_socket
PlugStackConfig=$dir/etc/plugstack.conf
StateSaveLocation=$dir/state
SlurmdSpoolDir=$dir/spool/slurmd-%n
SlurmctldPidFile=$dir/run/slurmctld.pid
SlurmdPidFile=$dir/run/slurmd-%n.pid
SlurmctldLogFile=$dir/log/slurmctld.log
SlurmdLogFile=$dir/log/slurmd-%n.log
SlurmctldDebug=info
SlurmdDebug=info
ProctrackType=$proctrack
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
MpiDefault=none
SchedulerType=sched/backfill
SchedulerParameters=bf_interval=2
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
DefMemPerCPU=256
# Lets a node declare more CPUs than the machine has (32 on 2 cores: 20+ tasks at once).
SlurmdParameters=config_overrides
ReturnToService=2
SlurmdTimeout=15
KillWait=5
InactiveLimit=0
MinJobAge=60
$node_lines
PartitionName=debug Nodes=ALL Default=YES MaxTime=INFINITE State=UP
EOF
cat >"$dir/etc/cgroup.conf" <<EOF
CgroupPlugin=autodetect
IgnoreSystemd=yes
EOF
: >"$dir/etc/plugstack.conf"

cat >"$dir/cluster.env" <<EOF
# Written by scripts/slurm/start_cluster.sh; sourced by the other scripts.
LP_SLURM_DIR='$dir'
LP_SLURM_HOSTS=$hosts
LP_SLURM_NODES='${nodes[*]}'
LP_SLURM_PROCTRACK=$proctrack
export SLURM_CONF='$dir/etc/slurm.conf'
EOF

# ---- per-node freezer cgroups (each slurmd sees its own as the freezer root)
node_cgroup() {
  if [ "$proctrack" = proctrack/cgroup ]; then
    echo "${LP_SLURM_CGROUP_PREFIX}$1"
  fi
}
for node in "${nodes[@]}"; do
  mkdir -p "$dir/spool/slurmd-$node"
  cg=$(node_cgroup "$node")
  if [ -n "$cg" ]; then mkdir -p "$LP_SLURM_FREEZER/$cg"; fi
done

# ---- network namespaces
if [ "$hosts" -gt 0 ]; then
  head_ns=${LP_SLURM_NS_PREFIX}-head
  ip netns add "$head_ns"
  ip -n "$head_ns" link set lo up
  ip -n "$head_ns" link add "$LP_SLURM_BRIDGE" type bridge
  ip -n "$head_ns" addr add "$LP_SLURM_HEAD_ADDR/24" dev "$LP_SLURM_BRIDGE"
  ip -n "$head_ns" link set "$LP_SLURM_BRIDGE" up
  for i in $(seq 1 "$hosts"); do
    ns=${LP_SLURM_NS_PREFIX}-n$i
    ip netns add "$ns"
    ip -n "$ns" link set lo up
    # Both ends are made inside our namespaces: nothing appears in the root namespace.
    ip -n "$head_ns" link add "veth$i" type veth peer name eth0 netns "$ns"
    ip -n "$head_ns" link set "veth$i" master "$LP_SLURM_BRIDGE" up
    ip -n "$ns" addr add "$(lp_node_addr "$i")/24" dev eth0
    ip -n "$ns" link set eth0 up
  done
fi

# ---- daemons
if [ "$hosts" -eq 0 ]; then
  slurmctld -f "$dir/etc/slurm.conf" || fail "slurmctld did not start"
  poll "$timeout_s" "slurmctld (scontrol ping UP)" \
    sh -c "SLURM_CONF='$dir/etc/slurm.conf' scontrol ping | grep -q UP"
  lp_ns_exec "$dir" "" "" "$(node_cgroup localhost)" slurmd -f "$dir/etc/slurm.conf" -N localhost ||
    fail "slurmd did not start"
  in_ctl() { SLURM_CONF="$dir/etc/slurm.conf" "$@"; }
else
  lp_ns_exec "$dir" "$head_ns" head "" slurmctld -f "$dir/etc/slurm.conf" || fail "slurmctld did not start"
  in_ctl() { lp_ns_exec "$dir" "$head_ns" head "" "$@"; }
  poll "$timeout_s" "slurmctld (scontrol ping UP)" in_ctl sh -c 'scontrol ping | grep -q UP'
  for i in $(seq 1 "$hosts"); do
    lp_ns_exec "$dir" "${LP_SLURM_NS_PREFIX}-n$i" "n$i" "$(node_cgroup "n$i")" \
      slurmd -f "$dir/etc/slurm.conf" -N "n$i" || fail "slurmd -N n$i did not start"
  done
fi
for node in "${nodes[@]}"; do
  poll "$timeout_s" "node $node to be IDLE" \
    in_ctl sh -c "scontrol -o show node '$node' | grep -q 'State=IDLE'"
done

if [ "$hosts" -eq 0 ]; then
  # stop_cluster.sh finds the job steps and tasks of this slurmd by its mount namespace.
  poll 10 "slurmd pid file" test -s "$dir/run/slurmd-localhost.pid"
  readlink "/proc/$(cat "$dir/run/slurmd-localhost.pid")/ns/mnt" >"$dir/run/slurmd-localhost.mntns"
fi

elapsed_ms=$((($(date +%s%N) - start_ns) / 1000000))
echo "Slurm cluster up in ${elapsed_ms} ms: $hosts extra host(s), nodes: ${nodes[*]}, $proctrack, files in $dir"
if [ "$hosts" -eq 0 ]; then
  cat <<EOF
Use it from this machine's shell:
  export SLURM_CONF=$dir/etc/slurm.conf
  srun -N1 -n2 hostname
Stop it with: $here/stop_cluster.sh --dir $dir
EOF
else
  cat <<EOF
The cluster's network exists only inside its namespaces: run the Slurm clients and the
launcher in the head namespace (hostname "head", $LP_SLURM_HEAD_ADDR; the hosts n1..n$hosts resolve there):
  $here/in_head.sh --dir $dir srun -N$hosts hostname
  $here/in_head.sh --dir $dir bash        # an interactive shell with SLURM_CONF set
Stop it with: $here/stop_cluster.sh --dir $dir
EOF
fi
