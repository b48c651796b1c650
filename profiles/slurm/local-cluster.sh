#!/usr/bin/env bash
# A single-host Slurm cluster for trying the slurm profile (and for tests/test_slurm.py): munged,
# slurmctld and slurmd from Debian's packages (apt-get install slurm-wlm munge), one node with
# this machine's CPUs and memory, one partition named "local". Everything (config, munge key,
# sockets, state, logs) lives in one state directory; nothing under /etc is read or written, so
# a system Slurm or munge, if any, is left alone (give other ports then: GOVSURVEY_SLURM_PORT).
#
#   profiles/slurm/local-cluster.sh start    # idempotent: starts what is not running, waits for idle
#   eval "$(profiles/slurm/local-cluster.sh env)"   # SLURM_CONF for sinfo, sbatch, snakemake
#   profiles/slurm/local-cluster.sh status
#   profiles/slurm/local-cluster.sh stop     # stops the three daemons; the state dir stays
#
# State directory: $GOVSURVEY_SLURM_DIR (default /tmp/govsurvey-slurm). Run as root (slurmd
# starts jobs as the submitting user); as another user it works only for that user's own jobs.
set -euo pipefail

STATE=${GOVSURVEY_SLURM_DIR:-/tmp/govsurvey-slurm}
PORT=${GOVSURVEY_SLURM_PORT:-6817}  # slurmctld's; slurmd listens on the next one
PARTITION=local
CONF=$STATE/slurm.conf
SOCKET=$STATE/munge/munge.socket
export SLURM_CONF=$CONF
PATH=$PATH:/usr/sbin:/sbin

die() { echo "local-cluster: $*" >&2; exit 1; }

running() {  # running <pidfile>: the process it names is alive
  [ -s "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null
}

write_config() {
  mkdir -p "$STATE"/{munge,ctld,spool,log}
  chmod 700 "$STATE" "$STATE/munge"
  local host node
  host=$(hostname -s)
  # This machine as slurmd sees it (CPUs, sockets, cores, RealMemory), addressed over loopback.
  node=$(slurmd -C | head -n 1)
  [[ $node == NodeName=* ]] || die "slurmd -C did not describe this node: $node"
  cat >"$CONF.new" <<EOF
# Written by profiles/slurm/local-cluster.sh: a one-node test cluster, not for production.
ClusterName=govsurvey
SlurmctldHost=$host(127.0.0.1)
SlurmctldPort=$PORT
SlurmdPort=$((PORT + 1))
SlurmUser=$(id -un)
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$SOCKET
StateSaveLocation=$STATE/ctld
SlurmdSpoolDir=$STATE/spool
SlurmctldPidFile=$STATE/slurmctld.pid
SlurmdPidFile=$STATE/slurmd.pid
SlurmctldLogFile=$STATE/log/slurmctld.log
SlurmdLogFile=$STATE/log/slurmd.log
# No cgroups, no accounting daemon: a container or CI runner has neither.
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/linux
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
MpiDefault=none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
SchedulerParameters=sched_interval=1
# Finished jobs stay visible to squeue for 10 minutes (no sacct without slurmdbd).
MinJobAge=600
ReturnToService=2
SlurmdParameters=config_overrides
$node NodeAddr=127.0.0.1 State=UNKNOWN
PartitionName=$PARTITION Nodes=ALL Default=YES MaxTime=INFINITE State=UP
EOF
  # Same config as the running daemons read: keep it (and their state) as it is.
  if [ -f "$CONF" ] && cmp -s "$CONF" "$CONF.new"; then rm "$CONF.new"; else mv "$CONF.new" "$CONF"; fi
}

start_munge() {
  running "$STATE/munge/munged.pid" && return
  [ -s "$STATE/munge/munge.key" ] || {
    if command -v mungekey >/dev/null; then
      mungekey --create --keyfile="$STATE/munge/munge.key"
    else
      dd if=/dev/urandom of="$STATE/munge/munge.key" bs=1024 count=1 status=none
    fi
  }
  chmod 600 "$STATE/munge/munge.key"
  # --force: munged refuses a few things (e.g. running as root) a test cluster may do.
  munged --force --socket="$SOCKET" --key-file="$STATE/munge/munge.key" \
    --pid-file="$STATE/munge/munged.pid" --log-file="$STATE/log/munged.log" \
    --seed-file="$STATE/munge/munged.seed"
}

wait_idle() {
  local deadline=$((SECONDS + ${GOVSURVEY_SLURM_WAIT:-60})) state=""
  while [ $SECONDS -lt $deadline ]; do
    state=$(sinfo --noheader --partition="$PARTITION" --format=%t 2>/dev/null | head -n 1 || true)
    case $state in
      idle|mix|alloc) echo "local-cluster: partition $PARTITION is $state (SLURM_CONF=$CONF)"; return 0 ;;
      drain*|down*|inval*) scontrol update nodename="$(hostname -s)" state=resume 2>/dev/null || true ;;
    esac
    sleep 0.5
  done
  echo "local-cluster: the node is not idle after ${GOVSURVEY_SLURM_WAIT:-60} s (state: ${state:-none}); logs:" >&2
  tail -n 20 "$STATE"/log/*.log >&2 || true
  return 1
}

start() {
  for tool in munged slurmctld slurmd sinfo sbatch; do
    command -v "$tool" >/dev/null || die "$tool not found: apt-get install -y slurm-wlm munge"
  done
  write_config
  start_munge
  # -i: ignore any state left by an earlier cluster in this directory (its jobs are gone).
  running "$STATE/slurmctld.pid" || slurmctld -f "$CONF" -i
  running "$STATE/slurmd.pid" || slurmd -f "$CONF"
  wait_idle
}

stop() {
  local pidfile pid
  for pidfile in "$STATE/slurmd.pid" "$STATE/slurmctld.pid" "$STATE/munge/munged.pid"; do
    running "$pidfile" || continue
    pid=$(cat "$pidfile")
    kill "$pid"
    for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -0 "$pid" 2>/dev/null && kill -9 "$pid"
  done
  echo "local-cluster: stopped (state kept in $STATE)"
}

case ${1:-} in
  start) start ;;
  stop) stop ;;
  status) sinfo && squeue ;;
  env) echo "export SLURM_CONF=$CONF" ;;
  *) echo "usage: $0 start|stop|status|env" >&2; exit 2 ;;
esac
