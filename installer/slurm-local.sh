#!/usr/bin/env bash
# Brings up (start) or tears down (stop) a single-node Slurm cluster on the loopback interface, from
# Debian 12's packages (munge, slurmctld, slurmd, slurm-client), for trying and testing Slurm sweeps
# on one machine. Needs root and no systemd: every daemon runs from this script with its own socket,
# ports, logs and state under one state directory, so a cluster the host may already run is untouched.
# Both commands are idempotent. Clients find the cluster through SLURM_CONF, which start prints.
#
# usage: installer/slurm-local.sh start|stop|env
#   SPARSESCOPE_SLURM_STATE  state directory (default /tmp/sparsescope-slurm)
#   SPARSESCOPE_SLURM_PORT   slurmctld's port; slurmd listens on the next one (default 6917)
set -euo pipefail

state=${SPARSESCOPE_SLURM_STATE:-/tmp/sparsescope-slurm}
port=${SPARSESCOPE_SLURM_PORT:-6917}
conf=$state/slurm.conf
munge_socket=$state/munge/munge.socket
node=localnode

say() { echo "slurm-local: $*" >&2; }
die() {
  say "$*"
  exit 1
}

# A daemon runs when its pidfile names a live process; a zombie (which a container's init may never
# reap) is dead.
alive() {  # pidfile
  local stat
  [ -s "$1" ] && read -r stat 2>/dev/null <"/proc/$(cat "$1")/stat" || return 1
  stat=${stat##*) }
  [ "${stat:0:1}" != Z ]
}

parent_of() {  # pid
  local stat
  read -r stat 2>/dev/null <"/proc/$1/stat" || return 1
  stat=${stat##*) }
  read -r _ stat _ <<<"$stat"
  echo "$stat"
}

# Every process of this cluster: the daemons and job scripts name the state directory on their command
# line, and slurmstepd (one per running job step) keeps slurmd's log, in the state directory, open.
# This script, its callers and its own helper processes are left out, whatever their command lines say.
cluster_pids() {
  local callers=" " pid=$$ pgrep_found find_found
  while [ "$pid" -gt 1 ]; do
    callers+="$pid "
    pid=$(parent_of "$pid") || break
  done
  pgrep_found=$(pgrep -f -- "$state/" || true)
  find_found=$(find /proc/[0-9]*/fd -maxdepth 1 -lname "$state/*" 2>/dev/null | cut -d/ -f3 || true)
  while read -r pid; do
    [ -n "$pid" ] || continue
    [[ "$callers" == *" $pid "* || "$callers" == *" $(parent_of "$pid") "* ]] || echo "$pid"
  done < <(printf '%s\n%s\n' "$pgrep_found" "$find_found" | sort -u)
}

write_conf() {
  # This host's CPUs, sockets, cores and memory as slurmd itself measures them, so the node registers
  # exactly as configured and is never drained for a mismatch.
  local hardware
  hardware=$(slurmd -C | head -n1 | sed -e 's/^NodeName=[^ ]* //')
  mkdir -p "$state"/ctld "$state"/spool
  cat >"$conf.new" <<EOF
# Written by installer/slurm-local.sh: a one-node cluster on 127.0.0.1.
ClusterName=sparsescope
SlurmctldHost=$(hostname -s)(127.0.0.1)
SlurmUser=root
SlurmdUser=root
SlurmctldPort=$port
SlurmdPort=$((port + 1))
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$munge_socket
StateSaveLocation=$state/ctld
SlurmdSpoolDir=$state/spool
SlurmctldPidFile=$state/slurmctld.pid
SlurmdPidFile=$state/slurmd.pid
SlurmctldLogFile=$state/slurmctld.log
SlurmdLogFile=$state/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
MpiDefault=none
ReturnToService=2
MailProg=/bin/true
NodeName=$node NodeAddr=127.0.0.1 NodeHostname=$(hostname -s) $hardware State=UNKNOWN
PartitionName=local Nodes=$node Default=YES MaxTime=INFINITE State=UP
EOF
  mv "$conf.new" "$conf"
}

start_munge() {
  alive "$state/munge/munged.pid" && return
  local key=/etc/munge/munge.key
  if [ ! -s "$key" ]; then
    say "creating the munge key $key"
    mungekey -c -k "$key"
    chown munge:munge "$key" 2>/dev/null || true
  fi
  mkdir -p "$state/munge"
  chmod 700 "$state/munge"
  # munged refuses root unless forced; the key it reads is the packaged one.
  munged --force --socket="$munge_socket" --key-file="$key" --pid-file="$state/munge/munged.pid" \
    --log-file="$state/munge/munged.log" --seed-file="$state/munge/munged.seed"
}

wait_for() {  # seconds description command...
  local seconds=$1 what=$2
  shift 2
  for _ in $(seq 1 $((seconds * 5))); do
    "$@" >/dev/null 2>&1 && return 0
    sleep 0.2
  done
  die "$what did not come up within ${seconds}s; see the logs in $state"
}

node_ready() {
  local node_state
  node_state=$(sinfo -h -n "$node" -o %T 2>/dev/null)
  [ "$node_state" = idle ] || [ "$node_state" = mixed ] || [ "$node_state" = allocated ]
}

start() {
  [ "$(id -u)" -eq 0 ] || die "start needs root (the daemons run as root)"
  for tool in munged slurmctld slurmd sbatch; do
    command -v "$tool" >/dev/null || die "$tool is missing; run installer/setup-deps.sh"
  done
  export SLURM_CONF=$conf
  if alive "$state/slurmctld.pid" && alive "$state/slurmd.pid" && node_ready; then
    say "already running"
  else
    [ -z "$(cluster_pids)" ] || stop
    write_conf
    start_munge
    wait_for 10 munged munge -n --socket="$munge_socket"
    slurmctld -f "$conf"
    wait_for 30 slurmctld scontrol ping
    slurmd -f "$conf" -N "$node"
    wait_for 30 "the node $node" node_ready
    say "running: one node, $(sinfo -h -o '%c CPUs, %m MB')"
  fi
  echo "export SLURM_CONF=$conf"
}

stop() {
  export SLURM_CONF=$conf
  if [ -f "$conf" ] && alive "$state/slurmctld.pid"; then
    # Cancel every job first, so slurmd ends their processes while it still runs.
    scancel --quiet --user=root --full 2>/dev/null || true
    for _ in $(seq 1 50); do
      [ -z "$(squeue -h -o %i 2>/dev/null)" ] && break
      sleep 0.2
    done
  fi
  local pids
  mapfile -t pids < <(cluster_pids)
  [ ${#pids[@]} -eq 0 ] || kill -TERM "${pids[@]}" 2>/dev/null || true
  for _ in $(seq 1 50); do
    mapfile -t pids < <(cluster_pids)
    [ ${#pids[@]} -eq 0 ] && break
    sleep 0.2
  done
  if [ ${#pids[@]} -gt 0 ]; then
    say "forcing ${pids[*]} to stop"
    kill -KILL "${pids[@]}" 2>/dev/null || true
  fi
  rm -f "$state"/*.pid "$state"/munge/munged.pid "$munge_socket" "$munge_socket".lock
  say "stopped"
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  env) echo "export SLURM_CONF=$conf" ;;
  *)
    echo "usage: $0 start|stop|env" >&2
    exit 2
    ;;
esac
