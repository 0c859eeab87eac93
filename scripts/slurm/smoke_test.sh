#!/usr/bin/env bash
# Checks a running cluster of scripts/slurm/start_cluster.sh. Exits non-zero on the first
# failure. With a multi-host cluster it re-runs itself in the head namespace (in_head.sh).
#
#   scripts/slurm/smoke_test.sh [--dir DIR]
#
# Checks: srun -N1 -n2 hostname; 24 tasks at once on one node; sbatch --wait; concurrent
# srun --exact steps in one salloc; scancel of a job whose task double-forks a sleep (the job
# ends, its processes are gone, the node is not drained). Multi-host (N >= 2) also: an srun over
# min(N,3) nodes reporting that many distinct hostnames, a heterogeneous job, and TCP from a
# task on n1 to a listener in the head namespace and to a listener on n2.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"

dir=${LP_SLURM_DIR:-$LP_SLURM_DEFAULT_DIR}
while [ $# -gt 0 ]; do
  case $1 in
    --dir) dir=${2:?--dir needs a path}; shift 2 ;;
    --dir=*) dir=${1#*=}; shift ;;
    *) lp_die "unknown argument: $1 (usage: $0 [--dir DIR])" ;;
  esac
done
case $dir in /*) ;; *) dir=$(pwd)/$dir ;; esac
dir=${dir%/}
lp_load_cluster_env "$dir"
if [ "$LP_SLURM_HOSTS" -gt 0 ] && [ -z "${LP_SLURM_IN_HEAD:-}" ]; then
  exec "$here/in_head.sh" --dir "$dir" "$0" --dir "$dir"
fi

work=$(mktemp -d "$dir/smoke.XXXXXX")
chmod 755 "$work"
trap 'rm -rf "$work"' EXIT
cd "$work"
passed=0
failed=0
T=60   # a bound on every Slurm command

check() {  # check NAME CMD...: runs one check, prints PASS/FAIL and its time
  local name=$1
  shift
  local t0 t1
  t0=$(date +%s%N)
  if "$@" >"$work/out" 2>&1; then
    t1=$(date +%s%N)
    echo "PASS $name ($(((t1 - t0) / 1000000)) ms)"
    passed=$((passed + 1))
  else
    echo "FAIL $name"
    sed 's/^/    /' "$work/out"
    failed=$((failed + 1))
    echo "---- squeue / sinfo ----"
    squeue 2>&1 || true
    sinfo -N -l 2>&1 || true
    echo "$passed passed, $failed failed"
    exit 1
  fi
}

srun_two_tasks() {
  local out
  out=$(timeout $T srun -N1 -n2 hostname)
  echo "$out"
  [ "$(echo "$out" | wc -l)" -eq 2 ]
}

many_tasks_at_once() {
  # 24 tasks on one node (CPUs=32 declared on 2 cores), all alive at the same time: each
  # waits until all 24 have written their file.
  local marks=$work/marks
  mkdir -p "$marks"
  timeout $T srun -N1 -n24 bash -c '
    touch "$1/$SLURM_PROCID"
    for _ in $(seq 200); do
      [ "$(ls "$1" | wc -l)" -ge 24 ] && exit 0
      sleep 0.1
    done
    exit 1' _ "$marks"
}

sbatch_wait() {
  timeout $T sbatch --wait -N1 -n1 -o "$work/batch.out" --wrap 'echo batch-ok on $(hostname); exit 0'
  grep -q batch-ok "$work/batch.out"
  timeout $T sbatch --wait -N1 -n1 -o /dev/null --wrap 'exit 3' && return 1
  echo "a failing batch job makes sbatch --wait fail: ok"
}

concurrent_exact_steps() {
  # 4 steps of 2 s each in a 4-task allocation: concurrent when they finish well under 8 s.
  local t0 t1
  t0=$(date +%s)
  timeout $T salloc -N1 -n4 bash -c '
    for i in 1 2 3 4; do
      srun --exact -n1 bash -c "echo step $i start; sleep 2; echo step $i end" &
    done
    wait' >"$work/steps.out" 2>&1
  t1=$(date +%s)
  cat "$work/steps.out"
  [ "$(grep -c 'end$' "$work/steps.out")" -eq 4 ]
  echo "4 steps in $((t1 - t0)) s"
  [ $((t1 - t0)) -lt 7 ]
}

scancel_double_fork() {
  # The task double-forks a sleep that keeps the step's stdout/stderr open, then sleeps.
  local tag=lpsmoke_orphan_$$ jobid node state
  jobid=$(sbatch --parsable -N1 -n1 -o "$work/orphan.out" --wrap \
    "srun -n1 bash -c '( exec -a $tag sleep 1000 & ); exec -a $tag sleep 1000'")
  echo "job $jobid"
  for _ in $(seq 200); do
    [ "$(pgrep -fc "^$tag" || true)" -ge 2 ] && break
    sleep 0.1
  done
  [ "$(pgrep -fc "^$tag" || true)" -ge 2 ] || { echo "the task's sleeps never started"; return 1; }
  node=$(squeue -h -j "$jobid" -o %N)
  scancel "$jobid"
  for _ in $(seq 300); do
    if [ -z "$(squeue -h -j "$jobid" 2>/dev/null)" ] && ! pgrep -f "^$tag" >/dev/null; then
      break
    fi
    sleep 0.1
  done
  if [ -n "$(squeue -h -j "$jobid" 2>/dev/null)" ]; then
    echo "job still in squeue 30 s after scancel:"; squeue -j "$jobid"; return 1
  fi
  if pgrep -f "^$tag" >/dev/null; then
    echo "orphaned sleeps survived scancel:"; pgrep -af "^$tag"; return 1
  fi
  state=$(scontrol -o show node "$node" | grep -o 'State=[^ ]*')
  echo "node $node $state"
  case $state in *DRAIN* | *DOWN*) return 1 ;; esac
}

multi_node_hostnames() {
  local n=$1 out
  out=$(timeout $T srun -N"$n" -n"$n" hostname)
  echo "$out"
  [ "$(echo "$out" | sort -u | wc -l)" -eq "$n" ]
}

hetjob() {
  timeout $T sbatch --wait -o "$work/het.out" <<'EOF'
#!/bin/bash
#SBATCH -N1 -n1
#SBATCH hetjob
#SBATCH -N1 -n2
srun --het-group=0,1 hostname
EOF
  cat "$work/het.out"
  [ "$(grep -c . "$work/het.out")" -eq 3 ]
}

# A listener that answers one connection with "pong <its hostname>" (bounded: 60 s).
listener_py='
import socket, sys
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("0.0.0.0", int(sys.argv[1]))); s.listen(4); s.settimeout(60)
open(sys.argv[2], "w").write("ready\n")
c, _ = s.accept(); c.recv(64); c.sendall(("pong " + socket.gethostname()).encode()); c.close()
'
connect_py='
import socket, sys
c = socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=10)
c.sendall(b"ping"); print(c.recv(64).decode())
'

tcp_from_tasks() {
  local port=47011 ready=$work/ready.head lpid out
  # 1) listener in the head namespace (where the launcher and its coordinator run)
  python3 -c "$listener_py" "$port" "$ready" &
  lpid=$!
  for _ in $(seq 100); do [ -s "$ready" ] && break; sleep 0.1; done
  out=$(timeout $T srun -w n1 -N1 -n1 python3 -c "$connect_py" head "$port")
  echo "n1 -> head:$port: $out"
  wait "$lpid"
  [ "$out" = "pong head" ]
  # 2) listener in a task on n2, a task on n1 connects to it
  ready=$work/ready.n2
  port=47012
  timeout $T srun -w n2 -N1 -n1 python3 -c "$listener_py" "$port" "$ready" &
  lpid=$!
  for _ in $(seq 200); do [ -s "$ready" ] && break; sleep 0.1; done
  out=$(timeout $T srun -w n1 -N1 -n1 python3 -c "$connect_py" n2 "$port")
  echo "n1 -> n2:$port: $out"
  wait "$lpid"
  [ "$out" = "pong n2" ]
}

echo "Smoke test of the cluster in $dir ($LP_SLURM_HOSTS extra hosts, nodes: $LP_SLURM_NODES, $LP_SLURM_PROCTRACK)"
check "srun -N1 -n2 hostname" srun_two_tasks
check "24 tasks at once on one node" many_tasks_at_once
check "sbatch --wait" sbatch_wait
check "concurrent srun --exact steps in one salloc" concurrent_exact_steps
if [ "$LP_SLURM_PROCTRACK" = proctrack/cgroup ]; then
  check "scancel of a job whose task double-forks" scancel_double_fork
else
  echo "SKIP scancel of a job whose task double-forks (proctrack/linuxproc: known to hang and drain)"
fi
if [ "$LP_SLURM_HOSTS" -ge 2 ]; then
  n=$((LP_SLURM_HOSTS < 3 ? LP_SLURM_HOSTS : 3))
  check "srun over $n nodes: $n distinct hostnames" multi_node_hostnames "$n"
  check "heterogeneous job (sbatch hetjob)" hetjob
  check "TCP from a task on n1 to the head namespace and to n2" tcp_from_tasks
fi
echo "$passed passed, $failed failed"
