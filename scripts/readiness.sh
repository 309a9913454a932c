#!/bin/sh
# The readiness check, the last step of `pulumi up`, run inside slurmctld: every declared node idle,
# srun answering from every node, then the services the stack runs; or a failure within
# READINESS_SECONDS that names each node not ready and what Slurm says of it.
#   EXPECTED_NODES      the declared nodes, space-separated
#   READINESS_SECONDS   the stack's readinessTimeout
#   PARTITIONS          partitions that together reach every node, as NAME:NODE_COUNT, space-separated
#   CONTROLLER_HOST     the host slurmctld runs on, for the messages
#   ACCOUNTING_CLUSTER  the cluster that must be registered in slurmdbd (empty: no accounting)
#   REST_URL            the REST API's nodes endpoint, through slurmrestd (empty: no REST API)
#   MPI_PARTITION       where mpi-hello runs, as NAME:NODE_COUNT (empty: no MPI)
#   MPI_CRASH, MPI_INIT, MPI_SECOND_RUN_NOTE  Open MPI's MPI_Init race, and what the summary says of it
# shellcheck source=scripts/lib.sh
. "${SCRIPTS:-scripts}/lib.sh"
set -u

deadline=$(( $(date +%s) + READINESS_SECONDS ))
late() {  # fail MESSAGE once the deadline has passed
  [ "$(date +%s)" -lt "$deadline" ] || fail "$*"
}

while :; do
  states=$(sinfo -h -N -o '%N %T' 2>&1 | sort -u)
  missing=""
  for node in $EXPECTED_NODES; do
    echo "$states" | grep -qx "$node idle" || missing="$missing $node"
  done
  [ -z "$missing" ] && break
  if [ "$(date +%s)" -ge "$deadline" ]; then
    report=""
    for node in $missing; do
      state=$(echo "$states" | awk -v n="$node" '$1 == n {print $2}')
      reason=$(scontrol show node "$node" 2>/dev/null | sed -n 's/^ *Reason=//p')
      report="$report $node(${state:-never registered}${reason:+: $reason})"
    done
    fail "after $READINESS_SECONDS s these nodes are not idle:$report. \
Check 'docker logs <node>' on their hosts and that the overlay network connects them; \
a node whose container is exited after its host restarted: pulumi up --replace that container."
  fi
  sleep 2
done

# A node can look idle before its slurmd has registered again (slurmctld restarted from its saved
# state), and a job step there fails to launch: srun again until the deadline.
answers=""
for partition in $PARTITIONS; do
  name=${partition%:*}
  count=${partition#*:}
  while ! out=$(timeout 120 srun --immediate=60 -p "$name" -N"$count" hostname 2>&1); do
    late "srun -p $name -N$count hostname failed: $out"
    sleep 2
  done
  answers="$answers $(echo "$out" | tr '\n' ' ')"
done
for node in $EXPECTED_NODES; do
  case " $answers " in *" $node "*) ;; *) fail "srun got no answer from $node (answers:$answers)" ;; esac
done
# shellcheck disable=SC2086 # the answers, one word each
summary="ready: $(echo $EXPECTED_NODES | wc -w) node(s) idle; srun answered from $(printf '%s\n' $answers | sort -u | tr '\n' ' ' | sed 's/ $//')"

if [ -n "$ACCOUNTING_CLUSTER" ]; then
  until sacctmgr -n -P show cluster "$ACCOUNTING_CLUSTER" format=cluster 2>/dev/null | grep -qx "$ACCOUNTING_CLUSTER"; do
    late "accounting: cluster $ACCOUNTING_CLUSTER is not registered in slurmdbd; see 'docker logs slurmdbd' and \
'docker logs mariadb' on host $CONTROLLER_HOST"
    sleep 2
  done
  summary="$summary; accounting: cluster $ACCOUNTING_CLUSTER registered"
fi

if [ -n "$REST_URL" ]; then
  token=$(scontrol token username=root lifespan=600 2>&1 | sed -n 's/^SLURM_JWT=//p')
  [ -n "$token" ] || fail "REST API: scontrol token gave no token; is AuthAltTypes=auth/jwt in slurm.conf?"
  until code=$(curl -s -o /dev/null -w '%{http_code}' -H "X-SLURM-USER-NAME: root" \
      -H "X-SLURM-USER-TOKEN: $token" "$REST_URL"); [ "$code" = 200 ]; do
    late "REST API: GET $REST_URL answers HTTP $code; see 'docker logs slurmrestd' on host $CONTROLLER_HOST"
    sleep 2
  done
  summary="$summary; REST API answers"
fi

if [ -n "$MPI_PARTITION" ]; then
  # Open MPI 5.0.7 sets up MPI_COMM_WORLD in its ob1 PML only after MPI_Init's PMIx fence, so a rank
  # still inside MPI_Init can crash when a peer that left the fence first sends to it
  # (open-mpi/ompi#13559; a few runs in a hundred on this project's busy testbed). That crash, and
  # only that one, gets a second run, and the summary says so.
  name=${MPI_PARTITION%:*}
  count=${MPI_PARTITION#*:}
  hello() {
    timeout 120 srun --immediate=60 --mpi=pmix -p "$name" -N"$count" mpi-hello 2>&1
  }
  mpi_note=""
  if ! out=$(hello); then
    case "$out" in *"$MPI_CRASH"*"$MPI_INIT"*|*"$MPI_INIT"*"$MPI_CRASH"*) ;;
      *) fail "MPI: srun --mpi=pmix -N$count mpi-hello failed: $out" ;; esac
    echo "MPI: a rank crashed inside MPI_Init (Open MPI's start-up race, open-mpi/ompi#13559); running it again" >&2
    mpi_note=$MPI_SECOND_RUN_NOTE
    out=$(hello) || fail "MPI: srun --mpi=pmix -N$count mpi-hello failed twice: $out"
  fi
  case "$out" in *"MPI OK"*) ;; *) fail "MPI: mpi-hello did not report MPI OK: $out" ;; esac
  summary="$summary; MPI across $count node(s)$mpi_note"
fi
echo "$summary"
