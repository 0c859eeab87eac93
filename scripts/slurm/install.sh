#!/usr/bin/env bash
# Installs the Debian 12 packages the development/CI Slurm cluster needs (munge, slurmctld,
# slurmd, slurm-client), plus the tools the start/stop scripts use (iproute2 for network
# namespaces, util-linux for nsenter/unshare, procps for pgrep). Needs root (or sudo).
# Idempotent: runs `apt-get update` and `apt-get install` only when something is missing.
set -euo pipefail

PACKAGES=(munge slurmctld slurmd slurm-client iproute2 util-linux procps)

# The packages' maintainer scripts may try to start the system daemons (munge, slurmd,
# slurmctld); where no init system runs (containers, CI) that is skipped harmlessly.
# start_cluster.sh never uses them: it starts its own, with its own configuration.
"$(dirname "$0")/../install_packages.sh" "${PACKAGES[@]}"
