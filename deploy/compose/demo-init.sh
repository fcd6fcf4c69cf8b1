#!/bin/sh
# One-shot demo set-up (docker-compose.yml service demo-init): tables and publications on the publisher, tables
# and subscriptions on replica-a (demo_pub) and replica-b (demo_pub_small). Safe to run again.
# Env: PGPASSWORD (the demo superuser's), PRM_DEMO_DB_PASSWORD (demo_replicator's), host/port of each database.
set -eu
dir="$(dirname "$0")"
pub_host="${DEMO_PUBLISHER_HOST:-demo-publisher}"
pub_port="${DEMO_PUBLISHER_PORT:-5432}"
: "${PGPASSWORD:?PGPASSWORD (demo superuser password) is required}"
: "${PRM_DEMO_DB_PASSWORD:?PRM_DEMO_DB_PASSWORD is required}"
export PGOPTIONS="${PGOPTIONS:--c client_min_messages=warning}"

on() { # on HOST PORT psql-args...
  host="$1" port="$2"
  shift 2
  psql -X -q -v ON_ERROR_STOP=1 -h "$host" -p "$port" -U "${DEMO_SUPERUSER:-postgres}" -d demo "$@"
}

on "$pub_host" "$pub_port" -f "$dir/demo-schema.sql"
on "$pub_host" "$pub_port" -v replicator_password="$PRM_DEMO_DB_PASSWORD" -f "$dir/demo-publisher.sql"

# The subscriber connects to the publisher from its own container: the publisher's address as replicas see it.
conninfo="host=${DEMO_PUBLISHER_HOST_FROM_REPLICAS:-$pub_host} port=${DEMO_PUBLISHER_PORT_FROM_REPLICAS:-$pub_port} dbname=demo user=demo_replicator password=$PRM_DEMO_DB_PASSWORD"
for spec in "${DEMO_REPLICA_A_HOST:-demo-replica-a}:${DEMO_REPLICA_A_PORT:-5432}:replica_a_sub:demo_pub" \
  "${DEMO_REPLICA_B_HOST:-demo-replica-b}:${DEMO_REPLICA_B_PORT:-5432}:replica_b_sub:demo_pub_small"; do
  IFS=: read -r host port sub pub <<SPEC
$spec
SPEC
  on "$host" "$port" -f "$dir/demo-schema.sql"
  on "$host" "$port" -v subname="$sub" -v publication="$pub" -v conninfo="$conninfo" -f "$dir/demo-subscription.sql"
  echo "demo-init: $sub on $host subscribes to $pub"
done
