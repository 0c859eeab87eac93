#!/usr/bin/env bash
# Installs the Debian 12 packages the development/CI Slurm cluster needs (munge, slurmctld,
# slurmd, slurm-client), plus the tools the start/stop scripts use (iproute2 for network
# namespaces, util-linux for nsenter/unshare, procps for pgrep). Needs root (or sudo).
# Idempotent: runs `apt-get update` and `apt-get install` only when something is missing.
set -euo pipefail

PACKAGES=(munge slurmctld slurmd slurm-client iproute2 util-linux procps)

missing=()
for package in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$package")
  fi
done
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
echo "Installing missing packages: ${missing[*]}"
$SUDO apt-get update -qq
# The packages' maintainer scripts may try to start the system daemons (munge, slurmd,
# slurmctld); where no init system runs (containers, CI) that is skipped harmlessly.
# start_cluster.sh never uses them: it starts its own, with its own configuration.
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
