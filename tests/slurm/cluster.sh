#!/usr/bin/env bash
# A one-node SLURM cluster on this machine, for the tests.
#   cluster.sh start DIR   start munged (if not running), slurmctld and slurmd, with their
#                          config (DIR/slurm.conf), state and logs under DIR
#   cluster.sh stop DIR    stop what start started and remove DIR
# Needs root and Debian's slurmctld, slurmd and munge. The config is linked from
# /etc/slurm/slurm.conf (a previous file there is set aside and restored by stop), because
# snakemake's jobstep plugin drops SLURM_CONF from the environment of its nested srun.
# No accounting: job states come from squeue (MinJobAge keeps finished jobs visible to it
# for 5 minutes).
set -euo pipefail
action=${1:?usage: cluster.sh start|stop DIR}
dir=$(realpath -m "${2:?usage: cluster.sh start|stop DIR}")
export SLURM_CONF=$dir/slurm.conf
system_conf=/etc/slurm/slurm.conf

stop() {
  for daemon in slurmd slurmctld; do
    if [ -f "$dir/$daemon.pid" ]; then
      kill "$(cat "$dir/$daemon.pid")" 2>/dev/null || true
    fi
  done
  if [ -f "$dir/munged.started" ]; then
    pkill -x munged || true
  fi
  for _ in $(seq 20); do  # until the daemons have let go of their ports and socket
    sinfo > /dev/null 2>&1 || munge -n > /dev/null 2>&1 || break
    sleep 0.5
  done
  if [ "$(readlink "$system_conf")" = "$SLURM_CONF" ]; then
    rm "$system_conf"
    if [ -e "$dir/slurm.conf.before" ]; then
      mv "$dir/slurm.conf.before" "$system_conf"
    fi
  fi
  sleep 1
  rm -rf "$dir"
}

start() {
  mkdir -p "$dir"/{state,spool,log}
  cat > "$SLURM_CONF" <<CONF
ClusterName=mnistvae
SlurmctldHost=$(hostname -s)
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
StateSaveLocation=$dir/state
SlurmdSpoolDir=$dir/spool
SlurmctldPidFile=$dir/slurmctld.pid
SlurmdPidFile=$dir/slurmd.pid
SlurmctldLogFile=$dir/log/slurmctld.log
SlurmdLogFile=$dir/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
MpiDefault=none
ReturnToService=2
MinJobAge=300
KillWait=10
$(slurmd -C | head -n 1) State=UNKNOWN
PartitionName=debug Nodes=ALL Default=YES MaxTime=INFINITE State=UP
CONF
  mkdir -p "$(dirname "$system_conf")"
  if [ -e "$system_conf" ] || [ -L "$system_conf" ]; then
    mv "$system_conf" "$dir/slurm.conf.before"
  fi
  ln -s "$SLURM_CONF" "$system_conf"
  if ! munge -n > /dev/null 2>&1; then  # no munged answering (pgrep would count zombies)
    [ -s /etc/munge/munge.key ] || mungekey --create --keyfile=/etc/munge/munge.key
    chown munge:munge /etc/munge/munge.key
    mkdir -p /run/munge
    chown munge:munge /run/munge
    runuser -u munge -- /usr/sbin/munged
    touch "$dir/munged.started"
  fi
  slurmctld
  slurmd
  for _ in $(seq 60); do
    if sinfo --noheader --states=idle --format=%N 2>/dev/null | grep -q .; then
      echo "SLURM_CONF=$SLURM_CONF"
      return 0
    fi
    sleep 1
  done
  echo "the node did not come up; slurmctld.log says:" >&2
  tail -n 20 "$dir/log/slurmctld.log" "$dir/log/slurmd.log" >&2 || true
  stop
  return 1
}

case $action in
  start) start ;;
  stop) stop ;;
  *) echo "usage: cluster.sh start|stop DIR" >&2; exit 2 ;;
esac
